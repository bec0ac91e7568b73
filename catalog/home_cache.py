"""Cached read paths of the catalogue: the category tree and the home page's blocks.

The expensive part of each block is *choosing* what to show (the newest products with a photo;
each county's newest listings that match its specialties). That choice —
a list of ids — is cached in marketplace.cache under the "catalog" group; the rows themselves are
re-read by primary key on every request (one cheap query), so prices, titles and visibility are
always current and a product hidden a second ago never shows. The category tree and the counties
are small and cached whole as plain snapshots.

The group's version is bumped after any commit that changed a product, variant, photo, category,
shop or region through the ORM, and after bulk statements on categories, shops, regions and photos.
Checkout's bulk stock updates do not bump it (they would empty the cache at the order rate): which
products are *featured* may lag a stock-out by the timeout below, their cards never do.
"""

from __future__ import annotations

from catalog import queries
from catalog.models import Category, Product, ProductImage, Variant
from marketplace.cache import cached, watch
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.shops.models import Shop

GROUP = "catalog"
TIMEOUT = 60

watch(GROUP, Category, Shop, Region, ProductImage)
watch(GROUP, Product, Variant, bulk=False)


class Snapshot:
    """A plain, picklable copy of a row's columns (what the templates read), with localized_name."""

    def __init__(self, **values):
        self.__dict__.update(values)

    def localized_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name

    def __repr__(self) -> str:
        return f"<Snapshot {self.__dict__.get('code') or self.__dict__.get('id')}>"


def _snap(row, *names: str) -> Snapshot:
    return Snapshot(**{n: getattr(row, n) for n in names})


_CATEGORY_COLUMNS = ("id", "code", "name", "name_en", "path", "parent_id", "sort_order", "active")


def category_tree(active_only: bool = True) -> list[tuple[Snapshot, list[Snapshot]]]:
    """categories.tree() as snapshots, cached."""
    from catalog.categories import tree

    def build():
        return [(_snap(root, *_CATEGORY_COLUMNS), [_snap(c, *_CATEGORY_COLUMNS) for c in children])
                for root, children in tree(active_only)]

    return cached(GROUP, f"tree:{int(active_only)}", build, TIMEOUT)


def load_public(ids: list[int]) -> list[Product]:
    """Public products by id, in the order given, in one query (hidden or deleted ones are left out)."""
    if not ids:
        return []
    rows = db.session.scalars(queries.public_products().where(Product.id.in_(ids))).unique().all()
    by_id = {p.id: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


def featured(limit: int = 12) -> list[Product]:
    ids = cached(GROUP, f"featured:{limit}", lambda: [p.id for p in queries.featured(limit)], TIMEOUT)
    return load_public(ids)


def county_specialties(per_county: int = 4) -> list[tuple[Snapshot, list[Snapshot], list[Product], bool]]:
    """Per county: (the county, its specialties as snapshots with ``label`` and ``term`` — the word a
    link to the search page uses, None when nothing matched —, the products shown, fallback?)."""
    def build():
        return [(_snap(c, "id", "code", "name", "name_en", "specialties"),
                 [Snapshot(label=m.label, term=m.term) for m in matches], ids, fallback)
                for c, matches, ids, fallback in queries.county_specialties(per_county)]

    blocks = cached(GROUP, f"counties:{per_county}", build, TIMEOUT)
    products = {p.id: p for p in load_public([i for _c, _m, ids, _f in blocks for i in ids])}
    return [(county, matches, [products[i] for i in ids if i in products], fallback)
            for county, matches, ids, fallback in blocks]


def home_blocks() -> dict:
    return {"category_tree": category_tree(), "featured_products": featured(12),
            "county_specialties": county_specialties(4)}


__all__ = ["category_tree", "featured", "county_specialties", "home_blocks", "load_public", "Snapshot"]
