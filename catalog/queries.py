"""Read-side queries for buyer pages: public products, eager-loaded so a page costs a fixed number of queries."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from catalog.cards import card, card_rows, card_select, cards_by_id
from catalog.models import Category, Product, ProductImage, ProductStatus, Variant
from catalog.specialties import match_county, newest_by_county
from marketplace import web
from marketplace.cache import cached
from marketplace.db import built_once, in_ranges, literal_int
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.services import counties as all_counties
from marketplace.shops.models import Shop, ShopStatus

#: A listing's order: (column, descending) pairs ending with the id, so that the order is total and
#: its reverse is the same walk backwards. Each sort is the order of an index of products
#: (catalog.models: ix_products_*_walk), read one way or the other.
SORT_KEYS = {
    "newest": ((Product.published_at, True), (Product.id, True)),
    "price_asc": ((Product.min_price_cents, False), (Product.id, False)),
    "price_desc": ((Product.min_price_cents, True), (Product.id, True)),
}


def _order(sort: str | None, reverse: bool = False) -> list:
    return [col.desc() if desc != reverse else col.asc() for col, desc in SORT_KEYS.get(sort or "newest",
                                                                                       SORT_KEYS["newest"])]


SORTS = {name: tuple(_order(name)) for name in SORT_KEYS}
PAGE_SIZE = 24
#: How long a listing's total is kept (it is also dropped by any catalogue change: the group's version).
COUNT_SECONDS = 60


def public_products() -> sa.Select:
    """Published, not deleted, from an approved shop; shop and origin come in the same query."""
    return (sa.select(Product).join(Product.shop)
            .where(Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None),
                   Shop.status == ShopStatus.APPROVED)
            .options(contains_eager(Product.shop), joinedload(Product.origin)))


def sorted_by(stmt: sa.Select, sort: str | None) -> sa.Select:
    return stmt.order_by(*SORTS.get(sort or "newest", SORTS["newest"]))




class ListingPage(web.Paged):
    """One page of a listing, in the shape of Flask-SQLAlchemy's Pagination (web.Paged)."""

    def __init__(self, items: list, page: int, per_page: int, total: int):
        self.items, self.page, self.per_page, self.total = items, page, per_page, total


def unapproved_shops() -> list[int]:
    """The ids of the shops that are not approved (pending, suspended, closed: few), cached under the
    catalogue's version, which every change of a shop bumps."""
    return cached("catalog", "unapproved-shops", lambda: list(db.session.scalars(
        sa.select(Shop.id).where(Shop.status != ShopStatus.APPROVED).order_by(Shop.id))), COUNT_SECONDS)


def public_ids(*conditions, approved_shops: bool = True) -> sa.Select:
    """The narrow walk of a listing: the ids of public products matching ``conditions`` (on product
    columns only). Every column it reads is in the listing indexes, and no shop or region row is
    joined: a deep page skips index entries, not joined rows. The shop's approval is a list of the
    few shops that are not approved (a constant list, not a subquery: PostgreSQL then estimates the
    walk's rows right and walks the sort's index instead of sorting a whole parent category)."""
    stmt = sa.select(Product.id).where(Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None),
                                       *conditions)
    hidden = unapproved_shops() if approved_shops else []
    return stmt.where(Product.shop_id.not_in(hidden)) if hidden else stmt


def listing_page(ids: sa.Select, sort: str | None, *, count_key: str, rows: sa.Select | None = None,
                 page: int | None = None, per_page: int = PAGE_SIZE) -> ListingPage:
    """A page of a public product listing in two statements whatever its depth and the data's size
    (one more to count, cached under the catalogue's version): the page's ids by the narrow walk
    ``ids`` (public_ids), LIMIT/OFFSET, inside the statement that reads their cards' columns (``rows``,
    by default catalog.cards.card_rows(): shop name and origin joined for 24 rows only; the items are
    card snapshots, not ORM objects).

    A page past the middle walks from the other end (the reverse order, an offset from the last row),
    so no page skips more than half the listing: the last page costs what the first does.
    ``?page=N`` keeps working for any N (a numbered pager; docs/architecture.md, "Deep listing pages").
    """
    number = web.page_arg() if page is None else max(1, page)
    total = cached_count(count_key, ids)
    offset = (number - 1) * per_page
    limit = max(0, min(per_page, total - offset))
    items: list = []
    if limit:
        reverse = offset + limit > total - offset
        walk = ids.order_by(*_order(sort, reverse)).limit(limit).offset(total - offset - limit if reverse else offset)
        stmt = (card_rows() if rows is None else rows).where(Product.id.in_(walk.scalar_subquery()))
        items = [card(row) for row in db.session.execute(stmt.order_by(*_order(sort)))]
    return ListingPage(items, number, per_page, total)


def in_categories(ids: list[int]) -> sa.Select:
    """The walk of a category page (the category and those below it)."""
    return public_ids(Product.category_id.in_(ids))


def from_regions(ids: list[int]) -> sa.Select:
    """The walk of a county page (products whose origin is the county or a place in it)."""
    return public_ids(in_ranges(Product.origin_region_id, ids))


def of_shop(shop: Shop) -> sa.Select:
    """The walk of a shop page's products (the page is the shop's: its approval is not asked again)."""
    return public_ids(Product.shop_id == shop.id, approved_shops=False)


def shop_rows() -> sa.Select:
    """How a shop page reads its listing's cards (the page is the shop's: its approval is not asked)."""
    return card_rows(approved_shops=False)


def product_for_page(product_id: int) -> Product | None:
    """One public product with everything its page shows, in two statements: the product with its
    shop (and the shop's region), origin, category (and parent) and photos (a row per photo), then
    the variants with their tiers (a row per tier). Four statements before (variants, tiers and
    photos each a SELECT ... IN), each a round trip on a page a signed-in buyer always renders.
    The variants are read by a statement of their own built once, not by a select-in load, whose
    machinery (the parents' keys gathered, the statement put together for them) cost the page as
    much CPU again as reading them."""
    statement = built_once("catalog.product_page", _page_statement)
    item = db.session.scalars(statement, {"product_id": product_id}).unique().first()
    if item is not None and "variants" not in item.__dict__:
        variants = list(db.session.scalars(_variants_statement(), {"product_id": product_id}).unique())
        for variant in variants:
            set_committed_value(variant, "product", item)
        set_committed_value(item, "variants", variants)
    return item


@functools.cache
def _variants_statement() -> sa.Select:
    """A product's variants with their tiers (a row per tier), in the relationship's order."""
    return (sa.select(Variant).where(Variant.product_id == sa.bindparam("product_id"))
            .options(joinedload(Variant.tiers)).order_by(Variant.position, Variant.id))


def _page_statement() -> sa.Select:
    """product_for_page's statement, built once per app (marketplace.db.built_once), with the loader
    options other domains add for their blocks on the page (marketplace.domains.add_load_options)."""
    from flask import current_app

    from marketplace.domains import load_options

    return (public_products().where(Product.id == sa.bindparam("product_id"))
            .options(contains_eager(Product.shop).joinedload(Shop.region), joinedload(Product.images),
                     joinedload(Product.category).joinedload(Category.parent),
                     *load_options(current_app, "product")))


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


def related(product: Product, limit: int = 8) -> list:
    """Other products of the same category, the same shop's first.

    The choice (ids) is cached per (category, shop) under the catalogue's version — every product of
    a shop in a category shares it, the page's own product is left out afterwards. When it is kept,
    the cards are re-read by id (one primary-key statement of card columns: catalog.cards), so a
    product hidden since never shows; when it is not, the statement that chooses reads the cards too:
    one statement either way.
    """
    read: dict = {}

    def choose() -> list[int]:
        rows = db.session.execute(_related_statement(limit + 1),
                                  {"category_id": product.category_id, "shop_id": product.shop_id})
        read.update((row.id, card(row)) for row in rows)
        return list(read)

    ids = cached("catalog", f"related:{product.category_id}:{product.shop_id}:{limit}", choose, COUNT_SECONDS)
    ids = [i for i in ids if i != product.id]
    if not ids:
        return []
    rows = read or cards_by_id(ids)
    return [rows[i] for i in ids if i in rows][:limit]


@functools.cache
def _related_statement(limit: int) -> sa.Select:
    """The related cards: the newest ``limit`` public products of the shop in the category, then the
    newest ``limit`` of the others. Each part a LIMITed walk of an index, then the few candidates'
    card columns read and ordered. (Ordering the whole category by "same shop first" sorted every
    product of the category on each product page: 36 ms at 100,000 products.)"""
    shop_id = sa.bindparam("shop_id", type_=sa.Integer)
    base = (sa.select(Product.id).join(Product.shop)
            .where(Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None),
                   Shop.status == ShopStatus.APPROVED, Product.category_id == sa.bindparam("category_id"))
            .order_by(Product.published_at.desc()).limit(literal_int(limit)))
    same = base.where(Product.shop_id == shop_id).subquery()
    other = base.where(Product.shop_id != shop_id).subquery()
    candidates = sa.union_all(sa.select(same.c.id), sa.select(other.c.id)).subquery()
    return (card_select().where(Product.id.in_(sa.select(candidates.c.id)))
            .order_by((Product.shop_id == shop_id).desc(), Product.published_at.desc(), Product.id.desc()))


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
