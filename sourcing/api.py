"""JSON API of sourcing under /api/v1, with the pages' rules through the same services:

- the board ``GET /sourcing/requests`` (public, the buyer masked), a request ``GET .../<id>`` (who may see it);
- the buyer: post (``POST /sourcing/requests``), edit (``PUT``: an open one gets a new revision),
  publish a draft, his list, cancel, the quotes, accept (an order);
- a shop: ``/shops/<shop_id>/sourcing/requests`` (the requests it may answer), its quotes, and
  ``POST /shops/<shop_id>/sourcing/requests/<id>/quote`` (send or revise its quote).
Another buyer's request or a quote of another request is a 404; prices come from the stored quote.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from catalog.models import Category
from catalog.units import unit_name
from marketplace import money
from marketplace.accounts.scopes import BUYER, MERCHANT
from marketplace.api import api_bp, api_login_required, page_of, scoped
from marketplace.db import utcnow
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.openapi import api_doc, parse_body, parse_query
from marketplace.regions.models import Region
from marketplace.shops.policy import api_shop
from sourcing import accept, matching, quotes
from sourcing import api_schemas as s
from sourcing import requests as service
from sourcing.models import Quote, RequestStatus, SourcingRequest, Visibility
from sourcing.policy import may_see, user_shop
from sourcing.status import quote_status_label, status_label
from sourcing.tiers import tier_rows
from sourcing.views.public import mask

TAGS = ["sourcing"]
MERCHANT_TAGS = ["merchant: sourcing"]


def request_json(req: SourcingRequest) -> dict:
    locale = current_locale_code()
    own = current_user.is_authenticated and req.buyer_id == current_user.id
    return {"id": req.id, "title": req.title, "spec": req.spec, "category_id": req.category_id,
            "category": req.category.localized_name(locale), "quantity": req.quantity, "unit": req.unit,
            "unit_label": unit_name(req.unit), "target_price_cents": req.target_price_cents,
            "region_id": req.region_id, "region": req.region.localized_name(locale),
            "deliver_from": req.deliver_from.isoformat() if req.deliver_from else None,
            "deliver_until": req.deliver_until.isoformat() if req.deliver_until else None,
            "quote_deadline": req.quote_deadline.isoformat(), "max_quotes": req.max_quotes,
            "quote_count": req.quote_count, "visibility": req.visibility.value, "invoice_needed": req.invoice_needed,
            "status": req.status.value, "status_label": status_label(req.status), "revision": req.revision,
            "buyer": req.buyer.display_name if own else mask(req.buyer.display_name),
            "order_id": req.order_id if own else None, "created_at": req.created_at.isoformat()}


def quote_json(quote: Quote) -> dict:
    return {"id": quote.id, "request_id": quote.request_id, "shop_id": quote.shop_id, "shop": quote.shop.name,
            "status": quote.status.value, "status_label": quote_status_label(quote.status),
            "revision": quote.revision, "request_revision": quote.request_revision,
            "delivery_date": quote.delivery_date.isoformat(), "valid_until": quote.valid_until.isoformat(),
            "freight_cents": quote.freight_cents, "total_cents": quote.total_cents, "message": quote.message,
            "lines": [{"id": ln.id, "variant_id": ln.variant_id, "name": ln.name, "unit": ln.unit,
                       "quantity": ln.quantity, "unit_price_cents": ln.unit_price_cents,
                       "line_total_cents": ln.line_total_cents, "price_per_kg_cents": quotes.per_kg_cents(ln),
                       "tiers": tier_rows(ln)}
                      for ln in quote.lines],
            "order_id": quote.order_id, "updated_at": quote.updated_at.isoformat()}


def _listing(query):
    return query.options(joinedload(SourcingRequest.category), joinedload(SourcingRequest.region),
                         joinedload(SourcingRequest.buyer))


def _own(request_id: int) -> SourcingRequest:
    req = db.session.get(SourcingRequest, request_id)
    if req is None or req.buyer_id != current_user.id:
        raise ApiError(404, "not_found", _("求购不存在"))
    return req


@api_bp.get("/sourcing/requests")
@api_doc("The 供求信息 board: open public requests, newest first", tags=TAGS, query=s.BoardQuerySchema,
         responses={200: s.RequestListSchema})
def sourcing_board_api():
    args = parse_query(s.BoardQuerySchema)
    query = (sa.select(SourcingRequest).join(Region, Region.id == SourcingRequest.region_id)
             .where(SourcingRequest.status == RequestStatus.OPEN, SourcingRequest.visibility == Visibility.PUBLIC,
                    SourcingRequest.quote_deadline > utcnow()))
    if args.get("category"):
        category = db.session.get(Category, args["category"])
        query = query.where(SourcingRequest.category_id.in_(matching.request_categories(category)) if category
                            else sa.false())
    county = db.session.get(Region, args["county"]) if args.get("county") else None
    if county is not None:
        query = query.where(Region.code.startswith(matching.area_prefix(county), autoescape=True))
    return page_of(_listing(query).order_by(SourcingRequest.id.desc()), args, request_json)


def _body(data: dict) -> dict:
    """The API body in the services' form shape (prices in fen become yuan text, dates ISO)."""
    out = {key: ("" if value is None else value) for key, value in data.items()}
    for key in ("deliver_from", "deliver_until", "quote_deadline", "delivery_date", "valid_until"):
        if data.get(key) is not None:
            out[key] = data[key].isoformat()
    if data.get("target_price_cents") is not None:
        out["target_price"] = money.format_plain(data["target_price_cents"])
    if "freight_cents" in data:
        out["freight"] = money.format_plain(data["freight_cents"])
    out["invoice_needed"] = "1" if data.get("invoice_needed") else ""
    return out


@api_bp.post("/sourcing/requests")
@scoped(BUYER)
@api_doc("Post a request for quotation (open at once, or a draft)", tags=TAGS, body=s.RequestBodySchema,
         responses={201: s.RequestSchema, 429: "error"})
@api_login_required
def post_request_api():
    data = parse_body(s.RequestBodySchema)
    req = service.post_request(current_user, _body(data), region_values=[str(data["region"])],
                               publish=data["publish"])
    return request_json(req), 201


@api_bp.get("/sourcing/requests/mine")
@scoped(BUYER)
@api_doc("The signed-in buyer's requests, newest first", tags=TAGS, query=s.PageQuerySchema,
         responses={200: s.RequestListSchema})
@api_login_required
def my_requests_api():
    args = parse_query(s.PageQuerySchema)
    query = _listing(sa.select(SourcingRequest).where(SourcingRequest.buyer_id == current_user.id))
    return page_of(query.order_by(SourcingRequest.id.desc()), args, request_json)


@api_bp.get("/sourcing/requests/<int:request_id>")
@api_doc("A request (public ones to anyone; others to their buyer and the shops that may quote)", tags=TAGS,
         responses={200: s.RequestSchema})
def request_api(request_id: int):
    req = db.session.get(SourcingRequest, request_id)
    if req is None or not may_see(current_user, req, user_shop(current_user)):
        raise ApiError(404, "not_found", _("求购不存在"))
    return request_json(req)


@api_bp.put("/sourcing/requests/<int:request_id>")
@scoped(BUYER)
@api_doc("Edit one's request: a draft in place, an open one as a new revision (the quoting shops are told)",
         tags=TAGS, body=s.RequestBodySchema, responses={200: s.RequestSchema, 409: "error"})
@api_login_required
def edit_request_api(request_id: int):
    req = _own(request_id)
    data = parse_body(s.RequestBodySchema)
    return request_json(service.edit_request(req, current_user, _body(data), region_values=[str(data["region"])]))


@api_bp.post("/sourcing/requests/<int:request_id>/publish")
@scoped(BUYER)
@api_doc("Publish one's draft: matching (or invited) shops are told", tags=TAGS,
         responses={200: s.RequestSchema, 409: "error"})
@api_login_required
def publish_request_api(request_id: int):
    return request_json(service.publish(_own(request_id), current_user))


@api_bp.post("/sourcing/requests/<int:request_id>/cancel")
@scoped(BUYER)
@api_doc("Withdraw one's request", tags=TAGS, responses={200: s.RequestSchema, 409: "error"})
@api_login_required
def cancel_request_api(request_id: int):
    return request_json(service.cancel(_own(request_id), current_user))


@api_bp.get("/sourcing/requests/<int:request_id>/quotes")
@scoped(BUYER)
@api_doc("The quotes on one's request, side by side (cheapest first)", tags=TAGS, responses={200: s.QuotesSchema})
@api_login_required
def request_quotes_api(request_id: int):
    req = _own(request_id)
    rows = db.session.scalars(sa.select(Quote).where(Quote.request_id == req.id)
                              .options(selectinload(Quote.lines), joinedload(Quote.shop))
                              .order_by(Quote.total_cents, Quote.id))
    return {"items": [quote_json(q) for q in rows]}


@api_bp.post("/sourcing/requests/<int:request_id>/accept")
@scoped(BUYER)
@api_doc("Accept a quote (or some of its lines): an order at the quoted prices", tags=TAGS,
         body=s.AcceptBodySchema, responses={201: s.AcceptedSchema, 409: "error"})
@api_login_required
def accept_quote_api(request_id: int):
    req = _own(request_id)
    data = parse_body(s.AcceptBodySchema)
    order = accept.accept_quote(req, current_user, data["quote_id"], line_ids=data["line_ids"],
                                quantities={row["line_id"]: row["quantity"] for row in data["quantities"]},
                                address_id=data["address_id"], note=data["note"])
    return {"order_id": order.id, "order_number": order.number, "total_cents": order.total_cents}, 201


@api_bp.get("/shops/<int:shop_id>/sourcing/requests")
@scoped(MERCHANT)
@api_doc("Open requests the shop may answer (its categories and zones, or invited)", tags=MERCHANT_TAGS,
         query=s.PageQuerySchema, responses={200: s.RequestListSchema})
@api_login_required
def shop_requests_api(shop_id: int):
    shop = api_shop(shop_id)
    args = parse_query(s.PageQuerySchema)
    query = (sa.select(SourcingRequest).join(Region, Region.id == SourcingRequest.region_id)
             .where(SourcingRequest.status == RequestStatus.OPEN, SourcingRequest.quote_deadline > utcnow(),
                    matching.matching_condition(shop)))
    return page_of(_listing(query).order_by(SourcingRequest.quote_deadline, SourcingRequest.id), args, request_json)


@api_bp.get("/shops/<int:shop_id>/sourcing/quotes")
@scoped(MERCHANT)
@api_doc("The shop's quotes, latest first", tags=MERCHANT_TAGS, query=s.PageQuerySchema,
         responses={200: s.QuoteListSchema})
@api_login_required
def shop_quotes_api(shop_id: int):
    shop = api_shop(shop_id)
    args = parse_query(s.PageQuerySchema)
    query = (sa.select(Quote).where(Quote.shop_id == shop.id)
             .options(selectinload(Quote.lines), joinedload(Quote.shop)).order_by(Quote.updated_at.desc(), Quote.id.desc()))
    return page_of(query, args, quote_json)


@api_bp.post("/shops/<int:shop_id>/sourcing/requests/<int:request_id>/quote")
@scoped(MERCHANT)
@api_doc("Send the shop's quote on a request, or revise it (201 the first time, 200 a revision)",
         tags=MERCHANT_TAGS, body=s.QuoteBodySchema,
         responses={200: s.QuoteSchema, 201: s.QuoteSchema, 409: "error", 429: "error"})
@api_login_required
def send_quote_api(shop_id: int, request_id: int):
    shop = api_shop(shop_id, write=True)
    req = db.session.get(SourcingRequest, request_id)
    if req is None or req.buyer_id == current_user.id or not may_see(current_user, req, shop):
        raise ApiError(404, "not_found", _("求购不存在"))
    data = parse_body(s.QuoteBodySchema)
    lines = [{"variant": line["variant_id"] or "", "name": line["name"], "unit": line["unit"],
              "quantity": line["quantity"], "unit_price": money.format_plain(line["unit_price_cents"]),
              "tiers": [{"min_quantity": t["min_quantity"], "unit_price": money.format_plain(t["unit_price_cents"])}
                        for t in line["tiers"]]}
             for line in data.pop("lines")]
    existed = quotes.own_quote(req, shop) is not None
    quote = quotes.submit_quote(req, shop, current_user, _body(data), lines)
    return quote_json(quote), 200 if existed else 201
