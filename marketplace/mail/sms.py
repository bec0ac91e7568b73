"""Text messages (SMS) through the outbox, sent by the configured provider.

``queue_sms`` writes the message to the outbox (channel "sms") in the caller's transaction: a
rolled-back action sends nothing, a committed one cannot lose its message. The job "sms.deliver"
(enqueued by the commit, and run every minute for retries) hands due messages to the provider
chosen by SMS_PROVIDER (marketplace.mail.sms_providers): ``aliyun`` sends through Alibaba Cloud
SMS; ``outbox`` (development and tests) sends nothing and keeps the message, marked "held", on the
admin's outbox page and in the log, where a developer reads the code. A transient failure is
retried with a short backoff while the message is still worth sending (SMS_MAX_AGE_SECONDS: a code
that has expired is not sent); a refusal is marked failed with the provider's reason. Once a real
provider has sent a message, or it is given up, its code is blanked in the outbox.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import sqlalchemy as sa
from flask import Flask, current_app

from marketplace.db import as_utc, atomic, utcnow
from marketplace.extensions import db
from marketplace.jobs import enqueue, register_job
from marketplace.mail.models import Channel, OutboxMessage, OutboxStatus
from marketplace.mail.services import due_query
from marketplace.mail.sms_providers import SmsError, get_provider
from marketplace.privacy.masking import mask_phone
from marketplace.text import single_line

log = logging.getLogger("marketplace.sms")

#: What replaces a code in an outbox message once a real provider has sent it.
REDACTED = "******"
#: Templates of notices (order paid, shipped ...) to accounts with a mobile number and no e-mail.
NOTICE_PREFIX = "sms/notice/"


def queue_sms(to: str, text: str, *, subject: str, params: dict[str, str], template: str,
              locale: str = "zh_CN") -> OutboxMessage:
    """Add an SMS to ``to`` (E.164) to the outbox; it is sent after the caller's transaction commits.

    ``text`` is what the person reads (and what the outbox page shows); ``params`` are the
    provider template's parameters (Aliyun sends its own approved template filled with them)."""
    message = OutboxMessage(channel=Channel.SMS, to_addr=to, subject=single_line(subject, 200), body_text=text,
                            body_html=None, locale=locale, template=template,
                            sms_params=json.dumps(params, ensure_ascii=False))
    db.session.add(message)
    enqueue("sms.deliver")
    return message


def _retry_delay(attempts: int) -> dt.timedelta:
    base = float(current_app.config["SMS_RETRY_BASE_SECONDS"])
    return dt.timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def _failed(message: OutboxMessage, error: str, *, permanent: bool) -> str:
    message.attempts += 1
    message.last_error = error[:500]
    retry_at = utcnow() + _retry_delay(message.attempts)
    too_late = retry_at > as_utc(message.created_at) + dt.timedelta(seconds=_max_age(message))
    if permanent or too_late or message.attempts >= int(current_app.config["SMS_MAX_ATTEMPTS"]):
        _given_up(message)
        return "failed"
    message.next_attempt_at = retry_at
    return "retrying"


def _max_age(message: OutboxMessage) -> int:
    """Seconds a message is worth sending: a code dies with the code; a notice lasts longer."""
    if is_notice(message.template):
        return int(current_app.config["SMS_NOTICE_MAX_AGE_SECONDS"])
    return int(current_app.config["SMS_MAX_AGE_SECONDS"])


def is_notice(template: str | None) -> bool:
    return (template or "").startswith(NOTICE_PREFIX)


def notice_template_code(template: str) -> str | None:
    """The provider's approved template of a notice (SMS_NOTICE_TEMPLATES: name -> code)."""
    return current_app.config["SMS_NOTICE_TEMPLATES"].get(template.removeprefix(NOTICE_PREFIX))


def _forget_params(message: OutboxMessage) -> None:
    """Blank the template parameters (the code) in the outbox: once sent or given up, nobody needs
    them. A notice holds no secret: its text stays readable."""
    if is_notice(message.template):
        return
    for value in json.loads(message.sms_params or "{}").values():
        message.body_text = message.body_text.replace(str(value), REDACTED)
    message.sms_params = None


def _given_up(message: OutboxMessage) -> None:
    message.status, message.next_attempt_at = OutboxStatus.FAILED, None
    _forget_params(message)


def _sent(message: OutboxMessage, provider_id: str | None) -> None:
    message.status, message.sent_at, message.next_attempt_at = OutboxStatus.SENT, utcnow(), None
    message.last_error = None
    _forget_params(message)
    log.info("sms %s (%s) sent to %s, provider id %s", message.id, message.template, mask_phone(message.to_addr),
             provider_id or "-")


def _deliver_one(provider, message: OutboxMessage) -> str:
    """Send one message; returns what became of it: sent, held, retrying or failed."""
    if utcnow() > as_utc(message.created_at) + dt.timedelta(seconds=_max_age(message)):
        _given_up(message)
        message.last_error = "expired before it could be sent"
        return "failed"
    params = json.loads(message.sms_params or "{}")
    code = notice_template_code(message.template) if is_notice(message.template) else None
    if is_notice(message.template) and code is None and not provider.keeps_messages:
        _given_up(message)
        message.last_error = f"no approved template for {message.template}: set SMS_NOTICE_TEMPLATES"
        return "failed"
    try:
        provider_id = provider.send(message.to_addr, message.body_text, params, template_code=code)
    except SmsError as exc:
        outcome = _failed(message, f"{'refused' if exc.permanent else 'transient'}: {exc}", permanent=exc.permanent)
        log.warning("sms %s (%s) to %s: %s (%s)", message.id, message.template, mask_phone(message.to_addr),
                    exc, outcome)
        return outcome
    if provider.keeps_messages:
        message.status, message.next_attempt_at = OutboxStatus.HELD, None
        message.last_error = None
        return "held"
    _sent(message, provider_id)
    return "sent"


def deliver_sms(limit: int = 20) -> dict[str, int]:
    """The "sms.deliver" job: hand the due SMS messages to the provider. Rows are claimed with SKIP
    LOCKED on PostgreSQL (two workers never send one message twice). Returns counts by outcome."""
    provider = get_provider()
    query = (sa.select(OutboxMessage).where(due_query(channel=Channel.SMS))
             .order_by(OutboxMessage.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    counts: dict[str, int] = {}
    with atomic():
        for message in db.session.scalars(query):
            outcome = _deliver_one(provider, message)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def init_app(app: Flask) -> None:
    provider = get_provider(app)  # a wrong SMS_PROVIDER or a missing setting stops the app at start
    if provider.keeps_messages and app.config.get("ENV") == "production":
        log.warning("SMS_PROVIDER=%s in production: no text message is sent, nobody can sign up or in by phone",
                    provider.name)
    register_job(app, "sms.deliver", deliver_sms, every=dt.timedelta(minutes=1))
