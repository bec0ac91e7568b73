"""What payments does when an order moves (orders.status.order_status_changed), and the
Stripe calls queued to run after the request's transaction has committed."""

from __future__ import annotations

from flask import g, has_app_context
from flask_babel import gettext as _

from marketplace.extensions import db
from orders.models import OrderStatus

S = OrderStatus


def on_status_signal(sender, order, from_status, to_status, actor=None, note="", **extra) -> None:
    """Receiver of orders.status.order_status_changed (sent inside the move's transaction)."""
    on_status(order, from_status, to_status, actor, note)


def on_status(order, from_status, to_status, actor, note) -> None:
    from payments import payouts, refunds, services

    if to_status == S.PAID and not services.settling.get():
        # The merchant confirmed an offline payment through the orders pages: book it.
        services.record_offline(order, actor)
    elif to_status == S.CANCELLED and from_status in (S.PAID, S.ACCEPTED):
        if refunds.refundable_cents(order) > 0:
            refund = refunds._create(order, actor, None, None, note or _("订单取消，自动退款"), False,
                                     f"refund-cancel-o{order.id}")
            if refund.status.value == "pending":
                queue("refund", refund.id)
    elif to_status == S.COMPLETED:
        transfer = payouts.transfer_for_completed(order)
        if transfer is not None:
            queue("transfer", transfer.id)


def queue(kind: str, row_id: int) -> None:
    if has_app_context():
        g.setdefault("payments_queue", []).append((kind, row_id))


def run_queued(response=None):
    """After the request (its transaction committed): send the queued refunds and transfers.
    Whatever fails here stays pending and ``payments reconcile`` sends it later."""
    items = g.pop("payments_queue", None) if has_app_context() else None
    if not items:
        return response
    from payments.models import Refund, Transfer
    from payments.payouts import execute_transfer
    from payments.refunds import execute_refund

    for kind, row_id in items:
        try:
            if kind == "refund":
                row = db.session.get(Refund, row_id)
                if row is not None:
                    execute_refund(row)
            else:
                row = db.session.get(Transfer, row_id)
                if row is not None:
                    execute_transfer(row)
        except Exception:  # noqa: BLE001 - never break the response; reconcile retries
            db.session.rollback()
            import logging

            logging.getLogger(__name__).exception("payments: queued %s %s failed", kind, row_id)
    return response
