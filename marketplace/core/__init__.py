"""Site-wide pages: home, media files."""

from flask import Blueprint, Flask

bp = Blueprint("core", __name__)


def init_app(app: Flask) -> None:
    from marketplace.domains import register

    register(app, "core", package=__name__, blueprint=bp, routes=("views",))
