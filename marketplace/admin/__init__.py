"""Platform administration: merchant queue, shops, users, outbox, audit log."""

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, url_prefix="/admin")


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from marketplace.admin import figures
    from marketplace.domains import NavItem, add_panel, register

    register(app, "admin", package=__name__, blueprint=bp, routes=("views", "log_views", "job_views"), models=("models",),
             nav=(NavItem("admin.index", _l("管理后台"), menu="user", order=60,
                          visible=lambda user: user.is_admin),))
    add_panel(app, "admin_dashboard", figures.panels)
