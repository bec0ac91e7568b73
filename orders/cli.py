"""``flask --app marketplace orders expire | complete-delivered``: the time-driven order moves.

Run both every few minutes from cron or a systemd timer; order pages also expire lazily.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

orders_cli = AppGroup("orders", help="Orders: expire unpaid orders, complete delivered ones.")


@orders_cli.command("expire")
def expire_command() -> None:
    """Expire orders unpaid after ORDER_PAYMENT_TIMEOUT_MINUTES and give their stock back."""
    from orders.fulfilment import expire_overdue, overdue_ids

    total = len(overdue_ids())
    with click.progressbar(length=total, label=f"Expiring {total} unpaid orders") as bar:
        done = expire_overdue(progress=bar.update)
    click.echo(f"{done} orders expired.")


@orders_cli.command("complete-delivered")
def complete_command() -> None:
    """Complete orders delivered more than ORDER_AUTO_COMPLETE_DAYS ago."""
    from orders.fulfilment import complete_delivered, delivered_ids

    total = len(delivered_ids())
    with click.progressbar(length=total, label=f"Completing {total} delivered orders") as bar:
        done = complete_delivered(progress=bar.update)
    click.echo(f"{done} orders completed.")


def register(app: Flask) -> None:
    app.cli.add_command(orders_cli)
