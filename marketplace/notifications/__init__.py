"""The notification centre: the types domains declare, each user's notifications and his choice of
channels, the header's bell, the daily e-mail digest. Domains declare their types from their own
``init_app`` with ``register_type`` (marketplace.notifications.registry) and post through
``marketplace.mail.notices.notify`` (or ``dispatch.post`` for a type without a mail template)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__)


def init_app(app: Flask) -> None:
    import datetime as dt
    import json

    from flask_babel import lazy_gettext as _l
    from flask_login import current_user
    from sqlalchemy.orm import with_expression

    from marketplace.accounts.models import User
    from marketplace.domains import NavItem, register
    from marketplace.jobs import register_job
    from marketplace.notifications import centre, digest, privacy

    register(app, "notifications", package=__name__, blueprint=bp, routes=("views", "api"), models=("models",),
             nav=(NavItem("notifications.centre", _l("消息通知"), menu="user", order=5),))
    #: The local hour from which the hourly digest job sends the day's digests.
    app.config.setdefault("NOTIFICATIONS_DIGEST_HOUR", 8)
    privacy.register(app)
    register_job(app, "notifications.digest", digest.send_digests, every=dt.timedelta(hours=1))
    # the bell's count is loaded with the signed-in user: no statement of its own on any page
    app.extensions.setdefault("user_load_options", []).append(
        with_expression(User.unread_notifications, centre.unread_subquery(User.id)))

    def notification_bell() -> int | None:
        if not current_user.is_authenticated:
            return None
        return centre.unread_count(current_user)

    def notification_text(key: str, params) -> str:
        """A notification's text in the current language (mail templates: ``params`` a dict or JSON)."""
        values = json.loads(params) if isinstance(params, str) else params
        return centre.render(key, values)

    app.jinja_env.globals.update(notification_bell=notification_bell, bell_cap=centre.BELL_CAP,
                                 notification_text=notification_text, notification_label=centre.label_for)
