"""Buyer pages: categories, category pages, county pages, the product page."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from catalog import bp, queries
from catalog.markdown import render_markdown
from marketplace.domains import page_blocks
from marketplace.kept_blocks import do_not_keep, kept_blocks, reader_part_of, render_page, render_part
from marketplace.page_cache import cached_page
from marketplace.regions.services import county_by_code
from marketplace.shops.policy import reads_as_a_shop


def _sort() -> str:
    sort = request.args.get("sort", "newest")
    return sort if sort in queries.SORTS else "newest"


@bp.get("/categories")
@cached_page("catalog")
def categories():
    from catalog.home_cache import category_tree

    return render_template("catalog/categories.html", tree=category_tree())


@bp.get("/c/<code>")
@cached_page("catalog")
@kept_blocks("catalog")
def category(code: str):
    from catalog.home_cache import category_index

    cat = category_index().get(code)  # a snapshot: no category row read on the page
    if cat is None:
        abort(404)
    sort = _sort()
    page = queries.listing_page(queries.in_categories(cat.descendants), sort, count_key=f"category:{cat.id}")
    children = cat.children
    return render_page("catalog/category.html", category=cat, children=children, page=page, sort=sort)


@bp.get("/county/<code>")
@cached_page("catalog")
@kept_blocks("catalog")
def county(code: str):
    from marketplace.regions.services import descendant_ids as region_ids

    region = county_by_code(code)
    if region is None:
        abort(404)
    sort = _sort()
    page = queries.listing_page(queries.from_regions(region_ids(region)), sort, count_key=f"county:{region.id}")
    return render_page("catalog/county.html", county=region, page=page, sort=sort)


@reader_part_of("product_report")
def _report_part(product_id: int) -> str:
    """The report form, or "you reported it" to a reader whose report is open: the reader's own part."""
    from catalog.services.moderation import REPORT_REASON_LABELS, open_report_on_page

    return render_part("catalog/_product_report.html", product_id=product_id,
                       my_report=open_report_on_page(product_id, current_user), report_reason_labels=REPORT_REASON_LABELS)


@bp.get("/p/<int:product_id>")
@cached_page("catalog")
@kept_blocks("catalog", unless=reads_as_a_shop)  # a buyer: his header and report form around the blocks kept for all
def product(product_id: int):
    """A public product's page. A product that is not public (a draft, off sale, waiting for
    approval, hidden by the platform) is a 404 to buyers; its shop and the admin see it, marked so.
    Other domains add blocks to a public one with ``add_blocks(app, "product", provider)`` (reviews)."""
    item = queries.product_for_page(product_id)
    preview = False
    if item is None:
        item = queries.product_for_preview(product_id, current_user)
        if item is None:
            abort(404)
        preview = True
        do_not_keep()  # only its shop and the admins see it
    from marketplace.i18n import current_locale_code
    from marketplace.regions.models import RegionLevel
    from marketplace.regions.services import cached_ancestors, path_of

    variants = [v for v in item.variants if v.active]
    # the origin's path and county from the cached chain (a recursive query per page before)
    chain = cached_ancestors(item.origin_region_id) if item.origin_region_id else []
    origin_county = next((r for r in chain if r.level == RegionLevel.COUNTY), None)
    return render_page("catalog/product.html", product=item, variants=variants, origin_county=origin_county,
                       origin_path=path_of(chain, current_locale_code()) if chain else "",
                       photos=queries.photos(item), description=render_markdown(item.description),
                       related=[] if preview else queries.related(item), preview=preview,
                       own_shop=queries.is_shop_member(current_user, item.shop_id),
                       **({} if preview else page_blocks(current_app, "product", item)))
