"""Every visible review of a product or a shop, a page at a time (the product and shop pages show
the latest few: reviews.blocks)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user

from marketplace.extensions import db
from marketplace.shops.models import Shop
from marketplace.shops.policy import can_see_shop
from reviews import bp, queries, totals


@bp.get("/p/<int:product_id>/reviews")
def product_reviews(product_id: int):
    from catalog.models import Product
    from catalog.search import searchable

    product = db.session.scalar(sa.select(Product).where(Product.id == product_id, searchable()))
    if product is None:
        abort(404)
    return render_template("reviews/list.html", title=product.title, kind="product", subject=product,
                           review_totals=totals.of("product", product.id), page=queries.page_of("product", product.id),
                           endpoint="reviews.product_reviews", endpoint_args={"product_id": product.id})


@bp.get("/shops/<slug>/reviews")
def shop_reviews(slug: str):
    shop = db.session.scalar(sa.select(Shop).where(Shop.slug == slug))
    if shop is None or not can_see_shop(current_user, shop):
        abort(404)
    return render_template("reviews/list.html", title=shop.name, kind="shop", subject=shop,
                           review_totals=totals.of("shop", shop.id), page=queries.page_of("shop", shop.id),
                           endpoint="reviews.shop_reviews", endpoint_args={"slug": shop.slug})
