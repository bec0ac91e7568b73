"""JSON API for a shop's orders (a merchant's ERP): /api/v1/shops/<shop_id>/orders...

The same verbs as the merchant pages (orders.views.merchant): accept, ship, ready_for_pickup and
mark_paid (an offline payment received; payments books it through the order-status signal, as for
the page). Every move goes through the order state machine, so a repeated accept or ship is a 409
and changes nothing. The shop comes from marketplace.shops.policy.api_shop: another shop's order is
a 404; writes need an approved shop and a token with the merchant scope (or a session).
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from marketplace.accounts.scopes import MERCHANT
from marketplace.api import api_bp, api_login_required, page_of, scoped
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.openapi import api_doc, parse_body, parse_query
from marketplace.shops.policy import api_shop
from orders import services
from orders.api import order_json
from orders.api_schemas import (
    MerchantOrderListSchema,
    MerchantOrderQuerySchema,
    MerchantOrderSchema,
    PickupBodySchema,
    ShipBodySchema,
)
from orders.models import Order, OrderStatus

BASE = "/shops/<int:shop_id>/orders"
TAGS = ["merchant: orders"]
MOVE_ERRORS = {409: "error"}


def merchant_order_json(order: Order) -> dict:
    return {**order_json(order, detail=True), "note": order.note,
            "buyer": {"id": order.buyer_id, "name": order.buyer.display_name}}


def _order(shop, order_id: int) -> Order:
    order = db.session.scalar(db.select(Order).where(Order.id == order_id)
                              .options(selectinload(Order.lines), selectinload(Order.history)))
    if order is None or order.shop_id != shop.id:
        raise ApiError(404, "not_found", _("订单不存在"))
    return order


@api_bp.get(BASE)
@scoped(MERCHANT)
@api_doc("The shop's orders, newest first; filter by status", tags=TAGS, query=MerchantOrderQuerySchema,
         responses={200: MerchantOrderListSchema})
@api_login_required
def merchant_orders_api(shop_id: int):
    shop = api_shop(shop_id)
    args = parse_query(MerchantOrderQuerySchema)
    services.expire_lazily()
    query = db.select(Order).where(Order.shop_id == shop.id)
    if args.get("status"):
        query = query.where(Order.status == OrderStatus(args["status"]))
    query = query.options(selectinload(Order.lines), selectinload(Order.history)).order_by(Order.id.desc())
    return page_of(query, args, merchant_order_json)


@api_bp.get(BASE + "/<int:order_id>")
@scoped(MERCHANT)
@api_doc("One of the shop's orders, with lines, address or pickup, and history", tags=TAGS,
         responses={200: MerchantOrderSchema})
@api_login_required
def merchant_order_api(shop_id: int, order_id: int):
    shop = api_shop(shop_id)
    services.expire_lazily()
    return merchant_order_json(_order(shop, order_id))


def _move(shop_id: int, order_id: int, action):
    order = _order(api_shop(shop_id, write=True), order_id)
    action(order)
    return merchant_order_json(order)


@api_bp.post(BASE + "/<int:order_id>/accept")
@scoped(MERCHANT)
@api_doc("Accept a paid order, or an unpaid one the buyer pays at handover (409 otherwise, e.g. already accepted)", tags=TAGS,
         responses={200: MerchantOrderSchema, **MOVE_ERRORS})
@api_login_required
def merchant_order_accept_api(shop_id: int, order_id: int):
    return _move(shop_id, order_id, lambda o: services.accept(o, current_user))


@api_bp.post(BASE + "/<int:order_id>/ship")
@scoped(MERCHANT)
@api_doc("Ship an accepted delivery order with its carrier and tracking number", tags=TAGS,
         body=ShipBodySchema, responses={200: MerchantOrderSchema, **MOVE_ERRORS})
@api_login_required
def merchant_order_ship_api(shop_id: int, order_id: int):
    order = _order(api_shop(shop_id, write=True), order_id)
    body = parse_body(ShipBodySchema)
    services.ship(order, current_user, body["carrier"], body["tracking_number"])
    return merchant_order_json(order)


@api_bp.post(BASE + "/<int:order_id>/ready")
@scoped(MERCHANT)
@api_doc("Mark an accepted pickup order ready for pickup (a pickup code is made when none is sent)", tags=TAGS,
         body=PickupBodySchema, body_required=False, responses={200: MerchantOrderSchema, **MOVE_ERRORS})
@api_login_required
def merchant_order_ready_api(shop_id: int, order_id: int):
    order = _order(api_shop(shop_id, write=True), order_id)
    body = parse_body(PickupBodySchema) if request.get_data() else {}
    services.ready_for_pickup(order, current_user, body.get("pickup_code") or None)
    return merchant_order_json(order)


@api_bp.post(BASE + "/<int:order_id>/paid")
@scoped(MERCHANT)
@api_doc("Confirm an offline payment (bank transfer, cash) was received", tags=TAGS,
         responses={200: MerchantOrderSchema, **MOVE_ERRORS})
@api_login_required
def merchant_order_paid_api(shop_id: int, order_id: int):
    return _move(shop_id, order_id, lambda o: services.mark_paid(o, current_user, _("商家确认已收到线下付款")))
