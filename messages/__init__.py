"""Messages (站内消息): conversations between a buyer and a shop about a subject (a product, an
order, a request, a quote, a supply post, or a general question), with text and photos, unread
counts per side and reports to the platform. Built on the shell only: the domains above it describe
their subjects through ``messages.subjects.register_subject``."""

from flask import Blueprint, Flask

bp = Blueprint("messages", __name__)

#: Defaults a deployment may override in the config.
DEFAULTS = {
    "MESSAGES_MAX_LENGTH": 2000,          #: characters of one message
    "MESSAGES_MAX_IMAGES": 4,             #: photos in one message
    "MESSAGES_IMAGE_MAX_BYTES": 8 * 1024 * 1024,
    "MESSAGES_NEW_PER_DAY": 20,           #: conversations one buyer may open in 24 hours
    "MESSAGES_SEND_RATELIMIT": "20 per minute;500 per day",  #: messages one user may send
    "MESSAGES_REPORT_RATELIMIT": "10 per hour",
}


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from marketplace.domains import NavItem, add_panel, register
    from messages import header, labels, notice_types, privacy

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.jinja_env.globals.update(message_report_reason=labels.reason_label, message_resolution=labels.resolution_label)
    register(app, "messages", blueprint=bp,
             routes=("views.buyer", "views.conversation", "views.merchant", "views.admin", "api"),
             models=("models",), seed="messages.seed:seed_demo", nav=(
                 NavItem("messages.buyer_inbox", _l("我的消息"), menu="user", order=12),
                 NavItem("messages.shop_inbox", _l("客户消息"), menu="merchant", order=32)))
    privacy.register(app)
    header.register(app)  # the header's messages link with the unread conversations
    notice_types.register(app)  # a new message in the notification centre
    from messages.figures import actions

    add_panel(app, "merchant_actions", actions)
