"""The time-driven order moves as periodic jobs (``flask --app marketplace jobs run-due``).

Order pages also expire overdue orders lazily (``ORDER_LAZY_EXPIRY``), so a buyer never sees an
order payable after its time even when the job has not run yet.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from marketplace.jobs import register_job


def expire_overdue() -> int:
    """Expire orders unpaid after ORDER_PAYMENT_TIMEOUT_MINUTES; their stock goes back. How many."""
    from orders.fulfilment import expire_overdue as expire

    return expire()


def auto_complete() -> int:
    """Complete orders delivered more than ORDER_AUTO_COMPLETE_DAYS ago. How many."""
    from orders.fulfilment import complete_delivered

    return complete_delivered()


def register(app: Flask) -> None:
    register_job(app, "orders.expire_overdue", expire_overdue, every=timedelta(minutes=5))
    register_job(app, "orders.auto_complete", auto_complete, every=timedelta(hours=1))
