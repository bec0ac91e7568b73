"""Local producers and products related to a project: same county, categories of the project's sector.

Products come from the catalogue (investment may read catalog); shops from marketplace.shops.
"""

from __future__ import annotations

import sqlalchemy as sa

from catalog.models import Category, Product, ProductStatus
from investment.models import Project
from investment.vocab import sectors
from marketplace.extensions import db
from marketplace.shops.models import Shop, ShopStatus


def _category_prefixes(sector: str) -> list[str]:
    for s in sectors():
        if s["code"] == sector:
            return list(s.get("categories", []))
    return []


def related_products(project: Project, limit: int = 6) -> list[Product]:
    prefixes = _category_prefixes(project.sector)
    if not prefixes:
        return []
    category_match = sa.or_(*[sa.or_(Category.code == p, Category.code.like(p + ".%")) for p in prefixes])
    stmt = (sa.select(Product).join(Category, Product.category_id == Category.id)
            .join(Shop, Product.shop_id == Shop.id)
            .where(Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None),
                   Shop.status == ShopStatus.APPROVED, category_match,
                   sa.or_(Product.origin_region_id == project.region_id, Shop.region_id == project.region_id))
            .order_by(Product.published_at.desc(), Product.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def related_shops(project: Project, products: list, limit: int = 6) -> list[Shop]:
    """Shops behind the related products first, then other approved shops of the county."""
    shops: dict[int, Shop] = {}
    for product in products:
        shops.setdefault(product.shop_id, product.shop)
    if len(shops) < limit:
        stmt = (sa.select(Shop).where(Shop.status == ShopStatus.APPROVED, Shop.region_id == project.region_id,
                                      Shop.id.not_in(list(shops) or [0]))
                .order_by(Shop.approved_at.desc(), Shop.id).limit(limit - len(shops)))
        for shop in db.session.scalars(stmt):
            shops[shop.id] = shop
    return list(shops.values())[:limit]


def related(project: Project) -> dict:
    products = related_products(project)
    return {"related_products": products, "related_shops": related_shops(project, products)}
