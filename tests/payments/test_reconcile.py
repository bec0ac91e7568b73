"""``flask --app marketplace payments reconcile``: lost webhooks, a crash between the charge and the
order update, and a payment that arrives for an expired group (refunded automatically)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog.models import Variant
from marketplace.db import utcnow
from marketplace.extensions import db
from orders.models import OrderStatus, OrderStatusChange
from payments import services, stripe_api
from payments.models import Account, LedgerEntry, Payment, PaymentStatus, Refund, RefundStatus

S = OrderStatus


def _charge_at_stripe(payment, card_token):
    """The buyer paid at Stripe, but no webhook and no return page reached us."""
    client = stripe_api.client()
    customer = client.v1.customers.create(params={"source": card_token()})
    client.v1.payment_intents.update(payment.provider_ref, params={"customer": customer.id,
                                                                   "payment_method": customer.default_source})
    assert client.v1.payment_intents.confirm(payment.provider_ref).status == "succeeded"


def _reconcile(app):
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def test_reconcile_settles_a_lost_webhook(app, make_group, card_token):
    group = make_group()
    payment = services.stripe_payment(group)
    _charge_at_stripe(payment, card_token)
    other = services.stripe_payment(make_group())  # still unpaid: stays so
    out = _reconcile(app)
    assert "1 settled" in out
    assert all(o.status == S.PAID for o in group.orders) and payment.status == PaymentStatus.SUCCEEDED
    assert other.status == PaymentStatus.PENDING
    assert "0 settled" in _reconcile(app)  # a second run changes nothing


@pytest.fixture
def crash_on_paid():
    """Raise when the orders' move to paid is flushed: a crash between the charge and the order update."""
    state = {"armed": True}

    def boom(session, flush_context, instances):
        if state["armed"] and any(isinstance(o, OrderStatusChange) and o.to_status == S.PAID for o in session.new):
            state["armed"] = False
            raise RuntimeError("simulated crash after the charge")

    event.listen(Session, "before_flush", boom)
    yield state
    event.remove(Session, "before_flush", boom)


def test_crash_between_charge_and_order_update_is_repaired(app, make_group, login, client, card_token,
                                                           crash_on_paid):
    group = make_group()
    login(group.buyer)
    assert client.get(f"/payments/group/{group.id}/card").status_code == 200
    payment = db.session.scalar(sa.select(Payment))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = client.post(f"/payments/group/{group.id}/card/confirm", json={"payment_id": payment.id, "token": card_token()})
    assert r.status_code == 500 and not crash_on_paid["armed"]
    db.session.expire_all()
    # Nothing half-saved: no payment booked, orders unpaid, the payment not marked succeeded.
    assert payment.status != PaymentStatus.SUCCEEDED and all(o.status == S.PENDING_PAYMENT for o in group.orders)
    assert not db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))
    assert stripe_api.client().v1.payment_intents.retrieve(payment.provider_ref).status == "succeeded"
    assert "1 settled" in _reconcile(app)
    assert all(o.status == S.PAID for o in group.orders) and payment.status == PaymentStatus.SUCCEEDED


def test_payment_for_an_expired_group_is_refunded_automatically(app, make_group, make_user, card_token, login,
                                                                client):
    from orders import services as orders

    group = make_group()
    payment = services.stripe_payment(group)
    variant_ids = [line.variant_id for o in group.orders for line in o.lines]
    assert orders.expire_overdue(now=utcnow() + dt.timedelta(hours=2)) == 2
    _charge_at_stripe(payment, card_token)  # the buyer paid in a tab left open
    _reconcile(app)
    assert all(o.status == S.EXPIRED for o in group.orders)
    assert payment.status == PaymentStatus.SUCCEEDED and "自动全额退款" in payment.attention
    refund = db.session.scalar(sa.select(Refund))
    assert refund.status == RefundStatus.SUCCEEDED and refund.amount_cents == payment.amount_cents
    assert refund.provider_ref.startswith("re_")
    intent = stripe_api.client().v1.payment_intents.retrieve(payment.provider_ref, params={"expand": ["latest_charge"]})
    assert stripe_api.charge_of(intent)[1] == payment.amount_cents  # Stripe gave the whole amount back
    refunded_at_stripe = stripe_api.client().v1.refunds.list(params={"payment_intent": payment.provider_ref}).data
    assert [r.amount for r in refunded_at_stripe] == [payment.amount_cents]  # once
    suspense = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_cents)).where(
        LedgerEntry.account == Account.SUSPENSE))
    assert suspense == 0
    # The stock went back once, on expiry; the automatic refund (no lines) gives none back again.
    assert [db.session.get(Variant, v).stock for v in variant_ids] == [100] * len(variant_ids)
    # The admin sees it.
    admin = make_user(roles=("admin",))
    login(admin)
    page = client.get("/admin/payments").get_data(as_text=True)
    assert "自动全额退款" in page
    assert "0 settled" in _reconcile(app)
    assert db.session.scalar(sa.select(sa.func.count(Refund.id))) == 1


def test_money_for_a_payment_cancelled_here_is_flagged_not_ignored(app, make_group, card_token):
    """Stripe took the money after the payment was cancelled here: the admin sees it; nothing is booked."""
    from marketplace.db import atomic
    from payments.status import PAYMENT_MACHINE

    group = make_group()
    payment = services.stripe_payment(group)
    with atomic():
        PAYMENT_MACHINE.move(payment, PaymentStatus.CANCELED, note="buyer left")
    _charge_at_stripe(payment, card_token)
    intent = stripe_api.client().v1.payment_intents.retrieve(payment.provider_ref)
    assert services.settle(payment, intent) == "mismatch"
    db.session.expire_all()
    assert payment.status == PaymentStatus.CANCELED and "已取消" in payment.attention
    assert all(o.status == S.PENDING_PAYMENT for o in group.orders)
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(LedgerEntry.payment_id == payment.id)) == 0
