"""The public 供求信息 board (open public requests, the buyer masked) and a request's page (its
buyer sees his own view: revisions, quotes, actions; a shop its quote and the quote button)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user

from catalog.categories import tree
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.services import counties
from marketplace.web import page_arg
from sourcing import bp, matching, supply_board
from sourcing.matching import area_prefix
from sourcing.models import Quote, RequestStatus, SourcingRequest, SourcingRequestRevision, Visibility
from sourcing.policy import user_shop, visible_request_or_404
from sourcing.search import board_matches
from sourcing.status import QUOTING
from sourcing.supply_models import SupplyPost

PER_PAGE = 20
#: The board's deadline filter: quotes close within this many days.
WITHIN_DAYS = (3, 7, 30)


def mask(name: str) -> str:
    """A buyer's name on public pages: its first character, then stars (张**)."""
    name = (name or "").strip()
    return (name[:1] + "**") if name else "**"


def _int(name: str) -> int | None:
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


@bp.get("/sourcing")
def board():
    """Open public requests and open supply posts, newest first: by type, category (and below),
    county (of delivery for a request, of origin for a supply post), deadline (a request's quotes,
    a post's window)."""
    query = (sa.select(SourcingRequest).join(Region, Region.id == SourcingRequest.region_id)
             .where(SourcingRequest.status == RequestStatus.OPEN, SourcingRequest.visibility == Visibility.PUBLIC,
                    SourcingRequest.quote_deadline > utcnow()))
    category_id, county_id = _int("category"), _int("county")
    kind = request.args.get("type", "")
    kind = kind if kind in supply_board.KINDS else ""
    categories = tree()
    below = None
    if category_id:
        below = {category_id} | {c.id for root, children in categories for c in children if c.parent_id == category_id}
        query = query.where(SourcingRequest.category_id.in_(below))
    county = db.session.get(Region, county_id) if county_id else None
    if county is not None:
        query = query.where(Region.code.startswith(area_prefix(county), autoescape=True))
    within = _int("within")
    if within in WITHIN_DAYS:
        query = query.where(SourcingRequest.quote_deadline <= utcnow() + dt.timedelta(days=within))
    sort = request.args.get("sort", "")
    supply = supply_board.supply_query(below, county, within if within in WITHIN_DAYS else None)
    # keywords: the search engine's ranked matches, in rank order unless a sort is chosen
    found = board_matches(request.args.get("q"), kind, category_id=category_id, county=county,
                          within_days=within if within in WITHIN_DAYS else None)
    rank = None
    if found is not None:
        query = found.restrict(query, SourcingRequest.id, "request")
        supply = found.restrict(supply, SupplyPost.id, "supply")
        rank = None if sort == "newest" else found.rank
    number = page_arg()
    if kind == "request":
        order = SourcingRequest.quote_deadline if sort == "deadline" else (
            found.ranked(SourcingRequest.id, "request") if rank else SourcingRequest.id.desc())
        page = supply_board.single_page(query, "request", SourcingRequest, page=number, per_page=PER_PAGE,
                                        order=(order, SourcingRequest.id.desc()))
    elif kind == "supply":
        order = SupplyPost.available_until if sort == "deadline" else (
            found.ranked(SupplyPost.id, "supply") if rank else SupplyPost.id.desc())
        page = supply_board.single_page(supply, "supply", SupplyPost, page=number, per_page=PER_PAGE,
                                        order=(order, SupplyPost.id.desc()))
    else:
        page = supply_board.mixed_page(query, supply, page=number, per_page=PER_PAGE, rank=rank)
    return render_template("sourcing/board.html", page=page, categories=categories, counties=counties(),
                           category_id=category_id, county_id=county_id, sort=sort, kind=kind,
                           within=within, within_days=WITHIN_DAYS, found=found,
                           mask=mask)


@bp.get("/sourcing/<int:request_id>")
def request_page(request_id: int):
    shop = user_shop(current_user)
    req = visible_request_or_404(request_id, current_user, shop)
    owner = current_user.is_authenticated and req.buyer_id == current_user.id
    own_quote = db.session.scalar(sa.select(Quote).where(Quote.request_id == req.id, Quote.shop_id == shop.id)) \
        if shop is not None and not owner else None
    can_quote = (shop is not None and not owner and req.status in QUOTING
                 and (own_quote is not None or matching.may_quote(req, shop)))
    revisions = list(db.session.scalars(sa.select(SourcingRequestRevision).where(
        SourcingRequestRevision.request_id == req.id).order_by(SourcingRequestRevision.number))) if owner else []
    return render_template("sourcing/request.html", req=req, owner=owner, own_quote=own_quote, can_quote=can_quote,
                           revisions=revisions, buyer_name=req.buyer.display_name if owner else mask(
                               req.buyer.display_name))
