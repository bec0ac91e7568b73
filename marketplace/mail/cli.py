"""``flask --app marketplace mail send|list``: deliver the outbox, or look at it."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage, OutboxStatus
from marketplace.mail.services import (
    Delivery,
    due_query,
    max_attempts,
    render_pending,
    send_pending,
    smtp_configured,
)

mail_cli = AppGroup("mail", help="The e-mail outbox: deliver queued mail, list messages.")

BATCH = 100


def _queued_count(*, due: bool = False) -> int:
    where = due_query() if due else OutboxMessage.status == OutboxStatus.QUEUED
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(where)) or 0


def _next_retry() -> str:
    at = db.session.scalar(sa.select(sa.func.min(OutboxMessage.next_attempt_at))
                           .where(OutboxMessage.status == OutboxStatus.QUEUED))
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "soon"


def _smtp_help(error: str | None) -> str:
    cfg = current_app.config
    where = f"{cfg['MAIL_SERVER']}:{cfg['MAIL_PORT']}"
    mode = "SSL" if cfg["MAIL_USE_SSL"] else ("STARTTLS" if cfg["MAIL_USE_TLS"] else "plain SMTP")
    lines = [
        f"Delivery failed: could not send through {where} ({mode}).",
        f"Last error: {error or 'unknown'}",
        "Check next:",
        "  - MAIL_SERVER and MAIL_PORT point at a reachable SMTP server (587 STARTTLS, 465 SSL, 25 plain);",
        "  - MAIL_USE_TLS / MAIL_USE_SSL match what that port speaks;",
        "  - MAIL_USERNAME / MAIL_PASSWORD are right, and MAIL_DEFAULT_SENDER is an address the server "
        "accepts as sender;",
        "  - a firewall lets this machine reach the server.",
        f"The messages stay queued and are retried with a growing delay (a message is marked failed after "
        f"{max_attempts()} attempts); run `mail send` again once the server is reachable.",
    ]
    return "\n".join(lines)


@mail_cli.command("send")
def send_command() -> None:
    """Deliver queued mail over SMTP (exits 1 when delivery fails)."""
    queued = _queued_count()
    if not smtp_configured():
        click.echo(f"SMTP is not configured (MAIL_SERVER is empty): {queued} message(s) stay in the outbox.")
        click.echo("A platform admin reads them at /admin/outbox (e.g. the demo's password-reset mail).")
        click.echo("To deliver mail, set MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD and run this again.")
        return
    due = _queued_count(due=True)
    if not due:
        click.echo("No queued mail." if not queued else
                   f"No mail is due: {queued} message(s) wait for a retry (next at {_next_retry()}).")
        return
    total = Delivery()
    with click.progressbar(length=due, label="Sending mail", file=sys.stderr) as bar:
        while True:
            batch = send_pending(limit=BATCH, progress=bar.update)
            total += batch
            # every message of a batch is sent, failed or waits for its retry: none comes back at once
            if batch.smtp_error or not (batch.sent or batch.failed or batch.retrying):
                break
    click.echo(f"Sent {total.sent} message(s).")
    _report_failures(total)
    if total.failed or total.smtp_error:
        sys.exit(1)


def _report_failures(total: Delivery) -> None:
    """Each message given up in this run with its reason; the SMTP advice when the server failed."""
    if total.failed_ids:
        click.echo(f"Failed {total.failed} message(s) for good (not retried; the admin sees them at "
                   f"/admin/outbox?status=failed):", err=True)
        rows = db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.last_error)
                                  .where(OutboxMessage.id.in_(total.failed_ids)).order_by(OutboxMessage.id))
        for message_id, reason in rows:
            click.echo(f"  #{message_id}: {reason}", err=True)
    if total.retrying and not total.smtp_error:
        click.echo(f"{total.retrying} message(s) failed for a transient reason and will be retried "
                   f"(next at {_next_retry()}).", err=True)
    if total.smtp_error:
        click.echo(_smtp_help(total.smtp_error), err=True)


@mail_cli.command("list")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]), default=None,
              help="Only messages with this status.")
@click.option("--limit", default=50, show_default=True, help="How many messages, newest first.")
def list_command(status: str | None, limit: int) -> None:
    """List outbox messages, newest first."""
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(OutboxMessage.status == OutboxStatus(status))
    with atomic():
        rows = db.session.scalars(stmt).all()
        render_pending(rows)  # subjects of mail queued unrendered
    if not rows:
        click.echo("The outbox is empty." if not status else f"No {status} messages.")
        return
    click.echo(f"{'id':>5}  {'status':7}  {'tries':>5}  {'created (UTC)':16}  {'to':30}  subject")
    for m in rows:
        created = m.created_at.strftime("%Y-%m-%d %H:%M") if m.created_at else ""
        click.echo(f"{m.id:>5}  {OutboxStatus(m.status).value:7}  {m.attempts:>5}  {created:16}  "
                   f"{m.to_addr[:30]:30}  {m.subject}")
        if m.last_error and m.status != OutboxStatus.SENT:
            retry = f" (retry at {m.next_attempt_at:%Y-%m-%d %H:%M})" if m.next_attempt_at else ""
            click.echo(f"{'':>5}  error: {m.last_error[:200]}{retry}")
    counts = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                     .group_by(OutboxMessage.status)).all())
    click.echo("Totals: " + ", ".join(f"{s.value} {counts.get(s, 0)}" for s in OutboxStatus))


def register(app: Flask) -> None:
    app.cli.add_command(mail_cli)
