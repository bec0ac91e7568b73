"""Refunds: by merchant or admin, of a whole order, some lines or an amount, never above what was
paid for the order. Stripe refunds carry an idempotency key (the refund row's) and are booked when
Stripe accepts them; offline refunds record the money the shop gave back itself."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from catalog.units import unit_name
from marketplace import money
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from marketplace.templating import money_filter
from orders import line_stock
from orders.models import Order, OrderLine
from payments import alipay, ledger, stripe_api, wechatpay
from payments.errors import PaymentError
from payments.ledger import payment_of  # noqa: F401  (re-exported: the refund pages ask it)
from payments.models import (
    OFFLINE_METHODS,
    Account,
    Payment,
    PaymentMethod,
    Refund,
    RefundLine,
    RefundStatus,
)
from payments.status import REFUND_MACHINE
from payments.stripe_api import stripe

_OPEN = (RefundStatus.PENDING, RefundStatus.SUCCEEDED)


def refunded_cents(order_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0))
                             .where(Refund.order_id == order_id, Refund.status.in_(_OPEN))) or 0


def refunded_quantities(order_id: int) -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(RefundLine.order_line_id, sa.func.sum(RefundLine.quantity)).join(Refund)
        .where(Refund.order_id == order_id, Refund.status.in_(_OPEN)).group_by(RefundLine.order_line_id)).all())


def restocked_quantities(order: Order) -> dict[int, int]:
    """Registered with orders.status.RESTOCKED: units of each line a refund put back in stock."""
    return dict(db.session.execute(
        sa.select(RefundLine.order_line_id, sa.func.sum(RefundLine.quantity)).join(Refund)
        .where(Refund.order_id == order.id, Refund.status.in_(_OPEN), Refund.restock.is_(True))
        .group_by(RefundLine.order_line_id)).all())


def refundable_cents(order: Order) -> int:
    if payment_of(order) is None:
        return 0
    return max(order.total_cents - refunded_cents(order.id), 0)


def lock_order(order: Order) -> None:
    """Serialise refunds of one order before reading what was refunded: a no-op UPDATE of the order
    row takes its row lock on PostgreSQL and the write lock on SQLite (where a SELECT ... FOR UPDATE
    is ignored and reads run outside the transaction)."""
    db.session.execute(sa.update(Order).where(Order.id == order.id).values(updated_at=Order.updated_at)
                       .execution_options(synchronize_session=False))


def _parse_lines(order: Order, lines: dict) -> tuple[list[tuple[OrderLine, int]], int]:
    by_id = {line.id: line for line in order.lines}
    done = refunded_quantities(order.id)
    picked, total = [], 0
    for raw_id, raw_qty in lines.items():
        try:
            line_id, qty = int(raw_id), int(raw_qty)
        except (TypeError, ValueError):
            raise PaymentError(_("退款数量必须是整数")) from None
        if qty == 0:
            continue
        line = by_id.get(line_id)
        if line is None:
            raise PaymentError(_("订单中没有这个商品"), status=404, code="not_found")
        if qty < 0 or qty > line.quantity - done.get(line.id, 0):
            raise PaymentError(_("%(title)s 最多可退 %(n)d %(unit)s", title=line.product_title,
                                 n=line.quantity - done.get(line.id, 0), unit=unit_name(line.unit)))
        picked.append((line, qty))
        total += money.multiply(line.unit_price_cents, qty)
    return picked, total


def refund_order(order: Order, actor, *, amount_cents: int | None = None, lines: dict | None = None,
                 reason: str = "", restock: bool = False, idempotency_key: str | None = None) -> Refund:
    """Refund part or all of what was paid for ``order``. ``lines`` ({order_line_id: quantity})
    refunds those units (and may put them back in stock); else ``amount_cents`` (None: everything
    still refundable). Refuses (PaymentError, nothing changed) above the refundable amount.

    The refund row (with its stock and offline bookings) commits in one transaction; Stripe is then
    asked outside any transaction and its answer recorded in a second one (execute_refund): no lock
    is held across the network, and a crash between them leaves a pending refund for reconcile."""
    key = idempotency_key or f"refund-o{order.id}-{utcnow():%Y%m%d%H%M%S%f}"
    found = db.session.scalar(sa.select(Refund).where(Refund.idempotency_key == key))
    if found is not None:
        return found  # a double submit of the same form
    try:
        with atomic():
            refund = _create(order, actor, amount_cents, lines, reason, restock, key)
    except IntegrityError:
        found = db.session.scalar(sa.select(Refund).where(Refund.idempotency_key == key))
        if found is None:
            raise
        return found
    if refund.status == RefundStatus.PENDING:
        execute_refund(refund)
    return refund


def create_refund(order: Order, actor, *, key: str, amount_cents: int | None = None, lines: dict | None = None,
                  reason: str = "", restock: bool = False) -> Refund:
    """refund_order's first half, in the CALLER's transaction (after-sales moves its request in the
    same commit). After the commit the caller sends a pending refund with execute_refund()."""
    return _create(order, actor, amount_cents, lines, reason, restock, key)


def _create(order, actor, amount_cents, lines, reason, restock, key, *, settled: bool = False,
            tell: bool = True) -> Refund:
    """Record a refund of ``order`` (in the caller's transaction). Offline, the shop gave the money
    back itself: booked at once. Online it is sent to the provider after the commit, unless
    ``settled``: the money never left the buyer (a weighed shortfall on a statement paid online,
    which collected that much less), so it is booked at once against the gateway. The buyer is told
    (``tell``; a weighing's own notice already says what it gave back)."""
    lock_order(order)
    payment = payment_of(order)
    if payment is None:
        raise PaymentError(_("这个订单还没有付款，无需退款"), status=409, code="not_paid")
    remaining = order.total_cents - refunded_cents(order.id)
    picked = []
    if lines:
        picked, amount = _parse_lines(order, lines)
        if amount_cents is not None:
            amount = amount_cents
    else:
        amount = remaining if amount_cents is None else amount_cents
    if not isinstance(amount, int) or amount <= 0:
        raise PaymentError(_("退款金额必须大于 0"))
    if amount > remaining:
        raise PaymentError(_("退款金额不能超过可退金额 %(max)s", max=money_filter(remaining)), status=422,
                           code="too_much")
    charged, returned = ledger.commission_booked(order.id)
    # The commission goes back in proportion to the amount (the last refund takes what is left, so
    # the parts sum to exactly what was charged).
    commission = charged - returned if amount == remaining else min(
        charged - returned, money.allocate(charged, [amount, order.total_cents - amount])[0])
    refund = Refund(payment_id=payment.id, order_id=order.id, amount_cents=amount, commission_cents=commission,
                    reason=(reason or "").strip()[:300], idempotency_key=key, restock=bool(restock and picked),
                    actor_id=getattr(actor, "id", None))
    for line, qty in picked:
        refund.lines.append(RefundLine(order_line_id=line.id, quantity=qty,
                                       amount_cents=money.multiply(line.unit_price_cents, qty)))
    db.session.add(refund)
    db.session.flush()
    if refund.restock:
        units: dict[int, int] = {}
        for line, qty in picked:
            units[line.id] = units.get(line.id, 0) + qty
        # by order line (orders.line_stock): trace puts handed-over units back into their batch
        line_stock.put_back(order, units, kind="refund", actor_id=getattr(actor, "id", None), reason=refund.reason)
    if payment.method in OFFLINE_METHODS:
        # The shop paid the buyer back itself; the platform gives back its commission share.
        REFUND_MACHINE.move(refund, RefundStatus.SUCCEEDED, actor=actor)
        ledger.post("refund", [(Account.COMMISSION, commission, None), (Account.PAYABLE, -commission, order.shop_id)],
                    group_id=order.group_id, order_id=order.id, refund_id=refund.id, payment_id=payment.id)
    elif settled:
        REFUND_MACHINE.move(refund, RefundStatus.SUCCEEDED, actor=actor)
        _book_gateway_refund(refund, payment)
    if tell and not settled:  # a statement's adjustment is no refund to the buyer: he paid that much less
        _tell_buyer(order, refund, offline=payment.method in OFFLINE_METHODS)
    return refund


def _tell_buyer(order: Order, refund: Refund, *, offline: bool) -> None:
    """The buyer learns of every refund of his order, by mail or SMS (in the refund's transaction)."""
    from marketplace.mail.notices import notify
    from marketplace.web import absolute_url

    buyer = order.buyer
    notify(buyer, "order_refunded", sms={"order": order.number, "amount": money.format_cents(refund.amount_cents)},
           order=order, refund=refund, offline=offline, recipient=buyer,
           link=absolute_url("orders.order_detail", order_id=order.id))


def execute_refund(refund: Refund) -> Refund:
    """Ask Stripe for a pending refund (again, after a failure: the key makes it one refund) and
    book it. A refusal marks it failed; a network error leaves it pending for reconcile.

    The call runs outside any transaction; its outcome (and the booking) commits in one block."""
    if refund.status != RefundStatus.PENDING:
        return refund
    payment = refund.payment
    if payment.method != PaymentMethod.STRIPE:
        return _execute_online(refund, payment)
    try:
        result = stripe_api.client().v1.refunds.create(params={
            "payment_intent": payment.provider_ref, "amount": refund.amount_cents,
            "metadata": {"refund": str(refund.id), "order": str(refund.order_id or "")}},
            options={"idempotency_key": refund.idempotency_key})
    except (stripe.InvalidRequestError, stripe.CardError) as exc:
        with atomic():
            _finish(refund, RefundStatus.FAILED, note=str(exc), last_error=str(exc)[:300])
        return refund
    except stripe.StripeError as exc:
        with atomic():
            refund.last_error = str(exc)[:300]
        return refund
    return _accepted(refund, payment, result.id)


def _accepted(refund: Refund, payment: Payment, provider_ref: str, before=None) -> Refund:
    """The provider took the refund: succeeded and booked, once however often this runs (``before``:
    run first in the same transaction, e.g. recording the notification's event)."""
    with atomic():
        if before is not None:
            before()
        claimed = _finish(refund, RefundStatus.SUCCEEDED, note=provider_ref, provider_ref=provider_ref, last_error="")
        if claimed:
            _book_gateway_refund(refund, payment)
    if claimed and refund.order_id and payment.method == PaymentMethod.STRIPE:
        from payments.payouts import reverse_for_refund

        reverse_for_refund(refund)
    return refund


def _execute_online(refund: Refund, payment: Payment) -> Refund:
    """WeChat Pay / Alipay: the refund's key is its out_refund_no (one refund however often sent)."""
    state, error = _send_online(refund, payment)
    if state == RefundStatus.SUCCEEDED.value:
        return _accepted(refund, payment, f"{payment.method.value}:{refund.idempotency_key}")
    with atomic():
        if state == RefundStatus.FAILED.value:
            _finish(refund, RefundStatus.FAILED, note=error, last_error=error)
        else:
            refund.last_error = error
    return refund


def _send_online(refund: Refund, payment: Payment) -> tuple[str, str]:
    """Ask WeChat Pay / Alipay to refund. Returns (succeeded, failed or pending, error): pending when
    the provider could not be reached (reconcile retries)."""
    provider = wechatpay if payment.method == PaymentMethod.WECHAT_PAY else alipay
    try:
        accepted = provider.refund(refund.idempotency_key, payment.idempotency_key, refund.amount_cents,
                                   payment.amount_cents, refund.reason)
    except (wechatpay.WeChatPayError, alipay.AlipayError) as exc:
        if 400 <= getattr(exc, "status", 0) < 500:
            return RefundStatus.FAILED.value, str(exc)[:300]
        return RefundStatus.PENDING.value, str(exc)[:300]
    return (RefundStatus.SUCCEEDED.value if accepted else RefundStatus.FAILED.value), ""


def _finish(refund: Refund, target: RefundStatus, **fields) -> bool:
    """Record Stripe's answer; False when a concurrent caller recorded it first (nothing changed)."""
    try:
        REFUND_MACHINE.move(refund, target, **fields)
    except InvalidTransition:
        return False
    return True


def _book_gateway_refund(refund: Refund, payment: Payment) -> None:
    refs = {"group_id": refund.order.group_id if refund.order_id else payment.group_id, "order_id": refund.order_id,
            "refund_id": refund.id,
            "payment_id": payment.id}
    if refund.order_id is None:  # the automatic refund of an unallocated payment
        ledger.post("refund_unallocated", [(Account.SUSPENSE, refund.amount_cents, None),
                                           (Account.GATEWAY, -refund.amount_cents, None)], **refs)
        return
    shop_id = refund.order.shop_id
    ledger.post("refund", [(Account.PAYABLE, refund.amount_cents - refund.commission_cents, shop_id),
                           (Account.COMMISSION, refund.commission_cents, None),
                           (Account.GATEWAY, -refund.amount_cents, None)], **refs)


def pending_refunds() -> list[Refund]:
    return list(db.session.scalars(sa.select(Refund).where(Refund.status == RefundStatus.PENDING)
                                   .order_by(Refund.id)))
