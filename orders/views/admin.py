"""Admin: every order of the marketplace, searchable, with its history."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from marketplace.accounts.models import User
from marketplace.accounts.policy import admin_required
from marketplace.admin.services import record_view
from marketplace.domains import page_blocks
from marketplace.extensions import db
from marketplace.shops.models import Shop
from marketplace.web import paginate
from orders import bp, services
from orders.models import Order, OrderStatus
from orders.policy import _load
from orders.views.common import filtered_orders


@bp.get("/admin/orders")
@admin_required
def admin_orders():
    services.expire_lazily()
    query = filtered_orders(db.select(Order))
    who = (request.args.get("who") or "").strip()[:80]
    if who:
        like = f"%{who}%"
        query = query.where(Order.buyer_id.in_(db.select(User.id).where(User.email.ilike(like)))
                            | Order.shop_id.in_(db.select(Shop.id).where(Shop.name.ilike(like))))
    return render_template("orders/admin/orders.html", page=paginate(query.order_by(Order.id.desc()), per_page=50), statuses=list(OrderStatus), args=request.args)


@bp.get("/admin/orders/<int:order_id>")
@admin_required
def admin_order(order_id: int):
    order = _load(order_id)
    if order is None:
        abort(404)
    record_view(current_user, "order", order.id)  # the page shows the buyer's contact in full
    return render_template("orders/admin/order.html", order=order, **page_blocks(current_app, "admin_order", order))
