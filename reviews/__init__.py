"""Verified-purchase reviews: a buyer rates a delivered order line (quality and freshness, weight
accuracy, delivery, a text, photos), the shop replies once in public, anyone reports, the platform
hides. Built on catalog (product pages, the products index) and orders (order lines), which never
import it: it fills their registries from here."""

from flask import Blueprint, Flask

bp = Blueprint("reviews", __name__)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from catalog.home_cache import GROUP as CATALOGUE
    from catalog.search_service import add_sort
    from marketplace import cache
    from marketplace.domains import NavItem, add_blocks, add_load_options, register
    from reviews import blocks, notice_types, privacy, search, services
    from reviews.models import Review, ReviewTotal

    app.config.setdefault("REVIEW_WINDOW_DAYS", 30)  # after delivery (or completion)
    app.config.setdefault("REVIEW_TEXT_MAX", 500)
    app.config.setdefault("REVIEW_MAX_PHOTOS", 6)
    app.config.setdefault("REVIEW_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
    app.config.setdefault("REVIEW_REPLY_EDIT_MINUTES", 15)
    app.config.setdefault("REVIEW_REPORT_RATELIMIT", "5 per minute;30 per day")  # a reply may be corrected this long, then it stands
    app.jinja_env.globals.update(review_report_reasons=services.REPORT_REASONS,
                                 review_reply_editable=services.reply_editable)
    register(app, "reviews", blueprint=bp, routes=("views.public", "views.buyer", "views.manage", "api"),
             models=("models",), seed="reviews.seed:seed_demo", nav=(
                 NavItem("reviews.merchant_reviews", _l("评价管理"), menu="merchant", order=44),))
    notice_types.register(app)
    privacy.register(app)  # his reviews and reports in his export; his words erased with his account
    search.register()  # the products index's rating
    add_sort("rating", "-rating", _l("按评分"))
    add_blocks(app, "product", blocks.product_block)
    add_blocks(app, "shop", blocks.shop_block)
    from sqlalchemy.orm import joinedload

    from catalog.models import Product
    from marketplace.shops.models import Shop

    # the totals come joined with the page's product or shop: their blocks read no row of their own
    add_load_options(app, "product", joinedload(Product.review_total))
    add_load_options(app, "shop", joinedload(Shop.review_total))
    add_blocks(app, "buyer_order", blocks.buyer_order_block)
    cache.watch(CATALOGUE, Review, ReviewTotal)  # a new or hidden review shows on cached pages at once
