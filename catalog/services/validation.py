"""Checks of a product's fields and variant rows before anything is written (the editor and the CSV
import share them)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.models import (
    Category,
    Certification,
    Product,
    Variant,
)
from catalog.pricing import validate_tiers
from catalog.services.errors import CatalogError
from catalog.units import resolve
from marketplace.extensions import db

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
MAX_VARIANTS = 30
MAX_TIERS = 10
MAX_STOCK = 1_000_000_000
MAX_ATTRIBUTES = 30
MAX_WEIGHT_GRAMS = 100_000_000


def clean_product_fields(shop, data: dict, product: Product | None = None) -> dict:
    """Check product-level fields; returns cleaned values or raises CatalogError with field messages."""
    cleaners = (("title", _clean_title), ("subtitle", _clean_subtitle), ("description", _clean_description),
                ("category", _clean_category), ("origin", _as_given),
                ("code", lambda value: _clean_code(value, shop, product)), ("attributes", _clean_attributes),
                ("certifications", _clean_certifications))
    errors: dict[str, list[str]] = {}
    out: dict = {}
    for name, clean in cleaners:
        out[name], messages = clean(data.get(name))
        if messages:
            errors[name] = messages
    if errors:
        raise CatalogError(errors=errors)
    return out


# One cleaner per product field: the raw value in, (the cleaned value, its messages) out.

def _as_given(value) -> tuple[object, list[str]]:
    return value, []


def _clean_title(value) -> tuple[str, list[str]]:
    title = (value or "").strip()
    if not title:
        return title, [_("请填写商品标题")]
    if len(title) > 120:
        return title, [_("标题不能超过 120 个字")]
    return title, []


def _clean_subtitle(value) -> tuple[str, list[str]]:
    subtitle = (value or "").strip()
    return subtitle, [_("副标题不能超过 200 个字")] if len(subtitle) > 200 else []


def _clean_description(value) -> tuple[str, list[str]]:
    description = value or ""
    return description, [_("描述不能超过 20000 个字")] if len(description) > 20_000 else []


def _clean_category(value) -> tuple[object, list[str]]:
    """A Category, or its id as an int or a string of digits."""
    category = value
    if isinstance(category, int | str) and str(category).isdigit():
        category = db.session.get(Category, int(category))
    if not isinstance(category, Category) or not category.active:
        return category, [_("请选择有效的分类")]
    return category, []


def _clean_code(value, shop, product: Product | None) -> tuple[str, list[str]]:
    """Optional; unique within the shop (the product being edited may keep its own)."""
    code = (value or "").strip()
    if not code:
        return code, []
    if not CODE_RE.match(code):
        return code, [_("商品编码只能用字母、数字、点、横线和下划线，最长 64 位")]
    clash = db.session.scalar(sa.select(Product.id).where(Product.shop_id == shop.id, Product.code == code))
    if clash and (product is None or clash != product.id):
        return code, [_("商品编码 %(code)s 已被本店其他商品使用", code=code)]
    return code, []


def _clean_attributes(value) -> tuple[list[list[str]], list[str]]:
    """(name, value) pairs; pairs missing either side are dropped."""
    attributes, messages = [], []
    for pair in value or []:
        key, text = (str(pair[0]).strip(), str(pair[1]).strip())
        if not key or not text:
            continue
        if len(key) > 30 or len(text) > 100:
            messages.append(_("属性名不超过 30 个字，属性值不超过 100 个字"))
        attributes.append([key, text])
    if len(attributes) > MAX_ATTRIBUTES:
        messages.append(_("属性最多 %(n)d 项", n=MAX_ATTRIBUTES))
    return attributes, messages


def _clean_certifications(value) -> tuple[list[str], list[str]]:
    """Certification values, each once; unknown ones are refused."""
    certs, messages = [], []
    for cert in value or []:
        try:
            code = Certification(cert).value
        except ValueError:
            messages.append(_("未知的认证：%(c)s", c=str(cert)[:30]))
            continue
        if code not in certs:
            certs.append(code)
    return certs, messages


def clean_variants(rows: list[dict], existing: list[Variant] | None = None) -> list[dict]:
    """Check variant rows (name, unit, price_cents, moq, step, weight_grams, tiers, optional id/stock)."""
    errors: dict[str, list[str]] = {}
    if not rows:
        errors["variants"] = [_("至少需要一个规格")]
    if len(rows) > MAX_VARIANTS:
        errors["variants"] = [_("规格最多 %(n)d 个", n=MAX_VARIANTS)]
    known = {v.id: v.unit for v in existing or []}
    names: set[str] = set()
    cleaned = []
    for index, row in enumerate(rows):
        name = (row.get("name") or "").strip()
        unit, unit_message = _unit(row, known)
        tiers = list(row.get("tiers") or [])
        messages = _variant_messages(row, name, unit_message, tiers, names, known)
        names.add(name)
        if messages:
            errors[f"variants-{index}"] = messages
        cleaned.append({**row, "name": name, "unit": unit, "tiers": sorted(tiers)})
    if errors:
        raise CatalogError(errors=errors)
    return cleaned


def _unit(row: dict, known: dict[int, str]) -> tuple[str | None, str | None]:
    """The unit's code for a row's code or alias, and what is wrong with it: unknown, or deactivated
    (a variant that already has a deactivated unit keeps it; a new one or a change may not take it)."""
    text = str(row.get("unit") or "").strip()
    if not text:
        return None, _("请选择单位")
    info = resolve(text, fresh_on_miss=True)
    if info is None:
        return None, _("未知的单位“%(unit)s”：请从单位列表中选择，没有的单位请联系平台添加", unit=text[:10])
    if not info.active and known.get(row.get("id")) != info.code:
        return info.code, _("单位“%(unit)s”已停用，请选择其他单位", unit=info.label())
    return info.code, None


def _variant_messages(row: dict, name: str, unit_message: str | None, tiers: list, names: set[str],
                      known: dict[int, str]) -> list[str]:
    """Everything wrong with one variant row, in the order of its fields."""
    messages = _variant_name_messages(name, names)
    if unit_message:
        messages.append(unit_message)
    price = row.get("price_cents")
    if not _whole(price, 0, None, optional=False):
        messages.append(_("请填写有效的单价"))
    # (field, value when the key is absent, lowest, highest, message); None is allowed where absent means None.
    for field, absent, lowest, highest, message in (
            ("moq", 1, 1, MAX_STOCK, _("起批量必须是不小于 1 的整数")),
            ("step", 1, 1, MAX_STOCK, _("递增数量必须是不小于 1 的整数")),
            ("stock", None, 0, MAX_STOCK, _("库存必须是不小于 0 的整数")),
            ("weight_grams", None, 1, MAX_WEIGHT_GRAMS, _("每件净重（克）必须是正整数"))):
        if not _whole(row.get(field, absent), lowest, highest, optional=absent is None):
            messages.append(message)
    if len(tiers) > MAX_TIERS:
        messages.append(_("价格阶梯最多 %(n)d 档", n=MAX_TIERS))
    if isinstance(price, int):
        messages.extend(validate_tiers(price, tiers))
    if row.get("id") is not None and row["id"] not in known:
        messages.append(_("规格不存在"))
    return messages


def _variant_name_messages(name: str, names: set[str]) -> list[str]:
    if not name:
        return [_("请填写规格名称")]
    if len(name) > 80:
        return [_("规格名称不能超过 80 个字")]
    if name in names:
        return [_("规格名称“%(name)s”重复了", name=name)]
    return []


def _whole(value, lowest: int, highest: int | None, *, optional: bool) -> bool:
    """An int within [lowest, highest] (no upper bound when highest is None), or None when optional."""
    if value is None:
        return optional
    return isinstance(value, int) and value >= lowest and (highest is None or value <= highest)
