"""Paying an order group: offline choices, the Stripe PaymentIntent, and settle() — the one place
that turns a payment provider's answer into paid orders and ledger postings.

Nothing here trusts the browser: amounts come from the orders, and the state of an intent is read
from Stripe on the server (return page, webhooks and reconcile all call settle()).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from orders.models import Order, OrderGroup, OrderStatus
from payments import ledger, stripe_api
from payments.errors import PaymentError  # noqa: F401  (re-exported: the domain's public API)
from payments.models import (
    Account,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    ShopPaymentSettings,
)
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


def settings_by_shop(shop_ids) -> dict[int, ShopPaymentSettings]:
    rows = db.session.scalars(sa.select(ShopPaymentSettings).where(ShopPaymentSettings.shop_id.in_(list(shop_ids))))
    return {row.shop_id: row for row in rows}


def pending_orders(group: OrderGroup) -> list[Order]:
    return [o for o in group.orders if o.status == S.PENDING_PAYMENT]


def amount_due(group: OrderGroup) -> int:
    return sum(o.total_cents for o in pending_orders(group))


def group_payments(group_id: int) -> list[Payment]:
    return list(db.session.scalars(sa.select(Payment).where(Payment.group_id == group_id).order_by(Payment.id)))


# --- offline -----------------------------------------------------------------------------------------

def choose_offline(group: OrderGroup, method: str) -> list[Payment]:
    """The buyer will pay each shop by bank transfer or at pickup / on delivery: one pending payment
    per unpaid order with a reference code; unpaid orders are held longer. One transaction."""
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise PaymentError(_("不支持的付款方式")) from None
    if method == PaymentMethod.STRIPE:
        raise PaymentError(_("不支持的付款方式"))
    orders = pending_orders(group)
    if not orders:
        raise PaymentError(_("这些订单已无需付款"), status=409, code="nothing_due")
    from payments import gateways

    if not gateways.get(method.value).available(group, settings_by_shop(o.shop_id for o in orders)):
        raise PaymentError(_("有店铺不接受这种付款方式"), status=422, code="method_not_accepted")
    payments = []
    until = utcnow() + dt.timedelta(hours=current_app.config.get("PAYMENT_OFFLINE_HOLD_HOURS", 72))
    try:
        with atomic():
            for order in orders:
                key = f"offline-o{order.id}-{method.value}"
                payment = db.session.scalar(sa.select(Payment).where(Payment.idempotency_key == key))
                if payment is None:
                    payment = Payment(group_id=group.id, order_id=order.id, method=method,
                                      amount_cents=order.total_cents, currency=currency(), idempotency_key=key,
                                      reference_code=f"{order.number.replace('-', '')[-10:]}{secrets.randbelow(100):02d}")
                    db.session.add(payment)
                payments.append(payment)
            # Bank transfers take days: keep the stock reserved while the merchant waits for the money.
            db.session.execute(sa.update(Order).where(Order.id.in_([o.id for o in orders]),
                                                      Order.status == S.PENDING_PAYMENT)
                               .values(expires_at=until).execution_options(synchronize_session=False))
            db.session.execute(sa.update(OrderGroup).where(OrderGroup.id == group.id).values(expires_at=until)
                               .execution_options(synchronize_session=False))
    except IntegrityError:  # a twin request made them first
        return [p for p in group_payments(group.id) if p.method == method]
    for order in orders:
        db.session.refresh(order, ["expires_at"])
    return payments


def record_offline(order: Order, actor=None) -> Payment:
    """Called (through the status listener) when the merchant confirms he received the money:
    the order's offline payment succeeds and is booked. Runs in the caller's transaction."""
    payment = db.session.scalar(sa.select(Payment).where(Payment.order_id == order.id,
                                                         Payment.status == PaymentStatus.PENDING)
                                .order_by(Payment.id.desc()))
    if payment is None:
        payment = Payment(group_id=order.group_id, order_id=order.id, method=PaymentMethod.CASH,
                          amount_cents=order.total_cents, currency=currency(),
                          idempotency_key=f"offline-o{order.id}-confirmed-{secrets.token_hex(4)}")
        db.session.add(payment)
        db.session.flush()
    PAYMENT_MACHINE.move(payment, PaymentStatus.SUCCEEDED, actor=actor, amount_cents=order.total_cents)
    ledger.post_order_payment(order, payment, offline=True)
    # Other offline choices for this order are moot now.
    for other in db.session.scalars(sa.select(Payment).where(Payment.order_id == order.id, Payment.id != payment.id,
                                                            Payment.status == PaymentStatus.PENDING)):
        PAYMENT_MACHINE.move(other, PaymentStatus.CANCELED, actor=actor)
    return payment


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
        group = db.session.get(OrderGroup, payment.group_id)
        db.session.refresh(group)
        for order in group.orders:
            db.session.refresh(order, ["status"])
        due = pending_orders(group)
        if due and sum(o.total_cents for o in due) == payment.amount_cents:
            for order in due:
                ledger.post_order_payment(order, payment, offline=False)
            from orders import services as orders

            with settling_orders():
                orders.mark_paid(group, None, _("在线支付成功（Stripe %(ref)s）", ref=payment.provider_ref))
            return status, [lambda: _book_fee(payment, intent)]
        refund = _to_suspense(payment)
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
