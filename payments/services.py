"""Paying an order group online: the Stripe PaymentIntent, settle() for Stripe's answer, and
book_online() — the one place that turns a provider's confirmed payment (Stripe, WeChat Pay,
Alipay) into paid orders and ledger postings. Offline payments are in payments.offline.

Nothing here trusts the browser: amounts come from the orders, and the state of an intent is read
from Stripe on the server (return page, webhooks and reconcile all call settle()).
"""

from __future__ import annotations

import contextlib
import contextvars

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from orders.models import Order, OrderGroup, OrderStatus
from payments import ledger, stripe_api
from payments.errors import PaymentError  # noqa: F401  (re-exported: the domain's public API)
from payments.gateways import settings_by_shop  # noqa: F401  (re-exported: the pay pages ask it)
from payments.models import (
    Account,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
)
from payments.offline import choose as choose_offline  # noqa: F401  (re-exported, as PaymentError)
from payments.offline import open_payment
from payments.status import PAYMENT_MACHINE
from payments.stripe_api import currency, stripe

S = OrderStatus
#: True while settle() marks orders paid: the status listener then knows the payment is booked.
settling: contextvars.ContextVar[bool] = contextvars.ContextVar("payments_settling", default=False)


@contextlib.contextmanager
def settling_orders():
    token = settling.set(True)
    try:
        yield
    finally:
        settling.reset(token)


def pending_orders(group: OrderGroup) -> list[Order]:
    return [o for o in group.orders if o.status == S.PENDING_PAYMENT]


def amount_due(group: OrderGroup) -> int:
    """What an online payment of the group must collect now."""
    return sum(o.total_cents for o in online_due(group))


def group_payments(group_id: int) -> list[Payment]:
    return list(db.session.scalars(sa.select(Payment).where(Payment.group_id == group_id).order_by(Payment.id)))


# --- what is due online ------------------------------------------------------------------------------

def online_due(group: OrderGroup) -> list[Order]:
    """The group's unpaid orders an online payment covers: those without an offline choice (a
    bank transfer, payment at handover) that the merchant will confirm."""
    return [o for o in pending_orders(group) if open_payment(o) is None]


# --- Stripe ------------------------------------------------------------------------------------------

def stripe_payment(group: OrderGroup) -> Payment:
    """The group's PaymentIntent for what is due now, created once: the idempotency key derives from
    the group and the amount, so a retry or a double click finds the same intent.

    Two transactions around the Stripe call: the local row (our intent) is committed first, Stripe
    is called outside any transaction (no lock held across the network), then its id recorded; a
    crash in between leaves a row that the next attempt completes with the same idempotency key."""
    if not stripe_api.enabled():
        raise PaymentError(_("在线支付未开通，请选择线下付款方式"), status=409, code="stripe_off")
    amount = amount_due(group)
    if amount <= 0:
        raise PaymentError(_("这些订单已无需付款"), status=409, code="nothing_due")
    key = f"pi-g{group.id}-a{amount}"
    # After a decline the next attempt gets a fresh intent (the failed one is cancelled below):
    # localstripe cannot confirm an intent twice, and a clean intent per attempt is valid on Stripe.
    failed = db.session.scalar(sa.select(sa.func.count(Payment.id)).where(
        Payment.group_id == group.id, Payment.status == PaymentStatus.FAILED,
        Payment.idempotency_key.startswith(key)))
    if failed:
        key = f"{key}-r{failed}"
    payment = db.session.scalar(sa.select(Payment).where(Payment.idempotency_key == key))
    if payment is None:
        try:
            with atomic():
                payment = Payment(group_id=group.id, method=PaymentMethod.STRIPE, amount_cents=amount,
                                  currency=currency(), idempotency_key=key)
                db.session.add(payment)
        except IntegrityError:
            payment = db.session.scalar(sa.select(Payment).where(Payment.idempotency_key == key))
    if payment.provider_ref is None:
        intent = stripe_api.client().v1.payment_intents.create(params={
            "amount": amount, "currency": payment.currency,
            "payment_method_types": list(current_app.config["STRIPE_PAYMENT_METHODS"]),
            "metadata": {"order_group": str(group.id), "payment": str(payment.id)}},
            options={"idempotency_key": key})
        with atomic():
            result = db.session.execute(
                sa.update(Payment).where(Payment.id == payment.id, Payment.provider_ref.is_(None))
                .values(provider_ref=intent.id).execution_options(synchronize_session=False))
        db.session.refresh(payment)
        if result.rowcount != 1 and payment.provider_ref != intent.id:
            # A twin made one too (only where the server ignores idempotency keys): drop ours.
            with contextlib.suppress(stripe.StripeError):
                stripe_api.client().v1.payment_intents.cancel(intent.id)
    _cancel_stale_intents(group, keep=payment)
    return payment


def _cancel_stale_intents(group: OrderGroup, keep: Payment) -> None:
    """Intents made for an earlier amount of the group (an order was cancelled since)."""
    for other in group_payments(group.id):
        if (other.id != keep.id and other.method == PaymentMethod.STRIPE and other.provider_ref
                and other.status in (PaymentStatus.PENDING, PaymentStatus.FAILED)):
            try:
                intent = stripe_api.client().v1.payment_intents.cancel(other.provider_ref)
            except stripe.StripeError:
                intent = stripe_api.client().v1.payment_intents.retrieve(other.provider_ref)
            settle(other, intent)


def retrieve_intent(payment: Payment):
    return stripe_api.client().v1.payment_intents.retrieve(payment.provider_ref)


def pay_with_card_token(payment: Payment, token: str) -> tuple[str, object]:
    """Server-side confirmation with a card token made by Stripe.js (``createToken``): the card is
    saved on a customer and the intent confirmed here. Returns (state, intent); state
    ``requires_action`` means the browser must run 3-D Secure with the intent's client secret."""
    if not isinstance(token, str) or not token.startswith("tok_") or len(token) > 80:
        raise PaymentError(_("银行卡信息无效，请重新填写"), code="invalid_token")
    client = stripe_api.client()
    intent = retrieve_intent(payment)
    if intent.status in ("succeeded", "processing", "canceled", "requires_action"):
        return settle(payment, intent), intent  # a double submit: nothing more to do
    try:
        customer = client.v1.customers.create(
            params={"source": token, "metadata": {"order_group": str(payment.group_id)}},
            options={"idempotency_key": f"cus-{token}"})
        client.v1.payment_intents.update(payment.provider_ref, params={
            "customer": customer.id, "payment_method": customer.default_source})
        intent = client.v1.payment_intents.confirm(payment.provider_ref,
                                                   options={"idempotency_key": f"confirm-{payment.provider_ref}-{token}"})
    except stripe.CardError as exc:
        intent = retrieve_intent(payment)
        settle(payment, intent, error=exc.user_message or str(exc))
        raise PaymentError(_("银行卡被拒绝：%(reason)s", reason=exc.user_message or exc.code or ""), status=402,
                           code="card_declined") from None
    return settle(payment, intent), intent


_STATES = {"succeeded": PaymentStatus.SUCCEEDED, "processing": PaymentStatus.PROCESSING,
           "requires_action": PaymentStatus.REQUIRES_ACTION, "requires_capture": PaymentStatus.PROCESSING,
           "canceled": PaymentStatus.CANCELED}


def settle(payment: Payment, intent, error: str = "", *, before=None) -> str:
    """Bring our records in line with the intent as Stripe reports it. Safe to call any number of
    times, in any order, concurrently: the move to succeeded is a conditional UPDATE, so exactly one
    caller books the payment and marks the orders paid. Returns the intent's status.

    One transaction (``before``, if given, runs first in it: the webhook's event row); not for use
    inside another. The Stripe calls a booking leads to (reading the fee, an automatic refund) run
    after the commit, outside any transaction: a crash there leaves a pending refund for reconcile."""
    for _attempt in range(3):
        try:
            with atomic():
                if before is not None:
                    before()
                status, after = _settle(payment, intent, error)
            break
        except InvalidTransition:
            # The payment or an order moved between our read and the update (another caller booked
            # it; an order expired): start again from the database.
            db.session.refresh(payment)
    else:  # pragma: no cover
        raise RuntimeError("settle: orders kept changing")
    for step in after:
        step()
    return status


def _intent_matches(payment: Payment, intent) -> bool:
    metadata = getattr(intent, "metadata", None)
    group = getattr(metadata, "order_group", None) if metadata is not None else None
    return (intent.id == payment.provider_ref and group == str(payment.group_id)
            and int(intent.amount) == payment.amount_cents and str(intent.currency).lower() == payment.currency)


def _settle(payment: Payment, intent, error: str) -> tuple[str, list]:
    """The local part of settle(): (the intent's status, what to run after the commit)."""
    status = intent.status
    if not _intent_matches(payment, intent):
        _flag(payment, _("Stripe 返回的金额或订单与记录不符（%(amount)s），未标记为已付款", amount=intent.amount))
        return "mismatch", []
    if status == "succeeded":
        if stripe_api.received_amount(intent) != payment.amount_cents:
            _flag(payment, _("实收金额与应付金额不符，未标记为已付款"))
            return "mismatch", []
        if payment.status == PaymentStatus.SUCCEEDED:
            return status, []  # booked already (webhook, return page, reconcile)
        if not PAYMENT_MACHINE.can(payment.status, PaymentStatus.SUCCEEDED):
            # Money arrived for a payment cancelled here: never ignored in silence.
            _flag(payment, _("Stripe 已收款，但这笔支付在本站已取消：请核对后退款"))
            return "mismatch", []
        # A conditional UPDATE: of concurrent callers exactly one books it, the others retry and stop above.
        PAYMENT_MACHINE.move(payment, PaymentStatus.SUCCEEDED, note=payment.provider_ref, last_error="")
        refund = book_online(payment, _("在线支付成功（Stripe %(ref)s）", ref=payment.provider_ref))
        if refund is None:
            return status, [lambda: _book_fee(payment, intent)]
        from payments.refunds import execute_refund

        return status, [lambda: execute_refund(refund)]
    target = _STATES.get(status)
    if status == "requires_payment_method":
        last = getattr(intent, "last_payment_error", None)
        target = PaymentStatus.FAILED if (last or error) else PaymentStatus.PENDING
        error = error or (getattr(last, "message", "") if last else "")
    error = (error or "")[:300]
    if target == payment.status:
        if error != payment.last_error:
            payment.last_error = error
    elif target is not None and PAYMENT_MACHINE.can(payment.status, target):
        PAYMENT_MACHINE.move(payment, target, note=error, last_error=error)
    # else: a state that arrives after a final one (failed after succeeded) changes nothing
    return status, []


def book_online(payment: Payment, note: str) -> Refund | None:
    """A succeeded online payment (just moved to succeeded by its caller, in its transaction): the
    orders it covers become paid and are booked; money for orders no longer due (expired, cancelled,
    paid another way since) goes to suspense with a full refund, returned to be sent after the commit.
    (A trade paying a monthly statement is booked by payments.credit: see payments.online.)"""
    group = db.session.get(OrderGroup, payment.group_id)
    db.session.refresh(group)
    for order in group.orders:
        db.session.refresh(order, ["status"])
    due = online_due(group)
    if due and sum(o.total_cents for o in due) == payment.amount_cents:
        from orders import services as orders

        for order in due:
            ledger.post_order_payment(order, payment, offline=False)
            with settling_orders():
                orders.mark_paid(order, None, note)
        return None
    return _to_suspense(payment)


def _book_fee(payment: Payment, intent) -> None:
    """Stripe's fee, where its balance transaction tells it: fees +f | gateway -f (per group).
    Best effort, after the payment's commit: a fee that cannot be read is left out."""
    charge = getattr(intent, "latest_charge", None)
    try:
        client = stripe_api.client()
        if isinstance(charge, str):
            charge = client.v1.charges.retrieve(charge)
        txn = getattr(charge, "balance_transaction", None) if charge is not None else None
        if isinstance(txn, str):
            txn = client.v1.balance_transactions.retrieve(txn)
        fee = int(getattr(txn, "fee", 0) or 0) if txn is not None else 0
    except (stripe.StripeError, AttributeError):
        return
    if fee > 0:
        with atomic():
            ledger.post("stripe_fee", [(Account.FEES, fee, None), (Account.GATEWAY, -fee, None)],
                        group_id=payment.group_id, payment_id=payment.id)


def _flag(payment: Payment, message: str) -> None:
    db.session.execute(sa.update(Payment).where(Payment.id == payment.id).values(attention=message[:300])
                       .execution_options(synchronize_session=False))


def _to_suspense(payment: Payment) -> Refund:
    """Money arrived for orders that are no longer for sale (expired, cancelled): book it to
    suspense, record a full refund (sent after the commit) and show it to the admin."""
    ledger.post("payment_unallocated", [(Account.GATEWAY, payment.amount_cents, None),
                                        (Account.SUSPENSE, -payment.amount_cents, None)],
                group_id=payment.group_id, payment_id=payment.id)
    _flag(payment, _("付款到账时订单已过期或取消，已自动全额退款"))
    refund = Refund(payment_id=payment.id, order_id=None, amount_cents=payment.amount_cents,
                    reason=_("订单已过期，自动退款"), idempotency_key=f"refund-auto-p{payment.id}")
    db.session.add(refund)
    return refund
