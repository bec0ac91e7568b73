"""The e-mail outbox: every message is written here first, then delivered (or kept for the admin)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # refused for good, or gave up after too many attempts (last_error says why)


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    #: The language the message was rendered in.
    locale: Mapped[str] = mapped_column(sa.String(10))
    #: Template name, for the admin's list and for tests.
    template: Mapped[str] = mapped_column(sa.String(80), default="")
    #: JSON context of a message queued with queue_mail_later() and not rendered yet (subject and
    #: bodies empty until then): plain values and {"$model": class name, "id": ...} references.
    #: NULL once rendered (see mail.services.render_pending).
    render_context: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(
        sa.Enum(OutboxStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    #: When a message that failed for a transient reason (the server down) is tried again; NULL
    #: for a message never tried, sent or failed for good (mail.services.retry_delay: backoff).
    next_attempt_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
