"""Sourcing (求购): buyers' requests for quotation, shops' quotes, and the quote that becomes an
order. Built on catalog (categories, units, variants), orders (delivery zones, the order tables)
and payments (the order is paid by the shop's methods), so it sits above them."""

from datetime import timedelta

from flask import Blueprint, Flask

bp = Blueprint("sourcing", __name__)


def expire_due() -> int:
    """The periodic job: open requests past their quote deadline stop taking quotes. How many."""
    from sourcing.requests import expire_due as expire

    return expire()


def expire_supply() -> int:
    """The periodic job: open supply posts whose window ended are expired. How many."""
    from sourcing.supply import expire_due as expire

    return expire()


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from marketplace.domains import NavItem, add_blocks, register
    from marketplace.jobs import register_job
    from orders.status import order_status_changed
    from sourcing import conversations, lapse, notice_types, status, supply_conversations, supply_status
    from sourcing import search as board_search

    app.config.setdefault("SOURCING_MAX_OPEN_PER_BUYER", 10)  # drafts and open requests at once
    app.config.setdefault("SOURCING_MAX_PER_DAY", 5)  # requests posted per buyer in 24 hours
    app.config.setdefault("SOURCING_MAX_QUOTES_LIMIT", 50)  # the most a buyer may set as his maximum
    app.config.setdefault("SOURCING_MAX_DEADLINE_DAYS", 90)
    app.config.setdefault("SOURCING_QUOTES_PER_SHOP_PER_DAY", 20)  # new quotes (revisions not counted)
    app.config.setdefault("SOURCING_MAX_ATTACHMENTS", 6)
    app.config.setdefault("SOURCING_FILE_MAX_BYTES", 8 * 1024 * 1024)
    app.config.setdefault("SOURCING_PDF_MAX_PAGES", 30)
    app.config.setdefault("SOURCING_SUPPLY_PER_SHOP_PER_DAY", 10)  # supply posts per shop in 24 hours
    app.config.setdefault("SOURCING_SUPPLY_MAX_PHOTOS", 6)
    app.config.setdefault("SOURCING_ORDER_PAYMENT_HOURS", 72)  # an accepted quote's order waits this long for payment
    app.jinja_env.globals.update(sourcing_status=status.status_label, sourcing_visibility=status.visibility_label,
                                 quote_status=status.quote_status_label, sourcing_badges=status.STATUS_BADGES,
                                 supply_status=supply_status.supply_label, supply_badges=supply_status.SUPPLY_BADGES)
    register(app, "sourcing", blueprint=bp, routes=("views.buyer", "views.merchant", "views.public", "views.supply", "api", "supply_api"),
             models=("models", "supply_models"), seed="sourcing.seed:seed_demo", nav=(
                 NavItem("sourcing.board", _l("供求信息"), order=40),
                 NavItem("sourcing.my_requests", _l("我的求购"), menu="user", order=32),
                 NavItem("sourcing.merchant_requests", _l("求购商机"), menu="merchant", order=46),
                 NavItem("sourcing.supply_list", _l("供应信息"), menu="merchant", order=47)))
    register_job(app, "sourcing.expire_due", expire_due, every=timedelta(minutes=5))
    register_job(app, "sourcing.expire_supply", expire_supply, every=timedelta(hours=1))
    notice_types.register(app)  # the notices in the notification centre
    conversations.register(app)  # a buyer and a shop that quoted talk about the request
    supply_conversations.register(app)  # a buyer asks a shop about its supply post
    from sourcing.region_block import region_block

    add_blocks(app, "region", region_block)  # a region page's open supply posts
    board_search.register(app)  # the board's keyword search (the "sourcing" index)
    # an accepted quote's order that expires unpaid or is cancelled before payment gives the request back
    order_status_changed.connect(lapse.on_order_status, app, weak=False)
