"""The daily e-mail digest (job "notifications.digest", run every hour): a user who chose "daily
digest" for a type's e-mail gets one mail a day listing his unread notifications of such types not
mailed yet, in his language. One per user and local day whatever the number of processes running
the job: the day's ``notification_digests`` row is claimed first (INSERT ... ON CONFLICT DO NOTHING
on the unique (user, day)); the process whose insert did nothing sends nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from marketplace.accounts.models import User
from marketplace.config import DEV_BASE_URL
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.mail.services import queue_mail
from marketplace.notifications.models import Notification, NotificationDigest
from marketplace.web import absolute_url

#: The most notifications one digest lists (the rest: the next day's, or the centre).
DIGEST_MAX = 50


class _NothingLeft(Exception):
    """Read meanwhile: the claim of the day is given back."""


def local_now() -> dt.datetime:
    tz = zoneinfo.ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return utcnow().astimezone(tz)


def _pending(user_id: int | None = None):
    where = [Notification.digest_due.is_(True), Notification.mailed_at.is_(None), Notification.read_at.is_(None)]
    if user_id is not None:
        where.append(Notification.user_id == user_id)
    return where


def _claim(user_id: int, day: dt.date) -> bool:
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(NotificationDigest).values(user_id=user_id, day=day, items=0, created_at=utcnow()
                                             ).on_conflict_do_nothing(index_elements=["user_id", "day"])
    return db.session.execute(stmt.returning(NotificationDigest.id)).scalar() is not None


def send_digests(day: str | None = None) -> int:
    """Queue today's digests (``day``: an ISO date, for tests and the CLI); returns how many. Without
    ``day``, nothing is sent before NOTIFICATIONS_DIGEST_HOUR (local time): no digest at 3 a.m."""
    if day:
        day_ = dt.date.fromisoformat(day)
    else:
        now = local_now()
        if now.hour < int(current_app.config.get("NOTIFICATIONS_DIGEST_HOUR", 8)):
            return 0
        day_ = now.date()
    with atomic():
        user_ids = list(db.session.scalars(sa.select(Notification.user_id).where(*_pending()).distinct()))
        done = set(db.session.scalars(sa.select(NotificationDigest.user_id).where(
            NotificationDigest.day == day_, NotificationDigest.user_id.in_(user_ids)))) if user_ids else set()
    sent = 0
    for user_id in user_ids:
        if user_id in done:
            continue
        try:
            sent += _send_one(user_id, day_)
        except _NothingLeft:
            continue
    return sent


@atomic()
def _send_one(user_id: int, day: dt.date) -> int:
    if not _claim(user_id, day):
        return 0  # another process sent this user's digest of the day
    rows = list(db.session.scalars(sa.select(Notification).where(*_pending(user_id)).order_by(Notification.id)
                                   .limit(DIGEST_MAX)))
    user = db.session.get(User, user_id)
    if not rows or user is None:
        raise _NothingLeft()
    if user.email and user.active:
        parts = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or DEV_BASE_URL)
        base = f"{parts.scheme}://{parts.netloc}"  # the links are paths from the root
        items = [{"type_key": r.type_key, "params": r.values, "link": r.link} for r in rows]
        queue_mail(user.email, "notification_digest", locale=user.locale or "zh_CN", recipient=user, items=items,
                   base_url=base, centre_url=absolute_url("notifications.centre"),
                   settings_url=absolute_url("notifications.preferences"))
    now = utcnow()
    db.session.execute(sa.update(Notification).where(Notification.id.in_([r.id for r in rows])).values(mailed_at=now))
    db.session.execute(sa.update(NotificationDigest).where(NotificationDigest.user_id == user_id,
                                                           NotificationDigest.day == day).values(items=len(rows)))
    return 1
