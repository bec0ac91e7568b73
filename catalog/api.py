"""JSON API for one product, GET /api/v1/products/<id> (the list endpoint is catalog.search_views),
and the unit table, GET /api/v1/units."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from catalog import queries
from catalog.api_schemas import ProductDetailSchema, UnitListSchema
from catalog.pricing import price_per_jin, price_per_kg
from catalog.units import kind_label, unit_name, unit_table
from marketplace import money
from marketplace.api import api_bp
from marketplace.errors import ApiError
from marketplace.i18n import current_locale_code
from marketplace.openapi import api_doc
from marketplace.templating import media_url


def _price(cents: int) -> dict:
    currency = current_app.config["CURRENCY"]
    return {"cents": cents, "amount": money.format_plain(cents, currency),
            "formatted": money.format_cents(cents, currency, current_locale_code()), "currency": currency}


def variant_json(v) -> dict:
    return {
        "id": v.id, "name": v.name, "unit": v.unit, "unit_name": unit_name(v.unit),
        "price_cents": v.price_cents, "price": _price(v.price_cents),
        "tiers": [{"min_quantity": t.min_quantity, "unit_price_cents": t.unit_price_cents,
                   "unit_price": _price(t.unit_price_cents)} for t in v.tiers],
        "stock": v.stock, "in_stock": v.sellable, "moq": v.moq, "step": v.step,
        "weight_grams": v.weight_grams, "price_per_kg_cents": price_per_kg(v),
        "price_per_jin_cents": price_per_jin(v),
    }


def product_json(p) -> dict:
    locale = current_locale_code()
    photos = queries.photos(p)
    return {
        "id": p.id, "code": p.code, "title": p.title, "subtitle": p.subtitle, "description": p.description,
        "category": {"code": p.category.code, "name": p.category.localized_name(locale), "path": p.category.path},
        "attributes": [{"name": k, "value": v} for k, v in p.attributes],
        "certifications": list(p.certifications),
        "min_price_cents": p.min_price_cents, "in_stock": p.in_stock,
        "images": [{str(size): media_url(key) for size, key in img.variants.items()} for img in photos],
        "variants": [variant_json(v) for v in p.variants if v.active],
        "shop": {"id": p.shop.id, "slug": p.shop.slug, "name": p.shop.name, "shop_type": p.shop.shop_type.value,
                 "county": p.shop.region.name if p.shop.region else None},
        "origin": ({"code": p.origin.code, "name": p.origin.localized_name(locale)} if p.origin else None),
        "published_at": p.published_at.isoformat() if p.published_at else None,
        "url": f"/p/{p.id}",
    }


@api_bp.get("/products/<int:product_id>")
@api_doc("One published product with its variants, tiers and photos", tags=["catalogue"],
         responses={200: ProductDetailSchema})
def product_detail(product_id: int):
    product = queries.product_for_page(product_id)
    if product is None:
        raise ApiError(404, "not_found", _("商品不存在或已下架"))
    return product_json(product)


@api_bp.get("/units")
@api_doc("The active units a variant may be sold in, grouped by kind (codes and aliases the merchant API accepts)",
         tags=["catalogue"], responses={200: UnitListSchema})
def units_api():
    locale = current_locale_code()
    return {"items": [{"code": u.code, "name": u.label(locale), "name_zh": u.name, "name_en": u.name_en,
                       "kind": u.kind.value, "kind_label": kind_label(u.kind), "factor": u.factor,
                       "aliases": list(u.aliases)} for u in unit_table().active()]}
