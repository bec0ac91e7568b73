"""Property: whatever buyers do (add to cart, place orders, pay, cancel, let orders expire), each
variant's stock equals its initial stock minus what was sold plus what was released, and is never
negative. The sequences are random (hypothesis); the expectations come from a small model here,
the outcomes from the real services."""

from __future__ import annotations

import datetime as dt
import random

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


class Model:
    """The expected stock, carts and orders, next to the real services that each step calls."""

    def __init__(self, variant_ids: list[int], buyers: list, carts: list, moved_before: dict[int, int]):
        self.variant_ids, self.buyers, self.carts, self.moved_before = variant_ids, buyers, carts, moved_before
        self.stock = dict(zip(variant_ids, INITIAL, strict=True))
        self.initial = dict(self.stock)
        self.cart_lines: list[dict[int, int]] = [{} for _ in buyers]
        self.orders: dict[int, tuple[int, str, dict[int, int]]] = {}  # order id -> (buyer, state, lines)
        self.sold = dict.fromkeys(self.stock, 0)
        self.released = dict.fromkeys(self.stock, 0)

    def _set_state(self, order_id: int, state: str) -> None:
        buyer, _old, lines = self.orders[order_id]
        self.orders[order_id] = (buyer, state, lines)

    def _release(self, order_id: int, state: str) -> None:
        self._set_state(order_id, state)
        for vid, qty in self.orders[order_id][2].items():
            self.stock[vid] += qty
            self.released[vid] += qty

    def _latest(self, buyer: int, states) -> int | None:
        mine = [oid for oid, (b, state, _l) in self.orders.items() if b == buyer and state in states]
        return max(mine) if mine else None

    def add(self, b: int, v: int, qty: int) -> None:
        vid = self.variant_ids[v]
        fits = self.cart_lines[b].get(vid, 0) + qty <= self.stock[vid]
        try:
            services.add_item(vid, qty, cart=self.carts[b])
        except services.CartError:
            assert not fits
        else:
            assert fits
            self.cart_lines[b][vid] = self.cart_lines[b].get(vid, 0) + qty

    def checkout(self, b: int) -> None:
        lines = self.cart_lines[b]
        fits = bool(lines) and all(q <= self.stock[vid] for vid, q in lines.items())
        try:
            group = services.place_order(self.carts[b], self.buyers[b], choices=None,
                                         idempotency_key=services.new_idempotency_key())
        except services.CartError:
            assert not fits
            return
        assert fits
        for order in group.orders:
            self.orders[order.id] = (b, "pending", {ln.variant_id: ln.quantity for ln in order.lines})
        for vid, qty in lines.items():
            self.stock[vid] -= qty
            self.sold[vid] += qty
        self.cart_lines[b] = {}

    def pay(self, b: int) -> None:
        order_id = self._latest(b, {"pending"})
        if order_id is not None:
            services.mark_paid(db.session.get(Order, order_id), None)
            self._set_state(order_id, "paid")

    def cancel(self, b: int) -> None:
        order_id = self._latest(b, {"pending", "paid", "cancelled", "expired"})
        if order_id is None:
            return
        cancellable = self.orders[order_id][1] in ("pending", "paid")
        try:
            services.cancel_by_buyer(db.session.get(Order, order_id), self.buyers[b])
        except InvalidTransition:
            assert not cancellable
        else:
            assert cancellable
            self._release(order_id, "cancelled")

    def expire(self) -> None:
        pending = [oid for oid, (_b, state, _l) in self.orders.items() if state == "pending"]
        assert services.expire_overdue(now=utcnow() + dt.timedelta(days=1)) == len(pending)
        for order_id in pending:
            self._release(order_id, "expired")

    def check(self) -> None:
        db.session.expire_all()
        for vid, expected in self.stock.items():
            actual = db.session.get(Variant, vid).stock
            assert actual >= 0
            assert actual == expected == self.initial[vid] - self.sold[vid] + self.released[vid]
            assert actual == self.initial[vid] + _movements(vid) - self.moved_before[vid]


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=12))
def test_stock_is_initial_minus_sold_plus_released(world, steps):
    # Hypothesis seeds the global random module alike for every example, and Whoosh names its new
    # segments from it: the same names again in one index (an empty segment file). Fresh seed.
    random.seed()
    model = Model(*world())
    for action, *args in steps:
        getattr(model, action)(*args)
        model.check()
