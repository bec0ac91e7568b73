"""After-sales verbs: ask, approve, send back, receive, refuse, withdraw, dispute, rule.

Each verb is one transaction. A request's money moves through payments.refunds in the SAME
transaction as its status (create_refund), so a request is refunded once or not at all; an online
refund is sent to the provider after the commit (execute_refund), as every refund is. Stock goes
back only through the refund (restock), which orders.status.RESTOCKED already counts, so a later
cancellation never releases a unit twice.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from aftersales import photos as photo_store
from aftersales.errors import AfterSaleError
from aftersales.models import (
    AfterSale,
    AfterSaleChange,
    AfterSaleKind,
    AfterSaleLine,
    AfterSaleReason,
    AfterSaleStatus,
    ReturnShipping,
)
from aftersales.notify import tell
from aftersales.status import AFTER_SALE_MACHINE, OPEN, reason_label
from catalog.units import unit_name
from marketplace import money
from marketplace.admin.services import record_audit
from marketplace.db import as_utc, atomic, utcnow
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from marketplace.text import strip_controls
from orders import line_stock
from orders.models import Order, OrderStatus
from orders.terms_models import ShopTerms
from payments import credit, refunds
from payments.errors import PaymentError
from payments.models import RefundStatus

S = AfterSaleStatus
#: Order statuses in which the buyer may ask: the shop took the order (before that he cancels it).
ASKABLE = {OrderStatus.ACCEPTED, OrderStatus.SHIPPED, OrderStatus.READY_FOR_PICKUP, OrderStatus.DELIVERED,
           OrderStatus.COMPLETED}
#: ... and a return needs the goods in the buyer's hands (or on their way).
RETURNABLE = {OrderStatus.SHIPPED, OrderStatus.READY_FOR_PICKUP, OrderStatus.DELIVERED, OrderStatus.COMPLETED}
MAX_WINDOW_DAYS = 90


def window_days(shop_id: int) -> int:
    days = db.session.scalar(sa.select(ShopTerms.after_sales_days).where(ShopTerms.shop_id == shop_id))
    return current_app.config["AFTERSALES_WINDOW_DAYS"] if days is None else days


def window_ends(order: Order) -> dt.datetime | None:
    """When the buyer's right to ask ends: the window counts from delivery (None: not delivered yet,
    so still open)."""
    received = as_utc(order.delivered_at or order.completed_at)
    return received + dt.timedelta(days=window_days(order.shop_id)) if received else None


def open_request(order_id: int) -> AfterSale | None:
    return db.session.scalar(sa.select(AfterSale).where(AfterSale.order_id == order_id, AfterSale.status.in_(OPEN)))


def _credited(order_id: int) -> tuple[int, dict[int, int]]:
    """What after-sales took off the order's credit statement: (amount, {order line id: units})."""
    rows = db.session.execute(
        sa.select(AfterSale.id, AfterSale.credited_cents, AfterSaleLine.order_line_id, AfterSaleLine.quantity)
        .join(AfterSaleLine).where(AfterSale.order_id == order_id, AfterSale.status == S.REFUNDED,
                                   AfterSale.refund_id.is_(None))).all()
    amounts, units = {}, {}
    for case_id, cents, line_id, qty in rows:
        amounts[case_id] = cents
        units[line_id] = units.get(line_id, 0) + qty
    return sum(amounts.values()), units


def credit_restocks(order: Order) -> dict[int, int]:
    """Registered with orders.status.RESTOCKED: units a credit (no refund) put back in stock, which
    a cancellation must not release again. (A refund's restock is counted by payments.)"""
    rows = db.session.execute(
        sa.select(AfterSaleLine.order_line_id, sa.func.sum(AfterSaleLine.quantity)).join(AfterSale)
        .where(AfterSale.order_id == order.id, AfterSale.status == S.REFUNDED, AfterSale.refund_id.is_(None),
               AfterSale.credit_restocked.is_(True)).group_by(AfterSaleLine.order_line_id)).all()
    return dict(rows)


def owed_back(order: Order, payment=None) -> int:
    """The most the buyer can still get back: what is refundable of what he paid, or, on credit with
    the statement not paid yet, what the order still owes on it. ``payment``: the order's payment
    when the caller has it (payments.refunds.payment_of), else looked up."""
    payment = payment or refunds.payment_of(order)
    if payment is not None:
        return max(order.total_cents - refunds.refunded_cents(order.id) - _credited(order.id)[0], 0)
    return credit.open_charge_cents(order)


def _assess(order: Order) -> tuple[str | None, int]:
    """(why the buyer cannot ask now, or None; what he can still get back)."""
    payment = refunds.payment_of(order)
    if order.status not in ASKABLE or (payment is None and credit.charge_of(order) is None):
        return _("只有已付款且商家已接单的订单可以申请售后"), 0
    ends = window_ends(order)
    if ends is not None and utcnow() > ends:
        return _("已超过售后期限（收货后 %(days)d 天）", days=window_days(order.shop_id)), 0
    if open_request(order.id) is not None:
        return _("这个订单已有处理中的售后申请"), 0
    owed = owed_back(order, payment)
    return (_("这个订单已全部退款") if owed <= 0 else None), owed


def refusal(order: Order) -> str | None:
    """Why the buyer cannot ask for after-sales on ``order`` now (None: he can)."""
    return _assess(order)[0]


def askable_quantities(order: Order) -> dict[int, int]:
    """{order line id: units the buyer may still ask for} (bought minus refunded or credited)."""
    done = refunds.refunded_quantities(order.id)
    for line_id, units in _credited(order.id)[1].items():
        done[line_id] = done.get(line_id, 0) + units
    return {line.id: line.quantity - done.get(line.id, 0) for line in order.lines
            if line.quantity - done.get(line.id, 0) > 0}


def _text(raw, limit: int, *, field: str) -> str:
    """Free text from a form: control characters gone, trimmed, refused (not cut) when too long."""
    text = strip_controls(str(raw or "")).strip()
    if len(text) > limit:
        raise AfterSaleError(_("内容太长：最多 %(n)d 个字", n=limit), field=field)
    return text


def _enum(cls, raw, field: str, message: str):
    try:
        return cls(raw)
    except ValueError:
        raise AfterSaleError(message, field=field) from None


def _picked_lines(order: Order, lines: dict) -> tuple[list[tuple[int, int]], int]:
    left = askable_quantities(order)
    by_id = {line.id: line for line in order.lines}
    picked, value = [], 0
    for raw_id, raw_qty in lines.items():
        try:
            line_id, qty = int(raw_id), int(str(raw_qty).strip() or 0)
        except (TypeError, ValueError):
            raise AfterSaleError(_("数量必须是整数"), field="lines") from None
        if line_id not in by_id:
            raise AfterSaleError(_("订单中没有这个商品"), status=404, code="not_found")
        if qty == 0:
            continue
        line = by_id[line_id]
        if qty < 0 or qty > left.get(line_id, 0):
            raise AfterSaleError(_("%(title)s 最多可申请 %(n)d %(unit)s", title=line.product_title,
                                   n=left.get(line_id, 0), unit=unit_name(line.unit)), field="lines")
        picked.append((line_id, qty))
        value += money.multiply(line.unit_price_cents, qty)
    if not picked:
        raise AfterSaleError(_("请选择要售后的商品和数量"), field="lines")
    return picked, value


def _amount(raw, ceiling: int) -> int:
    if raw is None or str(raw).strip() == "":
        return ceiling
    try:
        amount = money.parse_amount(str(raw).strip(), current_app.config["CURRENCY"])
    except money.MoneyError as exc:
        raise AfterSaleError(str(exc), field="amount") from None
    if amount <= 0:
        raise AfterSaleError(_("退款金额必须大于 0"), field="amount")
    if amount > ceiling:
        raise AfterSaleError(_("退款金额不能超过 %(max)s", max=money.format_cents(ceiling)), field="amount")
    return amount


def request_after_sale(order: Order, buyer, *, kind, reason, lines: dict, description: str = "", amount=None,
                       uploads=()) -> AfterSale:
    """The buyer asks for a refund or a return on some lines of his paid order. Refused (nothing
    saved, photos included) past the shop's window, above what the lines cost or what is still
    refundable, with another request open, or with a file that is not an image."""
    kind = _enum(AfterSaleKind, kind, "kind", _("请选择售后类型"))
    reason = _enum(AfterSaleReason, reason, "reason", _("请选择售后原因"))
    description = _text(description or "", 500, field="description")
    photos = photo_store.read_all(uploads)  # judged before anything is written
    with atomic():
        refunds.lock_order(order)  # one request at a time per order, even with two submits at once
        db.session.refresh(order)
        why, owed = _assess(order)
        if why:
            raise AfterSaleError(why, status=409, code="not_allowed")
        if kind == AfterSaleKind.RETURN and order.status not in RETURNABLE:
            raise AfterSaleError(_("商品还没有发出，请申请仅退款"), field="kind")
        picked, value = _picked_lines(order, lines)
        amount = _amount(amount, min(value, owed))
        request = AfterSale(order_id=order.id, shop_id=order.shop_id, buyer_id=buyer.id, kind=kind, reason=reason,
                            description=description, amount_cents=amount, status=S.REQUESTED)
        request.lines = [AfterSaleLine(order_line_id=line_id, quantity=qty) for line_id, qty in picked]
        db.session.add(request)
        db.session.flush()
        db.session.add(AfterSaleChange(after_sale_id=request.id, from_status=None, to_status=S.REQUESTED,
                                       actor_id=buyer.id, note=description))
        photo_store.attach(request, photos, buyer)
        tell(request, "requested")
    return request


def _refund(request: AfterSale, actor, *, amount: int | None = None, restock: bool = False, note: str = ""):
    """Refund the request's lines (``amount``: less than asked, e.g. a ruling) in the caller's
    transaction; the request ends as refunded."""
    # The move first: its conditional UPDATE lets one of two concurrent approvals through.
    AFTER_SALE_MACHINE.move(request, S.REFUNDED, actor=actor, note=note)
    order = request.order
    amount = request.amount_cents if amount is None else amount
    lines = {line.order_line_id: line.quantity for line in request.lines}
    payment = refunds.payment_of(order)
    if payment is None:  # on credit, the statement not paid yet: it owes less
        _credit(request, order, actor, amount, lines, restock)
        return None
    owed = owed_back(order, payment)  # create_refund checks what was paid; this also counts credits
    if amount > owed:
        raise AfterSaleError(_("退款金额不能超过 %(max)s", max=money.format_cents(owed)), field="amount")
    try:
        refund = refunds.create_refund(order, actor, key=f"aftersale-{request.id}", lines=lines, amount_cents=amount,
                                       restock=restock, reason=_("售后 %(reason)s", reason=reason_label(request.reason)))
    except PaymentError as exc:
        raise AfterSaleError(str(exc), status=exc.status, code=exc.code, field="amount") from None
    request.refund_id = refund.id
    return refund


def _credit(request: AfterSale, order: Order, actor, amount: int, lines: dict[int, int], restock: bool) -> None:
    refunds.lock_order(order)
    if credit.reduce_charge(order, amount) != amount:
        raise AfterSaleError(_("退款金额不能超过 %(max)s", max=money.format_cents(credit.open_charge_cents(order))),
                             field="amount")
    request.credited_cents = amount
    if restock:  # by order line (orders.line_stock): trace puts handed-over units back into their batch
        line_stock.put_back(order, lines, kind="refund", actor_id=getattr(actor, "id", None),
                            reason=_("售后 %(reason)s", reason=reason_label(request.reason)))
        request.credit_restocked = True


def _expect(request: AfterSale, status: AfterSaleStatus, target: AfterSaleStatus) -> None:
    """A verb that belongs to one status (approve: requested; receive: returned; rule: disputed),
    even where the machine allows the same move from another."""
    if request.status != status:
        raise InvalidTransition(AFTER_SALE_MACHINE, request.status, target)


def _send(refund) -> None:
    if refund is not None and refund.status == RefundStatus.PENDING:
        refunds.execute_refund(refund)


def approve(request: AfterSale, actor, *, restock: bool = False, return_shipping=None, return_address: str = "",
            note: str = "") -> AfterSale:
    """The shop agrees. A refund (仅退款), or a return the shop waives (``return_shipping`` None),
    is refunded at once; a return waits for the goods (the address and who pays the shipping)."""
    note = _text(note or "", 300, field="note")
    refund = None
    with atomic():
        if request.kind == AfterSaleKind.RETURN and return_shipping:
            shipping = _enum(ReturnShipping, return_shipping, "return_shipping", _("请选择退货运费由谁承担"))
            address = _text(return_address or "", 300, field="return_address")
            if not address and shipping != ReturnShipping.NONE:
                raise AfterSaleError(_("请填写退货地址"), field="return_address")
            AFTER_SALE_MACHINE.move(request, S.AWAITING_RETURN, actor=actor, note=note, shop_note=note,
                                    return_shipping=shipping, return_address=address)
        else:
            _expect(request, S.REQUESTED, S.REFUNDED)
            refund = _refund(request, actor, restock=restock, note=note)
            request.shop_note = note
        tell(request, "approved")
    _send(refund)
    return request


def mark_returned(request: AfterSale, buyer, *, carrier: str = "", tracking: str = "") -> AfterSale:
    carrier = _text(carrier or "", 60, field="carrier")
    tracking = _text(tracking or "", 60, field="tracking")
    if request.return_shipping != ReturnShipping.NONE and not (carrier and tracking):
        raise AfterSaleError(_("请填写快递公司和运单号"), field="tracking")
    with atomic():
        AFTER_SALE_MACHINE.move(request, S.RETURNED, actor=buyer, note=" ".join(filter(None, (carrier, tracking))),
                                return_carrier=carrier, return_tracking=tracking)
        tell(request, "returned")
    return request


def confirm_received(request: AfterSale, actor, *, restock: bool = True) -> AfterSale:
    """The goods came back: refund, and put them back in stock when they can be sold again."""
    with atomic():
        _expect(request, S.RETURNED, S.REFUNDED)
        refund = _refund(request, actor, restock=restock, note=_("商家已收到退货"))
        tell(request, "approved")
    _send(refund)
    return request


def refuse(request: AfterSale, actor, *, note: str) -> AfterSale:
    note = _text(note or "", 300, field="note")
    if not note:
        raise AfterSaleError(_("请填写拒绝的理由"), field="note")
    with atomic():
        AFTER_SALE_MACHINE.move(request, S.REFUSED, actor=actor, note=note, shop_note=note)
        tell(request, "refused")
    return request


def withdraw(request: AfterSale, buyer) -> AfterSale:
    with atomic():
        AFTER_SALE_MACHINE.move(request, S.WITHDRAWN, actor=buyer)
        tell(request, "withdrawn")
    return request


def dispute(request: AfterSale, buyer, *, note: str, uploads=()) -> AfterSale:
    """The buyer asks the platform to decide, with his statement (and more photos)."""
    note = _text(note or "", 500, field="note")
    if not note:
        raise AfterSaleError(_("请说明需要平台介入的理由"), field="note")
    photos = photo_store.read_all(uploads, already=len(request.photos))
    with atomic():
        AFTER_SALE_MACHINE.move(request, S.DISPUTED, actor=buyer, note=note, dispute_note=note)
        photo_store.attach(request, photos, buyer)
        tell(request, "disputed")
    return request


def rule(request: AfterSale, admin, *, decision: str, note: str, amount=None, restock: bool = False) -> AfterSale:
    """The platform decides a dispute: refund (up to what was asked) or close it for the shop."""
    note = _text(note or "", 300, field="note")
    if not note:
        raise AfterSaleError(_("请填写裁决说明"), field="note")
    if decision not in ("refund", "reject"):
        raise AfterSaleError(_("请选择裁决结果"), field="decision")
    refund = None
    with atomic():
        before = {"status": request.status.value}
        _expect(request, S.DISPUTED, S.REFUNDED if decision == "refund" else S.CLOSED)
        if decision == "refund":
            refund = _refund(request, admin, amount=_amount(amount, request.amount_cents), restock=restock, note=note)
        else:
            AFTER_SALE_MACHINE.move(request, S.CLOSED, actor=admin, note=note)
        request.ruling_note = note
        record_audit(admin, "after_sale.rule", "after_sale", request.id, before,
                     {"status": request.status.value, "refund_id": request.refund_id}, note=note)
        tell(request, "ruled")
    _send(refund)
    return request


def save_window(shop, raw) -> int:
    """The shop's after-sales window in days (1 to 90)."""
    try:
        days = int(str(raw).strip())
    except (TypeError, ValueError):
        days = -1
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise AfterSaleError(_("售后期限必须是 1 到 %(max)d 之间的整数天数", max=MAX_WINDOW_DAYS), field="days")
    with atomic():
        terms = db.session.scalar(sa.select(ShopTerms).where(ShopTerms.shop_id == shop.id)) or ShopTerms(
            shop_id=shop.id, weigh_tolerance_bp=current_app.config["ORDER_WEIGH_TOLERANCE_BP"])
        terms.after_sales_days = days
        db.session.add(terms)
    return days
