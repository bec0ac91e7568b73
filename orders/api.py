"""JSON API: the cart, checkout and the buyer's orders, on the same services as the pages.

GET/POST/PATCH/DELETE /api/v1/cart, POST /api/v1/checkout (Idempotency-Key header or body field; recommended, as only a request with
a key is safe to retry),
GET /api/v1/orders, GET /api/v1/orders/<id>, POST /api/v1/orders/<id>/cancel|confirm.
Amounts are integer minor units (``*_cents``). Fields the server computes (prices, totals, shop,
status) are ignored when a client sends them.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.scopes import BUYER
from marketplace.api import api_bp, api_login_required, json_body, page_args, scoped
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.openapi import api_doc
from marketplace.web import paginate
from orders import services
from orders.api_schemas import (
    CancelSchema,
    CartAddSchema,
    CartRemoveSchema,
    CartSchema,
    CartUpdateSchema,
    CheckoutSchema,
    OrderDetailSchema,
    OrderGroupSchema,
    OrderListSchema,
    PageQuerySchema,
)
from orders.delivery import zone_label
from orders.models import FeeMode, Order, OrderGroup


def _zone_json(zone, locale: str, labels: dict[int, str]) -> dict:
    region = zone.region
    name = labels.get(region.id)
    if name is None:
        name = labels[region.id] = zone_label(region, locale)
    return {"region": {"id": region.id, "code": region.code, "name": name, "level": region.level.value},
            "fee_mode": FeeMode(zone.fee_mode).value, "fee_cents": zone.fee_cents,
            "free_above_cents": zone.free_above_cents}


def delivery_json(rule, locale: str | None = None, labels: dict[int, str] | None = None) -> dict:
    """A shop's delivery offer: its zones with their fees (``counties`` and the fee fields of the
    first zone are kept for clients written before zones). ``labels``: the zones' names already
    made ({region id: name}), shared by a cart's shops, most of which deliver in the same county."""
    locale = locale or current_locale_code()
    labels = labels if labels is not None else {}
    zones = [_zone_json(z, locale, labels) for z in rule.zones]
    first = zones[0] if zones else {"fee_mode": "flat", "fee_cents": 0, "free_above_cents": None}
    return {"enabled": rule.delivery_enabled, "counties": [z.region_id for z in rule.zones],
            "fee_mode": first["fee_mode"], "fee_cents": first["fee_cents"],
            "free_above_cents": first["free_above_cents"], "zones": zones}


def cart_json(view) -> dict:
    groups = []
    locale, labels = current_locale_code(), {}
    for group in view.groups:
        groups.append({
            "shop": {"id": group.shop.id, "name": group.shop.name, "slug": group.shop.slug},
            "subtotal_cents": group.subtotal_cents,
            "delivery": delivery_json(group.rule, locale, labels),
            "pickup": {"enabled": group.rule.pickup_enabled, "hours": group.rule.pickup_hours},
            "lines": [{
                "id": lv.line.id, "variant_id": lv.variant.id, "product_id": lv.product.id,
                "product_title": lv.product.title, "variant_name": lv.variant.name, "unit": lv.variant.unit,
                "quantity": lv.quantity, "unit_price_cents": lv.unit_price_cents,
                "line_total_cents": lv.line_total_cents, "tier_min_quantity": lv.tier_min_quantity,
                "moq": lv.variant.moq, "step": lv.variant.step,
                "next_tier": ({"more": lv.hint.more, "quantity": lv.hint.quantity,
                               "unit_price_cents": lv.hint.unit_price_cents, "message": lv.hint.message}
                              if lv.hint else None),
                "repriced_from_cents": lv.repriced_from_cents, "problems": lv.problems,
            } for lv in group.lines],
        })
    return {"groups": groups, "subtotal_cents": view.subtotal_cents, "line_count": len(view.lines),
            "has_problems": bool(view.problems)}


def order_json(order: Order, detail: bool = False) -> dict:
    data = {
        "id": order.id, "number": order.number, "group_id": order.group_id, "status": order.status.value,
        "shop": {"id": order.shop_id, "name": order.shop.name}, "fulfilment": order.fulfilment.value,
        "subtotal_cents": order.subtotal_cents, "fee_cents": order.fee_cents, "total_cents": order.total_cents,
        "created_at": order.created_at.isoformat(), "expires_at": order.expires_at.isoformat(),
    }
    if detail:
        data.update({
            "lines": [{"id": ln.id, "product_title": ln.product_title, "variant_name": ln.variant_name, "unit": ln.unit,
                       "weigh_tolerance_bp": ln.weigh_tolerance_bp,
                       "variant_id": ln.variant_id, "quantity": ln.quantity, "unit_price_cents": ln.unit_price_cents,
                       "tier_min_quantity": ln.tier_min_quantity, "line_total_cents": ln.line_total_cents}
                      for ln in order.lines],
            "address": {"recipient": order.ship_recipient, "phone": order.ship_phone, "address": order.ship_address}
            if order.fulfilment.value == "delivery" else None,
            "pickup": {"address": order.pickup_address, "hours": order.pickup_hours, "code": order.pickup_code}
            if order.fulfilment.value == "pickup" else None,
            "carrier": order.carrier, "tracking_number": order.tracking_number,
            "history": [{"status": h.to_status.value, "at": h.created_at.isoformat(), "note": h.note}
                        for h in order.history],
        })
    return data


def group_json(group: OrderGroup) -> dict:
    return {"id": group.id, "subtotal_cents": group.subtotal_cents, "fee_cents": group.fee_cents,
            "total_cents": group.total_cents, "expires_at": group.expires_at.isoformat(),
            "orders": [order_json(o, detail=True) for o in group.orders]}


def _current_view():
    return cart_json(services.build_view(services.current_cart()))


@api_bp.get("/cart")
@api_doc("The cart (the session's, or the signed-in user's) by shop", tags=["cart"], responses={200: CartSchema})
@scoped(BUYER)
def api_cart():
    return _current_view()


@api_bp.post("/cart")
@api_doc("Add a variant to the cart", tags=["cart"], body=CartAddSchema,
         responses={201: CartSchema, 404: "error", 409: "error", 422: "error"})
@scoped(BUYER)
def api_cart_add():
    body = json_body()
    if "variant_id" not in body or "quantity" not in body:
        raise ApiError(400, "invalid", _("需要 variant_id 和 quantity"))
    return cart_json(services.add_item_with_view(body["variant_id"], body["quantity"])), 201


def _line_id(body: dict):
    cart = services.current_cart()
    if body.get("line_id") is not None:
        return body["line_id"], cart
    if body.get("variant_id") is not None:
        return services.line_for_variant(cart, body["variant_id"]).id, cart
    raise ApiError(400, "invalid", _("需要 line_id 或 variant_id"))


@api_bp.patch("/cart")
@api_doc("Change a line's quantity", tags=["cart"], body=CartUpdateSchema,
         responses={200: CartSchema, 404: "error", 409: "error", 422: "error"})
@scoped(BUYER)
def api_cart_update():
    body = json_body()
    if "quantity" not in body:
        raise ApiError(400, "invalid", _("需要 quantity"))
    line_id, cart = _line_id(body)
    services.set_quantity(line_id, body["quantity"], cart=cart)
    return _current_view()


@api_bp.delete("/cart")
@api_doc("Remove a line, or empty the cart (no body)", tags=["cart"], body=CartRemoveSchema, body_required=False,
         responses={200: CartSchema, 404: "error", 422: "error"})
@scoped(BUYER)
def api_cart_delete():
    body = request.get_json(silent=True) if request.data else None
    if isinstance(body, dict) and (body.get("line_id") is not None or body.get("variant_id") is not None):
        line_id, cart = _line_id(body)
        services.remove_line(line_id, cart=cart)
    elif body not in (None, {}):
        raise ApiError(400, "invalid_json", _("请求体必须是 JSON 对象"))
    else:
        cart = services.current_cart()
        services.clear(cart)
        return cart_json(services.CartView(cart=cart, groups=[]))  # emptied: nothing to read back
    return _current_view()


@api_bp.post("/checkout")
@api_doc("Place the cart's orders (one per shop) in one order group", tags=["cart"], body=CheckoutSchema,
         body_required=False, headers=[("Idempotency-Key", "Makes a retry safe: the same key gives the same group")],
         responses={200: OrderGroupSchema, 201: OrderGroupSchema, 404: "error", 409: "error", 422: "error"})
@scoped(BUYER)
@api_login_required
def api_checkout():
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", _("请求体必须是 JSON 对象"))
    key = request.headers.get("Idempotency-Key") or body.get("idempotency_key")
    # Without a key a retry cannot be recognised (send one to make retries safe); a key sent is
    # checked before the look-up, since it is user input.
    key = services.new_idempotency_key() if key is None else services.check_key(key)
    existed = services.existing_group(current_user, key)
    if existed is not None:
        return group_json(existed), 200
    note = body.get("note") if isinstance(body.get("note"), str) else ""
    # None: his own cart, read with its lines in one statement
    group = services.place_order(None, current_user, choices=body.get("fulfilment"),
                                 address_id=body.get("address_id"), idempotency_key=key, note=note,
                                 key_looked_up=True)
    return group_json(group), 201


@api_bp.get("/orders")
@api_doc("The buyer's own orders, newest first", tags=["orders"], query=PageQuerySchema,
         responses={200: OrderListSchema})
@scoped(BUYER)
@api_login_required
def api_orders():
    services.expire_lazily()
    page, size = page_args()
    query = db.select(Order).where(Order.buyer_id == current_user.id).order_by(Order.id.desc())
    result = paginate(query, page=page, per_page=size)
    return {"items": [order_json(o) for o in result.items], "page": page, "per_page": size, "total": result.total}


def _own(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or order.buyer_id != current_user.id:
        raise ApiError(404, "not_found", _("订单不存在"))
    return order


@api_bp.get("/orders/<int:order_id>")
@api_doc("One of the buyer's orders", tags=["orders"], responses={200: OrderDetailSchema})
@scoped(BUYER)
@api_login_required
def api_order(order_id: int):
    services.expire_lazily()
    return order_json(_own(order_id), detail=True)


@api_bp.post("/orders/<int:order_id>/cancel")
@api_doc("Cancel an order before the shop accepts it (a paid one is refunded)", tags=["orders"],
         body=CancelSchema, body_required=False, responses={200: OrderDetailSchema, 409: "error", 422: "error"})
@scoped(BUYER)
@api_login_required
def api_order_cancel(order_id: int):
    body = request.get_json(silent=True) if request.data else {}
    reason = body.get("reason") if isinstance(body, dict) and isinstance(body.get("reason"), str) else ""
    return order_json(services.cancel_by_buyer(_own(order_id), current_user, reason), detail=True)


@api_bp.post("/orders/<int:order_id>/confirm")
@api_doc("Confirm receipt: the order is completed", tags=["orders"], responses={200: OrderDetailSchema, 409: "error"})
@scoped(BUYER)
@api_login_required
def api_order_confirm(order_id: int):
    return order_json(services.confirm_receipt(_own(order_id), current_user), detail=True)
