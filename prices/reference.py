"""The reference price a product page shows: its commodity's price today at the central wholesale
market (the latest published average within the board's days), per the standard unit and per the
product's own units where they convert, linking to the commodity's page.

The page pays no statement for it once warm: the matcher (commodities by category, prices/matching.py)
and the central market's latest prices of every commodity are read together (three statements) and
kept per process under the version of the cache group ``prices`` (``marketplace.cache``: a commit
that changes a commodity, market, price or category bumps it) and the local day. Anonymous
visitors may see a new price up to ``PAGE_CACHE_SECONDS`` late (the product page's whole-page cache).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from catalog.units import grams_per_unit, is_weight_unit, unit_table
from marketplace import cache
from marketplace.extensions import db
from prices.matching import Matcher, load_matcher
from prices.models import Market, MarketKind, PriceObservation, PriceStatus
from prices.services import local_today

GROUP = "prices"
_lock = threading.Lock()
Obs = PriceObservation


@dataclass(frozen=True)
class Reference:
    commodity_id: int
    day: dt.date
    low: int
    avg: int
    high: int
    market: str
    market_en: str


def central_prices(today: dt.date, days: int = 7) -> dict[int, Reference]:
    """Per commodity: the latest published price within ``days`` at the first active central market
    that has one, the ordinary grade ("" spec) before a named one. One statement."""
    latest = (sa.select(Obs.commodity_id, Obs.market_id, sa.func.max(Obs.day).label("day"))
              .where(Obs.status == PriceStatus.PUBLISHED, Obs.day <= today, Obs.day > today - dt.timedelta(days=days))
              .group_by(Obs.commodity_id, Obs.market_id).subquery())
    rows = db.session.execute(
        sa.select(Obs.commodity_id, Obs.day, Obs.std_low_cents, Obs.std_avg_cents, Obs.std_high_cents, Market.name,
                  Market.name_en)
        .join(latest, sa.and_(latest.c.commodity_id == Obs.commodity_id, latest.c.market_id == Obs.market_id,
                              latest.c.day == Obs.day))
        .join(Market, Market.id == Obs.market_id)
        .where(Obs.status == PriceStatus.PUBLISHED, Market.active, Market.kind == MarketKind.CENTRAL)
        .order_by(Obs.commodity_id, Market.sort_order.desc(), Market.id.desc(), Obs.spec.desc()))
    out: dict[int, Reference] = {}
    for cid, day, low, avg, high, name, name_en in rows:  # the last row per commodity wins: first market, "" spec
        out[cid] = Reference(cid, day, low, avg, high, name, name_en)
    return out


def current() -> tuple[Matcher, dict[int, Reference]]:
    """The matcher and today's central prices, kept per process while ``prices`` has not changed."""
    today = local_today()
    stamp = (cache.version(GROUP), today)
    state = current_app.extensions.setdefault("prices_reference", {})
    found = state.get("value")
    if found is not None and found[0] == stamp:
        return found[1], found[2]
    with db.session.no_autoflush:
        value = (stamp, load_matcher(), central_prices(today))
    with _lock:
        state["value"] = value
    return value[1], value[2]


def per_units(ref: Reference, std_unit: str, variants) -> list[tuple[str, int | None, int]]:
    """The reference per each distinct unit of the product's active variants that converts:
    (unit code, grams in one when it is a package such as a 10 kg 箱, else None, price in fen)."""
    std = unit_table().get(std_unit)
    if std is None or not std.grams:
        return []
    out, seen = [], set()
    for v in variants:
        grams = grams_per_unit(v.unit, v.weight_grams)
        if not grams or v.unit == std_unit or (v.unit, grams) in seen:
            continue
        seen.add((v.unit, grams))
        out.append((v.unit, None if is_weight_unit(v.unit) else grams,
                    (ref.avg * grams * 2 + std.grams) // (2 * std.grams)))
    return out[:4]


def product_block(product) -> dict:
    """``add_blocks(app, "product", ...)``: the reference price, or nothing when the product is no
    commodity's or its commodity has no recent central-market price."""
    matcher, prices = current()
    entry = matcher.match(product.title, product.category_id)
    ref = prices.get(entry.id) if entry is not None else None
    if ref is None:
        return {}
    variants = [v for v in product.variants if v.active]
    return {"price_reference_block": "prices/_reference.html", "price_reference": ref, "price_commodity": entry,
            "price_per_units": per_units(ref, entry.unit, variants)}


def watch() -> None:
    """Bump ``prices`` after a commit that changes what the reference depends on."""
    from catalog.models import Category
    from prices.models import Commodity, MarketCommodity

    cache.watch(GROUP, Commodity, Market, MarketCommodity, PriceObservation, Category)
