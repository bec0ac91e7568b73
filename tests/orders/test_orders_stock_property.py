"""Property: whatever buyers do (add to cart, place orders, pay, cancel, let orders expire), each
variant's stock equals its initial stock minus what was sold plus what was released, and is never
negative. The sequences are random (hypothesis); the expectations come from a small model here,
the outcomes from the real services."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import StockMovement, Variant
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from orders import services
from orders.models import Order

pytestmark = pytest.mark.slow

INITIAL = (3, 5)
BUYERS = 2

step = st.one_of(
    st.tuples(st.just("add"), st.integers(0, BUYERS - 1), st.integers(0, len(INITIAL) - 1), st.integers(1, 4)),
    st.tuples(st.just("checkout"), st.integers(0, BUYERS - 1)),
    st.tuples(st.just("pay"), st.integers(0, BUYERS - 1)),
    st.tuples(st.just("cancel"), st.integers(0, BUYERS - 1)),
    st.tuples(st.just("expire")),
)


def _movements(variant_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0))
                             .where(StockMovement.variant_id == variant_id))


@pytest.fixture
def world(app, make_user, make_variant, user_cart):
    """world() -> (variant ids, buyers, carts, movements so far) for one example. The variants are
    made once per test (each new product is indexed for search, slow) and reset to INITIAL stock;
    the buyers and their carts are new."""
    variant_ids: list[int] = []

    def make():
        services.expire_overdue(now=utcnow() + dt.timedelta(days=2))  # an earlier example's unpaid orders
        if not variant_ids:
            variant_ids.extend(make_variant(stock=n).id for n in INITIAL)
        for vid, n in zip(variant_ids, INITIAL, strict=True):
            db.session.execute(sa.update(Variant).where(Variant.id == vid).values(stock=n))
        db.session.commit()
        buyers = [make_user() for _ in range(BUYERS)]
        carts = [user_cart(buyer, []) for buyer in buyers]
        return list(variant_ids), buyers, carts, {vid: _movements(vid) for vid in variant_ids}

    return make


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=12))
def test_stock_is_initial_minus_sold_plus_released(world, steps):
    variant_ids, buyers, carts, moved_before = world()
    stock = dict(zip(variant_ids, INITIAL, strict=True))  # the model's stock
    initial = dict(stock)
    cart_lines: list[dict[int, int]] = [{} for _ in buyers]
    orders: dict[int, tuple[int, str, dict[int, int]]] = {}  # order id -> (buyer, state, lines)
    sold = dict.fromkeys(stock, 0)
    released = dict.fromkeys(stock, 0)

    def release(order_id: int, state: str) -> None:
        buyer, _old, lines = orders[order_id]
        orders[order_id] = (buyer, state, lines)
        for vid, qty in lines.items():
            stock[vid] += qty
            released[vid] += qty

    def latest(buyer: int, states) -> int | None:
        mine = [oid for oid, (b, state, _l) in orders.items() if b == buyer and state in states]
        return max(mine) if mine else None

    for action, *args in steps:
        if action == "add":
            b, v, qty = args
            vid = variant_ids[v]
            fits = cart_lines[b].get(vid, 0) + qty <= stock[vid]
            try:
                services.add_item(vid, qty, cart=carts[b])
            except services.CartError:
                assert not fits
            else:
                assert fits
                cart_lines[b][vid] = cart_lines[b].get(vid, 0) + qty
        elif action == "checkout":
            (b,) = args
            fits = bool(cart_lines[b]) and all(q <= stock[vid] for vid, q in cart_lines[b].items())
            try:
                group = services.place_order(carts[b], buyers[b], choices=None,
                                             idempotency_key=services.new_idempotency_key())
            except services.CartError:
                assert not fits
            else:
                assert fits
                for order in group.orders:
                    lines = {ln.variant_id: ln.quantity for ln in order.lines}
                    orders[order.id] = (b, "pending", lines)
                for vid, qty in cart_lines[b].items():
                    stock[vid] -= qty
                    sold[vid] += qty
                cart_lines[b] = {}
        elif action == "pay":
            order_id = latest(args[0], {"pending"})
            if order_id is not None:
                services.mark_paid(db.session.get(Order, order_id), None)
                b, _s, lines = orders[order_id]
                orders[order_id] = (b, "paid", lines)
        elif action == "cancel":
            order_id = latest(args[0], {"pending", "paid", "cancelled", "expired"})
            if order_id is not None:
                cancellable = orders[order_id][1] in ("pending", "paid")
                try:
                    services.cancel_by_buyer(db.session.get(Order, order_id), buyers[args[0]])
                except InvalidTransition:
                    assert not cancellable
                else:
                    assert cancellable
                    release(order_id, "cancelled")
        else:
            pending = [oid for oid, (_b, state, _l) in orders.items() if state == "pending"]
            expired = services.expire_overdue(now=utcnow() + dt.timedelta(days=1))
            assert expired == len(pending)
            for order_id in pending:
                release(order_id, "expired")

        db.session.expire_all()
        for vid in stock:
            actual = db.session.get(Variant, vid).stock
            assert actual >= 0
            assert actual == stock[vid] == initial[vid] - sold[vid] + released[vid]
            assert actual == initial[vid] + _movements(vid) - moved_before[vid]
