"""Sourcing's block on a region page (``add_blocks(app, "region", ...)``): the open supply posts
whose goods come from the region or anywhere below it (division-code prefix), newest first, at most
``SHOWN`` (one statement), with a link to the 供求信息 board of the county for the rest."""

from __future__ import annotations

from sqlalchemy.orm import contains_eager, joinedload

from marketplace.domains import Panel
from marketplace.extensions import db
from marketplace.regions.models import Region
from sourcing.supply_board import live_supply
from sourcing.supply_models import SupplyPost

SHOWN = 8


def region_block(view) -> Panel | None:
    posts = list(db.session.scalars(
        live_supply().where(Region.code.startswith(view.prefix, autoescape=True))
        .options(contains_eager(SupplyPost.region), joinedload(SupplyPost.shop), joinedload(SupplyPost.category))
        .order_by(SupplyPost.created_at.desc(), SupplyPost.id.desc()).limit(SHOWN)))
    if not posts:
        return None
    return Panel("sourcing/_region_supply.html", {"posts": posts, "county": view.county, "more": len(posts) == SHOWN},
                 order=50)
