"""The cascading region picker (province > city > county > township > village) behind forms.

A form carries one ``<select name="region">`` per level, from the province down. Without
JavaScript the page is drawn again with the next level's select after "选择下一级"; with
static/js/region-picker.js the next select is filled from ``/regions/children.json``. Either way the
server reads the chosen values with ``resolve_pick``: each must be a child of the one before, so a
stale deeper value after a change higher up is dropped, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.regions import bp
from marketplace.regions.models import Region, RegionLevel
from marketplace.regions.services import ancestors, children_of

#: The label of each level's select.
LEVEL_LABELS = {RegionLevel.PROVINCE: _l("省（自治区、直辖市）"), RegionLevel.CITY: _l("市（地区、州）"),
                RegionLevel.COUNTY: _l("县（市、区）"), RegionLevel.TOWNSHIP: _l("乡镇（街道）"),
                RegionLevel.VILLAGE: _l("村（社区）")}


@dataclass
class PickLevel:
    """One select of the picker: its options and the chosen one (None: nothing chosen yet)."""

    options: list[Region]
    selected: int | None

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS.get(self.options[0].level, "")) if self.options else ""


def country() -> Region | None:
    return db.session.scalar(db.select(Region).where(Region.level == RegionLevel.COUNTRY))


def _as_id(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def resolve_pick(values, *, allow_country: bool = False) -> Region | None:
    """The deepest region of a consistent chain of chosen ids (the country's id first means 全国)."""
    top = country()
    if top is None:
        return None
    parent, chosen = top, None
    for raw in values or []:
        region_id = _as_id(raw)
        if region_id is None:
            break
        if allow_country and chosen is None and region_id == top.id:
            return top
        region = db.session.get(Region, region_id)
        if region is None or region.parent_id != parent.id:
            break
        parent = chosen = region
    return chosen


def chain_for(region: Region | None) -> list[PickLevel]:
    """The selects to draw for a chosen region: each level down to it, then its children's if any."""
    if region is not None and region.level == RegionLevel.COUNTRY:  # 全国, chosen in the first select
        return [PickLevel(children_of(None), region.id)]
    chain = [r for r in ancestors(region) if r.level != RegionLevel.COUNTRY] if region is not None else []
    levels: list[PickLevel] = []
    parent = None
    for node in chain:
        levels.append(PickLevel(children_of(parent), node.id))
        parent = node
    below = children_of(parent)
    if below:
        levels.append(PickLevel(below, None))
    return levels


@bp.get("/children.json")
def children_json():
    """The regions one level below ``?parent=<id>`` (the provinces without it), for the picker."""
    parent = None
    if request.args.get("parent"):
        parent = db.session.get(Region, _as_id(request.args["parent"]) or 0)
        if parent is None:
            return jsonify({"error": {"code": "not_found", "message": "unknown region"}}), 404
    locale = current_locale_code()
    rows = children_of(parent)
    response = jsonify({"regions": [{"id": r.id, "code": r.code, "name": r.localized_name(locale),
                                     "level": r.level.value} for r in rows]})
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.vary.add("Cookie")
    return response
