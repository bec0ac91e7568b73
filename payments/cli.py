"""``flask --app marketplace payments reconcile | payouts | wechat-bill``. Run reconcile every few minutes
(the job runner does), the bill daily."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask
from flask.cli import AppGroup

payments_cli = AppGroup("payments", help="Payments: reconcile with Stripe, retry payouts.")


@payments_cli.command("reconcile")
def reconcile_command() -> None:
    """Settle intents whose webhook was lost, refund payments for expired groups, send pending
    refunds and retry failed transfers."""
    from payments.reconcile import reconcile

    r = reconcile()
    click.echo(f"{r.checked} open intents checked, {r.settled} settled, {r.refunds} refunds sent, "
               f"{r.payouts} payouts sent, {r.payouts_failing} still failing, {r.errors} errors.")


@payments_cli.command("payouts")
def payouts_command() -> None:
    """Retry pending and failed Connect transfers and reversals."""
    from payments.payouts import retry_payouts

    sent, failing = retry_payouts()
    click.echo(f"{sent} payouts sent, {failing} still failing.")


@payments_cli.command("wechat-bill")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The bill's day (YYYY-MM-DD); default yesterday, Beijing time.")
def wechat_bill_command(day) -> None:
    """Read WeChat Pay's trade bill of a day against the books: book its fees once, settle trades
    whose notification was lost, list what does not match."""
    from payments import wechatpay
    from payments.credit import local_now
    from payments.wechat_bill import reconcile_day

    if not wechatpay.enabled():
        raise click.ClickException("WeChat Pay is not configured (WECHATPAY_* settings): nothing to read")
    wanted = day.date() if day else local_now().date() - dt.timedelta(days=1)
    try:
        report = reconcile_day(wanted)
    except wechatpay.WeChatPayError as exc:
        raise click.ClickException(f"the bill of {wanted} could not be read ({exc}); bills are ready from 10:00 "
                                   "Beijing time the next day, and a day without trades has none") from None
    click.echo(f"{report.day}: {report.rows} rows, {report.fees_booked} fees booked, {report.settled} trades settled, "
               f"{len(report.problems)} problems")
    for problem in report.problems:
        click.echo(f"  {problem}")


def register(app: Flask) -> None:
    app.cli.add_command(payments_cli)
