"""The shop's after-sales pages: its requests (to handle first), approve, receive the return,
refuse, and the window its buyers have to ask."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from aftersales import bp, services
from aftersales.errors import AfterSaleError
from aftersales.models import AfterSale, AfterSaleStatus
from aftersales.policy import shop_case_or_404
from aftersales.status import STATUS_LABELS
from aftersales.views.common import run_action
from marketplace.shops.policy import merchant_required
from marketplace.web import enum_arg, paginate
from orders.models import Order

#: What waits for the shop, first in its list.
TO_HANDLE = (AfterSaleStatus.REQUESTED, AfterSaleStatus.RETURNED)


def listing(query, status=None):
    """A list page's query: filtered by status, with each row's order, shop and buyer in the same
    statement (the page shows them; one query per row otherwise)."""
    query = query.options(joinedload(AfterSale.order).joinedload(Order.shop), joinedload(AfterSale.buyer))
    return query.where(AfterSale.status == status) if status is not None else query


@bp.get("/merchant/after-sales")
@merchant_required
def merchant_list(shop):
    status = enum_arg(AfterSaleStatus)
    query = listing(sa.select(AfterSale).where(AfterSale.shop_id == shop.id), status).order_by(
        sa.case((AfterSale.status.in_(TO_HANDLE), 0), else_=1), AfterSale.id.desc())
    return render_template("aftersales/list.html", page=paginate(query, per_page=30), viewer="merchant",
                           title=_("售后处理"), statuses=list(STATUS_LABELS.items()), status=status,
                           window=services.window_days(shop.id))


@bp.post("/merchant/after-sales/window")
@merchant_required
def save_window(shop):
    try:
        days = services.save_window(shop, request.form.get("days", ""))
    except AfterSaleError as exc:
        flash(str(exc), "error")
    else:
        flash(_("售后期限已设为收货后 %(days)d 天", days=days), "success")
    return redirect(url_for("aftersales.merchant_list"))


@bp.post("/merchant/after-sales/<int:case_id>/approve")
@merchant_required
def approve(case_id: int, shop):
    case = shop_case_or_404(case_id, shop)
    form = request.form
    return run_action(case, "merchant", lambda: services.approve(
        case, current_user, restock=form.get("restock") == "y", return_shipping=form.get("return_shipping") or None,
        return_address=form.get("return_address", ""), note=form.get("note", "")), _("已同意售后申请"))


@bp.post("/merchant/after-sales/<int:case_id>/receive")
@merchant_required
def receive(case_id: int, shop):
    case = shop_case_or_404(case_id, shop)
    return run_action(case, "merchant", lambda: services.confirm_received(
        case, current_user, restock=request.form.get("restock") == "y"), _("已确认收到退货并退款"))


@bp.post("/merchant/after-sales/<int:case_id>/refuse")
@merchant_required
def refuse(case_id: int, shop):
    case = shop_case_or_404(case_id, shop)
    return run_action(case, "merchant", lambda: services.refuse(case, current_user, note=request.form.get("note", "")),
                      _("已拒绝售后申请"))
