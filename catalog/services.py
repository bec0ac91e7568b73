"""Catalogue verbs: products, variants and tiers, the status machine, stock.

Each verb runs in one ``atomic()`` transaction (commits on success, rolls back and raises on
refusal); called inside another verb's ``atomic()`` it joins that transaction. ``release_stock``
runs in the caller's refund transaction (checkout takes and gives back stock through orders.stock).
Refusals raise ``CatalogError`` (user-facing message, with per-field messages in ``errors``),
``InvalidTransition`` or ``OutOfStock``.
"""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from catalog.models import (
    Category,
    Certification,
    PriceTier,
    Product,
    ProductImage,
    ProductStatus,
    ProductStatusChange,
    StockMovement,
    Variant,
)
from catalog.pricing import validate_tiers
from catalog.units import normalise_unit
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.states import StateMachine

PRODUCT_STATUS = StateMachine("product", {
    ProductStatus.DRAFT: {ProductStatus.PUBLISHED},
    ProductStatus.PUBLISHED: {ProductStatus.HIDDEN, ProductStatus.DRAFT},
    ProductStatus.HIDDEN: {ProductStatus.PUBLISHED, ProductStatus.DRAFT},
}, labels={ProductStatus.DRAFT: _l("草稿"), ProductStatus.PUBLISHED: _l("已上架"), ProductStatus.HIDDEN: _l("已下架")},
   history=ProductStatusChange, history_key="product_id", note_length=200)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
MAX_VARIANTS = 30
MAX_TIERS = 10
MAX_STOCK = 1_000_000_000
MAX_ATTRIBUTES = 30


class CatalogError(DomainError):
    """A catalogue change was refused. ``errors`` maps a field name to its messages; without a
    message the first of them is the message."""

    code = "invalid_product"

    def __init__(self, message: str | None = None, *, errors: dict[str, list[str]] | None = None, **kwargs):
        if message is None:
            message = next((m for msgs in (errors or {}).values() for m in msgs), _("提交的内容有误"))
        super().__init__(message, errors=errors, **kwargs)


class OutOfStock(CatalogError):
    """Not enough stock for what was asked (HTTP 409: it may change while the buyer looks)."""

    status = 409
    code = "out_of_stock"


def certification_labels() -> dict[str, str]:
    return {Certification.GREEN_FOOD.value: _("绿色食品"), Certification.ORGANIC.value: _("有机产品"),
            Certification.GI.value: _("地理标志产品"), Certification.POLLUTION_FREE.value: _("无公害农产品")}


# --- validation -------------------------------------------------------------------------------

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


# --- products ---------------------------------------------------------------------------------

def _new_code(shop) -> str:
    while True:
        code = "P" + secrets.token_hex(4).upper()
        if not db.session.scalar(sa.select(Product.id).where(Product.shop_id == shop.id, Product.code == code)):
            return code


def _apply_fields(product: Product, fields: dict) -> None:
    product.title = fields["title"]
    product.subtitle = fields["subtitle"]
    product.description = fields["description"]
    product.category = fields["category"]
    product.origin = fields["origin"]
    product.attributes = fields["attributes"]
    product.certifications = fields["certifications"]
    if fields.get("code"):
        product.code = fields["code"]


def _set_tiers(variant: Variant, tiers: list[tuple[int, int]]) -> None:
    wanted = dict(tiers)
    removed = False
    for tier in list(variant.tiers):
        if tier.min_quantity not in wanted:
            variant.tiers.remove(tier)
            removed = True
        else:
            tier.unit_price_cents = wanted.pop(tier.min_quantity)
    if removed:
        db.session.flush()  # removed tiers leave before a new one may reuse their quantity
    for q, p in sorted(wanted.items()):
        variant.tiers.append(PriceTier(min_quantity=q, unit_price_cents=p))
    variant.tiers.sort(key=lambda t: t.min_quantity)


def _apply_variants(product: Product, rows: list[dict], actor, *, deactivate_missing: bool = True,
                    movement_kind: str = "adjust") -> None:
    by_id = {v.id: v for v in product.variants}
    kept = set()
    for position, row in enumerate(rows):
        variant = by_id.get(row.get("id")) if row.get("id") else None
        if variant is None:
            variant = Variant(name=row["name"], unit=row["unit"], price_cents=row["price_cents"], stock=0,
                              moq=row.get("moq", 1), step=row.get("step", 1))
            product.variants.append(variant)
            db.session.flush()
        variant.name, variant.unit, variant.price_cents = row["name"], row["unit"], row["price_cents"]
        variant.moq, variant.step = row.get("moq", 1), row.get("step", 1)
        variant.weight_grams = row.get("weight_grams")
        variant.position = position
        variant.active = True
        _set_tiers(variant, row["tiers"])
        if row.get("stock") is not None and row["stock"] != variant.stock:
            reason = _("初始库存") if movement_kind == "adjust" else _("导入")
            _change_stock(variant, row["stock"] - variant.stock, movement_kind, reason, actor)
        kept.add(variant.id)
    if deactivate_missing:
        for variant in product.variants:
            if variant.id not in kept:
                variant.active = False  # orders may refer to it: never deleted


def refresh_product(product: Product) -> None:
    """Recompute the denormalised listing fields: lowest price, stock state, primary photo."""
    active = [v for v in product.variants if v.active]
    product.min_price_cents = min((v.price_cents for v in active), default=0)
    product.in_stock = any(v.stock >= v.moq for v in active)
    images = sorted(product.images, key=lambda i: (i.position, i.id or 0))
    product.primary_image = image_prefix(images[0]) if images else None
    product.updated_at = utcnow()


def image_prefix(image: ProductImage) -> str:
    """Storage key prefix of a photo's derivatives: add ``-320.webp`` / ``-800.webp`` / ``-1600.webp``."""
    key = next(iter(image.variants.values()))
    return key.rsplit("-", 1)[0]


@atomic()
def create_product(shop, actor, data: dict, variants: list[dict], *, status: ProductStatus = ProductStatus.DRAFT,
                   movement_kind: str = "adjust") -> Product:
    """Create a product with its variants and tiers (draft unless ``status`` says published)."""
    fields = clean_product_fields(shop, data)
    rows = clean_variants(variants)
    product = Product(shop=shop, code=fields["code"] or _new_code(shop), status=ProductStatus.DRAFT,
                      attributes=[], certifications=[])
    _apply_fields(product, fields)
    db.session.add(product)
    db.session.flush()
    db.session.add(ProductStatusChange(product_id=product.id, from_status=None, to_status=ProductStatus.DRAFT,
                                       actor_id=getattr(actor, "id", None), note=_("创建")))
    _apply_variants(product, rows, actor, movement_kind=movement_kind)
    refresh_product(product)
    if status != ProductStatus.DRAFT:
        set_status(product, status, actor)
    db.session.flush()
    return product


@atomic()
def update_product(product: Product, actor, data: dict, variants: list[dict] | None = None, *,
                   deactivate_missing: bool = True, movement_kind: str = "adjust") -> Product:
    """Change a product's fields and (when given) its variants; variants left out are deactivated."""
    fields = clean_product_fields(product.shop, data, product)
    if variants is not None:
        rows = clean_variants(variants, product.variants)
        if product.status == ProductStatus.PUBLISHED and not rows:
            raise CatalogError(_("已上架的商品至少需要一个规格"))
    _apply_fields(product, fields)
    if variants is not None:
        _apply_variants(product, rows, actor, deactivate_missing=deactivate_missing,
                        movement_kind=movement_kind)
    refresh_product(product)
    db.session.flush()
    return product


@atomic()
def set_status(product: Product, target: ProductStatus, actor, note: str | None = None) -> Product:
    """Move a product through draft -> published -> hidden (and back) with PRODUCT_STATUS.move:
    a conditional UPDATE (two concurrent moves cannot both win) and one history row per move."""
    target_ = ProductStatus(target)
    PRODUCT_STATUS.check(ProductStatus(product.status), target_)
    if product.deleted_at is not None:
        raise CatalogError(_("商品已删除"))
    if target_ == ProductStatus.PUBLISHED and not any(v.active for v in product.variants):
        raise CatalogError(_("至少添加一个规格后才能上架"))
    if target_ == ProductStatus.PUBLISHED and not product.category.active:
        raise CatalogError(_("商品所在的分类已停用，请换一个分类后再上架"))
    # published_at is the first publication ("newest" listings): a re-publish keeps it.
    first = {"published_at": utcnow()} if target_ == ProductStatus.PUBLISHED and product.published_at is None else {}
    PRODUCT_STATUS.move(product, target_, actor=actor, note=note, **first)
    # The move's UPDATE bypasses the ORM; marking the row changed lets the search queue and the
    # catalogue cache, which watch ORM changes to products, see it at the flush.
    flag_modified(product, "updated_at")
    db.session.flush()
    return product


def publish(product: Product, actor) -> Product:
    return set_status(product, ProductStatus.PUBLISHED, actor)


def hide(product: Product, actor) -> Product:
    return set_status(product, ProductStatus.HIDDEN, actor)


@atomic()
def soft_delete(product: Product, actor) -> Product:
    """Delete for good in the merchant's eyes; the row stays for orders that refer to it."""
    if product.deleted_at is not None:
        return product
    if product.status == ProductStatus.PUBLISHED:
        set_status(product, ProductStatus.HIDDEN, actor, note=_("删除"))
    product.deleted_at = utcnow()
    product.updated_at = utcnow()
    db.session.flush()
    return product


@atomic()
def duplicate_product(product: Product, actor) -> Product:
    """A draft copy with the same fields, variants, tiers and photos, and no stock."""
    base = f"{product.code}-copy"[:60]
    code, n = base, 1
    while db.session.scalar(sa.select(Product.id).where(Product.shop_id == product.shop_id,
                                                        Product.code == code)):
        n += 1
        code = f"{base}{n}"
    copy = Product(shop_id=product.shop_id, category_id=product.category_id, code=code,
                   title=(product.title + _("（副本）"))[:120], subtitle=product.subtitle,
                   description=product.description, origin_region_id=product.origin_region_id,
                   attributes=[list(p) for p in product.attributes], certifications=list(product.certifications),
                   status=ProductStatus.DRAFT)
    for v in product.variants:
        if not v.active:
            continue
        copy.variants.append(Variant(name=v.name, unit=v.unit, price_cents=v.price_cents, stock=0, moq=v.moq,
                                     step=v.step, weight_grams=v.weight_grams, position=v.position,
                                     tiers=[PriceTier(min_quantity=t.min_quantity,
                                                      unit_price_cents=t.unit_price_cents) for t in v.tiers]))
    for img in product.images:
        copy.images.append(ProductImage(digest=img.digest, variants=dict(img.variants), width=img.width,
                                        height=img.height, position=img.position, alt=img.alt))
    db.session.add(copy)
    db.session.flush()
    db.session.add(ProductStatusChange(product_id=copy.id, from_status=None, to_status=ProductStatus.DRAFT,
                                       actor_id=getattr(actor, "id", None),
                                       note=_("复制自 %(code)s", code=product.code)))
    refresh_product(copy)
    db.session.flush()
    return copy


# --- stock ------------------------------------------------------------------------------------

def _change_stock(variant: Variant, delta: int, kind: str, reason: str, actor, order_id: int | None = None) -> bool:
    """Atomically add ``delta`` (negative to take) unless stock would go below zero; records a movement."""
    if delta == 0:
        return True
    stmt = sa.update(Variant).where(Variant.id == variant.id)
    if delta < 0:
        stmt = stmt.where(Variant.stock >= -delta)
    result = db.session.execute(stmt.values(stock=Variant.stock + delta).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.add(StockMovement(variant_id=variant.id, delta=delta, kind=kind, reason=(reason or "")[:200],
                                 actor_id=getattr(actor, "id", None), order_id=order_id))
    db.session.flush()
    db.session.refresh(variant, ["stock"])
    product = variant.product
    product.in_stock = any(v.stock >= v.moq for v in product.variants if v.active)
    product.updated_at = utcnow()
    return True


@atomic()
def adjust_stock(variant: Variant, delta: int, reason: str, actor) -> Variant:
    """A merchant's stock correction (+ received, - damaged/sold offline) with a required reason."""
    reason_ = (reason or "").strip()
    if not reason_:
        raise CatalogError(errors={"reason": [_("请填写调整原因")]})
    if not isinstance(delta, int) or delta == 0 or abs(delta) > MAX_STOCK:
        raise CatalogError(errors={"delta": [_("调整数量必须是非零整数")]})
    if not _change_stock(variant, delta, "adjust", reason_, actor):
        raise OutOfStock(errors={"delta": [_("库存不能为负数：当前库存 %(n)d，最多可减少 %(n)d",
                                             n=current_stock(variant))]})
    return variant


def current_stock(variant: Variant) -> int:
    return db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant.id)) or 0


def release_stock(variant: Variant, quantity: int, *, kind: str = "order_cancelled", order_id: int | None = None,
                  actor=None, reason: str = "") -> None:
    """Give back units of a cancelled/expired/refunded order (in the caller's transaction)."""
    if quantity <= 0:
        raise CatalogError(_("数量必须大于 0"))
    _change_stock(variant, quantity, kind, reason, actor, order_id)


def stock_history(variant_ids: list[int], limit: int = 100) -> list[StockMovement]:
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(sa.select(StockMovement).where(StockMovement.variant_id.in_(variant_ids))
                                   .options(selectinload(StockMovement.actor))
                                   .order_by(StockMovement.id.desc()).limit(limit)))
