"""Races on the real database (SQLite file or PostgreSQL): threads, each with its own app context."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from catalog.models import StockMovement, Variant
from marketplace.accounts.models import User
from marketplace.extensions import db
from orders import services
from orders.models import Cart, OrderGroup, OrderLine

pytestmark = pytest.mark.slow


def _run_threads(app, n: int, work):
    """Start ``n`` threads at once (a barrier), each running work(i) in its own app context."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except services.CartError as exc:
                results[i] = exc
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_fifty_buyers_race_for_the_last_five_units(app, make_user, make_variant, user_cart):
    variant = make_variant(stock=5)
    buyers = []
    for _ in range(50):
        buyer = make_user()
        user_cart(buyer, [(variant, 1)])
        buyers.append(buyer.id)
    variant_id = variant.id
    db.session.commit()
    db.session.remove()

    def buy(i: int):
        buyer = db.session.get(User, buyers[i])
        cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id))
        return services.place_order(cart, buyer, choices=None, idempotency_key=f"race-{i:04d}-key").id

    results = _run_threads(app, 50, buy)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, services.CartError)]
    assert not unexpected, unexpected[:3]
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, services.CartError)]
    assert len(won) == 5 and len(lost) == 45
    assert {e.code for e in lost} <= {"out_of_stock", "unavailable"}
    db.session.expire_all()
    assert db.session.get(Variant, variant_id).stock == 0
    assert db.session.scalar(sa.select(sa.func.sum(OrderLine.quantity))) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 5
    assert db.session.scalar(sa.select(sa.func.sum(StockMovement.delta))
                             .where(StockMovement.variant_id == variant_id)) == -5


def test_concurrent_double_submit_makes_one_group(app, make_user, make_shop, make_variant, user_cart):
    shop = make_shop()
    a, b = make_variant(shop, stock=20), make_variant(shop, stock=20)
    buyer = make_user()
    user_cart(buyer, [(a, 2), (b, 3)])
    buyer_id, a_id, b_id = buyer.id, a.id, b.id
    db.session.remove()

    def submit(_i: int):
        user = db.session.get(User, buyer_id)
        cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == user.id))
        return services.place_order(cart, user, choices=None, idempotency_key="same-key-twice").id

    results = _run_threads(app, 8, submit)
    ids = {r for r in results if isinstance(r, int)}
    assert len(ids) == 1 and all(isinstance(r, int) for r in results), results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 1
    assert db.session.get(Variant, a_id).stock == 18 and db.session.get(Variant, b_id).stock == 17


def test_crossing_carts_do_not_deadlock(app, make_user, make_shop, make_variant, user_cart):
    """Buyers holding the same variants in opposite orders: ascending lock order, no deadlock."""
    shop = make_shop()
    a, b = make_variant(shop, stock=100), make_variant(shop, stock=100)
    buyers = []
    for i in range(10):
        buyer = make_user()
        user_cart(buyer, [(a, 1), (b, 1)] if i % 2 else [(b, 1), (a, 1)])
        buyers.append(buyer.id)
    a_id, b_id = a.id, b.id
    db.session.remove()

    def buy(i: int):
        buyer = db.session.get(User, buyers[i])
        cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id))
        return services.place_order(cart, buyer, choices=None, idempotency_key=f"cross-{i:04d}-key").id

    results = _run_threads(app, 10, buy)
    assert all(isinstance(r, int) for r in results), results
    db.session.expire_all()
    assert db.session.get(Variant, a_id).stock == 90 and db.session.get(Variant, b_id).stock == 90
