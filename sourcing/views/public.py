"""The public 供求信息 board (open public requests, the buyer masked) and a request's page (its
buyer sees his own view: revisions, quotes, actions; a shop its quote and the quote button)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from catalog.categories import tree
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.services import counties
from marketplace.web import page_arg, paginate
from sourcing import bp, matching
from sourcing.matching import area_prefix
from sourcing.models import Quote, RequestStatus, SourcingRequest, SourcingRequestRevision, Visibility
from sourcing.policy import user_shop, visible_request_or_404
from sourcing.search import board_matches
from sourcing.status import QUOTING

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
    """Open public requests, newest first: by category (and below), delivery county, deadline."""
    query = (sa.select(SourcingRequest).join(Region, Region.id == SourcingRequest.region_id)
             .where(SourcingRequest.status == RequestStatus.OPEN, SourcingRequest.visibility == Visibility.PUBLIC,
                    SourcingRequest.quote_deadline > utcnow())
             .options(joinedload(SourcingRequest.category), joinedload(SourcingRequest.region),
                      joinedload(SourcingRequest.buyer)))
    category_id, county_id = _int("category"), _int("county")
    categories = tree()
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
    # keywords: the search engine's ranked matches, in rank order unless a sort is chosen
    found = board_matches(request.args.get("q"), "request", category_id=category_id, county=county,
                          within_days=within if within in WITHIN_DAYS else None)
    order = SourcingRequest.id.desc()
    if found is not None:
        query = found.restrict(query, SourcingRequest.id)
        order = order if sort == "newest" else found.ranked(SourcingRequest.id)
    order = SourcingRequest.quote_deadline if sort == "deadline" else order
    page = paginate(query.order_by(order, SourcingRequest.id.desc()), per_page=PER_PAGE, page=page_arg())
    return render_template("sourcing/board.html", page=page, categories=categories, counties=counties(),
                           category_id=category_id, county_id=county_id, sort=sort,
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
