"""Shared by the buyer's and the merchant's order pages."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from marketplace.states import InvalidTransition
from orders import services
from orders.cart import CartError


def run_order_action(order, action, done: str, endpoint: str):
    """Apply ``action(order)``; a refused move or bad input becomes a clear message, nothing changes."""
    try:
        action(order)
    except InvalidTransition:
        flash(_("订单当前状态为“%(status)s”，不能进行这个操作", status=services.status_label(order.status)), "error")
    except CartError as exc:
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for(endpoint, order_id=order.id))
