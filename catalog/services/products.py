"""Product verbs: create, update, the status machine, duplicate, soft delete, denormalised fields."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from catalog.models import (
    Certification,
    PriceTier,
    Product,
    ProductImage,
    ProductStatus,
    ProductStatusChange,
    Variant,
)
from catalog.pricing import price_per_kg
from catalog.services.errors import CatalogError
from catalog.services.stock import change_stock, check_stock_edit
from catalog.services.validation import clean_product_fields, clean_variants
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.shops.policy import ensure_not_suspended
from marketplace.states import InvalidTransition, StateMachine

S = ProductStatus
STATUS_LABELS = {S.DRAFT: _l("草稿"), S.PUBLISHED: _l("已上架"), S.HIDDEN: _l("已下架"), S.PENDING: _l("待平台审核"),
                 S.REJECTED: _l("审核未通过"), S.BLOCKED: _l("已被平台下架")}
#: The merchant moves a product between draft, published and hidden; publishing in a category that
#: requires approval (or after a rejection) goes to pending instead; the admin approves (published) or
#: rejects, and blocks (hides) or restores any product (catalog.services.moderation).
PRODUCT_STATUS = StateMachine("product", {
    S.DRAFT: {S.PUBLISHED, S.PENDING, S.BLOCKED},
    S.PUBLISHED: {S.HIDDEN, S.DRAFT, S.PENDING, S.BLOCKED},
    S.HIDDEN: {S.PUBLISHED, S.DRAFT, S.PENDING, S.BLOCKED},
    S.PENDING: {S.PUBLISHED, S.REJECTED, S.DRAFT, S.BLOCKED},
    S.REJECTED: {S.PENDING, S.DRAFT, S.BLOCKED},
    S.BLOCKED: {S.DRAFT, S.PUBLISHED, S.HIDDEN, S.PENDING, S.REJECTED},
}, labels=STATUS_LABELS, history=ProductStatusChange, history_key="product_id", note_length=200)
#: What the merchant (pages, API, CSV import) may ask for; the other statuses are the admin's.
MERCHANT_TARGETS = frozenset({S.DRAFT, S.PUBLISHED, S.HIDDEN})


class ProductBlocked(CatalogError):
    """The platform hid the product: only the admin brings it back (409)."""

    status = 409
    code = "product_blocked"


def certification_labels() -> dict[str, str]:
    return {Certification.GREEN_FOOD.value: _("绿色食品"), Certification.ORGANIC.value: _("有机产品"),
            Certification.GI.value: _("地理标志产品"), Certification.POLLUTION_FREE.value: _("无公害农产品")}


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
            check_stock_edit(variant, "stock")  # a batch-tracked variant (trace) changes through its batches
            reason = _("初始库存") if movement_kind == "adjust" else _("导入")
            change_stock(variant, row["stock"] - variant.stock, movement_kind, reason, actor)
        kept.add(variant.id)
    if deactivate_missing:
        for variant in product.variants:
            if variant.id not in kept:
                variant.active = False  # orders may refer to it: never deleted


def refresh_product(product: Product) -> None:
    """Recompute the denormalised listing fields: lowest price (and per kg), stock state, primary photo."""
    active = [v for v in product.variants if v.active]
    product.min_price_cents = min((v.price_cents for v in active), default=0)
    product.min_price_per_kg_cents = min((c for c in (price_per_kg(v) for v in active) if c is not None), default=None)
    product.in_stock = any(v.sellable for v in active)
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
    ensure_not_suspended(shop)
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
    ensure_not_suspended(product.shop)
    fields = clean_product_fields(product.shop, data, product)
    if variants is not None:
        rows = clean_variants(variants, product.variants)
        if product.status == ProductStatus.PUBLISHED and not rows:
            raise CatalogError(_("已上架的商品至少需要一个规格"))
    moved = fields["category"] is not None and fields["category"].id != product.category_id
    _apply_fields(product, fields)
    if variants is not None:
        _apply_variants(product, rows, actor, deactivate_missing=deactivate_missing,
                        movement_kind=movement_kind)
    refresh_product(product)
    db.session.flush()
    if moved and product.status == S.PUBLISHED:
        problem = publish_problem(product)  # the new category's guards (certificate, licence ...)
        if problem:
            withdraw_listing(product, actor, problem, notify=False)  # the merchant sees it on his page
        elif needs_approval(product):
            # moved into a category that requires approval: off sale until the admin approves it here
            move_product(product, S.PENDING, actor, _("移入需要审核的分类"))
    return product


def needs_approval(product: Product) -> bool:
    """Whether publishing waits for the admin: after a rejection, or in a category that requires
    approval when the admin has not approved the product in that category."""
    if product.status == S.REJECTED:
        return True
    return category_requires_approval(product.category) and product.approved_category_id != product.category_id


def category_requires_approval(category) -> bool:
    """The category or one above it is marked "requires approval" (a mark on 药品 covers its children)."""
    seen = 0
    while category is not None and seen < 10:
        if category.requires_approval:
            return True
        category, seen = category.parent, seen + 1
    return False


#: Other domains' reasons a product may not go public, by name (registering a name again replaces it,
#: so an app built twice registers once): trace/ wants a certified batch with stock in a category
#: that requires 合格证, the shops' licences a verified licence in a licensed category. A guard is
#: ``guard(product) -> str | None`` (a message in the user's language, or None when it may publish).
_PUBLISH_GUARDS: dict[str, Callable[[Product], str | None]] = {}


def register_publish_guard(name: str, guard: Callable[[Product], str | None]) -> None:
    """Let another domain refuse publication (catalog imports no domain built on it)."""
    _PUBLISH_GUARDS[name] = guard


def publish_problem(product: Product) -> str | None:
    """Why the product cannot go public now (a message for the user), or None: the catalogue's own
    rules first, then each registered guard in the order registered."""
    if product.deleted_at is not None:
        return _("商品已删除")
    if not any(v.active for v in product.variants):
        return _("至少添加一个规格后才能上架")
    if not product.category.active:
        return _("商品所在的分类已停用，请换一个分类后再上架")
    for guard in _PUBLISH_GUARDS.values():
        problem = guard(product)
        if problem:
            return problem
    return None


def move_product(product: Product, target: ProductStatus, actor, note: str | None = None, **fields) -> Product:
    """PRODUCT_STATUS.move in the caller's transaction: a conditional UPDATE (two concurrent moves
    cannot both win), one history row, and the search index and catalogue cache told."""
    if target == S.PUBLISHED and product.published_at is None:
        fields.setdefault("published_at", utcnow())  # the first publication ("newest" listings)
    PRODUCT_STATUS.move(product, target, actor=actor, note=note, **fields)
    # The move's UPDATE bypasses the ORM; marking the row changed lets the search queue and the
    # catalogue cache, which watch ORM changes to products, see it at the flush.
    flag_modified(product, "updated_at")
    db.session.flush()
    return product


def withdraw_listing(product: Product, actor, reason: str, *, notify: bool = True) -> Product:
    """Take a published product that no longer qualifies (moved into a category whose publish
    guards refuse it, or its category's requirements grew) off sale, in the caller's transaction:
    hidden, the reason kept in ``moderation_note`` for the merchant's pages and API, a history note,
    an audit entry ``product.withdraw`` and, with ``notify``, the owner told (catalog.moderation).
    The merchant puts it back on sale himself once the guard is satisfied."""
    from catalog.services.notices import notify_owner
    from marketplace.admin.services import record_audit

    reason = reason[:200]
    before = {"status": ProductStatus(product.status).value, "moderation_note": product.moderation_note}
    move_product(product, S.HIDDEN, actor, reason, moderation_note=reason)
    record_audit(actor, "product.withdraw", "product", product.id, before=before,
                 after={"status": S.HIDDEN.value, "moderation_note": reason}, note=reason)
    if notify:
        notify_owner(product, "withdrawn", reason)
    return product


def blocked_error(product: Product) -> ProductBlocked:
    return ProductBlocked(_("该商品已被平台下架，不能自行上架。原因：%(reason)s。如有异议，请联系平台。",
                            reason=product.moderation_note or "-"))


@atomic()
def set_status(product: Product, target: ProductStatus, actor, note: str | None = None) -> Product:
    """The merchant's move: draft, published (pending when needs_approval) or hidden.

    A product the platform hid (blocked) is refused (ProductBlocked); a pending one cannot be
    published again; the admin's statuses cannot be asked for (InvalidTransition)."""
    target_ = ProductStatus(target)
    current = ProductStatus(product.status)
    if current == S.BLOCKED:
        raise blocked_error(product)
    if target_ not in MERCHANT_TARGETS:
        raise InvalidTransition(PRODUCT_STATUS, current, target_)
    if target_ == S.PUBLISHED and current == S.PENDING:
        raise CatalogError(_("商品正在等待平台审核，审核通过后会自动上架"), status=409, code="pending_approval")
    if target_ == S.PUBLISHED and needs_approval(product):
        target_ = S.PENDING
    PRODUCT_STATUS.check(current, target_)
    if target_ in (S.PUBLISHED, S.PENDING):  # taking a product off sale stays open to a suspended shop
        ensure_not_suspended(product.shop)
    if product.deleted_at is not None:
        raise CatalogError(_("商品已删除"))
    problem = publish_problem(product) if target_ in (S.PUBLISHED, S.PENDING) else None
    if problem:
        raise CatalogError(problem)
    # a resubmission or a return to sale: the old reason (a rejection, a withdrawal) is done
    fields = {"moderation_note": None} if target_ in (S.PENDING, S.PUBLISHED) else {}
    return move_product(product, target_, actor, note, **fields)


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
    """A draft copy with the same fields, variants, tiers and photos, and no stock (not of a product
    the platform hid: the copy would be the same listing under a new number)."""
    ensure_not_suspended(product.shop)
    if product.status == S.BLOCKED:
        raise ProductBlocked(_("被平台下架的商品不能复制"))
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
