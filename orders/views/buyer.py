"""Buyer pages: cart, checkout, confirmation, my orders, address book."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from catalog.units import unit_name
from marketplace.domains import page_blocks
from marketplace.extensions import db
from marketplace.regions.picker import chain_for, resolve_pick
from marketplace.security import safe_next
from marketplace.web import enum_arg, paginate
from orders import bp, services
from orders.addresses import AddressError
from orders.forms import AddressForm
from orders.models import Fulfilment, Order, OrderStatus
from orders.policy import buyer_group_or_404, buyer_order_or_404, own_address_or_404
from orders.views.common import run_order_action

# --- cart -------------------------------------------------------------------------------------------


@bp.get("/cart")
def cart():
    view = services.build_view(services.current_cart())
    return render_template("orders/cart.html", view=view)


@bp.post("/cart/add")
def add_to_cart():
    """The product page's form: stay on the product page (or ``next``), with a message. A refusal
    goes back to the page the form was sent from (the error handler)."""
    line = services.add_item(request.form.get("variant_id"), request.form.get("quantity"))
    flash(_("已加入采购车：%(title)s，共 %(qty)d %(unit)s", title=line.variant.product.title, qty=line.quantity,
            unit=unit_name(line.variant.unit)), "success")
    return redirect(safe_next(request.form.get("next"), "") or _product_url(line.variant.product_id))


def _product_url(product_id: int) -> str:
    if "catalog.product" in current_app.view_functions:
        return url_for("catalog.product", product_id=product_id)
    return url_for("orders.cart")


@bp.post("/cart/lines/<int:line_id>")
def cart_update(line_id: int):
    services.set_quantity(line_id, request.form.get("quantity"))
    flash(_("数量已更新"), "success")
    return redirect(url_for("orders.cart"))


@bp.post("/cart/lines/<int:line_id>/remove")
def cart_remove(line_id: int):
    services.remove_line(line_id)
    flash(_("已从采购车删除"), "info")
    return redirect(url_for("orders.cart"))


# --- checkout ---------------------------------------------------------------------------------------

def _addresses():
    return services.addresses_of(current_user)


@bp.route("/checkout", methods=["GET", "POST"])
def checkout_page():
    if not current_user.is_authenticated:
        return render_template("orders/checkout_signin.html", view=services.build_view(services.current_cart()))
    services.expire_lazily()
    cart_obj = services.current_cart()
    view = services.build_view(cart_obj)
    if view.is_empty:
        flash(_("采购车是空的"), "info")
        return redirect(url_for("orders.cart"))
    addresses = _addresses()
    shop_ids = [g.shop.id for g in view.groups]
    if request.method == "POST":
        raw = {str(sid): request.form[f"fulfilment-{sid}"] for sid in shop_ids if f"fulfilment-{sid}" in request.form}
        try:
            group = services.place_order(cart_obj, current_user, choices=raw,
                                         address_id=request.form.get("address_id") or None,
                                         idempotency_key=request.form.get("idempotency_key"),
                                         note=request.form.get("note", "")[:300])
        except services.CartError as exc:
            # The checkout page is shown again with the buyer's choices and the message; a foreign
            # address (404) is the error handler's page.
            if exc.status == 404:
                raise
            flash(exc.message, "error")
            view = services.build_view(services.current_cart())
            if view.is_empty:
                return redirect(url_for("orders.cart"))
        else:
            return redirect(url_for("orders.confirmation", group_id=group.id))
        choices = {}
        for sid in shop_ids:
            try:
                choices[sid] = Fulfilment(raw.get(str(sid)))
            except ValueError:
                choices[sid] = Fulfilment.PICKUP
        selected = request.form.get("address_id", "")
        key = request.form.get("idempotency_key") or services.new_idempotency_key()
    else:
        default = next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
        selected = str(default.id) if default else ""
        choices = {}
        for g in view.groups:
            can_deliver = default is not None and services.refusal(g.rule, g.shop, Fulfilment.DELIVERY, default) is None
            choices[g.shop.id] = Fulfilment.DELIVERY if can_deliver else Fulfilment.PICKUP
        key = services.new_idempotency_key()
    address = next((a for a in addresses if str(a.id) == str(selected)), None)
    delivery_quote = services.quote(view, {g.shop.id: Fulfilment.DELIVERY for g in view.groups}, address)
    quoted = services.quote(view, choices, address)
    return render_template("orders/checkout.html", view=view, addresses=addresses, selected=str(selected),
                           choices=choices, quoted=quoted, delivery_quote=delivery_quote, key=key,
                           total=view.subtotal_cents + sum(fee for *_x, fee, _r in quoted))


@bp.get("/orders/checkout/<int:group_id>")
@login_required
def confirmation(group_id: int):
    group = buyer_group_or_404(group_id, current_user)
    return render_template("orders/confirmation.html", group=group)


# --- my orders --------------------------------------------------------------------------------------

@bp.get("/orders")
@login_required
def my_orders():
    services.expire_lazily()
    status = enum_arg(OrderStatus, "status")
    query = db.select(Order).where(Order.buyer_id == current_user.id).order_by(Order.id.desc())
    if status is not None:
        query = query.where(Order.status == status)
    return render_template("orders/my_orders.html", page=paginate(query, per_page=20),
                           status=status.value if status else "", statuses=list(OrderStatus))


@bp.get("/orders/<int:order_id>")
@login_required
def order_detail(order_id: int):
    services.expire_lazily()
    order = buyer_order_or_404(order_id, current_user)
    return render_template("orders/order_detail.html", order=order, viewer="buyer",
                           **page_blocks(current_app, "buyer_order", order))


def _buyer_action(order_id: int, action, done: str):
    return run_order_action(buyer_order_or_404(order_id, current_user), action, done, "orders.order_detail")


@bp.post("/orders/<int:order_id>/cancel")
@login_required
def cancel_order(order_id: int):
    return _buyer_action(order_id, lambda o: services.cancel_by_buyer(o, current_user, request.form.get("reason", "")),
                         _("订单已取消"))


@bp.post("/orders/<int:order_id>/confirm")
@login_required
def confirm_receipt(order_id: int):
    return _buyer_action(order_id, lambda o: services.confirm_receipt(o, current_user), _("已确认收货，订单完成"))


# --- address book -----------------------------------------------------------------------------------

@bp.route("/account/addresses", methods=["GET", "POST"])
@login_required
def addresses():
    """The address book; the form's region comes from the cascading picker (``region`` selects)."""
    form = AddressForm()
    region = resolve_pick(request.form.getlist("region")) if request.method == "POST" else None
    region_error = None
    if request.method == "POST" and not request.form.get("pick"):
        valid = form.validate_on_submit()  # every field's message at once, the region's too
        try:
            if valid:
                services.add_address(current_user, recipient=form.recipient.data, phone=form.phone.data,
                                     region=region, street=form.street.data, is_default=bool(form.is_default.data))
                flash(_("地址已保存"), "success")
                return redirect(safe_next(request.form.get("next"), url_for("orders.addresses")))
            if region is None:
                region_error = _("请选择所在地区（至少选到省）")
        except AddressError as exc:
            region_error = exc.message
        flash(_("地址未保存，请检查填写的内容"), "error")
    return render_template("orders/addresses.html", form=form, addresses=_addresses(), chain=chain_for(region),
                           region_error=region_error, next=safe_next(request.values.get("next"), ""))


@bp.post("/account/addresses/<int:address_id>/default")
@login_required
def address_default(address_id: int):
    services.make_default(own_address_or_404(address_id, current_user))
    flash(_("已设为默认地址"), "success")
    return redirect(url_for("orders.addresses"))


@bp.post("/account/addresses/<int:address_id>/delete")
@login_required
def address_delete(address_id: int):
    services.delete_address(own_address_or_404(address_id, current_user))
    flash(_("地址已删除"), "info")
    return redirect(url_for("orders.addresses"))
