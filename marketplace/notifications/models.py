"""Notifications (the in-app centre), each user's deviations from the default channels, and the
daily digests sent (one per user and day)."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),  # the bell: my unread
        sa.Index("ix_notifications_user_latest", "user_id", "id"),  # the centre: my latest first
        sa.Index("ix_notifications_digest", "digest_due", "mailed_at"),  # the digest job's work
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: The registered type (marketplace.notifications.registry), e.g. "orders.paid".
    type_key: Mapped[str] = mapped_column(sa.String(60))
    #: JSON of the values the type's text is filled with when shown (in the reader's language).
    params: Mapped[str] = mapped_column(sa.Text, default="{}")
    #: The page it is about: a local path ("/orders/7").
    link: Mapped[str | None] = mapped_column(sa.String(500))
    #: What it is about, as a generic subject (e.g. "order", 7), for the domains that ask.
    subject_kind: Mapped[str | None] = mapped_column(sa.String(30))
    subject_id: Mapped[int | None]
    read_at: Mapped[dt.datetime | None]
    #: The user chose the daily digest for this type's e-mail: the digest job mails it once.
    digest_due: Mapped[bool] = mapped_column(default=False)
    #: When the digest that listed it was queued.
    mailed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def values(self) -> dict:
        try:
            loaded = json.loads(self.params or "{}")
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(Base):
    """A user's choice for one type on one channel, stored only where it differs from the default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "type_key", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    type_key: Mapped[str] = mapped_column(sa.String(60))
    #: "in_app", "email" or "sms".
    channel: Mapped[str] = mapped_column(sa.String(10))
    #: "on", "off" or (e-mail only) "digest".
    mode: Mapped[str] = mapped_column(sa.String(10))


class NotificationDigest(Base):
    """One row per user and local day a digest was sent: the unique key makes the job idempotent."""

    __tablename__ = "notification_digests"
    __table_args__ = (sa.UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[dt.date]
    items: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
