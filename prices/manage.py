"""The agriculture officer's edits of the variety tree and the markets (one transaction each).

Every field is checked and all faults are reported together (``PriceError.errors`` by field): a
code of lower-case letters, digits and hyphens, unique; a name; a parent that is another commodity
and not one below it (no cycle); a standard unit of the unit table that is active and not changed
once prices exist in it (their per-standard-unit values would no longer mean what they say); a
catalogue category that exists. A market: a unique name, its kind, a region among the city's
counties, and its usual commodities (the reporter's grid), each an active commodity.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.models import Category
from catalog.units import resolve
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.regions.models import Region
from prices.models import Commodity, Market, MarketCommodity, MarketKind, PriceObservation
from prices.services import PriceError

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def _text(form, key: str, limit: int, errors: dict, required: bool = False, label: str = "") -> str:
    value = str(form.get(key, "") or "").strip()
    if required and not value:
        errors[key] = [_("请填写%(what)s", what=label)]
    elif len(value) > limit:
        errors[key] = [_("%(what)s最多 %(n)d 个字", what=label, n=limit)]
    return value


def _int(form, key: str) -> int | None:
    value = str(form.get(key, "") or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _below(commodity_id: int) -> set[int]:
    """The commodity and every commodity under it."""
    rows = db.session.execute(sa.select(Commodity.id, Commodity.parent_id)).all()
    children: dict[int, list[int]] = {}
    for cid, parent in rows:
        children.setdefault(parent, []).append(cid)
    found, frontier = {commodity_id}, [commodity_id]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, []) if c not in found]
        found.update(frontier)
    return found


def save_commodity(commodity: Commodity | None, form) -> Commodity:
    """Create (``commodity`` None) or edit a commodity from the form's values; PriceError with every fault."""
    errors: dict[str, list[str]] = {}
    code = _text(form, "code", 40, errors, True, _("代码")).lower()
    if code and "code" not in errors and not CODE_RE.match(code):
        errors["code"] = [_("代码只能用小写字母、数字和连字符，2 到 40 个字符")]
    name = _text(form, "name", 40, errors, True, _("名称"))
    name_en = _text(form, "name_en", 60, errors, label=_("英文名称"))
    keywords = _text(form, "keywords", 200, errors, label=_("关键词"))
    parent_id = _int(form, "parent_id")
    if str(form.get("parent_id", "") or "").strip() and parent_id is None:
        errors["parent_id"] = [_("没有这个上级品种")]
    if parent_id is not None:
        if db.session.get(Commodity, parent_id) is None:
            errors["parent_id"] = [_("没有这个上级品种")]
        elif commodity is not None and parent_id in _below(commodity.id):
            errors["parent_id"] = [_("上级品种不能是它自己或它下面的品种")]
    unit_text = _text(form, "unit", 10, errors, True, _("标准单位"))
    unit = resolve(unit_text, fresh_on_miss=True) if unit_text else None
    if unit_text and "unit" not in errors and (unit is None or not unit.active):
        errors["unit"] = [_("不认识的单位：%(u)s", u=unit_text)]
    elif unit is not None and commodity is not None and unit.code != commodity.unit and db.session.scalar(
            sa.select(PriceObservation.id).where(PriceObservation.commodity_id == commodity.id).limit(1)):
        errors["unit"] = [_("这个品种已有价格，不能再改标准单位")]
    category_id = _int(form, "category_id")
    if str(form.get("category_id", "") or "").strip() and (category_id is None
                                                          or db.session.get(Category, category_id) is None):
        errors["category_id"] = [_("没有这个分类")]
    if code and "code" not in errors:
        clash = db.session.scalar(sa.select(Commodity.id).where(Commodity.code == code))
        if clash is not None and (commodity is None or clash != commodity.id):
            errors["code"] = [_("代码 %(c)s 已被使用", c=code)]
    sort_order = _int(form, "sort_order") or 0
    if errors:
        raise PriceError(next(iter(errors.values()))[0], errors=errors)
    with atomic():
        if commodity is None:
            commodity = Commodity(code=code)
            db.session.add(commodity)
        commodity.code, commodity.name, commodity.name_en, commodity.keywords = code, name, name_en, keywords
        commodity.parent_id, commodity.unit, commodity.category_id = parent_id, unit.code, category_id
        commodity.sort_order, commodity.active = sort_order, bool(form.get("active"))
    return commodity


def save_market(market: Market | None, form, counties: dict[int, Region]) -> Market:
    """Create or edit a market; ``counties`` are the regions it may be in (the city's counties)."""
    errors: dict[str, list[str]] = {}
    name = _text(form, "name", 80, errors, True, _("名称"))
    name_en = _text(form, "name_en", 120, errors, label=_("英文名称"))
    operator = _text(form, "operator", 120, errors, label=_("经营单位"))
    address = _text(form, "address", 200, errors, label=_("地址"))
    try:
        kind = MarketKind(form.get("kind", ""))
    except ValueError:
        errors["kind"] = [_("请选择市场类型")]
        kind = None
    region_id = _int(form, "region_id")
    if str(form.get("region_id", "") or "").strip() and region_id not in counties:
        errors["region_id"] = [_("请选择本市的一个县区")]
    if name and "name" not in errors:
        clash = db.session.scalar(sa.select(Market.id).where(Market.name == name))
        if clash is not None and (market is None or clash != market.id):
            errors["name"] = [_("已有同名的市场")]
    wanted = []
    for raw in form.getlist("commodities") if hasattr(form, "getlist") else form.get("commodities", []):
        cid = _int({"v": raw}, "v")
        if cid is None or cid in wanted:
            continue
        wanted.append(cid)
    found = {c.id: c for c in db.session.scalars(sa.select(Commodity).where(Commodity.id.in_(wanted),
                                                                          Commodity.active))} if wanted else {}
    if len(found) != len(wanted):
        errors["commodities"] = [_("常交易品种里有不存在或已停用的品种")]
    if errors:
        raise PriceError(next(iter(errors.values()))[0], errors=errors)
    with atomic():
        if market is None:
            market = Market(name=name)
            db.session.add(market)
        market.name, market.name_en, market.operator, market.address = name, name_en, operator, address
        market.kind, market.region_id, market.active = kind, region_id, bool(form.get("active"))
        market.sort_order = _int(form, "sort_order") or 0
        keep = {mc.commodity_id: mc for mc in market.usual}
        market.usual = [keep.get(cid) or MarketCommodity(commodity_id=cid) for cid in wanted]
        for n, mc in enumerate(market.usual):
            mc.sort_order = n
    return market
