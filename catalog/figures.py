"""The catalogue's panel on the merchant dashboard: variants running out of stock.

A variant on sale runs low when fewer than two minimum orders (2 x its 起批量, moq) are left, and
is sold out when not even one is (stock < moq: the one in-stock rule, Variant.sellable). Sold-out
variants come first, then the lowest stock. Two statements, however many products the shop has.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from catalog.models import Product, ProductStatus, Variant
from marketplace.domains import Panel
from marketplace.extensions import db

#: Variants listed on the dashboard (the count says how many there are in all).
SHOWN = 10
#: Low: fewer than this many minimum orders left.
LOW_MULTIPLE = 2


@dataclass
class LowStock:
    product_id: int
    title: str
    variant: str
    unit: str
    stock: int
    moq: int

    @property
    def sold_out(self) -> bool:
        return self.stock < self.moq


def _low(shop):
    return (Product.shop_id == shop.id, Product.deleted_at.is_(None), Product.status == ProductStatus.PUBLISHED,
            Variant.active.is_(True), Variant.stock < Variant.moq * LOW_MULTIPLE)


def low_stock(shop, limit: int = SHOWN) -> tuple[list[LowStock], int]:
    """The shop's published variants running low (sold out first), and how many there are in all."""
    rows = db.session.execute(
        sa.select(Product.id, Product.title, Variant.name, Variant.unit, Variant.stock, Variant.moq)
        .join(Variant, Variant.product_id == Product.id).where(*_low(shop))
        .order_by(sa.case((Variant.stock < Variant.moq, 0), else_=1), Variant.stock, Product.id, Variant.id)
        .limit(limit)).all()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Product)
                              .join(Variant, Variant.product_id == Product.id).where(*_low(shop))) or 0
    return [LowStock(*row) for row in rows], total


def panels(shop, window) -> list[Panel]:
    rows, total = low_stock(shop)
    return [Panel("catalog/dashboard/low_stock.html", order=30,
                  values={"rows": rows, "total": total, "multiple": LOW_MULTIPLE})]
