"""Races on the real database (SQLite file or PostgreSQL): threads, each with its own app context."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from catalog.models import StockMovement, Variant
from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.states import InvalidTransition
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


# --- the "never oversell" races, on the real checkout path ---------------------------------------------

def _movements_sum(variant_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0))
                             .where(StockMovement.variant_id == variant_id))


def _assert_stock_consistent(variant_id: int, initial: int) -> int:
    """Stock is never negative and equals its initial value plus every recorded movement."""
    db.session.expire_all()
    stock = db.session.get(Variant, variant_id).stock
    assert stock >= 0
    assert stock == initial + _movements_sum(variant_id)
    return stock


def test_many_buyers_one_last_item_through_the_checkout_page(app, make_user, make_variant, user_cart):
    """Twelve signed-in buyers press "place order" at once (the HTML route) for the last unit: one
    order, the others see the refusal on the checkout page, the stock ends at 0 and agrees with
    the stock movements."""
    variant = make_variant(stock=1)
    clients = []
    for i in range(12):
        buyer = make_user()
        user_cart(buyer, [(variant, 1)])
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"  # one buyer each: under the login rate limit
        response = client.post("/account/login", data={"email": buyer.email, "password": "correct horse 42"})
        assert response.status_code in (302, 303)
        clients.append(client)
    variant_id = variant.id
    db.session.remove()

    def buy(i: int):
        return clients[i].post("/checkout", data={"idempotency_key": f"last-item-{i:04d}"})

    responses = _run_threads(app, len(clients), buy)
    assert not [r for r in responses if isinstance(r, Exception)], responses
    placed = [r for r in responses if r.status_code == 302 and "/orders/checkout/" in r.headers["Location"]]
    refused = [r for r in responses if r.status_code == 200]
    assert len(placed) == 1 and len(refused) == 11, [r.status_code for r in responses]
    assert all("flash" in r.get_data(as_text=True) for r in refused)
    assert _assert_stock_consistent(variant_id, 1) == 0
    assert _movements_sum(variant_id) == -1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 1
    assert db.session.scalar(sa.select(sa.func.sum(OrderLine.quantity))
                             .where(OrderLine.variant_id == variant_id)) == 1


def test_crossing_multi_variant_carts_never_oversell(app, make_user, make_shop, make_variant, user_cart):
    """Four buyers per round want one of each of three variants with two left, half of them holding
    the lines in the opposite order: no deadlock (every answer is an order or a refusal), exactly
    two orders per round, and a loser's cart takes nothing (stock 0, never below)."""
    rounds = []
    for _round in range(3):
        shop = make_shop()
        variants = [make_variant(shop, stock=2) for _v in range(3)]
        buyers = []
        for i in range(4):
            buyer = make_user()
            user_cart(buyer, [(v, 1) for v in (variants if i % 2 else reversed(variants))])
            buyers.append(buyer.id)
        rounds.append(([v.id for v in variants], buyers))
    db.session.remove()

    for number, (variant_ids, buyers) in enumerate(rounds):
        def buy(i: int, buyers=buyers, number=number):
            buyer = db.session.get(User, buyers[i])
            cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id))
            return services.place_order(cart, buyer, choices=None, idempotency_key=f"x-{number}-{i:04d}").id

        results = _run_threads(app, 4, buy)
        unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, services.CartError)]
        assert not unexpected, unexpected
        assert len([r for r in results if isinstance(r, int)]) == 2, results
        assert {r.code for r in results if isinstance(r, services.CartError)} <= {"out_of_stock", "unavailable"}
        for variant_id in variant_ids:
            assert _assert_stock_consistent(variant_id, 2) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 6


def test_payment_races_cancel_and_expiry_stock_released_once(app, make_user, make_variant, user_cart, place):
    """For each of four unpaid orders a payment, the buyer's cancel and the expiry job run at once.
    Pay and expire both start from 'awaiting payment': one of them wins. Whatever wins, an order
    gives its stock back at most once, exactly when it ends cancelled or expired."""
    from orders.models import Order, OrderStatus, OrderStatusChange

    S = OrderStatus
    variant = make_variant(stock=20)
    orders = []
    for _ in range(4):
        buyer = make_user()
        group = place(buyer, user_cart(buyer, [(variant, 2)]))
        orders.append((group.orders[0].id, buyer.id))
    variant_id = variant.id
    db.session.remove()
    later = utcnow() + dt.timedelta(days=1)

    def work(i: int):
        order_id, buyer_id = orders[i // 2] if i < 8 else (None, None)
        if i == 8:
            return services.expire_overdue(now=later)
        order = db.session.get(Order, order_id)
        if i % 2:
            return services.cancel_by_buyer(order, db.session.get(User, buyer_id), "不要了").id
        return [o.id for o in services.mark_paid(order, None, "paid")]

    results = _run_threads(app, 9, work)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, InvalidTransition)]
    assert not unexpected, unexpected
    db.session.expire_all()
    released = 0
    for order_id, _buyer in orders:
        order = db.session.get(Order, order_id)
        moves = [h.to_status for h in db.session.scalars(
            sa.select(OrderStatusChange).where(OrderStatusChange.order_id == order_id,
                                               OrderStatusChange.from_status == S.PENDING_PAYMENT))]
        assert len(moves) == 1, moves  # one move out of 'awaiting payment', never two
        releases = db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement).where(
            StockMovement.order_id == order_id, StockMovement.delta > 0))
        ends_released = order.status in (S.CANCELLED, S.EXPIRED)
        assert releases == (1 if ends_released else 0), (order.status, releases)
        released += ends_released
    assert _assert_stock_consistent(variant_id, 20) == 20 - 2 * 4 + 2 * released


def test_concurrent_adds_of_one_line_add_up(app, make_user, make_variant):
    """Adding to the cart is read-then-upsert: the upsert updates the line only if its quantity is
    still the one read, else the add reads it again. Eight adds of the same variant to one cart at
    once (its first line, so the cart and the line are created concurrently too) end with every
    unit counted, one cart and one line, at the price of the tier reached."""
    buyer = make_user()
    variant = make_variant(price=1000, stock=500, tiers=((10, 900),))
    buyer_id, variant_id = buyer.id, variant.id
    db.session.remove()

    def add(i: int):
        from flask_login import login_user

        with app.test_request_context("/cart/add", method="POST"):
            login_user(db.session.get(User, buyer_id))
            return services.add_item(variant_id, i + 1).quantity

    results = _run_threads(app, 8, add)
    assert all(isinstance(r, int) for r in results), results
    db.session.expire_all()
    carts = db.session.scalars(sa.select(Cart).where(Cart.user_id == buyer_id)).all()
    assert len(carts) == 1 and len(carts[0].lines) == 1
    line = carts[0].lines[0]
    assert line.quantity == sum(range(1, 9)) == max(results)
    assert line.price_seen_cents == 900
