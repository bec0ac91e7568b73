"""The catalogue: categories, products, variants, price tiers, photos, search."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("catalog", __name__)

#: Defaults a deployment may override in the config.
DEFAULTS = {
    #: Listing reports a visitor (by IP) may send.
    "CATALOG_REPORT_RATELIMIT": "5 per minute;30 per day",
    #: The home page's blocks are chosen again at most once in this many seconds after catalogue
    #: changes (a burst starts the job once; see catalog.home_cache). 0: after every change.
    "HOME_REFRESH_SECONDS": 10,
}


def _home_blocks() -> dict:
    # cached choices, fresh rows (see catalog.home_cache)
    from catalog.home_cache import home_blocks

    return home_blocks()


def _shop_products(shop) -> dict:
    from flask import request

    from catalog import queries

    sort = request.args.get("sort", "newest")
    sort = sort if sort in queries.SORT_KEYS else "newest"
    return {"shop_products": queries.listing_page(queries.of_shop(shop), sort, count_key=f"shop:{shop.id}",
                                                  rows=queries.shop_rows()),
            "shop_products_sort": sort}


def _region_blocks(view) -> list:
    from catalog.region_blocks import region_blocks

    return region_blocks(view)


def init_app(app: Flask) -> None:
    """Home-page blocks, the shop page's product list, merchant links and template helpers."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)

    from flask_babel import lazy_gettext as _l

    from catalog import figures, home_cache, pricing, privacy, units  # noqa: F401  (home_cache: registers its cache invalidation)
    from catalog.search import register_products
    from catalog.services import certification_labels, image_prefix, needs_approval
    from catalog.units import table as unit_table
    from marketplace.domains import NavItem, add_blocks, add_panel, register
    from marketplace.templating import media_url

    register_products()
    from sqlalchemy.orm import with_expression

    from catalog.models import has_open_reports_expression
    from marketplace.accounts.models import User

    # whether the reader has an open report, loaded with him: a product page reads his report of
    # its product only when he has one (catalog.services.moderation.open_report_on_page)
    app.extensions.setdefault("user_load_options", []).append(
        with_expression(User.open_product_reports, has_open_reports_expression()))
    from catalog import notice_types

    notice_types.register(app)  # moderation notices in the notification centre
    from catalog import import_runs

    import_runs.register(app)  # a confirmed CSV import runs as a job
    unit_table.install()

    from datetime import timedelta

    from marketplace.jobs import register_job

    # the home page's choice, made ahead of time after catalogue changes; every minute a no-op
    # unless a change inside the debounce window is still waiting
    register_job(app, home_cache.JOB, home_cache.refresh, every=timedelta(minutes=1), retries=1)
    home_cache.install()
    add_blocks(app, "home", _home_blocks)
    add_blocks(app, "shop", _shop_products)
    add_blocks(app, "region", _region_blocks)  # a region page's producers and products
    add_panel(app, "merchant_dashboard", figures.panels)  # variants running out of stock
    register(app, "catalog", blueprint=bp,
             routes=("views.public", "views.merchant", "views.admin", "views.moderation", "views.reports",
                     "views.units", "views.imports", "search_views", "api", "merchant_api"),
             models=("models",), cli=("cli",), seed="catalog.seed:seed_demo_catalog",
             nav=(NavItem("catalog.categories", _l("全部分类"), order=10),
                  NavItem("catalog.merchant_products", _l("商品管理"), menu="merchant", order=10),
                  NavItem("catalog.merchant_import", _l("批量导入（CSV）"), menu="merchant", order=20)))

    def product_image_url(prefix: str | None, size: int = 320) -> str | None:
        """URL of one derivative of a photo (``prefix`` as in Product.primary_image)."""
        return media_url(f"{prefix}-{int(size)}.webp") if prefix else None

    def product_srcset(prefix: str | None) -> str:
        if not prefix:
            return ""
        urls = {s: media_url(f"{prefix}-{s}.webp") for s in (320, 800, 1600)}
        if len(set(urls.values())) == 1:  # the sizes are still being made: the original alone
            return ""
        return ", ".join(f"{url} {s}w" for s, url in urls.items())

    def certification_label(code: str) -> str:
        return certification_labels().get(code, code)

    def product_status_label(status) -> str:
        from catalog.models import ProductStatus
        from catalog.services import STATUS_LABELS

        return str(STATUS_LABELS[ProductStatus(status)])

    from catalog.cards import CardHtml

    #: Rendered product cards kept per process (catalog.cards.CardHtml; 0 keeps none).
    app.config.setdefault("CATALOG_CARD_CACHE_SIZE", 10_000)
    cards = app.extensions["catalog_cards"] = CardHtml(int(app.config["CATALOG_CARD_CACHE_SIZE"]))
    app.jinja_env.globals.update(product_card_html=cards.html, product_image_url=product_image_url, product_srcset=product_srcset,
                                 certification_label=certification_label, price_per_kg=pricing.price_per_kg,
                                 weight_prices=pricing.weight_prices, jin_from_kg=pricing.jin_from_kg,
                                 tier_ladder=pricing.ladder, photo_prefix=image_prefix,
                                 product_needs_approval=needs_approval, product_status_label=product_status_label,
                                 unit_groups=units.unit_groups, unit_kind_label=units.kind_label)
    # {{ line.unit|unit_name }}: a unit's name in the reader's language (order pages and mail too)
    app.jinja_env.filters["unit_name"] = units.unit_name
    privacy.register(app)

    from catalog import conversations

    conversations.register(app)  # products as conversation subjects (messages)
