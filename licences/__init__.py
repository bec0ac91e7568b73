"""Licensed categories: a shop's operating licences (农药经营许可证, 种子生产经营许可证, ...) with
private scans, the platform's verification, the categories that require them, the publish guard the
catalogue asks, and the daily job that warns before expiry and takes listings off sale when one
lapses. A package above catalog and the shell's shops, because it is the one place that knows both
(the shell must not import catalog, and catalog imports no domain built on it)."""

from datetime import timedelta

from flask import Blueprint, Flask

bp = Blueprint("licences", __name__)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from catalog.services import register_publish_guard
    from licences import expiry, labels, notice_types, services
    from marketplace.domains import NavItem, register
    from marketplace.jobs import register_job

    app.config.setdefault("LICENCE_SCAN_MAX_BYTES", 10 * 1024 * 1024)
    app.config.setdefault("LICENCE_PDF_MAX_PAGES", 10)
    app.config.setdefault("LICENCE_WARN_DAYS", 30)  # the shop is warned this many days before expiry
    app.jinja_env.globals.update(licence_type_label=labels.type_label, licence_status_label=labels.status_label,
                                 licence_status_badges=labels.STATUS_BADGES)
    register(app, "licences", blueprint=bp, routes=("views.merchant", "views.admin", "views.files"),
             models=("models",), seed="licences.seed:seed_demo", nav=(
                 NavItem("licences.merchant_list", _l("经营许可证"), menu="merchant", order=48),))
    notice_types.register(app)
    register_publish_guard("licences", services.publish_guard)
    register_job(app, "licences.check_expiry", expiry.check_expiry, every=timedelta(days=1))
