"""Regions: country > province > city > county > township > village, loaded from data files."""

from flask import Blueprint, Flask

bp = Blueprint("regions", __name__, url_prefix="/regions")


def _keeps_column(user) -> bool:
    from marketplace.regions.columns import is_clerk

    return is_clerk(user)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from marketplace.cache import watch
    from marketplace.domains import NavItem, register
    from marketplace.regions import columns
    from marketplace.regions.column_models import RegionColumn, RegionPhoto
    from marketplace.regions.models import Region
    from marketplace.regions.services import GROUP

    watch(GROUP, Region)  # descendants and ancestor snapshots (services)
    watch(columns.GROUP, RegionColumn, RegionPhoto)  # the columns and photos as the pages show them

    app.config.setdefault("REGION_MAX_PHOTOS", 6)  # photos in one region's column
    app.config.setdefault("REGION_PHOTO_MAX_BYTES", 8 * 1024 * 1024)

    register(app, "regions", package=__name__, blueprint=bp, routes=("views", "picker", "pages"), models=("models", "column_models"),
             cli=("cli",), seed="marketplace.seed:load_demo_regions",
             nav=(NavItem("regions.index", _l("县区特产"), order=40),
                  NavItem("regions.my_columns", _l("村级专栏"), menu="user", order=62, visible=_keeps_column)))

    def level_labels() -> dict[str, str]:
        from marketplace.regions.picker import LEVEL_LABELS

        return {level.value: str(label) for level, label in LEVEL_LABELS.items()}

    app.jinja_env.globals["region_level_labels"] = level_labels
