"""The "products" search index: what a product document holds and which changes re-index it.

The engine is the search package; the catalogue only declares its index here.
"""

from __future__ import annotations

import sqlalchemy as sa

from catalog.models import Category, Product, ProductImage, ProductStatus, Variant
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from marketplace.shops.models import Shop, ShopStatus
from search import IndexSpec, register_index

NAME = "products"
#: Only the start of a long description is indexed (the title, facts and subtitle carry the weight).
DESCRIPTION_CHARS = 1500


def searchable():
    """The condition for a product to be found: published, not deleted, its shop approved."""
    return sa.and_(Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None),
                   Product.shop_id.in_(sa.select(Shop.id).where(Shop.status == ShopStatus.APPROVED)))


def all_ids():
    return db.session.scalars(sa.select(Product.id).where(searchable()).order_by(Product.id)).all()


class _Regions:
    """Region names and counties of a batch, their chains read a level at a time (one statement per
    level for the whole batch: a chain is at most a few levels deep)."""

    def __init__(self, region_ids):
        self.rows: dict[int, object] = {}
        wanted = {i for i in region_ids if i}
        while wanted:
            found = db.session.execute(sa.select(Region.id, Region.name, Region.level, Region.parent_id)
                                       .where(Region.id.in_(sorted(wanted)))).all()
            self.rows.update((row.id, row) for row in found)
            wanted = {row.parent_id for row in found if row.parent_id and row.parent_id not in self.rows}

    def names(self, region_id: int | None) -> tuple[str, str]:
        """(the region's name, its county's name) — empty strings when unknown."""
        row = self.rows.get(region_id) if region_id else None
        name = row.name if row else ""
        county = ""
        seen = 0
        while row is not None and seen < 10:
            if row.level == RegionLevel.COUNTY:
                county = row.name
                break
            row = self.rows.get(row.parent_id) if row.parent_id else None
            seen += 1
        return name, county


def _ancestors(path: str) -> list[str]:
    parts = [p for p in (path or "").split("/") if p]
    return ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]


#: What a document is made of: the product's columns with its shop's and category's, one row each
#: (no ORM objects: the rebuild reads 100,000 of them).
_COLUMNS = (Product.id, Product.title, Product.subtitle, Product.description, Product.attributes,
            Product.certifications, Product.origin_region_id, Product.shop_id, Product.min_price_cents,
            Product.published_at, Product.created_at, Product.in_stock, Shop.name.label("shop_name"),
            Shop.shop_type, Shop.region_id.label("shop_region_id"), Category.path.label("category_path"))


def documents(ids: list) -> list[tuple[int, dict | None]]:
    """Documents for a batch of product ids; None for those that must not be found."""
    ids = [int(i) for i in ids]
    rows = db.session.execute(
        sa.select(*_COLUMNS).join(Shop, Shop.id == Product.shop_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .where(Product.id.in_(ids), searchable())).all()
    regions = _Regions({r.origin_region_id for r in rows} | {r.shop_region_id for r in rows}) if rows else None
    by_id = {r.id: r for r in rows}
    out = []
    for pid in ids:
        row = by_id.get(pid)
        out.append((pid, _document(row, regions) if row is not None else None))
    return out


def document(obj_id) -> dict | None:
    return documents([obj_id])[0][1]


def _document(p, regions: _Regions) -> dict:
    origin, county = regions.names(p.origin_region_id)
    if not county:
        _shop_region, county = regions.names(p.shop_region_id)
    attributes = " ".join(f"{pair[0]} {pair[1]}" for pair in (p.attributes or [])
                          if isinstance(pair, (list, tuple)) and len(pair) == 2)
    path = p.category_path or ""
    return {
        "title": p.title,
        "subtitle": p.subtitle or "",
        "description": (p.description or "")[:DESCRIPTION_CHARS],
        # category path, origin, shop name and attributes share one field: fewer fields make the
        # index build markedly faster, and they weigh about the same
        "facts": " ".join([path.replace("/", " "), *dict.fromkeys(x for x in (origin, county) if x), p.shop_name,
                           attributes]),
        "category_path": _ancestors(path),
        "county": county,
        "shop_type": p.shop_type,
        "cert": [str(c) for c in (p.certifications or [])],
        "shop_id": str(p.shop_id),
        "price_cents": p.min_price_cents or 0,
        "created_at": p.published_at or p.created_at,
        "in_stock": bool(p.in_stock),
    }


# --- automatic change tracking: the ids each changed row affects ------------------------------

def _changed(obj, *attrs) -> bool:
    state = sa.inspect(obj)
    if state.deleted or state.was_deleted:
        return True
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _product_ids(conn, column, value) -> list[int]:
    if value is None:
        return []
    return list(conn.execute(sa.select(Product.id).where(column == value)).scalars())


WATCHES = {
    Product: lambda conn, obj: [obj.id],
    Variant: lambda conn, obj: [obj.product_id],
    ProductImage: lambda conn, obj: [obj.product_id],
    Shop: lambda conn, obj: (_product_ids(conn, Product.shop_id, obj.id)
                             if _changed(obj, "status", "name", "shop_type", "region_id") else []),
    Category: lambda conn, obj: (_product_ids(conn, Product.category_id, obj.id)
                                 if _changed(obj, "path", "name") else []),
}

SPEC = IndexSpec(
    name=NAME,
    text_fields={"title": 4.0, "subtitle": 1.5, "facts": 1.0, "description": 0.4},
    pinyin_fields=("title",),
    keyword_fields=("category_path", "county", "shop_type", "cert", "shop_id"),
    numeric_fields=("price_cents",),
    date_fields=("created_at",),
    bool_fields=("in_stock",),
    document=document,
    documents=documents,
    all_ids=all_ids,
    watches=WATCHES,
    id_type=int,
)


def register_products() -> IndexSpec:
    return register_index(SPEC)
