"""The search page (/search) and the product search API (GET /api/v1/products)."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import gettext as _

from catalog import bp
from catalog.api_schemas import ProductSearchQuerySchema, ProductSearchSchema
from catalog.search import NAME
from catalog.search_service import EXTRA_SORTS, SearchParams, category_facet, product_search
from marketplace import money
from marketplace.api import api_bp
from marketplace.kept_blocks import kept_blocks, render_page
from marketplace.openapi import api_doc
from marketplace.page_cache import cached_page
from marketplace.shops.labels import SHOP_TYPE_LABELS
from marketplace.shops.models import ShopType
from marketplace.templating import media_url
from search import index_group


def _cert_labels() -> dict[str, str]:
    from catalog.services import certification_labels

    return certification_labels()


def _shop_type_labels() -> dict[str, str]:
    return {t.value: str(label) for t, label in SHOP_TYPE_LABELS.items()}


@bp.get("/search", endpoint="search")
@cached_page("catalog", index_group(NAME))  # the index's group: a search before its apply is not kept
@kept_blocks("catalog", index_group(NAME))
def search_page():
    params = SearchParams.from_args(request.args)
    page = product_search(params)
    facets = page.result.facets
    cert_labels = _cert_labels()
    type_labels = _shop_type_labels()
    in_stock_count = dict(facets.get("in_stock", [])).get("1", 0)
    return render_page(
        "catalog/search.html", page=page, params=params, result=page.result,
        category_options=category_facet(facets.get("category_path", []), params.category),
        county_options=facets.get("county", []),
        shop_type_options=[(v, type_labels.get(v, v), c) for v, c in facets.get("shop_type", [])],
        cert_options=[(v, cert_labels.get(v, v), c) for v, c in facets.get("cert", [])],
        in_stock_count=in_stock_count, shop_type_labels=type_labels, cert_labels=cert_labels,
        sorts=[("relevance", _("综合")), ("price_asc", _("价格从低到高")), ("price_desc", _("价格从高到低")),
               ("newest", _("最新")), *((key, str(label)) for key, label in EXTRA_SORTS.items())])


def _image(prefix: str | None) -> str | None:
    return media_url(f"{prefix}-320.webp") if prefix else None


@api_bp.get("/products")
@api_doc("Search published products, with facets", tags=["catalogue"], query=ProductSearchQuerySchema,
         responses={200: ProductSearchSchema})
def products_search_api():
    """Search products: q, category, county, shop_type, cert, min_price, max_price, in_stock, in_stock_first
    (1: in-stock products first, each part in the chosen order), sort, page, per_page."""
    params = SearchParams.from_args(request.args, per_page=20, max_per_page=100)
    page = product_search(params)
    result = page.result
    currency = current_app.config["CURRENCY"]
    items = []
    for p in page.products:
        items.append({
            "id": p.id,
            "title": p.title,
            "title_html": str(result.highlights.get(p.id, {}).get("title", "")),
            "subtitle": p.subtitle,
            "price": money.format_plain(p.min_price_cents, currency),
            "price_cents": p.min_price_cents,
            "currency": currency,
            "in_stock": p.in_stock,
            "shop": {"id": p.shop.id, "name": p.shop.name, "slug": p.shop.slug, "type": p.shop.shop_type.value},
            "origin": p.origin.name if p.origin else None,
            "url": url_for("catalog.product", product_id=p.id, _external=False),
            "image": _image(p.primary_image),
        })
    type_labels = _shop_type_labels()
    cert_labels = _cert_labels()
    labels = {"shop_type": type_labels, "cert": cert_labels}
    facets = {
        name.replace("category_path", "category"): [
            {"value": v, "label": labels.get(name, {}).get(v, v.rsplit("/", 1)[-1]), "count": c} for v, c in values]
        for name, values in result.facets.items() if name != "in_stock"
    }
    facets["in_stock"] = dict(result.facets.get("in_stock", [])).get("1", 0)
    return {
        "items": items, "total": result.total, "page": result.page, "per_page": result.per_page,
        "pages": result.pages, "sort": params.sort, "in_stock_first": params.in_stock_first, "query": result.query,
        "facets": facets, "facets_estimated": result.facets_estimated,
        "error": result.error, "notice": result.notice, "problems": params.problems,
        "shop_types": [t.value for t in ShopType],
    }
