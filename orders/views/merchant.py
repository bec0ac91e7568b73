"""Merchant pages: his shop's orders (filter, fulfil, packing slip, CSV), delivery rules.

Every view takes the shop from shops.policy.merchant_required and every order through
own_or_404: another shop's order id is a 404.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user

from catalog.units import unit_name
from marketplace import money
from marketplace.db import utcnow
from marketplace.domains import page_blocks
from marketplace.exports import csv_response, local_time, time_header
from marketplace.extensions import db
from marketplace.privacy.masking import mask_address, mask_name, mask_phone, scrub_text
from marketplace.shops.policy import merchant_required
from marketplace.web import paginate
from orders import bp, services
from orders.forms import CancelForm, PickupForm, ShipForm
from orders.models import Order, OrderStatus
from orders.policy import merchant_order_or_404
from orders.privacy import shop_sees_contact
from orders.status import pays_at_handover
from orders.views.common import filtered_orders, run_order_action


@bp.get("/merchant/orders")
@merchant_required
def merchant_orders(shop):
    services.expire_lazily()
    query = filtered_orders(db.select(Order).where(Order.shop_id == shop.id)).order_by(Order.id.desc())
    return render_template("orders/merchant/orders.html", shop=shop, page=paginate(query, per_page=30), statuses=list(OrderStatus),
                           args=request.args)


@bp.get("/merchant/orders/<int:order_id>")
@merchant_required
def merchant_order(order_id: int, shop):
    services.expire_lazily()
    order = merchant_order_or_404(order_id, shop)
    return render_template("orders/merchant/order.html", shop=shop, order=order, ship_form=ShipForm(),
                           pickup_form=PickupForm(), cancel_form=CancelForm(), viewer="merchant",
                           accept_unpaid=pays_at_handover(order), **page_blocks(current_app, "merchant_order", order))


@bp.get("/merchant/orders/<int:order_id>/slip")
@merchant_required
def packing_slip(order_id: int, shop):
    order = merchant_order_or_404(order_id, shop)
    return render_template("orders/merchant/slip.html", shop=shop, order=order)


def _act(order_id: int, shop, action, done: str):
    return run_order_action(merchant_order_or_404(order_id, shop), action, done, "orders.merchant_order")


@bp.post("/merchant/orders/<int:order_id>/paid")
@merchant_required
def merchant_mark_paid(order_id: int, shop):
    """Offline payment (bank transfer, cash at the stall) received: the merchant confirms it."""
    return _act(order_id, shop, lambda o: services.mark_paid(o, current_user, _("商家确认已收到线下付款")),
                _("已确认收款"))


def _form_refused(form, order_id: int, shop):
    """A shipping or pickup form that does not validate: back to the order (404 for a foreign one)."""
    merchant_order_or_404(order_id, shop)
    flash(" ".join(str(e) for errs in form.errors.values() for e in errs), "error")
    return redirect(url_for("orders.merchant_order", order_id=order_id))


@bp.post("/merchant/orders/<int:order_id>/accept")
@merchant_required
def merchant_accept(order_id: int, shop):
    return _act(order_id, shop, lambda o: services.accept(o, current_user), _("已接单"))


@bp.post("/merchant/orders/<int:order_id>/ship")
@merchant_required
def merchant_ship(order_id: int, shop):
    form = ShipForm()
    if not form.validate():
        return _form_refused(form, order_id, shop)
    return _act(order_id, shop, lambda o: services.ship(o, current_user, form.carrier.data, form.tracking_number.data),
                _("已发货"))


@bp.post("/merchant/orders/<int:order_id>/ready")
@merchant_required
def merchant_ready(order_id: int, shop):
    form = PickupForm()
    if not form.validate():
        return _form_refused(form, order_id, shop)
    return _act(order_id, shop, lambda o: services.ready_for_pickup(o, current_user, form.pickup_code.data or None),
                _("已通知买家到店自提"))


@bp.post("/merchant/orders/<int:order_id>/delivered")
@merchant_required
def merchant_delivered(order_id: int, shop):
    return _act(order_id, shop, lambda o: services.mark_delivered(o, current_user), _("已标记为送达"))


@bp.post("/merchant/orders/<int:order_id>/cancel")
@merchant_required
def merchant_cancel(order_id: int, shop):
    return _act(order_id, shop, lambda o: services.cancel_by_merchant(o, current_user, request.form.get("reason")),
                _("订单已取消"))


# --- CSV export ---------------------------------------------------------------------------------------

def _contact(order: Order, reveal: bool) -> list[str]:
    """Recipient, phone and address cells: in full while the shop needs them, masked after its window."""
    if order.fulfilment.value != "delivery":
        return ["", "", order.pickup_address]
    if reveal:
        return [order.ship_recipient, order.ship_phone, order.ship_address]
    return [mask_name(order.ship_recipient), mask_phone(order.ship_phone), mask_address(order.ship_address)]


@bp.get("/merchant/orders.csv")
@merchant_required
def merchant_orders_csv(shop):
    query = filtered_orders(db.select(Order).where(Order.shop_id == shop.id)).order_by(Order.id)
    header = [_("订单号"), time_header(_("下单时间")), _("状态"), _("配送方式"), _("收货人"), _("电话"), _("地址"),
              _("商品"), _("规格"), _("数量"), pgettext("unit of measure", "单位"), _("单价"), _("小计"), _("运费"),
              _("订单合计"), _("承运方"), _("运单号"), _("买家留言")]
    now = utcnow()
    amount = money.to_major
    rows = ([order.number, local_time(order.created_at), services.status_label(order.status),
             services.fulfilment_label(order.fulfilment), *_contact(order, shop_sees_contact(order, now)),
             line.product_title, line.variant_name, line.quantity,
             unit_name(line.unit), amount(line.unit_price_cents), amount(line.line_total_cents),
             amount(order.fee_cents), amount(order.total_cents), order.carrier,
             order.tracking_number, scrub_text(order.note) if not shop_sees_contact(order, now) else order.note]
            for order in db.session.scalars(query).unique() for line in order.lines)
    return csv_response(f"orders-{shop.slug}-{dt.date.today():%Y%m%d}.csv", header, rows)
