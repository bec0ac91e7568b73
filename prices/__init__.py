"""Market prices (行情): commodities, wholesale markets and their daily prices, reported by each
market's reporter, held for the agriculture officer when far from the day before, and published on
the public board and commodity pages. Built on the shell (roles, regions) and catalog (categories,
the unit table) only."""

import datetime as dt

from flask import Blueprint, Flask

bp = Blueprint("prices", __name__)


def _reporter(user) -> bool:
    from marketplace.accounts.models import Role

    return any(g.role in (Role.MARKET_REPORTER, Role.AGRICULTURE_OFFICER) for g in user.roles)


def _officer(user) -> bool:
    from marketplace.accounts.models import Role

    return user.has_role(Role.AGRICULTURE_OFFICER)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from catalog.units import register_usage
    from marketplace.domains import NavItem, add_blocks, register
    from marketplace.jobs import register_job
    from prices import alert_check, notice_types, privacy, reference, status
    from prices.platform import platform_prices_job
    from prices.region_block import region_block

    app.config.setdefault("PRICE_OUTLIER_PERCENT", 30)  # more than this from the day before: held for review
    app.config.setdefault("PRICE_ALERTS_PER_USER", 20)  # at most this many price alerts per user
    app.jinja_env.globals.update(price_status=status.status_label, price_badges=status.STATUS_BADGES,
                                 market_kind=status.kind_label)
    register(app, "prices", blueprint=bp,
             routes=("views.public", "views.report", "views.review", "views.manage", "views.alerts", "api"),
             models=("models", "platform_models", "alert_models"), seed="prices.seed:seed_demo", nav=(
                 NavItem("prices.board", _l("行情"), order=45),
                 NavItem("prices.my_alerts", _l("价格提醒"), menu="user", order=59),
                 NavItem("prices.report_home", _l("填报价格"), menu="user", order=60, visible=_reporter),
                 NavItem("prices.review", _l("价格审核"), menu="user", order=61, visible=_officer),
                 NavItem("prices.manage_commodities", _l("品种与市场"), menu="user", order=62, visible=_officer)))
    register_usage("prices", _unit_used)
    notice_types.register(app)
    privacy.register(app)  # his alerts in his export, deleted with his account
    register_job(app, "prices.check_alerts", alert_check.check_alerts)
    add_blocks(app, "region", region_block)  # a region page's prices of its specialties
    # yesterday's (and the days before's) platform transaction prices, once a day
    register_job(app, "prices.platform_daily", platform_prices_job, every=dt.timedelta(days=1))
    add_blocks(app, "product", reference.product_block)  # the commodity's reference price on a product page
    reference.watch()


def _unit_used(code: str) -> bool:
    import sqlalchemy as sa

    from marketplace.extensions import db
    from prices.alert_models import PriceAlert
    from prices.models import Commodity, PriceObservation

    return any(db.session.scalar(sa.select(column).where(column == code).limit(1)) is not None
               for column in (Commodity.unit, PriceObservation.unit, PriceAlert.entered_unit))
