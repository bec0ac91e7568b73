"""CSV export of a shop's catalogue in the import's format (re-importing it changes nothing)."""

from __future__ import annotations

import sqlalchemy as sa

from catalog.csv_io.cells import (
    COLUMNS,
)
from catalog.models import Product, ProductStatus, Variant
from marketplace import money
from marketplace.exports import csv_text
from marketplace.extensions import db


def _tiers_text(variant: Variant) -> str:
    return ";".join(f"{t.min_quantity}:{money.format_plain(t.unit_price_cents)}" for t in variant.tiers)


def export_rows(shop):
    """One row per active variant of the shop's products (deleted products left out)."""
    from sqlalchemy.orm import selectinload

    products = db.session.scalars(
        sa.select(Product).where(Product.shop_id == shop.id, Product.deleted_at.is_(None))
        .options(selectinload(Product.variants).selectinload(Variant.tiers), selectinload(Product.category),
                 selectinload(Product.origin))
        .order_by(Product.code))
    for product in products:
        status = "draft" if product.status == ProductStatus.DRAFT else "published"
        first = True
        for variant in product.variants:
            if not variant.active:
                continue
            yield {
                "product_code": product.code,
                "title": product.title,
                "category": product.category.path if first else "",
                "variant": variant.name,
                "unit": variant.unit,
                "price": money.format_plain(variant.price_cents),
                "stock": variant.stock,
                "moq": variant.moq,
                "step": variant.step,
                "tiers": _tiers_text(variant),
                "origin": (product.origin.name if product.origin else "") if first else "",
                "subtitle": product.subtitle if first else "",
                "description": product.description if first else "",
                "attributes": ";".join(f"{k}={v}" for k, v in product.attributes) if first else "",
                "certifications": ";".join(product.certifications) if first else "",
                "status": status if first else "",
                "images": "",
            }
            first = False


def export_csv(shop) -> bytes:
    """The shop's catalogue as UTF-8 CSV with a BOM (Excel opens it correctly), formulas neutralised."""
    return csv_text(COLUMNS, ([row[c] for c in COLUMNS] for row in export_rows(shop))).encode("utf-8")
