"""The answer to an after-sales action: back to the order's page with a message, a refusal in the
user's language (InvalidTransition names the request's status)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from aftersales.errors import AfterSaleError
from aftersales.status import status_label
from marketplace.states import InvalidTransition

ORDER_PAGES = {"buyer": "orders.order_detail", "merchant": "orders.merchant_order", "admin": "orders.admin_order"}


def run_action(case, viewer: str, action, done: str):
    try:
        action()
    except InvalidTransition:
        flash(_("售后申请当前状态为“%(status)s”，不能进行这个操作", status=status_label(case.status)), "error")
    except AfterSaleError as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for(ORDER_PAGES[viewer], order_id=case.order_id) + f"#after-sale-{case.id}")
