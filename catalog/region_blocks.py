"""What the catalogue puts on a region page (marketplace.regions.pages, through
``add_blocks(app, "region", ...)``): the producers located there and the products whose origin is
there, the region and everything below it (a county's page shows its townships' and villages'
too): both by the region's cached subtree of ids, tested as a few ranges (marketplace.db.in_ranges),
which lets the products' listing walk the "newest" index.

Each list is one page: the shops the newest 12 with their regions (a statement; their total, with a
link to the shop directory of the county, is counted once and kept under the catalogue's version as
a listing's is), the products a page of 12 (a statement and its kept count; the page's ``?page=``),
so the blocks cost two statements whatever the data.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from catalog import queries
from marketplace.db import in_ranges
from marketplace.domains import Panel
from marketplace.extensions import db
from marketplace.regions.services import descendant_ids
from marketplace.shops.models import Shop, ShopStatus

SHOPS_SHOWN = 12
PRODUCTS_PER_PAGE = 12


def region_blocks(view) -> list[Panel]:
    inside = descendant_ids(view.region)
    located = (Shop.status == ShopStatus.APPROVED, in_ranges(Shop.region_id, inside))
    newest = (sa.select(Shop).where(*located).options(joinedload(Shop.region))
              .order_by(sa.nulls_last(Shop.approved_at.desc()), Shop.id.desc()).limit(SHOPS_SHOWN))
    shop_page = queries.ListingPage(list(db.session.scalars(newest)), 1, SHOPS_SHOWN,
                                    queries.cached_count(f"region-shops:{view.prefix}", sa.select(Shop.id).where(*located)))
    products = queries.from_regions(inside)
    product_page = queries.listing_page(products, "newest", count_key=f"region:{view.prefix}",
                                        per_page=PRODUCTS_PER_PAGE, page=view.page)
    return [Panel("catalog/_region_shops.html", {"shops": shop_page, "region": view.region}, order=20),
            Panel("catalog/_region_products.html", {"products": product_page, "region": view.region}, order=30)]

