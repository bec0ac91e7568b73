"""The in-app centre: a user's notifications, the bell's unread count, marking them read.

Only the owner reaches a notification: another user's id is a 404 (``own_or_404``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.notifications.registry import UnknownNotificationType, get_type
from marketplace.web import paginate

#: The bell counts up to this; more shows as "99+".
BELL_CAP = 100


def unread_subquery(user_column):
    """The number of unread notifications of the user in ``user_column`` (at most BELL_CAP), as a
    correlated scalar subquery: loaded with the user, so the bell costs no statement of its own."""
    capped = (sa.select(sa.literal(1)).where(Notification.user_id == user_column, Notification.read_at.is_(None))
              .limit(BELL_CAP).correlate_except(Notification).subquery())
    return sa.select(sa.func.count()).select_from(capped).scalar_subquery()


def unread_count(user) -> int:
    """The bell's count: the value loaded with the user when there is one, else one query."""
    loaded = user.__dict__.get("unread_notifications")
    if loaded is not None:
        return int(loaded)
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(sa.literal(1)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(BELL_CAP).subquery())) or 0


def listing(user, *, unread_only: bool = False, page: int | None = None, per_page: int = 20):
    """One page of ``user``'s notifications, newest first."""
    stmt = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt.order_by(Notification.id.desc()), per_page=per_page, page=page)


def own_or_404(user, notification_id: int) -> Notification:
    row = db.session.get(Notification, notification_id) if 0 < notification_id < 2**31 else None
    if row is None or row.user_id != user.id:
        abort(404)
    return row


@atomic()
def mark_read(row: Notification) -> Notification:
    if row.read_at is None:
        db.session.execute(sa.update(Notification).where(Notification.id == row.id, Notification.read_at.is_(None))
                           .values(read_at=utcnow()))
        db.session.refresh(row)
    return row


@atomic()
def mark_all_read(user) -> int:
    """Every unread notification of ``user`` read now; returns how many."""
    result = db.session.execute(sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount or 0


def render(key: str, params: dict) -> str:
    """A notification's text in the current language (a type no longer installed: its key)."""
    try:
        return get_type(key).render(params)
    except UnknownNotificationType:
        return key


def label_for(key: str) -> str:
    try:
        return str(get_type(key).label)
    except UnknownNotificationType:
        return key


def text_of(row: Notification) -> str:
    return render(row.type_key, row.values)


def label_of(row: Notification) -> str:
    return label_for(row.type_key)
