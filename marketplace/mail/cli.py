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
from marketplace.mail.services import render_pending, send_pending, smtp_configured

mail_cli = AppGroup("mail", help="The e-mail outbox: deliver queued mail, list messages.")

BATCH = 100


def _queued_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))
                             .where(OutboxMessage.status == OutboxStatus.QUEUED)) or 0


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
        "The messages stay queued (a message is marked failed after 5 attempts); run `mail send` again.",
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
    if not queued:
        click.echo("No queued mail.")
        return
    sent_total = failed_total = 0
    with click.progressbar(length=queued, label="Sending mail", file=sys.stderr) as bar:
        while True:
            sent, failed = send_pending(limit=BATCH, progress=bar.update)
            sent_total += sent
            failed_total += failed
            if failed or not sent:
                break
    click.echo(f"Sent {sent_total} message(s).")
    if failed_total:
        last_error = db.session.scalar(
            sa.select(OutboxMessage.last_error).where(OutboxMessage.last_error.is_not(None))
            .order_by(OutboxMessage.id.desc()).limit(1))
        click.echo(_smtp_help(last_error), err=True)
        sys.exit(1)


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
    counts = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                     .group_by(OutboxMessage.status)).all())
    click.echo("Totals: " + ", ".join(f"{s.value} {counts.get(s, 0)}" for s in OutboxStatus))


def register(app: Flask) -> None:
    app.cli.add_command(mail_cli)
