"""``flask --app marketplace orders expire | complete-delivered``: deprecated aliases.

The time-driven order moves are the periodic jobs "orders.expire_overdue" and
"orders.auto_complete" (orders/jobs.py), run by ``flask --app marketplace jobs run-due`` from
cron; these two commands run them at once and will be removed.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

orders_cli = AppGroup("orders", help="Orders (deprecated: use `jobs run-due` or `jobs run orders.<job>`).")


def _run(job: str) -> int:
    from marketplace.jobs.periodic import run_now

    click.echo(f"Deprecated: this command is the job {job!r}; cron should call "
               f"`flask --app marketplace jobs run-due` (or `jobs run {job}`).", err=True)
    return run_now(current_app._get_current_object(), job)


@orders_cli.command("expire")
def expire_command() -> None:
    """Deprecated alias of `jobs run orders.expire_overdue`."""
    click.echo(f"{_run('orders.expire_overdue')} orders expired.")


@orders_cli.command("complete-delivered")
def complete_command() -> None:
    """Deprecated alias of `jobs run orders.auto_complete`."""
    click.echo(f"{_run('orders.auto_complete')} orders completed.")


def register(app: Flask) -> None:
    app.cli.add_command(orders_cli)
