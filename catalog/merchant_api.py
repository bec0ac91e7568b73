"""JSON API for a shop's own catalogue (a merchant's ERP): /api/v1/shops/<shop_id>/products...

The same services and rules as the merchant pages (catalog.views.merchant): create_product,
update_product (variants are always sent whole to it, as the editor does), set_status, adjust_stock
and set_stock. The shop comes from marketplace.shops.policy.api_shop (the user's current
membership; another shop's id is a 404); writes need an approved shop and a token with the
merchant scope (or a session).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from catalog import services
from catalog.merchant_schemas import (
    MerchantProductListSchema,
    MerchantProductQuerySchema,
    MerchantProductSchema,
    MerchantVariantSchema,
    PriceSetSchema,
    ProductCreateSchema,
    ProductUpdateSchema,
    StockSetSchema,
    VariantCreateSchema,
    VariantUpdateSchema,
)
from catalog.models import Category, Product, ProductStatus, Variant
from catalog.queries import title_or_code_contains
from catalog.services import STATUS_LABELS
from marketplace.accounts.scopes import MERCHANT
from marketplace.api import api_bp, api_login_required, page_of, scoped
from marketplace.db import as_utc
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.openapi import api_doc, parse_body, parse_query
from marketplace.regions.models import Region
from marketplace.shops.policy import api_shop

BASE = "/shops/<int:shop_id>/products"
TAGS = ["merchant: products"]
#: Request names of the service's error keys.
_FIELDS = {"category": "category_code", "origin": "origin_code"}


def _iso(value) -> str | None:
    return as_utc(value).isoformat() if value else None


def variant_json(v: Variant) -> dict:
    return {"id": v.id, "name": v.name, "unit": v.unit, "price_cents": v.price_cents, "stock": v.stock,
            "moq": v.moq, "step": v.step, "weight_grams": v.weight_grams,
            "tiers": [{"min_quantity": t.min_quantity, "unit_price_cents": t.unit_price_cents} for t in v.tiers]}


def product_json(p: Product) -> dict:
    locale = current_locale_code()
    return {
        "id": p.id, "code": p.code, "title": p.title, "subtitle": p.subtitle, "description": p.description,
        "status": ProductStatus(p.status).value,
        "status_label": str(STATUS_LABELS[ProductStatus(p.status)]),
        # the platform's reason: a block, a rejection, or a withdrawal (hidden: no longer qualifies)
        "moderation_reason": p.moderation_note if p.status in (ProductStatus.BLOCKED, ProductStatus.REJECTED,
                                                                ProductStatus.HIDDEN) else None,
        "category": {"code": p.category.code, "name": p.category.localized_name(locale), "path": p.category.path},
        "origin": {"code": p.origin.code, "name": p.origin.localized_name(locale)} if p.origin else None,
        "attributes": [{"name": k, "value": v} for k, v in p.attributes],
        "certifications": list(p.certifications), "min_price_cents": p.min_price_cents, "in_stock": p.in_stock,
        "variants": [variant_json(v) for v in p.variants if v.active],
        "created_at": _iso(p.created_at), "updated_at": _iso(p.updated_at), "published_at": _iso(p.published_at),
    }


def _product(shop, product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None or product.shop_id != shop.id or product.deleted_at is not None:
        raise ApiError(404, "not_found", _("商品不存在"))
    return product


def _variant(product: Product, variant_id: int) -> Variant:
    variant = next((v for v in product.variants if v.id == variant_id and v.active), None)
    if variant is None:
        raise ApiError(404, "not_found", _("规格不存在"))
    return variant


def _call(fn, *args, **kwargs):
    """Run a catalogue service; its refusal names the request's field (variants-0 -> variants.0)."""
    try:
        return fn(*args, **kwargs)
    except services.CatalogError as exc:
        if exc.field is None and exc.errors:
            name = next(iter(exc.errors))
            exc.field = _FIELDS.get(name, name.replace("-", "."))
            exc.message = exc.errors[name][0]
        raise


def _fields(product: Product | None, body: dict) -> dict:
    """The service's product fields: the product's own, overridden by what the body sends."""
    data = {"title": product.title, "subtitle": product.subtitle, "description": product.description,
            "code": product.code, "category": product.category, "origin": product.origin,
            "attributes": product.attributes, "certifications": product.certifications} if product else {}
    for name in ("title", "subtitle", "description", "code", "certifications"):
        if name in body:
            data[name] = body[name]
    if "attributes" in body:
        data["attributes"] = [[a["name"], a["value"]] for a in body["attributes"]]
    if "category_code" in body:
        category = db.session.scalar(sa.select(Category).where(Category.code == body["category_code"]))
        if category is None or not category.active or category.parent_id is None:  # as the editor offers
            raise ApiError(400, "invalid", _("请选择有效的分类"), field="category_code")
        data["category"] = category
    if "origin_code" in body:
        origin = None
        if body["origin_code"] is not None:
            origin = db.session.scalar(sa.select(Region).where(Region.code == body["origin_code"]))
            if origin is None:
                raise ApiError(400, "invalid", _("未知的产地代码"), field="origin_code")
        data["origin"] = origin
    return data


def _row(body: dict) -> dict:
    row = {k: body[k] for k in ("name", "unit", "price_cents", "moq", "step", "weight_grams", "stock") if k in body}
    if "tiers" in body:
        row["tiers"] = [(t["min_quantity"], t["unit_price_cents"]) for t in body["tiers"]]
    return row


def _rows(product: Product) -> list[dict]:
    """The product's active variants as the editor posts them (stock left alone)."""
    return [{"id": v.id, "name": v.name, "unit": v.unit, "price_cents": v.price_cents, "moq": v.moq, "step": v.step,
             "weight_grams": v.weight_grams, "tiers": [(t.min_quantity, t.unit_price_cents) for t in v.tiers]}
            for v in product.variants if v.active]


def _save_variants(product: Product, rows: list[dict]) -> None:
    _call(services.update_product, product, current_user, _fields(product, {}), rows)


WRITE_ERRORS = {400: "error", 409: "error"}


@api_bp.get(BASE)
@scoped(MERCHANT)
@api_doc("The shop's products (not deleted), latest change first", tags=TAGS, query=MerchantProductQuerySchema,
         responses={200: MerchantProductListSchema})
@api_login_required
def merchant_products_api(shop_id: int):
    shop = api_shop(shop_id)
    args = parse_query(MerchantProductQuerySchema)
    stmt = (sa.select(Product).where(Product.shop_id == shop.id, Product.deleted_at.is_(None))
            .options(selectinload(Product.variants)))
    if args.get("status"):
        stmt = stmt.where(Product.status == ProductStatus(args["status"]))
    if args.get("q"):
        stmt = title_or_code_contains(stmt, args["q"])
    return page_of(stmt.order_by(Product.updated_at.desc(), Product.id.desc()), args, product_json)


@api_bp.post(BASE)
@scoped(MERCHANT)
@api_doc("Create a product (a draft) with its variants and wholesale tiers", tags=TAGS, body=ProductCreateSchema,
         responses={201: MerchantProductSchema, **WRITE_ERRORS})
@api_login_required
def merchant_product_create_api(shop_id: int):
    shop = api_shop(shop_id, write=True)
    body = parse_body(ProductCreateSchema)
    data = _fields(None, body)
    data.setdefault("subtitle", "")
    data.setdefault("description", "")
    product = _call(services.create_product, shop, current_user, data, [_row(v) for v in body["variants"]])
    return product_json(product), 201


@api_bp.get(BASE + "/<int:product_id>")
@scoped(MERCHANT)
@api_doc("One of the shop's products", tags=TAGS, responses={200: MerchantProductSchema})
@api_login_required
def merchant_product_api(shop_id: int, product_id: int):
    return product_json(_product(api_shop(shop_id), product_id))


@api_bp.patch(BASE + "/<int:product_id>")
@scoped(MERCHANT)
@api_doc("Change a product's fields (those sent; variants have their own routes)", tags=TAGS,
         body=ProductUpdateSchema, responses={200: MerchantProductSchema, **WRITE_ERRORS})
@api_login_required
def merchant_product_update_api(shop_id: int, product_id: int):
    product = _product(api_shop(shop_id, write=True), product_id)
    body = parse_body(ProductUpdateSchema)
    _call(services.update_product, product, current_user, _fields(product, body))
    return product_json(product)


def _move(shop_id: int, product_id: int, target: ProductStatus):
    product = _product(api_shop(shop_id, write=True), product_id)
    _call(services.set_status, product, target, current_user)
    return product_json(product)


@api_bp.post(BASE + "/<int:product_id>/publish")
@scoped(MERCHANT)
@api_doc("Publish (list) a product. In a category that requires the platform's approval (or after a rejection) "
         "the product becomes `pending` until the platform approves it. 409 when it is already published or "
         "pending, or hidden by the platform (`product_blocked`)", tags=TAGS,
         responses={200: MerchantProductSchema, **WRITE_ERRORS})
@api_login_required
def merchant_product_publish_api(shop_id: int, product_id: int):
    return _move(shop_id, product_id, ProductStatus.PUBLISHED)


@api_bp.post(BASE + "/<int:product_id>/hide")
@scoped(MERCHANT)
@api_doc("Hide (unlist) a published product: 409 when it is not published (or hidden by the platform)", tags=TAGS,
         responses={200: MerchantProductSchema, **WRITE_ERRORS})
@api_login_required
def merchant_product_hide_api(shop_id: int, product_id: int):
    return _move(shop_id, product_id, ProductStatus.HIDDEN)


@api_bp.post(BASE + "/<int:product_id>/variants")
@scoped(MERCHANT)
@api_doc("Add a variant (SKU) to a product", tags=TAGS, body=VariantCreateSchema,
         responses={201: MerchantVariantSchema, **WRITE_ERRORS})
@api_login_required
def merchant_variant_create_api(shop_id: int, product_id: int):
    product = _product(api_shop(shop_id, write=True), product_id)
    body = parse_body(VariantCreateSchema)
    rows = _rows(product)
    _save_variants(product, [*rows, _row(body)])
    made = next(v for v in product.variants if v.active and v.name == body["name"].strip())
    return variant_json(made), 201


def _change_variant(shop_id: int, product_id: int, variant_id: int, schema):
    product = _product(api_shop(shop_id, write=True), product_id)
    variant = _variant(product, variant_id)
    body = parse_body(schema)
    rows = _rows(product)
    for row in rows:
        if row["id"] == variant.id:
            row.update(_row(body))
    _save_variants(product, rows)
    return variant_json(variant)


@api_bp.patch(BASE + "/<int:product_id>/variants/<int:variant_id>")
@scoped(MERCHANT)
@api_doc("Change a variant: name, unit, price, MOQ, step, weight, tiers (those sent)", tags=TAGS,
         body=VariantUpdateSchema, responses={200: MerchantVariantSchema, **WRITE_ERRORS})
@api_login_required
def merchant_variant_update_api(shop_id: int, product_id: int, variant_id: int):
    return _change_variant(shop_id, product_id, variant_id, VariantUpdateSchema)


@api_bp.put(BASE + "/<int:product_id>/variants/<int:variant_id>/price")
@scoped(MERCHANT)
@api_doc("Set a variant's base price (and, when sent, its wholesale tiers)", tags=TAGS, body=PriceSetSchema,
         responses={200: MerchantVariantSchema, **WRITE_ERRORS})
@api_login_required
def merchant_variant_price_api(shop_id: int, product_id: int, variant_id: int):
    return _change_variant(shop_id, product_id, variant_id, PriceSetSchema)


@api_bp.post(BASE + "/<int:product_id>/variants/<int:variant_id>/stock")
@scoped(MERCHANT)
@api_doc("Set a variant's stock to a count, or adjust it by a delta; with a reason (recorded)", tags=TAGS,
         body=StockSetSchema, responses={200: MerchantVariantSchema, **WRITE_ERRORS})
@api_login_required
def merchant_variant_stock_api(shop_id: int, product_id: int, variant_id: int):
    product = _product(api_shop(shop_id, write=True), product_id)
    variant = _variant(product, variant_id)
    body = parse_body(StockSetSchema)
    if ("stock" in body) == ("delta" in body):
        raise ApiError(400, "invalid", _("请给出 stock（盘点数）或 delta（调整数量）中的一个"), field="stock")
    if "stock" in body:
        _call(services.set_stock, variant, body["stock"], body["reason"], current_user)
    else:
        _call(services.adjust_stock, variant, body["delta"], body["reason"], current_user)
    db.session.refresh(variant)
    return variant_json(variant)
