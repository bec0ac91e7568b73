"""Regions of the city: a hierarchy loaded from a data file."""

from flask import Blueprint, Flask

bp = Blueprint("regions", __name__, url_prefix="/regions")


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from marketplace.domains import NavItem, register

    register(app, "regions", package=__name__, blueprint=bp, routes=("views",), models=("models",),
             cli=("cli",), seed="marketplace.seed:load_demo_regions",
             nav=(NavItem("regions.index", _l("县区特产"), order=40),))
