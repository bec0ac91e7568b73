"""A user's notifications and channel choices in his data export; deleted with his account.

What others' notifications say about him is only what their pages show anyway (an order number, a
shop's or a project's name): a notification never stores a name, a phone number or an address."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.notifications.centre import text_of
from marketplace.notifications.models import Notification, NotificationDigest, NotificationPreference
from marketplace.privacy.registry import Erasure, register_personal_data


def _iso(value):
    return as_utc(value).isoformat() if value else None


def export_notifications(user, limit: int) -> dict:
    rows = db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id.desc()).limit(limit))
    choices = db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
                                 .order_by(NotificationPreference.id).limit(limit))
    return {"notifications": [{"type": n.type_key, "text": text_of(n), "link": n.link, "created_at": _iso(n.created_at),
                               "read_at": _iso(n.read_at)} for n in rows],
            "preferences": [{"type": p.type_key, "channel": p.channel, "mode": p.mode} for p in choices]}


def erase_notifications(erasure: Erasure) -> None:
    user_id = erasure.user.id
    for model in (Notification, NotificationPreference, NotificationDigest):
        db.session.execute(sa.delete(model).where(model.user_id == user_id))


def register(app: Flask) -> None:
    register_personal_data(app, "notifications", _l("消息通知"), export=export_notifications,
                           erase=erase_notifications)
