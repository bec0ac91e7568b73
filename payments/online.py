"""WeChat Pay and Alipay trades of an order group, built like the Stripe flow:

- the trade row (our intent, its out_trade_no in ``idempotency_key``) is committed before the
  provider is called, outside any transaction; the provider's answer (code_url, page) is recorded
  after, and a retry finds the same trade;
- settle_trade() is the one place a provider's word (a verified notification, a query on the
  return page or by reconcile) becomes paid orders: idempotent on the trade and the provider's
  transaction id (a conditional UPDATE: of concurrent callers exactly one books it), the amount
  checked against ours;
- refunds and the closing of voided trades are sent after the commit; what fails stays for reconcile.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from marketplace.web import absolute_url
from orders.models import OrderGroup
from payments import alipay, gateways, wechatpay
from payments.errors import PaymentError
from payments.models import Payment, PaymentMethod, PaymentStatus, Refund
from payments.refunds import execute_refund
from payments.services import _flag, _to_suspense, amount_due, book_online
from payments.status import PAYMENT_MACHINE
from payments.stripe_api import currency
from payments.trades import Trade

log = logging.getLogger(__name__)
ONLINE = (PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY)
_OPEN = (PaymentStatus.PENDING, PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.FAILED)
#: out_trade_no prefixes (WeChat Pay allows 6-32 of [A-Za-z0-9_-|*]; Alipay up to 64); "wj": JSAPI.
_PREFIX = {PaymentMethod.WECHAT_PAY: "wx", PaymentMethod.ALIPAY: "ali"}
#: How a JSAPI trade's checkout_url starts (its package, not a page or a QR code).
JSAPI_PACKAGE = "prepay_id="


class ProviderError(RuntimeError):
    """The provider refused or could not be reached (for the log; the user sees a plain message)."""


def _provider(method: PaymentMethod):
    return {PaymentMethod.WECHAT_PAY: wechatpay, PaymentMethod.ALIPAY: alipay}[method]


def _errors():
    return (wechatpay.WeChatPayError, alipay.AlipayError)


def _online_method(method: str) -> PaymentMethod:
    """WeChat Pay or Alipay, configured here; else PaymentError (404 unknown, 409 switched off)."""
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise PaymentError(_("不支持的付款方式"), status=404, code="not_found") from None
    if method not in ONLINE or not gateways.get(method.value).configured():
        raise PaymentError(_("这种付款方式未开通"), status=409, code="method_off")
    return method


def start(group: OrderGroup, method: str) -> Payment:
    """The group's trade for what is due online now, created once per amount (a double click or a
    reload shows the same QR code). Raises PaymentError when nothing is due or the method is off,
    ProviderError when the provider cannot be reached (the row stays; the next attempt completes it)."""
    method = _online_method(method)
    amount = amount_due(group)
    if amount <= 0:
        raise PaymentError(_("这些订单已无需付款"), status=409, code="nothing_due")
    # Unique for the provider over the merchant account's life, also across a rebuilt database
    # (group ids start again; the group's creation time does not repeat): WeChat Pay allows 32 characters.
    stamp = f"{int(group.created_at.timestamp() * 1_000_000):x}"[-10:]
    payment = _open_trade(method, f"{_PREFIX[method]}{stamp}G{group.id}A{amount:x}", amount, description(group),
                          group_id=group.id)
    _void_stale(group, keep=payment)
    return payment


def start_jsapi(group: OrderGroup, openid: str) -> Payment:
    """The group's WeChat Pay trade for a payer inside WeChat (JSAPI, his openid), as start(): its
    ``checkout_url`` is the ``prepay_id=...`` package the page signs (JSAPI_PACKAGE)."""
    if not gateways.get(PaymentMethod.WECHAT_PAY.value).configured():
        raise PaymentError(_("这种付款方式未开通"), status=409, code="method_off")
    amount = amount_due(group)
    if amount <= 0:
        raise PaymentError(_("这些订单已无需付款"), status=409, code="nothing_due")
    stamp = f"{int(group.created_at.timestamp() * 1_000_000):x}"[-10:]
    payment = _open_trade(PaymentMethod.WECHAT_PAY, f"wj{stamp}G{group.id}A{amount:x}", amount, description(group),
                          create=lambda key, total, text, notify: wechatpay.jsapi(key, total, text, notify, openid),
                          group_id=group.id)
    _void_stale(group, keep=payment)
    return payment


def is_jsapi(payment: Payment) -> bool:
    return bool(payment.checkout_url and payment.checkout_url.startswith(JSAPI_PACKAGE))


def start_statement(statement, method: str) -> Payment:
    """The trade paying a monthly statement's total (issued or overdue), as start() for a group:
    created once per amount; a statement whose total changed gets a new trade."""
    from orders.terms_models import StatementStatus

    method = _online_method(method)
    if statement.status not in (StatementStatus.ISSUED, StatementStatus.OVERDUE) or statement.total_cents <= 0:
        raise PaymentError(_("这张月结单现在无需付款"), status=409, code="nothing_due")
    stamp = f"{int(statement.created_at.timestamp() * 1_000_000):x}"[-10:]
    amount = statement.total_cents
    payment = _open_trade(method, f"{_PREFIX[method]}{stamp}S{statement.id}A{amount:x}", amount,
                          _("月结单 %(period)s %(shop)s", period=statement.period, shop=statement.shop.name[:40]),
                          statement_id=statement.id)
    for other in db.session.scalars(sa.select(Payment).where(
            Payment.statement_id == statement.id, Payment.id != payment.id, Payment.status.in_(_OPEN))).all():
        _void(other, _("金额已变化，换用新的付款码"))
    return payment


def _open_trade(method: PaymentMethod, base: str, amount: int, text: str, create=None, **owner) -> Payment:
    """The trade under ``base`` (a new one after a cancelled or failed one): its row committed
    first, the provider called outside any transaction (``create``, by default the provider's QR or
    page trade), its answer recorded after."""
    tries = db.session.scalar(sa.select(sa.func.count(Payment.id)).where(
        Payment.idempotency_key.startswith(base), Payment.status.in_([PaymentStatus.CANCELED, PaymentStatus.FAILED])))
    key = f"{base}R{tries}" if tries else base
    payment = db.session.scalar(sa.select(Payment).where(Payment.idempotency_key == key))
    if payment is None:
        try:
            with atomic():
                payment = Payment(method=method, amount_cents=amount, currency=currency(), idempotency_key=key,
                                  **owner)
                db.session.add(payment)
        except IntegrityError:
            payment = db.session.scalar(sa.select(Payment).where(Payment.idempotency_key == key))
    if payment.checkout_url is None and payment.status == PaymentStatus.PENDING:
        try:
            url = (create or _provider(method).create)(key, amount, text, notify_url(method))
        except _errors() as exc:
            log.warning("payments: creating %s trade %s failed: %s", method.value, key, exc)
            raise ProviderError(str(exc)) from exc
        with atomic():
            db.session.execute(sa.update(Payment).where(Payment.id == payment.id, Payment.checkout_url.is_(None))
                               .values(checkout_url=url).execution_options(synchronize_session=False))
        db.session.refresh(payment)
    return payment


def description(group: OrderGroup) -> str:
    """What the buyer sees in WeChat / Alipay for the trade (the same at every call for one trade)."""
    return _("订单 %(number)s 等 %(n)d 单", number=group.orders[0].number, n=len(group.orders))


def notify_url(method: PaymentMethod) -> str:
    return absolute_url(f"payments.{method.value}_notify")


def _void_stale(group: OrderGroup, keep: Payment) -> None:
    """Trades made for an earlier amount of the group (an order was cancelled or paid another way)."""
    for other in db.session.scalars(sa.select(Payment).where(
            Payment.group_id == group.id, Payment.id != keep.id, Payment.method.in_(ONLINE),
            Payment.status.in_(_OPEN))).all():
        _void(other, _("金额已变化，换用新的付款码"))


def _void(payment: Payment, note: str) -> None:
    try:
        with atomic():
            PAYMENT_MACHINE.move(payment, PaymentStatus.CANCELED, note=note)
    except InvalidTransition:
        return
    close_trade(payment)


def close_trade(payment: Payment) -> None:
    """Close a voided trade at the provider (best effort: one that was paid meanwhile is refunded
    when its notification or reconcile settles it)."""
    if payment.method not in ONLINE or payment.status != PaymentStatus.CANCELED:
        return
    try:
        _provider(payment.method).close(payment.idempotency_key)
    except _errors() as exc:
        log.info("payments: closing %s: %s", payment.idempotency_key, exc)


def refresh(payment: Payment) -> str:
    """Ask the provider how the trade stands and settle it (return page, reconcile)."""
    trade = _provider(payment.method).trade(payment.idempotency_key)
    return settle_trade(payment, trade)


def settle_trade(payment: Payment, trade: Trade, *, before=None) -> str:
    """Bring our records in line with the provider's trade; any number of times, in any order,
    concurrently. Returns the trade's state, or "mismatch" (flagged for the admin, nothing booked).
    One transaction (``before``, e.g. the notification's event row, runs first in it)."""
    for _attempt in range(3):
        try:
            with atomic():
                if before is not None:
                    before()
                state, refund = _settle(payment, trade)
            break
        except InvalidTransition:
            db.session.rollback()
            db.session.refresh(payment)
    else:  # pragma: no cover
        raise RuntimeError("settle_trade: the payment kept changing")
    if refund is not None:
        execute_refund(refund)
    return state


def _settle(payment: Payment, trade: Trade) -> tuple[str, Refund | None]:
    if trade.out_trade_no != payment.idempotency_key:
        _flag(payment, _("支付平台返回的订单号与记录不符，未标记为已付款"))
        return "mismatch", None
    if trade.state == "paid":
        if trade.amount != payment.amount_cents or not trade.transaction_id:
            _flag(payment, _("实收金额与应付金额不符，未标记为已付款"))
            return "mismatch", None
        if payment.provider_ref is not None:
            return "paid", None  # booked already: this transaction id has had its effect
        if payment.status == PaymentStatus.CANCELED:
            # Paid for a trade voided here: the money goes back.
            db.session.execute(sa.update(Payment).where(Payment.id == payment.id, Payment.provider_ref.is_(None))
                               .values(provider_ref=trade.transaction_id).execution_options(synchronize_session=False))
            return "paid", _to_suspense(payment)
        PAYMENT_MACHINE.move(payment, PaymentStatus.SUCCEEDED, note=trade.transaction_id,
                             provider_ref=trade.transaction_id, last_error="")
        label = gateways.get(payment.method.value).label
        note = _("在线支付成功（%(method)s %(ref)s）", method=label, ref=trade.transaction_id)
        if payment.statement_id is not None:  # a monthly statement's trade
            from payments import credit

            return "paid", credit.book_online_statement(payment, note)
        return "paid", book_online(payment, note)
    if trade.state == "closed" and payment.status in _OPEN:
        PAYMENT_MACHINE.move(payment, PaymentStatus.CANCELED, note=_("支付平台已关闭交易"))
    return trade.state, None


def open_trades() -> list[int]:
    return list(db.session.scalars(sa.select(Payment.id).where(
        Payment.method.in_(ONLINE), Payment.checkout_url.is_not(None), Payment.status.in_(_OPEN))
        .order_by(Payment.id)))
