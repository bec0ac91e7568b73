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
from catalog.units import normalise_unit
from marketplace.extensions import db

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
MAX_VARIANTS = 30
MAX_TIERS = 10
MAX_STOCK = 1_000_000_000
MAX_ATTRIBUTES = 30


def clean_product_fields(shop, data: dict, product: Product | None = None) -> dict:
    """Check product-level fields; returns cleaned values or raises CatalogError with field messages."""
    errors: dict[str, list[str]] = {}
    out: dict = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("请填写商品标题"))
    elif len(title) > 120:
        errors.setdefault("title", []).append(_("标题不能超过 120 个字"))
    out["title"] = title
    subtitle = (data.get("subtitle") or "").strip()
    if len(subtitle) > 200:
        errors.setdefault("subtitle", []).append(_("副标题不能超过 200 个字"))
    out["subtitle"] = subtitle
    description = data.get("description") or ""
    if len(description) > 20_000:
        errors.setdefault("description", []).append(_("描述不能超过 20000 个字"))
    out["description"] = description
    category = data.get("category")
    if isinstance(category, int | str) and str(category).isdigit():
        category = db.session.get(Category, int(category))
    if not isinstance(category, Category) or not category.active:
        errors.setdefault("category", []).append(_("请选择有效的分类"))
    out["category"] = category
    out["origin"] = data.get("origin")
    code = (data.get("code") or "").strip()
    if code:
        if not CODE_RE.match(code):
            errors.setdefault("code", []).append(_("商品编码只能用字母、数字、点、横线和下划线，最长 64 位"))
        else:
            clash = db.session.scalar(sa.select(Product.id).where(Product.shop_id == shop.id, Product.code == code))
            if clash and (product is None or clash != product.id):
                errors.setdefault("code", []).append(_("商品编码 %(code)s 已被本店其他商品使用", code=code))
    out["code"] = code
    attributes = []
    for pair in data.get("attributes") or []:
        key, value = (str(pair[0]).strip(), str(pair[1]).strip())
        if key and value:
            if len(key) > 30 or len(value) > 100:
                errors.setdefault("attributes", []).append(_("属性名不超过 30 个字，属性值不超过 100 个字"))
            attributes.append([key, value])
    if len(attributes) > MAX_ATTRIBUTES:
        errors.setdefault("attributes", []).append(_("属性最多 %(n)d 项", n=MAX_ATTRIBUTES))
    out["attributes"] = attributes
    certs = []
    for cert in data.get("certifications") or []:
        try:
            value = Certification(cert).value
        except ValueError:
            errors.setdefault("certifications", []).append(_("未知的认证：%(c)s", c=str(cert)[:30]))
            continue
        if value not in certs:
            certs.append(value)
    out["certifications"] = certs
    if errors:
        raise CatalogError(errors=errors)
    return out


def clean_variants(rows: list[dict], existing: list[Variant] | None = None) -> list[dict]:
    """Check variant rows (name, unit, price_cents, moq, step, weight_grams, tiers, optional id/stock)."""
    errors: dict[str, list[str]] = {}
    known = {v.id: v for v in existing or []}
    names = set()
    cleaned = []
    if not rows:
        errors["variants"] = [_("至少需要一个规格")]
    if len(rows) > MAX_VARIANTS:
        errors["variants"] = [_("规格最多 %(n)d 个", n=MAX_VARIANTS)]
    for index, row in enumerate(rows):
        key = f"variants-{index}"
        msgs: list[str] = []
        name = (row.get("name") or "").strip()
        if not name:
            msgs.append(_("请填写规格名称"))
        elif len(name) > 80:
            msgs.append(_("规格名称不能超过 80 个字"))
        elif name in names:
            msgs.append(_("规格名称“%(name)s”重复了", name=name))
        names.add(name)
        unit = normalise_unit(row.get("unit") or "")
        if unit is None:
            msgs.append(_("未知的单位：%(unit)s", unit=str(row.get("unit") or "")[:10]))
        price = row.get("price_cents")
        if not isinstance(price, int) or price < 0:
            msgs.append(_("请填写有效的单价"))
        moq, step = row.get("moq", 1), row.get("step", 1)
        if not isinstance(moq, int) or moq < 1 or moq > MAX_STOCK:
            msgs.append(_("起批量必须是不小于 1 的整数"))
        if not isinstance(step, int) or step < 1 or step > MAX_STOCK:
            msgs.append(_("递增数量必须是不小于 1 的整数"))
        stock = row.get("stock")
        if stock is not None and (not isinstance(stock, int) or stock < 0 or stock > MAX_STOCK):
            msgs.append(_("库存必须是不小于 0 的整数"))
        weight = row.get("weight_grams")
        if weight is not None and (not isinstance(weight, int) or weight <= 0 or weight > 100_000_000):
            msgs.append(_("每件净重（克）必须是正整数"))
        tiers = list(row.get("tiers") or [])
        if len(tiers) > MAX_TIERS:
            msgs.append(_("价格阶梯最多 %(n)d 档", n=MAX_TIERS))
        if isinstance(price, int):
            msgs.extend(validate_tiers(price, tiers))
        vid = row.get("id")
        if vid is not None and vid not in known:
            msgs.append(_("规格不存在"))
        if msgs:
            errors[key] = msgs
        cleaned.append({**row, "name": name, "unit": unit, "tiers": sorted(tiers)})
    if errors:
        raise CatalogError(errors=errors)
    return cleaned
