"""Product search as a service: request arguments in, a page of products with facets out.

The search page and ``GET /api/v1/products`` both call ``product_search``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.cards import Snapshot, card, card_select
from catalog.models import Product, ProductStatus
from catalog.search import NAME
from marketplace.extensions import db
from marketplace.money import MoneyError, parse_amount
from marketplace.shops.models import Shop, ShopStatus
from marketplace.web import Paged
from search import SearchQuery, SearchResult, search

#: Sort keys of the UI/API -> the engine's sort. Higher domains add theirs with add_sort.
SORTS = {"relevance": "relevance", "price_asc": "price_cents", "price_desc": "-price_cents", "newest": "newest"}
#: The labels of the sorts other domains added, in the order they were added (the page offers them last).
EXTRA_SORTS: dict = {}
FACETS = ("category_path", "county", "shop_type", "cert", "in_stock")
PAGE_SIZE = 24


def add_sort(key: str, engine_sort: str, label) -> None:
    """A sort another domain contributes through a field it added to the products index
    (search.extend_index): reviews adds "rating" (-rating, the best rated first)."""
    SORTS[key] = engine_sort
    EXTRA_SORTS[key] = label


def _flag(args, name: str) -> bool:
    return (args.get(name) or "").lower() in ("1", "on", "true", "y", "yes")


@dataclass
class SearchParams:
    q: str = ""
    category: str = ""
    county: str = ""
    shop_type: str = ""
    cert: str = ""
    min_price: str = ""
    max_price: str = ""
    in_stock: bool = False
    #: in-stock products before out-of-stock ones, each part in ``sort`` order (in_stock_first=1)
    in_stock_first: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = PAGE_SIZE
    #: messages about arguments we could not use (shown to the user; the rest still applies)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args, per_page: int = PAGE_SIZE, max_per_page: int = 100) -> SearchParams:
        def text(name: str, limit: int = 200) -> str:
            value = args.get(name, "") or ""
            return value[:limit * 10].strip()[:limit]

        p = cls(q=text("q", 2000), category=text("category"), county=text("county", 60),
                shop_type=text("shop_type", 40), cert=text("cert", 40), min_price=text("min_price", 20),
                max_price=text("max_price", 20), in_stock=_flag(args, "in_stock"),
                in_stock_first=_flag(args, "in_stock_first"))
        sort = args.get("sort") or "relevance"
        p.sort = sort if sort in SORTS else "relevance"
        try:
            p.page = max(1, min(int(args.get("page", 1)), 10_000))
        except (TypeError, ValueError):
            p.page = 1
        try:
            p.per_page = max(1, min(int(args.get("per_page", per_page)), max_per_page))
        except (TypeError, ValueError):
            p.per_page = per_page
        return p

    def price_range(self) -> tuple[int | None, int | None]:
        bounds = []
        for label, value in ((_("最低价"), self.min_price), (_("最高价"), self.max_price)):
            if not value:
                bounds.append(None)
                continue
            try:
                bounds.append(parse_amount(value))
            except MoneyError as exc:
                self.problems.append(_("%(label)s：%(error)s", label=label, error=str(exc)))
                bounds.append(None)
        lo, hi = bounds
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        return lo, hi

    def query(self) -> SearchQuery:
        filters: dict = {}
        for key, value in (("category_path", self.category), ("county", self.county),
                           ("shop_type", self.shop_type), ("cert", self.cert)):
            if value:
                filters[key] = value
        if self.in_stock:
            filters["in_stock"] = True
        lo, hi = self.price_range()
        ranges = {"price_cents": (lo, hi)} if lo is not None or hi is not None else {}
        return SearchQuery(text=self.q, filters=filters, ranges=ranges, facets=FACETS, sort=SORTS[self.sort],
                           page=self.page, per_page=self.per_page,
                           prefer=("in_stock",) if self.in_stock_first and not self.in_stock else ())


@dataclass
class ProductPage(Paged):
    params: SearchParams
    result: SearchResult
    products: list[Snapshot]

    @property
    def total(self) -> int:
        return self.result.total

    # the shape the pagination macro expects (Paged does the rest)
    @property
    def page(self) -> int:
        return self.result.page

    @property
    def per_page(self) -> int:
        return self.result.per_page

    @property
    def pages(self) -> int:
        return self.result.pages


def load_products(ids: list[int]) -> list[Snapshot]:
    """The products of a page of ids, in that order, in one query of the columns a result shows (the
    product's, its shop's, its origin's), as snapshots: ``p.shop.name`` and ``p.origin`` work as on a
    Product, without three ORM objects per result that the page never changes.

    A product that stopped being searchable since the index was read is left out.
    """
    if not ids:
        return []
    # By primary key only: with the "searchable" conditions in SQL, SQLite picks the status index and
    # scans every published product; the same check is cheap in Python on a page of rows.
    rows = db.session.execute(_page_statement(), {"ids": list(ids)}).all()
    by_id = {row.id: _result(row) for row in rows
             if row.status == ProductStatus.PUBLISHED and row.deleted_at is None
             and row.shop_status == ShopStatus.APPROVED}
    return [by_id[i] for i in ids if i in by_id]


@functools.cache
def _page_statement() -> sa.Select:
    return (card_select().add_columns(Product.subtitle, Product.status, Product.deleted_at,
                                       Shop.slug.label("shop_slug"), Shop.shop_type,
                                       Shop.status.label("shop_status"))
            .where(Product.id.in_(sa.bindparam("ids", expanding=True))))


def _result(row) -> Snapshot:
    result = card(row)
    result.subtitle = row.subtitle
    result.shop = Snapshot(id=row.shop_id, name=row.shop_name, slug=row.shop_slug, shop_type=row.shop_type)
    return result


def product_search(params: SearchParams) -> ProductPage:
    result = search(NAME, params.query())
    return ProductPage(params=params, result=result, products=load_products(result.ids))


def category_facet(counts: list[tuple[str, int]], selected: str) -> list[tuple[str, str, int]]:
    """(path, label, count) of the categories to offer next: children of the selected one, else the
    second level of the tree (or the first when nothing deeper exists)."""
    if selected:
        depth = selected.count("/") + 2
        rows = [(v, c) for v, c in counts if v.startswith(selected + "/") and v.count("/") + 1 == depth]
    else:
        rows = [(v, c) for v, c in counts if v.count("/") == 1] or [(v, c) for v, c in counts if "/" not in v]
    return [(v, v.rsplit("/", 1)[-1], c) for v, c in rows]
