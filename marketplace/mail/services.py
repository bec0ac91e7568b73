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

import contextlib
import contextvars
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
from marketplace.mail.models import Channel, OutboxMessage, OutboxStatus
from marketplace.privacy.masking import mask_email
from marketplace.text import single_line

log = logging.getLogger("marketplace.mail")

#: Attempts before a message that keeps failing for a transient reason is given up (marked failed).
MAX_ATTEMPTS = 6
#: Delay before the first retry of a transient failure; multiplied by 4 for each next one, capped.
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 4 * 3600
#: The outbox column's length; a longer subject is cut (with an ellipsis) when the message is built.
SUBJECT_MAX = 200
#: Messages sent by the delivery that follows the commit which queued them (the rest: next minute).
AFTER_COMMIT_BATCH = 20


#: True inside muted(): nothing is queued.
_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("mail_muted", default=False)


@contextlib.contextmanager
def muted():
    """Queue no e-mail or SMS in the block: for the demo seed's history (orders of past months
    whose notices would have gone out then), not for anything a person does."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    return _muted.get()


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
    return single_line(subject, SUBJECT_MAX), body_text, body_html


def queue_mail(to: str | None, template: str, *, locale: str = "zh_CN", **context) -> OutboxMessage | None:
    """Render ``templates/email/<template>.txt`` (and ``.html`` if present) and add it to the outbox.

    The subject is the template block ``subject`` rendered from ``email/<template>.subject.txt``.
    The caller commits; delivery follows the commit (the "mail.deliver" job). No address (an account
    made with a mobile number only): nothing is queued, and None is returned.
    """
    if not to or _muted.get():
        return None
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
    mails = [m for m in mails if m.to]  # accounts without an e-mail address get no mail
    if not mails or _muted.get():
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
    """The message as the mail library builds it. Strict on purpose: a value it refuses (a line
    break in a header of a row written before subjects were cleaned) raises, and delivery marks
    that message failed instead of sending something else than what the admin reads."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = formataddr((single_line(current_app.config["SITE_NAME"], 80),
                               current_app.config["MAIL_DEFAULT_SENDER"]))
    mail["To"] = message.to_addr
    mail["Message-ID"] = make_msgid(domain=current_app.config["MAIL_DEFAULT_SENDER"].split("@")[-1])
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    return mail


class Delivery(NamedTuple):
    """What one delivery run did."""

    sent: int = 0
    #: Given up: refused for good (the server said 5xx, the message cannot be built or rendered)
    #: or out of attempts. Marked failed with the reason; never retried.
    failed: int = 0
    #: Failed for a transient reason (server down, 4xx): still queued, retried after a backoff.
    retrying: int = 0
    #: Ids of the messages marked failed by this run.
    failed_ids: tuple[int, ...] = ()
    #: The connection-level error that stopped the run (nothing more can be sent now), or None.
    smtp_error: str | None = None

    def __add__(self, other: Delivery) -> Delivery:  # type: ignore[override]
        return Delivery(self.sent + other.sent, self.failed + other.failed, self.retrying + other.retrying,
                        self.failed_ids + other.failed_ids, other.smtp_error or self.smtp_error)


class _StopBatch(Exception):
    """The connection is unusable (disconnected, the sender refused): the rest of the batch waits."""


def _permanent(exc: Exception) -> bool:
    """Whether ``exc``, raised while building or sending one message, means that message can never
    be sent (retrying it would only fail again). Anything that is not known to be transient is."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return not any(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # e.g. a non-ASCII address, no SMTPUTF8
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return not isinstance(exc, OSError)  # SMTPException derives from OSError


def _stops_batch(exc: Exception) -> bool:
    """The failure is the server's or the connection's, not this message's."""
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPServerDisconnected):
        return True  # the sender address is refused (every message would be) or the line is gone
    # a socket error; SMTPException derives from OSError too, but its other kinds are one message's
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff after the ``attempts``-th transient failure: 1 min, 4 min, 16 min, ... at most 4 h."""
    cfg = current_app.config
    base = float(cfg.get("MAIL_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS))
    return dt.timedelta(seconds=min(base * 4 ** max(attempts - 1, 0), float(cfg.get("MAIL_RETRY_MAX_SECONDS",
                                                                                     RETRY_MAX_SECONDS))))


def max_attempts() -> int:
    return int(current_app.config.get("MAIL_MAX_ATTEMPTS", MAX_ATTEMPTS))


def _attempt_failed(message: OutboxMessage, error: str, *, permanent: bool) -> bool:
    """Record a failed attempt; True when the message is now failed for good."""
    message.attempts += 1
    if permanent or message.attempts >= max_attempts():
        message.status, message.next_attempt_at = OutboxStatus.FAILED, None
        message.last_error = (error if permanent else f"gave up after {message.attempts} attempts: {error}")[:500]
        current_app.logger.warning("outbox message %s failed for good after %s attempt(s): %s", message.id,
                                   message.attempts, error.split(":", 1)[0])
        return True
    message.last_error = error[:500]
    message.next_attempt_at = utcnow() + retry_delay(message.attempts)
    return False


def due_query(now: dt.datetime | None = None, channel: Channel = Channel.EMAIL):
    """Queued messages of ``channel`` whose next attempt is due (new ones, and retries whose backoff
    has passed)."""
    now = now or utcnow()
    return sa.and_(OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.QUEUED,
                   sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))


def _send_one(conn, message: OutboxMessage) -> Delivery:
    try:
        mail = _build(message)
    except Exception as exc:  # noqa: BLE001 - any refusal of the mail library: this message only
        _attempt_failed(message, f"invalid message: {type(exc).__name__}: {exc}", permanent=True)
        log.warning("mail %s (%s) to %s cannot be built: %s", message.id, message.template,
                    mask_email(message.to_addr), type(exc).__name__)
        return Delivery(failed=1, failed_ids=(message.id,))
    try:
        conn.send_message(mail)
    except Exception as exc:  # noqa: BLE001 - classified below; one message never stops the outbox
        permanent = _permanent(exc)
        reason = f"{'refused' if permanent else 'transient'}: {type(exc).__name__}: {exc}"
        gave_up = _attempt_failed(message, reason, permanent=permanent)
        log.warning("mail %s (%s) to %s failed: %s", message.id, message.template, mask_email(message.to_addr), reason)
        if _stops_batch(exc):
            raise _StopBatch(reason) from exc
        return Delivery(failed=1, failed_ids=(message.id,)) if gave_up else Delivery(retrying=1)
    message.status, message.sent_at, message.last_error, message.next_attempt_at = (
        OutboxStatus.SENT, utcnow(), None, None)
    # the recipient masked: a mail log names no one
    log.info("mail %s (%s) sent to %s", message.id, message.template, mask_email(message.to_addr))
    return Delivery(sent=1)


def send_pending(limit: int = 100, progress=None) -> Delivery:
    """Deliver the queued messages that are due, over SMTP. Does nothing without SMTP.

    Each message's failure is its own: one the server refuses for good (5xx) or the mail library
    cannot build is marked failed with the reason and the others go on; a transient one (4xx) is
    retried after a backoff, ``MAIL_MAX_ATTEMPTS`` times at most. When the server cannot be reached
    (or drops the connection) the run stops: the message being sent counts an attempt, the rest
    wait for the next run. Rows are claimed with SKIP LOCKED on PostgreSQL so two workers never
    send one message twice; the claim is held (one transaction) while they are sent.
    """
    if not smtp_configured():
        return Delivery()
    query = db.select(OutboxMessage).where(due_query()).order_by(OutboxMessage.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with atomic():
        messages = list(db.session.scalars(query))
        render_pending(messages)
        done = Delivery(failed_ids=tuple(m.id for m in messages if m.status == OutboxStatus.FAILED))
        done = done._replace(failed=len(done.failed_ids))
        messages = [m for m in messages if m.status == OutboxStatus.QUEUED]
        if not messages:
            return done
        try:
            conn = _smtp()
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail: cannot connect to the SMTP server: %s", exc)
            retrying = failed = 0
            ids = []
            for m in messages:
                if _attempt_failed(m, f"connect: {exc}", permanent=False):
                    failed, ids = failed + 1, [*ids, m.id]
                else:
                    retrying += 1
            return done + Delivery(failed=failed, retrying=retrying, failed_ids=tuple(ids),
                                   smtp_error=f"connect: {exc}")
        with conn:
            for m in messages:
                try:
                    done += _send_one(conn, m)
                except _StopBatch as stop:
                    gave_up = m.status == OutboxStatus.FAILED
                    done += Delivery(failed=int(gave_up), retrying=int(not gave_up),
                                     failed_ids=(m.id,) if gave_up else (), smtp_error=str(stop))
                    break
                finally:
                    if progress:
                        progress(1)
    return done


def deliver(limit: int = 100, batches: int | None = None) -> tuple[int, int]:
    """The "mail.deliver" job: send what is due, ``limit`` at a time, until nothing due is left (or
    after ``batches`` batches) or the server cannot be reached. Returns (sent, failed)."""
    total, done = Delivery(), 0
    while True:
        batch = send_pending(limit=limit)
        total, done = total + batch, done + 1
        if batch.smtp_error or batch.sent + batch.failed + batch.retrying < limit or done == batches:
            return total.sent, total.failed


def init_app(app: Flask) -> None:
    register_job(app, "mail.deliver", deliver, every=dt.timedelta(minutes=1))
