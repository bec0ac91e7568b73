"""A weighed shortfall on an order paid by card goes back through Stripe (localstripe): the refund
path of payments.refunds books it, the ledger stays balanced (the suite's fixture checks)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from orders import services, weighing
from payments import services as payments
from payments.models import Refund, RefundStatus


def test_card_paid_shortfall_is_refunded_on_stripe(make_group, make_variant, card_token):
    variant = make_variant(unit="公斤", price=1200, stock=100)
    group = make_group(items=[(variant, 10)])
    payment = payments.stripe_payment(group)
    state, _intent = payments.pay_with_card_token(payment, card_token())
    assert state == "succeeded"
    db.session.expire_all()
    order = group.orders[0]
    owner = order.shop.members[0].user
    services.accept(order, owner)
    row = weighing.record_weight(order, order.lines[0].id, "9.7", owner)
    assert row.refunded_cents == 360
    db.session.expire_all()
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    assert refund.amount_cents == 360
    assert refund.status == RefundStatus.SUCCEEDED and refund.provider_ref.startswith("re_")
