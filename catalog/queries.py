"""Read-side queries for buyer pages: public products, eager-loaded so a page costs a fixed number of queries."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from catalog.models import Category, Product, ProductImage, ProductStatus, Variant
from catalog.specialties import match_county, newest_by_county
from marketplace import web
from marketplace.cache import cached
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.services import counties as all_counties
from marketplace.shops.models import Shop, ShopStatus

SORTS = {
    "newest": (Product.published_at.desc(), Product.id.desc()),
    "price_asc": (Product.min_price_cents.asc(), Product.id.desc()),
    "price_desc": (Product.min_price_cents.desc(), Product.id.desc()),
}
PAGE_SIZE = 24


def public_products() -> sa.Select:
    """Published, not deleted, from an approved shop; shop and origin come in the same query."""
    return (sa.select(Product).join(Product.shop)
            .where(Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None),
                   Shop.status == ShopStatus.APPROVED)
            .options(contains_eager(Product.shop), joinedload(Product.origin)))


def sorted_by(stmt: sa.Select, sort: str | None) -> sa.Select:
    return stmt.order_by(*SORTS.get(sort or "newest", SORTS["newest"]))


#: How long a listing's total is kept (it is also dropped by any catalogue change: the group's version).
COUNT_SECONDS = 60


def paginate(stmt: sa.Select, page: int | None = None, per_page: int = PAGE_SIZE, count_key: str | None = None):
    """marketplace.web.paginate (the page from the query string by default), and with ``count_key``
    the total from the catalogue cache (counting a category of 50,000 products costs tens of
    milliseconds; the count changes only with the data)."""
    pagination = web.paginate(stmt, per_page=per_page, page=page, count=count_key is None)
    if count_key is not None:
        pagination.total = cached_count(count_key, stmt)
    return pagination


def in_categories(ids: list[int]) -> sa.Select:
    return public_products().where(Product.category_id.in_(ids))


def from_regions(ids: list[int]) -> sa.Select:
    return public_products().where(Product.origin_region_id.in_(ids))


def of_shop(shop: Shop) -> sa.Select:
    return (sa.select(Product).where(Product.shop_id == shop.id, Product.status == ProductStatus.PUBLISHED,
                                     Product.deleted_at.is_(None))
            .options(joinedload(Product.origin)))


def product_for_page(product_id: int) -> Product | None:
    """One public product with everything its page shows (variants, tiers, photos, shop, origin, category)."""
    return db.session.scalar(
        public_products().where(Product.id == product_id)
        .options(selectinload(Product.variants).selectinload(Variant.tiers), selectinload(Product.images),
                 joinedload(Product.category).joinedload(Category.parent)))


def is_shop_member(user, shop_id: int) -> bool:
    from marketplace.shops.policy import membership_of

    member = membership_of(user)
    return member is not None and member.shop_id == shop_id


def product_for_preview(product_id: int, user) -> Product | None:
    """A product that is not public, for its own shop's members and the admin (None for anyone else):
    they see its page as buyers would, with its status, and cannot order it."""
    if not getattr(user, "is_authenticated", False):
        return None
    item = db.session.scalar(
        sa.select(Product).where(Product.id == product_id, Product.deleted_at.is_(None))
        .options(selectinload(Product.variants).selectinload(Variant.tiers), selectinload(Product.images),
                 joinedload(Product.shop), joinedload(Product.origin),
                 joinedload(Product.category).joinedload(Category.parent)))
    if item is None or not (user.is_admin or is_shop_member(user, item.shop_id)):
        return None
    return item


def related(product: Product, limit: int = 8) -> list[Product]:
    """Other products of the same category, the same shop's first.

    One statement: the newest of the same shop and the newest of the others, each a LIMITed walk of
    an index, then the few candidates ordered. (Ordering the whole category by "same shop first"
    sorted every product of the category on each product page: 36 ms at 100,000 products.)
    """
    base = (sa.select(Product.id).join(Product.shop)
            .where(Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None),
                   Shop.status == ShopStatus.APPROVED, Product.category_id == product.category_id,
                   Product.id != product.id)
            .order_by(Product.published_at.desc()).limit(limit))
    same = base.where(Product.shop_id == product.shop_id).subquery()
    other = base.where(Product.shop_id != product.shop_id).subquery()
    candidates = sa.union_all(sa.select(same.c.id), sa.select(other.c.id)).subquery()
    stmt = (public_products().where(Product.id.in_(sa.select(candidates.c.id)))
            .order_by((Product.shop_id == product.shop_id).desc(), Product.published_at.desc()).limit(limit))
    return list(db.session.scalars(stmt).unique())


def featured(limit: int = 12) -> list[Product]:
    """Home page: recently published products with a photo and stock, at most two per shop."""
    rows = list(db.session.scalars(public_products().where(Product.in_stock.is_(True),
                                                           Product.primary_image.is_not(None))
                                   .order_by(Product.published_at.desc(), Product.id.desc()).limit(limit * 6)))
    per_shop: dict[int, int] = {}
    out = []
    for p in rows:
        if per_shop.get(p.shop_id, 0) < 2:
            out.append(p)
            per_shop[p.shop_id] = per_shop.get(p.shop_id, 0) + 1
        if len(out) >= limit:
            break
    return out


def county_specialties(per_county: int = 4) -> list[tuple[Region, list, list[int], bool]]:
    """一县一品: each county with its specialties (catalog.specialties), the ids of up to
    ``per_county`` products that match them, and whether those are a fallback (its newest products).
    Two statements (the counties, then every county's newest listings), whatever the catalogue's size."""
    counties = all_counties()
    listings = newest_by_county(counties)
    return [(county, *match_county(county, listings[county.id], per_county)) for county in counties]


def photos(product: Product) -> list[ProductImage]:
    return sorted(product.images, key=lambda i: (i.position, i.id))


def cached_count(key: str, stmt) -> int:
    """The number of rows ``stmt`` selects, cached under the catalogue's version (listing totals)."""
    from sqlalchemy.orm import lazyload

    def build() -> int:
        sub = stmt.options(lazyload("*")).order_by(None).subquery()
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(sub)) or 0)

    return cached("catalog", f"count:{key}", build, COUNT_SECONDS)


def title_or_code_contains(stmt, text: str):
    """``stmt`` narrowed to products whose title or code contains ``text`` (wildcards in it taken
    literally): the merchant's product search, on his page and in the API."""
    return stmt.where(sa.or_(Product.title.contains(text, autoescape=True),
                             Product.code.contains(text, autoescape=True)))
