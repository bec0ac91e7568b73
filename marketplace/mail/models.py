"""The outbox: every e-mail and SMS is written here first, then delivered (or kept for the admin)."""

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
    HELD = "held"  # an SMS kept here and in the log, never sent (SMS_PROVIDER=outbox: development, tests)


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: E-mail (to_addr an address) or SMS (to_addr an E.164 mobile number; marketplace.mail.sms).
    channel: Mapped[Channel] = mapped_column(
        sa.Enum(Channel, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=Channel.EMAIL, server_default=Channel.EMAIL.value)
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
    #: An SMS's template parameters for the provider (JSON, e.g. {"code": "123456"}); cleared, and the
    #: code blanked in body_text, once a real provider has sent it.
    sms_params: Mapped[str | None] = mapped_column(sa.Text)
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
