"""Regions: the queries other domains use (loading lives in marketplace.regions.loading).

"The city" is the region at the top of the configured city file (CITY_REGIONS_FILE): its counties
are the ones the site lists; the rest of the country (COUNTRY_REGIONS_FILE) is there for addresses
and delivery zones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from marketplace.cache import cached
from marketplace.extensions import db
from marketplace.regions.loading import LoadResult, RegionFileError, load_regions, read_regions
from marketplace.regions.models import LEVEL_ORDER, Region, RegionLevel

__all__ = ["LoadResult", "RegionFileError", "load_regions", "read_regions"]


def configured_files() -> list[str]:
    """The data files to load, in order: the country to county level, then the city."""
    config = current_app.config
    return [p for p in (config.get("COUNTRY_REGIONS_FILE"), config["CITY_REGIONS_FILE"]) if p]


@lru_cache(maxsize=4)
def _top_code(path: str) -> str | None:
    try:
        regions = json.loads(Path(path).read_text(encoding="utf-8")).get("regions") or [{}]
    except (OSError, ValueError, AttributeError):
        return None
    return str(regions[0].get("code") or "") or None


def home_city_code() -> str | None:
    """The division code of the city the site serves (the top region of the city file)."""
    return _top_code(current_app.config["CITY_REGIONS_FILE"])


def home_city() -> Region | None:
    """The city the site serves: the top region of the city file, once loaded."""
    code = home_city_code()
    return db.session.scalar(db.select(Region).where(Region.code == code)) if code else None


# --- queries ---------------------------------------------------------------------------------

def counties() -> list[Region]:
    """The city's county-level units (counties, districts, county-level cities) in file order."""
    city = home_city()
    if city is None:
        return []
    return list(db.session.scalars(
        db.select(Region).where(Region.level == RegionLevel.COUNTY, Region.parent_id == city.id)
        .order_by(Region.sort_order, Region.code)))


def children_of(region: Region | None) -> list[Region]:
    """The regions one level below ``region`` (below the country when None), in file order."""
    if region is None:
        region = db.session.scalar(db.select(Region).where(Region.level == RegionLevel.COUNTRY))
        if region is None:
            return []
    return list(db.session.scalars(db.select(Region).where(Region.parent_id == region.id)
                                   .order_by(Region.sort_order, Region.code)))


def county_by_code(code: str | None) -> Region | None:
    if not code:
        return None
    return db.session.scalar(db.select(Region).where(Region.code == code, Region.level == RegionLevel.COUNTY))


def _label(region: Region, locale: str) -> str:
    return region.localized_name(locale)


def region_choices(locale: str = "zh_CN", *, depth: RegionLevel = RegionLevel.TOWNSHIP) -> list[tuple[int, str]]:
    """(id, label) pairs for a select: each county followed by its townships, indented."""
    county_list = counties()
    rows = list(db.session.scalars(
        db.select(Region).where(Region.parent_id.in_([c.id for c in county_list]))
        .order_by(Region.sort_order, Region.code))) if county_list else []
    by_parent: dict[int | None, list[Region]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    choices: list[tuple[int, str]] = []
    for county in county_list:
        choices.append((county.id, _label(county, locale)))
        if depth == RegionLevel.TOWNSHIP:
            for township in by_parent.get(county.id, []):
                choices.append((township.id, "\u3000\u3000" + _label(township, locale)))
    return choices


#: The cache group of what is derived from the region tree alone (descendants, ancestor snapshots):
#: bumped by any change to the regions table (watched in marketplace.regions.init_app).
GROUP = "regions"


def descendant_ids(region: Region) -> list[int]:
    """The region's id and those of everything below it (for "in this county" filters): kept in the
    cache until the tree changes (a county holds ~800 townships and villages: 3 statements of one
    level each, on every county page, before)."""
    region_id = region.id
    return cached(GROUP, f"descendants:{region_id}", lambda: _descendant_ids(region_id))


def _descendant_ids(region_id: int) -> list[int]:
    ids = [region_id]
    frontier = [region_id]
    for _level in range(len(LEVEL_ORDER)):
        if not frontier:
            break
        frontier = list(db.session.scalars(db.select(Region.id).where(Region.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def descendants(region: Region) -> list[Region]:
    """The regions below ``region`` (not itself)."""
    ids = descendant_ids(region)[1:]
    if not ids:
        return []
    return list(db.session.scalars(db.select(Region).where(Region.id.in_(ids)).order_by(Region.code)))


def ancestors(region: Region) -> Iterator[Region]:
    """From the top (the country) down to the region itself: parents already loaded cost nothing,
    the rest one recursive query (and stay loaded on their children for the next call)."""
    chain = [region]
    node = region
    while node.parent_id is not None and len(chain) < 10:
        if "parent" in sa.inspect(node).unloaded:
            key = identity_key(Region, node.parent_id)
            if key not in db.session.identity_map:
                _load_parents(node)
            else:
                set_committed_value(node, "parent", db.session.identity_map[key])
        node = node.parent
        chain.append(node)
    return reversed(chain)


def _load_parents(region: Region) -> None:
    up = sa.select(Region.id, Region.parent_id, sa.literal(1).label("depth")).where(
        Region.id == region.parent_id).cte("up", recursive=True)
    up = up.union_all(sa.select(Region.id, Region.parent_id, (up.c.depth + 1).label("depth"))
                      .join(up, Region.id == up.c.parent_id).where(up.c.depth < 10))
    node = region
    for parent in db.session.scalars(sa.select(Region).join(up, Region.id == up.c.id).order_by(up.c.depth)):
        set_committed_value(node, "parent", parent)
        node = parent
    if node.parent_id is None:
        set_committed_value(node, "parent", None)


_ABOVE_COUNTY = (RegionLevel.COUNTRY, RegionLevel.PROVINCE, RegionLevel.CITY)


def county_of(region: Region) -> Region | None:
    """The county-level unit holding ``region`` (itself at that level), None above it. Walks up only
    as far as the county: a village's two parents when they are loaded or in the session, else
    ``ancestors()``'s one query."""
    node = region
    while node.level not in (RegionLevel.COUNTY, *_ABOVE_COUNTY) and node.parent_id is not None:
        if ("parent" in sa.inspect(node).unloaded
                and identity_key(Region, node.parent_id) not in db.session.identity_map):
            return next((r for r in ancestors(node) if r.level == RegionLevel.COUNTY), None)
        node = node.parent
    return node if node.level == RegionLevel.COUNTY else None


class RegionLink:
    """A plain, picklable copy of a region's id, code, names and level (``cached_ancestors``)."""

    __slots__ = ("id", "code", "name", "name_en", "level")

    def __init__(self, id: int, code: str, name: str, name_en: str | None, level: str):  # noqa: A002
        self.id, self.code, self.name, self.name_en, self.level = id, code, name, name_en, level

    def __getstate__(self):
        return (self.id, self.code, self.name, self.name_en, self.level)

    def __setstate__(self, state):
        self.id, self.code, self.name, self.name_en, self.level = state

    def localized_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name


def cached_ancestors(region_id: int) -> list[RegionLink]:
    """``ancestors()`` of a region as snapshots, from the top down, cached until a region changes:
    the product page's origin (its path and its county) without the recursive query each time."""

    def build():
        region = db.session.get(Region, region_id)
        return [] if region is None else [RegionLink(r.id, r.code, r.name, r.name_en, str(r.level))
                                           for r in ancestors(region)]

    return cached(GROUP, f"ancestors:{int(region_id)}", build, 3600)


def path_of(chain: list, locale: str = "zh_CN", sep: str = " › ") -> str:
    """``region_path`` of the last region of ``chain`` (as ``cached_ancestors`` returns it)."""
    shown = [r for r in chain if r.level != RegionLevel.COUNTRY] or chain[-1:]
    return sep.join(r.localized_name(locale) for r in shown)


def region_path(region: Region | None, locale: str = "zh_CN", sep: str = " › ") -> str:
    """"河南省 › 商丘市 › 柘城县 › 起台镇" (English names in the English UI; the country left out,
    unless it is the region itself)."""
    if region is None:
        return ""
    if region.id is not None and not db.session.is_modified(region):  # the cached chain: no recursive query
        return path_of(cached_ancestors(region.id), locale, sep)
    chain = [r for r in ancestors(region) if r.level != RegionLevel.COUNTRY] or [region]
    return sep.join(_label(r, locale) for r in chain)


def is_within(region: Region, area: Region) -> bool:
    """Whether ``region`` is ``area`` or lies below it."""
    return any(r.id == area.id for r in ancestors(region))


def selectable_region(region_id) -> Region | None:
    """A region a shop may be placed in (county, township or village), or None."""
    try:
        region = db.session.get(Region, int(region_id))
    except (TypeError, ValueError):
        return None
    if region is None or region.level in (RegionLevel.COUNTRY, RegionLevel.PROVINCE, RegionLevel.CITY):
        return None
    return region


def unknown_region_message() -> str:
    return _("请选择所在的县区或乡镇")
