"""Queue e-mail in the outbox, render it in the recipient's language, deliver over SMTP.

Every message is first written to the outbox in the caller's transaction, so a rolled-back action
sends nothing. Mail queued on a hot path (placing an order) is written unrendered, as its template
name and context ids (queue_mail_later), and rendered when it is delivered or first read.
Delivery is the job "mail.deliver": enqueued when mail is queued (it runs once the transaction
commits: after the request), and run every minute by ``jobs run-due`` for retries; also
``flask --app marketplace mail send``. Without SMTP, messages stay queued and the admin reads
them at /admin/outbox: the demo can show a password-reset mail.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import NamedTuple

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from marketplace.db import Base, atomic, utcnow
from marketplace.extensions import db
from marketplace.jobs import enqueue, register_job
from marketplace.mail.models import OutboxMessage, OutboxStatus
from marketplace.privacy.masking import mask_email

log = logging.getLogger("marketplace.mail")

MAX_ATTEMPTS = 5
#: Messages sent by the delivery that follows the commit which queued them (the rest: next minute).
AFTER_COMMIT_BATCH = 20


def _render(template: str, locale: str, context: dict) -> tuple[str, str, str | None]:
    """(subject, text body, html body or None) of ``templates/email/<template>.*`` in ``locale``."""
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    with force_locale(locale):
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        body_text = render_template(f"email/{template}.txt", **context)
        try:
            body_html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:
            body_html = None
    return subject[:200], body_text, body_html


def queue_mail(to: str, template: str, *, locale: str = "zh_CN", **context) -> OutboxMessage:
    """Render ``templates/email/<template>.txt`` (and ``.html`` if present) and add it to the outbox.

    The subject is the template block ``subject`` rendered from ``email/<template>.subject.txt``.
    The caller commits; delivery follows the commit (the "mail.deliver" job).
    """
    subject, body_text, body_html = _render(template, locale, context)
    message = OutboxMessage(to_addr=to, subject=subject, body_text=body_text, body_html=body_html,
                            locale=locale, template=template)
    db.session.add(message)
    _deliver_after_commit()
    return message


def _model_classes() -> dict[str, type]:
    return {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}


def _dump_context(context: dict) -> str:
    refs = {}
    for key, value in context.items():
        if isinstance(value, Base):
            identity = sa.inspect(value).identity
            if identity is None or len(identity) != 1:
                raise ValueError(f"queue_mail_later: {key} must be a flushed row with a one-column key")
            refs[key] = {"$model": type(value).__name__, "id": identity[0]}
        elif value is None or isinstance(value, str | int | float | bool):
            refs[key] = value
        else:
            raise TypeError(f"queue_mail_later: {key} must be a model row or a plain value, not {type(value)!r}")
    return json.dumps(refs, ensure_ascii=False)


def _load_context(raw: str) -> dict:
    classes = None
    context = {}
    for key, value in json.loads(raw).items():
        if isinstance(value, dict) and "$model" in value:
            classes = classes or _model_classes()
            row = db.session.get(classes[value["$model"]], value["id"])
            if row is None:
                raise LookupError(f"{value['$model']} {value['id']} no longer exists")
            value = row
        context[key] = value
    return context


class LaterMail(NamedTuple):
    to: str
    template: str
    locale: str
    context: dict


def queue_mail_later(mails: list[LaterMail]) -> None:
    """Like queue_mail(), but only each message's template name and context (row ids, plain values)
    are written now, all in one INSERT; they are rendered when delivered or read (render_pending()).

    For mail queued in a hot request (placing an order): rendering costs milliseconds of CPU that
    the buyer would wait for. Only pass rows whose rendered fields do not change meanwhile (order
    snapshots) and values computed now (links need the request). The caller commits.
    """
    if not mails:
        return
    db.session.execute(sa.insert(OutboxMessage), [
        {"to_addr": m.to, "subject": "", "body_text": "", "body_html": None, "locale": m.locale,
         "template": m.template, "render_context": _dump_context(m.context)} for m in mails])
    _deliver_after_commit()


def _deliver_after_commit() -> None:
    if current_app.config.get("MAIL_SEND_AFTER_REQUEST") and smtp_configured():
        enqueue("mail.deliver", limit=AFTER_COMMIT_BATCH, batches=1)


def render_pending(messages) -> int:
    """Render the messages among ``messages`` that were queued with queue_mail_later(). The
    caller commits. A message that cannot be rendered (a row it names was deleted) is marked
    failed with the reason. Returns the number rendered."""
    done = 0
    for m in messages:
        if m.render_context is None:
            continue
        try:
            m.subject, m.body_text, m.body_html = _render(m.template, m.locale, _load_context(m.render_context))
        except (LookupError, KeyError, ValueError) as exc:
            m.status, m.last_error = OutboxStatus.FAILED, f"render: {exc}"[:500]
            current_app.logger.warning("outbox message %s cannot be rendered: %s", m.id, exc)
            continue
        m.render_context = None
        done += 1
    return done


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _smtp():
    cfg = current_app.config
    if cfg["MAIL_USE_SSL"]:
        conn = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20)
    else:
        conn = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20)
        if cfg["MAIL_USE_TLS"]:
            conn.starttls()
    if cfg["MAIL_USERNAME"]:
        conn.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    return conn


def _build(message: OutboxMessage) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = formataddr((current_app.config["SITE_NAME"], current_app.config["MAIL_DEFAULT_SENDER"]))
    mail["To"] = message.to_addr
    mail["Message-ID"] = make_msgid(domain=current_app.config["MAIL_DEFAULT_SENDER"].split("@")[-1])
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    return mail


def send_pending(limit: int = 100, progress=None) -> tuple[int, int]:
    """Deliver queued messages over SMTP. Returns (sent, failed). Does nothing without SMTP.

    Rows are claimed with SKIP LOCKED on PostgreSQL so two workers never send one message twice;
    the claim is held (one transaction) while they are sent.
    """
    if not smtp_configured():
        return 0, 0
    query = (db.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.QUEUED)
             .order_by(OutboxMessage.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with atomic():
        messages = list(db.session.scalars(query))
        render_pending(messages)
        unrenderable = sum(1 for m in messages if m.status == OutboxStatus.FAILED)
        messages = [m for m in messages if m.status == OutboxStatus.QUEUED]
        if not messages:
            return 0, unrenderable
        try:
            conn = _smtp()
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail: cannot connect to the SMTP server: %s", exc)
            for m in messages:
                _failed(m, f"connect: {exc}")
            return 0, len(messages) + unrenderable
        sent, failed = 0, unrenderable
        with conn:
            for m in messages:
                try:
                    conn.send_message(_build(m))
                    m.status, m.sent_at, m.last_error = OutboxStatus.SENT, utcnow(), None
                    sent += 1
                    # the recipient masked: a mail log names no one
                    log.info("mail %s (%s) sent to %s", m.id, m.template, mask_email(m.to_addr))
                except (OSError, smtplib.SMTPException) as exc:
                    _failed(m, str(exc))
                    failed += 1
                    log.warning("mail %s (%s) to %s failed: %s", m.id, m.template, mask_email(m.to_addr), exc)
                if progress:
                    progress(1)
    return sent, failed


def _failed(message: OutboxMessage, error: str) -> None:
    message.attempts += 1
    message.last_error = error[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED


def deliver(limit: int = 100, batches: int | None = None) -> tuple[int, int]:
    """The "mail.deliver" job: send what is queued, ``limit`` at a time, until the outbox is empty
    (or after ``batches`` batches) or a batch fails. Returns (sent, failed)."""
    sent_total = failed_total = done = 0
    while True:
        sent, failed = send_pending(limit=limit)
        sent_total, failed_total, done = sent_total + sent, failed_total + failed, done + 1
        if failed or sent < limit or done == batches:
            return sent_total, failed_total


def init_app(app: Flask) -> None:
    register_job(app, "mail.deliver", deliver, every=dt.timedelta(minutes=1))
