"""The 供求信息 board's supply side and its mixed list: open supply posts (by category, county of
origin, end of window), and "all" (requests and supply posts in one list, newest first) as one
UNION ALL of (kind, id, created_at) keys, then each kind loaded in one query: a page costs the same
number of statements whatever its length."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.shops.models import Shop, ShopStatus
from marketplace.web import Paged
from sourcing import parsing as p
from sourcing.matching import area_prefix
from sourcing.models import SourcingRequest
from sourcing.supply_models import SupplyPost, SupplyStatus

#: The board's type filter: "" is both kinds.
KINDS = ("", "request", "supply")


def live_supply() -> sa.Select:
    """Open posts within their window, from approved shops (joined to Shop and to the origin Region)."""
    return (sa.select(SupplyPost).join(Shop, Shop.id == SupplyPost.shop_id)
            .join(Region, Region.id == SupplyPost.region_id)
            .where(SupplyPost.status == SupplyStatus.OPEN, SupplyPost.available_until >= p.local_today(),
                   Shop.status == ShopStatus.APPROVED))


def supply_query(category_ids: set[int] | None, county: Region | None, within: int | None) -> sa.Select:
    query = live_supply()
    if category_ids:
        query = query.where(SupplyPost.category_id.in_(category_ids))
    if county is not None:
        query = query.where(Region.code.startswith(area_prefix(county), autoescape=True))
    if within:
        query = query.where(SupplyPost.available_until <= p.local_today() + dt.timedelta(days=within))
    return query


def load_supply(ids) -> dict[int, SupplyPost]:
    """Posts by id, with what a list shows (one query, and one for the photos)."""
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(SupplyPost).where(SupplyPost.id.in_(ids)).options(
        joinedload(SupplyPost.shop), joinedload(SupplyPost.region), joinedload(SupplyPost.category),
        selectinload(SupplyPost.photos)))
    return {r.id: r for r in rows}


def load_requests(ids) -> dict[int, SourcingRequest]:
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(SourcingRequest).where(SourcingRequest.id.in_(ids)).options(
        joinedload(SourcingRequest.category), joinedload(SourcingRequest.region), joinedload(SourcingRequest.buyer)))
    return {r.id: r for r in rows}


@dataclass
class Page(Paged):
    """One page of the mixed list for the pagination macro; ``items`` are (kind, row) pairs."""

    page: int
    per_page: int
    total: int
    items: list = field(default_factory=list)


def _keys(query: sa.Select, kind: str, model) -> sa.Select:
    return query.with_only_columns(sa.literal(kind).label("kind"), model.id.label("id"),
                                   model.created_at.label("created_at"), maintain_column_froms=True).order_by(None)


def mixed_page(requests: sa.Select, supply: sa.Select, *, page: int, per_page: int,
               rank: dict[tuple[str, int], int] | None = None) -> Page:
    """Requests and supply posts in one list, newest first; in ``rank``'s order when given (a keyword
    search: both queries are already limited to the engine's best matches, so all their keys are read
    and ordered here)."""
    keys = sa.union_all(_keys(requests, "request", SourcingRequest), _keys(supply, "supply", SupplyPost)).subquery()
    newest = sa.select(keys.c.kind, keys.c.id).order_by(keys.c.created_at.desc(), keys.c.kind, keys.c.id.desc())
    if rank is not None:
        matched = sorted(db.session.execute(newest).all(), key=lambda r: rank.get((r.kind, r.id), len(rank)))
        total, rows = len(matched), matched[(page - 1) * per_page:page * per_page]
    else:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(keys))
        rows = db.session.execute(newest.limit(per_page).offset((page - 1) * per_page)).all()
    reqs = load_requests([r.id for r in rows if r.kind == "request"])
    posts = load_supply([r.id for r in rows if r.kind == "supply"])
    items = [(r.kind, reqs.get(r.id) if r.kind == "request" else posts.get(r.id)) for r in rows]
    return Page(page=page, per_page=per_page, total=total, items=[(k, row) for k, row in items if row is not None])


def single_page(query: sa.Select, kind: str, model, *, page: int, per_page: int, order) -> Page:
    """One kind: ids of the page in one query, the rows in one more."""
    total = db.session.scalar(query.with_only_columns(sa.func.count(model.id), maintain_column_froms=True)
                              .order_by(None))
    ids = list(db.session.scalars(query.with_only_columns(model.id, maintain_column_froms=True)
                                  .order_by(*order).limit(per_page).offset((page - 1) * per_page)))
    found = (load_requests if kind == "request" else load_supply)(ids)
    return Page(page=page, per_page=per_page, total=total, items=[(kind, found[i]) for i in ids if i in found])
