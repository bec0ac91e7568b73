"""Regions: country > province > city > county > township > village, loaded from data files."""

from flask import Blueprint, Flask

bp = Blueprint("regions", __name__, url_prefix="/regions")


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from marketplace.domains import NavItem, register

    register(app, "regions", package=__name__, blueprint=bp, routes=("views", "picker"), models=("models",),
             cli=("cli",), seed="marketplace.seed:load_demo_regions",
             nav=(NavItem("regions.index", _l("县区特产"), order=40),))

    def level_labels() -> dict[str, str]:
        from marketplace.regions.picker import LEVEL_LABELS

        return {level.value: str(label) for level, label in LEVEL_LABELS.items()}

    app.jinja_env.globals["region_level_labels"] = level_labels
