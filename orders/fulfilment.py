"""Moving orders along: payment, merchant fulfilment, buyer confirmation, cancellation, expiry.

Each verb is one ``atomic()`` transaction: it commits on success and rolls back on any error,
raising InvalidTransition (a refused move, HTTP 409) or CartError (bad input, with a message).
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app
from flask_babel import gettext as _

from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from orders.cart import CartError
from orders.models import Fulfilment, Order, OrderGroup, OrderStatus
from orders.status import ORDER_MACHINE, pays_at_handover, set_status

S = OrderStatus


def _text(value, limit: int, label: str, required: bool = False) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise CartError(_("%(field)s格式不正确", field=label))
    if required and not text:
        raise CartError(_("请填写%(field)s", field=label))
    if len(text) > limit:
        raise CartError(_("%(field)s最多 %(n)d 个字", field=label, n=limit))
    return text


@atomic()
def mark_paid(target: OrderGroup | Order, actor=None, note: str = "") -> list[Order]:
    """Record payment of one order or of every unpaid order of a group (payments.services.settle, or
    an offline payment confirmed by the merchant). Refuses (InvalidTransition) when nothing is awaiting payment."""
    orders = list(target.orders) if isinstance(target, OrderGroup) else [target]
    pending = [o for o in orders if o.status == S.PENDING_PAYMENT]
    if not pending:
        ORDER_MACHINE.check(orders[0].status, S.PAID)
    for order in pending:
        set_status(order, S.PAID, actor=actor, note=note)
    return pending


@atomic()
def accept(order: Order, actor, note: str = "") -> Order:
    """A paid order, or an unpaid one the buyer pays at handover (cash or scan on delivery, at pickup)."""
    if order.status == S.PENDING_PAYMENT and not pays_at_handover(order):
        raise InvalidTransition(ORDER_MACHINE, order.status, S.ACCEPTED)
    set_status(order, S.ACCEPTED, actor=actor, note=note)
    return order


@atomic()
def ship(order: Order, actor, carrier, tracking_number, note: str = "") -> Order:
    if order.fulfilment != Fulfilment.DELIVERY:
        raise CartError(_("自提订单不能发货，请标记为待自提"), status=409, code="wrong_fulfilment")
    carrier_text = _text(carrier, 60, _("承运方"), required=True)
    tracking = _text(tracking_number, 60, _("运单号"), required=True)
    set_status(order, S.SHIPPED, actor=actor, note=note, carrier=carrier_text, tracking_number=tracking)
    return order


@atomic()
def ready_for_pickup(order: Order, actor, pickup_code=None, note: str = "") -> Order:
    if order.fulfilment != Fulfilment.PICKUP:
        raise CartError(_("配送订单不能标记为待自提，请发货"), status=409, code="wrong_fulfilment")
    code = _text(pickup_code, 12, _("提货码")) or f"{secrets.randbelow(10**6):06d}"
    set_status(order, S.READY_FOR_PICKUP, actor=actor, note=note, pickup_code=code)
    return order


@atomic()
def mark_delivered(order: Order, actor, note: str = "") -> Order:
    set_status(order, S.DELIVERED, actor=actor, note=note)
    return order


@atomic()
def confirm_receipt(order: Order, buyer, note: str = "") -> Order:
    """The buyer has the goods: a shipped / ready order becomes delivered, then completed."""
    if order.status in (S.SHIPPED, S.READY_FOR_PICKUP):
        set_status(order, S.DELIVERED, actor=buyer, note=_("买家确认收货"), notify=False)
    set_status(order, S.COMPLETED, actor=buyer, note=note or _("买家确认收货"))
    return order


@atomic()
def cancel_by_buyer(order: Order, buyer, reason: str = "") -> Order:
    """Before the merchant accepts: pending or paid (a paid order is refunded by payments.hooks)."""
    if order.status not in (S.PENDING_PAYMENT, S.PAID):
        raise InvalidTransition(ORDER_MACHINE, order.status, S.CANCELLED)
    set_status(order, S.CANCELLED, actor=buyer, note=_text(reason, 300, _("原因")) or _("买家取消"))
    return order


@atomic()
def cancel_by_merchant(order: Order, actor, reason) -> Order:
    set_status(order, S.CANCELLED, actor=actor, note=_text(reason, 300, _("取消原因"), required=True))
    return order


# --- time-driven moves ------------------------------------------------------------------------------

def overdue_ids(now: dt.datetime | None = None, limit: int | None = None) -> list[int]:
    now = now or utcnow()
    query = (db.select(Order.id).where(Order.status == S.PENDING_PAYMENT, Order.expires_at <= now)
             .order_by(Order.id))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def _move_each(ids: list[int], target: OrderStatus, note: str, progress=None) -> int:
    """Move each order in its own transaction; one already moved by someone else is skipped."""
    done = 0
    for order_id in ids:
        try:
            with atomic():
                set_status(db.session.get(Order, order_id), target, note=note)
            done += 1
        except InvalidTransition:
            pass
        if progress is not None:
            progress(1)
    return done


def expire_overdue(now: dt.datetime | None = None, limit: int | None = None, progress=None) -> int:
    """Expire unpaid orders past their payment time; their stock goes back. Returns how many."""
    return _move_each(overdue_ids(now, limit), S.EXPIRED, _("超时未付款，自动取消"), progress)


def expire_lazily(limit: int = 50) -> int:
    """Called on order pages: the expiry job may not run often on a small installation."""
    if not current_app.config.get("ORDER_LAZY_EXPIRY", True):
        return 0
    ids = overdue_ids(limit=limit)
    return _move_each(ids, S.EXPIRED, _("超时未付款，自动取消")) if ids else 0


def delivered_ids(now: dt.datetime | None = None) -> list[int]:
    days = current_app.config["ORDER_AUTO_COMPLETE_DAYS"]
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    return list(db.session.scalars(db.select(Order.id).where(Order.status == S.DELIVERED,
                                                             Order.delivered_at <= cutoff).order_by(Order.id)))


def complete_delivered(now: dt.datetime | None = None, progress=None) -> int:
    """Complete orders delivered more than ORDER_AUTO_COMPLETE_DAYS ago."""
    return _move_each(delivered_ids(now), S.COMPLETED, _("送达后自动完成"), progress)
