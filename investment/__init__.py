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


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)

    from investment import search, templating

    search.register(app)
    templating.init_templating(app)
