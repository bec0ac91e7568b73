"""Offline payments, one per order, confirmed by the merchant:

- 对公转账 (bank transfer): the buyer sees the shop's account and a reference code, transfers, and
  uploads the remittance slip (an image or a PDF, kept private); the merchant confirms the money
  arrived, the order becomes paid, and then he accepts it.
- 货到付款 / 到店自提付款 (paid at handover): the merchant accepts and ships (or readies) the order
  unpaid; he confirms the money when the goods change hands.

Commission and ledger postings are booked when the money is confirmed; a cancelled or expired
order voids its open payments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace import money
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.media import PDF_MAGIC, check_pdf, get_storage, ingest_image, read_upload
from marketplace.states import InvalidTransition
from orders.models import Order, OrderGroup, OrderStatus
from payments import gateways, ledger
from payments.errors import PaymentError
from payments.models import HANDOVER_METHODS, OFFLINE_METHODS, Payment, PaymentMethod, PaymentStatus
from payments.status import PAYMENT_MACHINE
from payments.stripe_api import currency

S = OrderStatus
OPEN = (PaymentStatus.PENDING, PaymentStatus.PROCESSING)
#: Order statuses in which a payment at handover can be confirmed (accepted and on its way, or done).
HANDOVER_STATES = (S.ACCEPTED, S.SHIPPED, S.READY_FOR_PICKUP, S.DELIVERED, S.COMPLETED)


def open_payment(order: Order) -> Payment | None:
    """The order's offline payment the buyer chose and the merchant has not confirmed yet."""
    return db.session.scalar(sa.select(Payment).where(
        Payment.order_id == order.id, Payment.status.in_(OPEN),
        Payment.method.in_(list(OFFLINE_METHODS))).order_by(Payment.id.desc()))


def handover_payment(order: Order) -> Payment | None:
    """The order's open payment to be collected at handover (cash or a scan), if it has one."""
    payment = open_payment(order)
    return payment if payment is not None and payment.method in HANDOVER_METHODS else None


def pays_at_handover(order: Order) -> bool:
    """Registered with orders.status.HANDOVER_CHECKS: the merchant may accept this order unpaid."""
    return handover_payment(order) is not None


def choose(group: OrderGroup, method: str, order_ids=None) -> list[Payment]:
    """The buyer will pay these unpaid orders of the group (all, without ``order_ids``) by bank
    transfer or at handover: one pending payment per order with a reference code; the orders are
    held longer (a transfer takes days; a merchant accepts within them). Choosing again the same
    way changes nothing; choosing another way voids the earlier choice. One transaction."""
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise PaymentError(_("不支持的付款方式")) from None
    if method not in OFFLINE_METHODS:
        raise PaymentError(_("不支持的付款方式"))
    orders = [o for o in group.orders if o.status == S.PENDING_PAYMENT]
    if order_ids is not None:
        wanted = {int(i) for i in order_ids}
        if not wanted <= {o.id for o in group.orders}:
            raise PaymentError(_("订单不存在"), status=404, code="not_found")
        orders = [o for o in orders if o.id in wanted]
    if not orders:
        raise PaymentError(_("这些订单已无需付款"), status=409, code="nothing_due")
    settings = gateways.settings_by_shop(o.shop_id for o in orders)
    gateway = gateways.get(method.value)
    if not all(gateway.accepts(o, settings.get(o.shop_id)) for o in orders):
        raise PaymentError(_("有店铺不接受这种付款方式"), status=422, code="method_not_accepted")
    until = utcnow() + dt.timedelta(hours=current_app.config.get("PAYMENT_OFFLINE_HOLD_HOURS", 72))
    payments = []
    try:
        with atomic():
            for order in orders:
                payments.append(_choose_one(order, method))
            ids = [o.id for o in orders]
            db.session.execute(sa.update(Order).where(Order.id.in_(ids), Order.status == S.PENDING_PAYMENT)
                               .values(expires_at=until).execution_options(synchronize_session=False))
            db.session.execute(sa.update(OrderGroup).where(OrderGroup.id == group.id).values(expires_at=until)
                               .execution_options(synchronize_session=False))
    except IntegrityError:  # a twin request made them first
        db.session.rollback()
        return [p for o in orders if (p := open_payment(o)) is not None]
    for order in orders:
        db.session.refresh(order, ["expires_at"])
    return payments


def _choose_one(order: Order, method: PaymentMethod) -> Payment:
    current = open_payment(order)
    if current is not None and current.method == method:
        return current  # a double submit
    if current is not None:
        if current.slip_key:
            raise PaymentError(_("已上传汇款凭证，请等待商家确认"), status=409, code="slip_uploaded")
        PAYMENT_MACHINE.move(current, PaymentStatus.CANCELED, note=_("买家改用其他付款方式"))
    tries = db.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.order_id == order.id))
    payment = Payment(group_id=order.group_id, order_id=order.id, method=method, amount_cents=order.total_cents,
                      currency=currency(), idempotency_key=f"offline-o{order.id}-{method.value}-{tries}",
                      reference_code=f"{order.number.replace('-', '')[-10:]}{secrets.randbelow(100):02d}")
    db.session.add(payment)
    db.session.flush()
    return payment


def record_offline(order: Order, actor=None) -> Payment:
    """Called (through the status listener) when the merchant confirms he received the money of an
    unpaid order: its offline payment succeeds and is booked. Runs in the caller's transaction."""
    payment = open_payment(order)
    if payment is None:  # paid at the stall without choosing first
        payment = Payment(group_id=order.group_id, order_id=order.id, method=PaymentMethod.CASH,
                          amount_cents=order.total_cents, currency=currency(),
                          idempotency_key=f"offline-o{order.id}-confirmed-{secrets.token_hex(4)}")
        db.session.add(payment)
        db.session.flush()
    _book(order, payment, actor)
    return payment


def _book(order: Order, payment: Payment, actor) -> None:
    """The payment succeeds for the order's total. What weighing changed in what was collected at
    handover (payments.weighed) is booked after it: a shortfall as the merchant's refund on the
    spot, an overage as a weighed charge of this payment."""
    from orders.weighing import HANDOVER, settle_charges
    from payments import refunds

    weighed_by = payment.amount_cents - order.total_cents if payment.method in HANDOVER_METHODS else 0
    PAYMENT_MACHINE.move(payment, PaymentStatus.SUCCEEDED, actor=actor, note=_("商家确认收款"),
                         amount_cents=order.total_cents + max(weighed_by, 0))
    ledger.post_order_payment(order, payment, offline=True)
    void(order, actor, _("订单已付款"), keep=payment)
    if weighed_by < 0:
        refunds._create(order, actor, -weighed_by, None, _("称重结算：实际重量不足，交付时少收 %(amount)s",
                                                           amount=money.format_cents(-weighed_by)),
                        False, f"refund-weigh-o{order.id}", tell=False)  # the weighing's notice said it
    elif weighed_by > 0:
        ledger.post_weighed_charge(order, payment, weighed_by)
    settle_charges(order, HANDOVER)


def confirm_received(order: Order, actor) -> Payment:
    """The merchant confirms the order's money arrived: a transfer before he accepts, or cash / a
    scan at handover after he shipped. Confirming twice (a double click, two clerks) is one effect:
    the second finds the payment booked and changes nothing."""
    done = ledger.payment_of(order)
    if done is not None:
        return done
    if order.status == S.PENDING_PAYMENT:
        from orders import services as orders

        orders.mark_paid(order, actor, _("商家确认已收到线下付款"))  # payments.hooks books it
        return ledger.payment_of(order)
    payment = open_payment(order)
    if order.status not in HANDOVER_STATES or payment is None or payment.method not in HANDOVER_METHODS:
        raise PaymentError(_("这个订单没有待确认的付款"), status=409, code="nothing_to_confirm")
    try:
        with atomic():
            _book(order, payment, actor)
            # paid_at is a stamp, not a status: the order stays where its delivery is.
            db.session.execute(sa.update(Order).where(Order.id == order.id, Order.paid_at.is_(None))
                               .values(paid_at=utcnow()).execution_options(synchronize_session=False))
    except InvalidTransition:  # a concurrent confirmation booked it first
        db.session.rollback()
    db.session.refresh(order)
    return ledger.payment_of(order)


def void(order: Order, actor=None, note: str = "", keep: Payment | None = None) -> int:
    """Cancel the order's open offline payments (the order was cancelled, expired or paid another
    way). In the caller's transaction; returns how many."""
    count = 0
    for payment in db.session.scalars(sa.select(Payment).where(Payment.order_id == order.id,
                                                               Payment.status.in_(OPEN))).all():
        if keep is not None and payment.id == keep.id:
            continue
        PAYMENT_MACHINE.move(payment, PaymentStatus.CANCELED, actor=actor, note=note)
        count += 1
    return count


# --- the remittance slip -------------------------------------------------------------------------------

def upload_slip(payment: Payment, file_storage, actor) -> Payment:
    """The buyer's proof of a bank transfer: an image (re-encoded, metadata stripped) or a PDF (the
    one validator), stored privately. The payment then waits for the merchant (processing)."""
    if payment.method != PaymentMethod.BANK_TRANSFER or payment.status not in OPEN:
        raise PaymentError(_("这笔付款不需要上传汇款凭证"), status=409, code="no_slip_needed")
    data = read_upload(file_storage, current_app.config.get("PAYMENT_SLIP_MAX_BYTES", 10 * 1024 * 1024))
    if data.startswith(PDF_MAGIC):
        check_pdf(data)
        digest = hashlib.sha256(data).hexdigest()[:32]
        key = get_storage().save(f"private/slips/{digest[:2]}/{digest}.pdf", data)
    else:
        key = ingest_image(data, prefix="private/slips", sizes=(), keep_full=True).key(0)
    with atomic():
        if payment.status == PaymentStatus.PENDING:
            PAYMENT_MACHINE.move(payment, PaymentStatus.PROCESSING, actor=actor, note=_("买家已上传汇款凭证"),
                                 slip_key=key, slip_uploaded_at=utcnow())
        else:
            payment.slip_key, payment.slip_uploaded_at = key, utcnow()
    return payment


def slip_is_pdf(payment: Payment) -> bool:
    return bool(payment.slip_key and payment.slip_key.endswith(".pdf"))
