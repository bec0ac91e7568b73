"""Market prices (行情): commodities, wholesale markets and their daily prices, reported by each
market's reporter, held for the agriculture officer when far from the day before, and published on
the public board and commodity pages. Built on the shell (roles, regions) and catalog (categories,
the unit table) only."""

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
    from marketplace.domains import NavItem, register
    from prices import status

    app.config.setdefault("PRICE_OUTLIER_PERCENT", 30)  # more than this from the day before: held for review
    app.jinja_env.globals.update(price_status=status.status_label, price_badges=status.STATUS_BADGES,
                                 market_kind=status.kind_label)
    register(app, "prices", blueprint=bp, routes=("views.public", "views.report", "views.review"),
             models=("models",), seed="prices.seed:seed_demo", nav=(
                 NavItem("prices.board", _l("行情"), order=45),
                 NavItem("prices.report_home", _l("填报价格"), menu="user", order=60, visible=_reporter),
                 NavItem("prices.review", _l("价格审核"), menu="user", order=61, visible=_officer)))
    register_usage("prices", _unit_used)


def _unit_used(code: str) -> bool:
    import sqlalchemy as sa

    from marketplace.extensions import db
    from prices.models import Commodity, PriceObservation

    return any(db.session.scalar(sa.select(m.id).where(m.unit == code).limit(1)) is not None
               for m in (Commodity, PriceObservation))
