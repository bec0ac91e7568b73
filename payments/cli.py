"""``flask --app marketplace payments reconcile | payouts``. Run reconcile every few minutes."""

from __future__ import annotations

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


def register(app: Flask) -> None:
    app.cli.add_command(payments_cli)
