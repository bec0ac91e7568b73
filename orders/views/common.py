"""Shared by the order pages: the answer to an order action (buyer, merchant), the list filters
(merchant, admin)."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from marketplace.states import InvalidTransition
from marketplace.web import enum_arg
from orders import services
from orders.models import Order, OrderStatus


def run_order_action(order, action, done: str, endpoint: str):
    """Apply ``action(order)`` and come back to the order's page with a message.

    A refusal is caught here rather than left to the error handler because these forms always
    return to the order's page (whatever the referrer) and a refused move names the order's status.
    """
    try:
        action(order)
    except InvalidTransition:
        flash(_("订单当前状态为“%(status)s”，不能进行这个操作", status=services.status_label(order.status)), "error")
    except services.CartError as exc:
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for(endpoint, order_id=order.id))


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filtered_orders(base):
    """Apply the query string's status / date / number filters of the order lists (merchant, admin)."""
    args = request.args
    status = enum_arg(OrderStatus, "status")
    if status is not None:
        base = base.where(Order.status == status)
    start, end = _date(args.get("from")), _date(args.get("to"))
    if start:
        base = base.where(Order.created_at >= dt.datetime.combine(start, dt.time(), dt.UTC))
    if end:
        base = base.where(Order.created_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC))
    q = (args.get("q") or "").strip()[:40]
    if q:
        base = base.where(Order.number.contains(q))
    return base
