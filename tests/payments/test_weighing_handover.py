"""Weighed settlement on an order paid at handover (货到付款 / 到店自提付款): the merchant weighs before
he collects, so he collects less; when he confirms the money, the full payment and the shortfall (a
refund he gave on the spot) are booked, once, and the ledger balances (checked by the suite's fixture)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from orders import services, weighing
from payments import ledger, offline
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from payments.services import choose_offline


@pytest.fixture
def stripe_keys():
    return False


@pytest.fixture
def cash_order(make_variant, make_group):
    """20 斤 at ¥6.00 per 斤 (¥120.00), to be paid in cash at pickup; accepted unpaid."""
    variant = make_variant(unit="斤", price=600, stock=100, direct=False)
    group = make_group(items=[(variant, 20)])
    order = group.orders[0]
    choose_offline(group, "cash")
    owner = order.shop.members[0].user
    services.accept(order, owner)
    return order, owner


def test_weighing_before_the_money_lowers_what_is_collected_then_books_a_refund(cash_order, login, client):
    order, owner = cash_order
    assert order.paid_at is None and order.total_cents == 12_000
    row = weighing.record_weight(order, order.lines[0].id, "19.4", owner)  # ¥3.60 short
    assert row.refunded_cents == 360
    due = offline.handover_payment(order)
    assert due.amount_cents == 11_640 and due.status == PaymentStatus.PENDING
    assert db.session.scalar(sa.select(sa.func.count(Refund.id))) == 0  # no money moved yet

    login(owner)
    page = client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert "交付时应收：" in page and "¥116.40" in page and "称重结算少收 ¥3.60" in page
    for _ in range(2):  # a double click: one payment, one refund
        assert client.post(f"/merchant/orders/{order.id}/payment/confirm").status_code == 302
    db.session.expire_all()
    (payment,) = db.session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).all()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_cents == 12_000
    (refund,) = db.session.scalars(sa.select(Refund).where(Refund.order_id == order.id)).all()
    assert refund.amount_cents == 360 and refund.status == RefundStatus.SUCCEEDED
    assert refund.idempotency_key == f"refund-weigh-o{order.id}"
    # The platform's commission is on what the buyer finally paid.
    charged, returned = ledger.commission_booked(order.id)
    assert charged - returned == ledger.commission_for(order) - refund.commission_cents
    assert ledger.shop_balance(order.shop_id) == -(charged - returned)


def test_a_second_line_weighed_after_the_money_is_refunded_the_usual_way(make_variant, make_group):
    pears = make_variant(unit="斤", price=600, stock=100, direct=False)
    garlic = make_variant(pears.product.shop, unit="公斤", price=1_000, stock=100, direct=False)
    group = make_group(items=[(pears, 20), (garlic, 10)])
    order = group.orders[0]
    choose_offline(group, "cash")
    owner = order.shop.members[0].user
    services.accept(order, owner)
    by_unit = {ln.unit: ln for ln in order.lines}
    weighing.record_weight(order, by_unit["斤"].id, "19.4", owner)
    offline.confirm_received(order, owner)
    weighing.record_weight(order, by_unit["公斤"].id, "9.8", owner)  # ¥2.00 short, after the money
    refunds = db.session.scalars(sa.select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)).all()
    assert [(r.amount_cents, r.idempotency_key) for r in refunds] == [
        (360, f"refund-weigh-o{order.id}"), (200, f"refund-weigh-l{by_unit['公斤'].id}")]


def test_a_cancelled_order_weighed_before_the_money_books_nothing(cash_order):
    order, owner = cash_order
    weighing.record_weight(order, order.lines[0].id, "19.4", owner)
    services.cancel_by_merchant(order, owner, "买家不要了")
    db.session.expire_all()
    (payment,) = db.session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).all()
    assert payment.status == PaymentStatus.CANCELED
    assert db.session.scalar(sa.select(sa.func.count(Refund.id))) == 0
    assert ledger.shop_balance(order.shop_id) == 0
