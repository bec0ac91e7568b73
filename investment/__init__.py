"""Investment promotion: the project library, investor inquiries and the lead pipeline."""

from flask import Blueprint, Flask

bp = Blueprint("investment", __name__, url_prefix="/invest")

#: Defaults a deployment may override in the config.
DEFAULTS = {
    #: Inquiries a visitor (by IP) may send.
    "INVEST_INQUIRY_RATELIMIT": "5 per minute;30 per day",
    #: Largest PDF attachment.
    "INVEST_PDF_MAX_BYTES": 15 * 1024 * 1024,
}


def _office_staff(user) -> bool:
    from marketplace.accounts.models import Role

    return user.is_admin or user.has_role(Role.OFFICER) or user.has_role(Role.REVIEWER)


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)

    from flask_babel import lazy_gettext as _l

    from investment import privacy, search, templating
    from marketplace.domains import NavItem, register

    register(app, "investment", blueprint=bp, routes=("views.public", "views.office", "api"), models=("models",),
             cli=("cli",), seed="investment.seed:seed_demo_investment", nav=(
                 NavItem("investment.library", _l("招商项目"), order=30),
                 NavItem("investment.my_inquiries", _l("我的投资咨询"), menu="user", order=40),
                 NavItem("investment.office", _l("招商工作台"), menu="user", order=50, visible=_office_staff)))

    search.register(app)
    from investment import notice_types

    notice_types.register(app)
    privacy.register(app)
    templating.init_templating(app)
