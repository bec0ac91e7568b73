"""JSON API of supply posts (供应) under /api/v1, through the pages' services and rules:

- public: ``GET /sourcing/supply`` (open posts, newest first; by category and county of origin) and
  ``GET /sourcing/supply/<id>`` (a withdrawn one only to its shop);
- the shop: ``/shops/<shop_id>/sourcing/supply`` (its posts; ``POST`` a new one), ``PUT .../<id>``
  (edit), ``POST .../<id>/withdraw|sold_out|reopen``;
- a buyer: ``POST /sourcing/supply/<id>/reserve`` (a request sent to that shop only).
Another shop's post or product is a 404.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from catalog.models import Category
from catalog.units import unit_name
from marketplace import money
from marketplace.accounts.scopes import BUYER, MERCHANT
from marketplace.api import api_bp, api_login_required, page_of, scoped
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.openapi import api_doc, parse_body, parse_query
from marketplace.regions.models import Region
from marketplace.shops.policy import api_shop
from marketplace.templating import media_url
from sourcing import matching, supply, supply_board
from sourcing import supply_schemas as s
from sourcing.api import MERCHANT_TAGS, TAGS, request_json
from sourcing.api_schemas import RequestSchema
from sourcing.supply_models import SupplyPost, SupplyStatus
from sourcing.supply_status import supply_label


def supply_json(post: SupplyPost) -> dict:
    locale = current_locale_code()
    kg = supply.per_kg(post) or (None, None)
    return {"id": post.id, "shop_id": post.shop_id, "shop": post.shop.name, "title": post.title, "spec": post.spec,
            "category_id": post.category_id, "category": post.category.localized_name(locale),
            "product_id": post.product_id, "quantity": post.quantity, "unit": post.unit,
            "unit_label": unit_name(post.unit), "available_from": post.available_from.isoformat(),
            "available_until": post.available_until.isoformat(), "region_id": post.region_id,
            "region": post.region.localized_name(locale), "price_min_cents": post.price_min_cents,
            "price_max_cents": post.price_max_cents, "price_per_kg_min_cents": kg[0], "price_per_kg_max_cents": kg[1],
            "status": post.status.value, "status_label": supply_label(post.status),
            "photos": [{"id": ph.id, "url": media_url(ph.key), "thumbnail": media_url(ph.thumb_key)} for ph in post.photos],
            "created_at": post.created_at.isoformat()}


def _listing(query):
    return query.options(joinedload(SupplyPost.shop), joinedload(SupplyPost.category),
                         joinedload(SupplyPost.region), selectinload(SupplyPost.photos))


def _body(data: dict) -> dict:
    """The API body in the services' form shape (prices in fen become yuan text, dates ISO)."""
    out = {key: ("" if value is None else value) for key, value in data.items()}
    for key in ("available_from", "available_until", "deliver_from", "deliver_until"):
        if data.get(key) is not None:
            out[key] = data[key].isoformat()
    for key, name in (("price_min_cents", "price_min"), ("price_max_cents", "price_max"),
                      ("target_price_cents", "target_price")):
        if data.get(key) is not None:
            out[name] = money.format_plain(data[key])
    if "product_id" in data:
        out["product"] = "" if data["product_id"] is None else str(data["product_id"])
    if "invoice_needed" in data:
        out["invoice_needed"] = "1" if data["invoice_needed"] else ""
    if data.get("spec") is None and "spec" in data:
        out.pop("spec")
    return out


def _shop_post(shop, post_id: int) -> SupplyPost:
    post = db.session.get(SupplyPost, post_id)
    if post is None or post.shop_id != shop.id:
        raise ApiError(404, "not_found", _("供应信息不存在"))
    return post


@api_bp.get("/sourcing/supply")
@api_doc("Supply posts on the 供求信息 board: open ones within their window, newest first", tags=TAGS,
         query=s.SupplyBoardQuerySchema, responses={200: s.SupplyListSchema})
def supply_board_api():
    args = parse_query(s.SupplyBoardQuerySchema)
    categories = None
    if args.get("category"):
        category = db.session.get(Category, args["category"])
        categories = set(matching.request_categories(category)) if category else {0}
    county = db.session.get(Region, args["county"]) if args.get("county") else None
    query = supply_board.supply_query(categories, county, None)
    return page_of(_listing(query).order_by(SupplyPost.id.desc()), args, supply_json)


@api_bp.get("/sourcing/supply/<int:post_id>")
@api_doc("A supply post (a withdrawn one only to its shop's members)", tags=TAGS, responses={200: s.SupplySchema})
def supply_api(post_id: int):
    post = supply.visible_post(post_id, current_user)
    if post is None:
        raise ApiError(404, "not_found", _("供应信息不存在"))
    return supply_json(post)


@api_bp.post("/sourcing/supply/<int:post_id>/reserve")
@scoped(BUYER)
@api_doc("Reserve a quantity of a supply post: a request sent to its shop only (201)", tags=TAGS,
         body=s.ReserveBodySchema, responses={201: RequestSchema, 409: "error", 429: "error"})
@api_login_required
def reserve_supply_api(post_id: int):
    post = supply.visible_post(post_id, current_user)
    if post is None:
        raise ApiError(404, "not_found", _("供应信息不存在"))
    data = parse_body(s.ReserveBodySchema)
    req = supply.reserve(post, current_user, _body(data), region_values=[str(data["region"])])
    return request_json(req), 201


@api_bp.get("/shops/<int:shop_id>/sourcing/supply")
@scoped(MERCHANT)
@api_doc("The shop's supply posts, newest first (every status)", tags=MERCHANT_TAGS,
         query=s.SupplyBoardQuerySchema, responses={200: s.SupplyListSchema})
@api_login_required
def shop_supply_api(shop_id: int):
    shop = api_shop(shop_id)
    args = parse_query(s.SupplyBoardQuerySchema)
    query = _listing(db.select(SupplyPost).where(SupplyPost.shop_id == shop.id))
    return page_of(query.order_by(SupplyPost.id.desc()), args, supply_json)


@api_bp.post("/shops/<int:shop_id>/sourcing/supply")
@scoped(MERCHANT)
@api_doc("Post supply (open at once); within the shop's daily limit", tags=MERCHANT_TAGS, body=s.SupplyBodySchema,
         responses={201: s.SupplySchema, 409: "error", 429: "error"})
@api_login_required
def post_supply_api(shop_id: int):
    shop = api_shop(shop_id, write=True)
    data = parse_body(s.SupplyBodySchema)
    post = supply.post_supply(shop, current_user, _body(data), region_values=[str(data["region"])])
    return supply_json(post), 201


@api_bp.put("/shops/<int:shop_id>/sourcing/supply/<int:post_id>")
@scoped(MERCHANT)
@api_doc("Edit one of the shop's supply posts (not once expired)", tags=MERCHANT_TAGS, body=s.SupplyBodySchema,
         responses={200: s.SupplySchema, 409: "error"})
@api_login_required
def edit_supply_api(shop_id: int, post_id: int):
    shop = api_shop(shop_id, write=True)
    post = _shop_post(shop, post_id)
    data = parse_body(s.SupplyBodySchema)
    return supply_json(supply.edit_supply(post, current_user, _body(data), region_values=[str(data["region"])]))


VERBS = {"withdraw": SupplyStatus.WITHDRAWN, "sold_out": SupplyStatus.SOLD_OUT, "reopen": SupplyStatus.OPEN}


@api_bp.post("/shops/<int:shop_id>/sourcing/supply/<int:post_id>/<any(withdraw, sold_out, reopen):verb>")
@scoped(MERCHANT)
@api_doc("Withdraw a supply post, mark it sold out, or reopen it while its window lasts", tags=MERCHANT_TAGS,
         responses={200: s.SupplySchema, 409: "error"})
@api_login_required
def supply_verb_api(shop_id: int, post_id: int, verb: str):
    shop = api_shop(shop_id, write=True)
    return supply_json(supply.set_status(_shop_post(shop, post_id), current_user, VERBS[verb]))
