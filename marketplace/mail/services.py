"""Queue e-mail in the outbox, render it in the recipient's language, deliver over SMTP.

Every message is first written to the outbox in the caller's transaction, so a rolled-back action
sends nothing. Delivery happens after the request that queued mail (when SMTP is configured) and
by ``flask --app marketplace mail send``. Without SMTP, messages stay queued and the admin reads
them at /admin/outbox: the demo can show a password-reset mail.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import Flask, current_app, g, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 5


def queue_mail(to: str, template: str, *, locale: str = "zh_CN", **context) -> OutboxMessage:
    """Render ``templates/email/<template>.txt`` (and ``.html`` if present) and add it to the outbox.

    The subject is the template block ``subject`` rendered from ``email/<template>.subject.txt``.
    The caller commits; delivery happens after the request (or by the CLI).
    """
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    with force_locale(locale):
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        body_text = render_template(f"email/{template}.txt", **context)
        try:
            body_html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:
            body_html = None
    message = OutboxMessage(to_addr=to, subject=subject[:200], body_text=body_text, body_html=body_html,
                            locale=locale, template=template)
    db.session.add(message)
    g.mail_queued = True
    return message


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

    Rows are claimed with SKIP LOCKED on PostgreSQL so two workers never send one message twice.
    """
    if not smtp_configured():
        return 0, 0
    query = (db.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.QUEUED)
             .order_by(OutboxMessage.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    messages = list(db.session.scalars(query))
    if not messages:
        db.session.commit()
        return 0, 0
    sent = failed = 0
    try:
        conn = _smtp()
    except (OSError, smtplib.SMTPException) as exc:
        for m in messages:
            m.attempts += 1
            m.last_error = f"connect: {exc}"[:500]
            if m.attempts >= MAX_ATTEMPTS:
                m.status = OutboxStatus.FAILED
        db.session.commit()
        return 0, len(messages)
    with conn:
        for m in messages:
            try:
                conn.send_message(_build(m))
                m.status, m.sent_at, m.last_error = OutboxStatus.SENT, utcnow(), None
                sent += 1
            except (OSError, smtplib.SMTPException) as exc:
                m.attempts += 1
                m.last_error = str(exc)[:500]
                if m.attempts >= MAX_ATTEMPTS:
                    m.status = OutboxStatus.FAILED
                failed += 1
            if progress:
                progress(1)
    db.session.commit()
    return sent, failed


def init_app(app: Flask) -> None:
    @app.teardown_request
    def _deliver_after_request(exc):
        if exc is not None or not g.get("mail_queued"):
            return
        if not (app.config.get("MAIL_SEND_AFTER_REQUEST") and smtp_configured()):
            return
        try:
            send_pending(limit=20)
        except Exception:  # delivery must never break the request; the CLI retries
            app.logger.exception("after-request mail delivery failed")
            db.session.rollback()
