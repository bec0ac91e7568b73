"""Stock stays exact through any sequence of after-sales: refund requests approved with or without
restock, returns sent back and received into stock, refusals ruled either way, withdrawals, the
shop's own partial refunds, the handover, and a cancellation (before the handover). After every step
each variant's stock equals its movements, is never negative, and equals a small model of the shelf
(initial - ordered + restocked; the initial stock again once cancelled): no unit comes back twice.
Random sequences (hypothesis) through the real services."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales import services as aftersales
from aftersales.errors import AfterSaleError
from catalog.models import Variant
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from orders import services
from payments import refunds
from payments.errors import PaymentError
from tests.payments.conftest import movements_of
from tests.payments.test_stock_after_refunds import INITIAL, ORDERED, shelf  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

OUTCOMES = ("approve", "approve_restock", "rule_refund", "rule_refund_restock", "rule_reject", "withdraw")
step = st.one_of(
    st.tuples(st.just("ask"), st.sampled_from(["refund", "return"]), st.integers(0, 1), st.integers(1, 5),
              st.sampled_from(OUTCOMES)),
    st.tuples(st.just("refund"), st.integers(0, 1), st.integers(1, 4), st.booleans()),
    st.tuples(st.just("deliver")),
    st.tuples(st.just("cancel")),
)


def _settle(case, outcome: str, owner, admin, buyer) -> bool:
    """Carry a new request to its end; True when it put its units back in stock."""
    restock = outcome.endswith("_restock")
    if outcome.startswith("approve"):
        if case.kind.value == "return":
            aftersales.approve(case, owner, return_shipping="none")
            aftersales.mark_returned(case, buyer)
            aftersales.confirm_received(case, owner, restock=restock)
        else:
            aftersales.approve(case, owner, restock=restock)
        return restock
    if outcome == "withdraw":
        aftersales.withdraw(case, buyer)
        return False
    aftersales.refuse(case, owner, note="不同意")
    aftersales.dispute(case, buyer, note="请平台裁决")
    aftersales.rule(case, admin, decision="reject" if outcome == "rule_reject" else "refund", note="裁决",
                    restock=restock)
    return restock and outcome != "rule_reject"


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=8))
def test_any_sequence_of_after_sales_keeps_stock_exact(shelf, make_group, make_user, steps):  # noqa: F811
    random.seed()  # Whoosh names segments from the global random, which hypothesis seeds alike
    variants, before = shelf()
    order = make_group(items=list(zip(variants, ORDERED, strict=True))).orders[0]
    owner, buyer = order.shop.members[0].user, order.buyer
    admin = make_user(roles=("admin",))
    services.mark_paid(order, owner, "cash")
    services.accept(order, owner)
    by_variant = {v.id: i for i, v in enumerate(variants)}
    lines = sorted(order.lines, key=lambda ln: by_variant[ln.variant_id])
    refunded, restocked = [0, 0], [0, 0]
    delivered = cancelled = False
    for n, (action, *args) in enumerate(steps):
        if action == "ask":
            kind, i, qty, outcome = args
            allowed = (not cancelled and qty <= ORDERED[i] - refunded[i] and (kind == "refund" or delivered))
            try:
                case = aftersales.request_after_sale(order, buyer, kind=kind, reason="quality", lines={lines[i].id: qty})
            except AfterSaleError:
                db.session.rollback()
                assert not allowed
                continue
            assert allowed
            back = _settle(case, outcome, owner, admin, buyer)
            if outcome != "withdraw" and outcome != "rule_reject":
                refunded[i] += qty
                restocked[i] += qty if back else 0
        elif action == "refund":
            i, qty, restock = args
            try:
                refunds.refund_order(order, owner, lines={lines[i].id: qty}, restock=restock, reason="商家退款",
                                     idempotency_key=f"prop-as-{order.id}-{n}")
            except PaymentError:
                db.session.rollback()
                assert cancelled or refunded[i] + qty > ORDERED[i]
            else:
                refunded[i] += qty
                restocked[i] += qty if restock else 0
        elif action == "deliver" and not delivered and not cancelled:
            services.ready_for_pickup(order, owner)
            services.mark_delivered(order, owner)
            delivered = True
        elif action == "cancel":
            try:
                services.cancel_by_merchant(order, owner, "取消")
            except InvalidTransition:
                db.session.rollback()
                assert delivered or cancelled
            else:
                cancelled = True
        db.session.expire_all()
        for i, variant in enumerate(variants):
            stock = db.session.get(Variant, variant.id).stock
            expected = INITIAL if cancelled else INITIAL - ORDERED[i] + restocked[i]
            assert 0 <= stock == expected == INITIAL + movements_of(variant.id) - before[variant.id], (steps, n)
