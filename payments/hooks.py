"""What payments does when an order moves (orders.status.order_status_changed), and its jobs: the
Stripe calls enqueued to run once the move has committed, and the periodic reconcile."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _

from marketplace.extensions import db
from marketplace.jobs import enqueue, register_job
from orders.models import OrderStatus

S = OrderStatus


def on_status_signal(sender, order, from_status, to_status, actor=None, note="", **extra) -> None:
    """Receiver of orders.status.order_status_changed (sent inside the move's transaction)."""
    on_status(order, from_status, to_status, actor, note)


def on_status(order, from_status, to_status, actor, note) -> None:
    from payments import offline, payouts, refunds, services

    if to_status == S.PAID and not services.settling.get():
        # The merchant confirmed an offline payment through the orders pages: book it.
        offline.record_offline(order, actor)
    elif to_status in (S.CANCELLED, S.EXPIRED):
        # Nothing is owed for a cancelled order: its open payments are void (a paid one is refunded).
        offline.void(order, actor, note or _("订单已取消"))
        _void_online(order, actor)
    if to_status == S.CANCELLED and from_status in (S.PAID, S.ACCEPTED, S.SHIPPED, S.READY_FOR_PICKUP):
        from payments import credit

        credit.on_cancelled(order)  # bought on credit: nothing to refund, nothing owed any more
        if refunds.refundable_cents(order) > 0:
            refund = refunds._create(order, actor, None, None, note or _("订单取消，自动退款"), False,
                                     f"refund-cancel-o{order.id}")
            if refund.status.value == "pending":
                queue("refund", refund.id)
    elif to_status == S.COMPLETED:
        transfer = payouts.transfer_for_completed(order)
        if transfer is not None:
            queue("transfer", transfer.id)


def _void_online(order, actor) -> None:
    """A group's open WeChat Pay / Alipay trade once nothing of the group is due online any more: void
    here, closed at the provider after the commit (money that still arrives is refunded by settlement)."""
    import sqlalchemy as sa

    from orders.models import OrderGroup
    from payments import services
    from payments.models import Payment, PaymentMethod, PaymentStatus
    from payments.status import PAYMENT_MACHINE

    group = db.session.get(OrderGroup, order.group_id)
    if any(o.id != order.id for o in services.online_due(group)):
        return
    for payment in db.session.scalars(sa.select(Payment).where(
            Payment.group_id == group.id, Payment.order_id.is_(None),
            Payment.method.in_([PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY]),
            Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.PROCESSING]))).all():
        PAYMENT_MACHINE.move(payment, PaymentStatus.CANCELED, actor=actor, note=_("订单已取消"))
        enqueue("payments.close_trade", payment_id=payment.id)


def queue(kind: str, row_id: int) -> None:
    """Send a refund or transfer once the order's move has committed (after the request)."""
    if kind == "refund":
        enqueue("payments.refund", refund_id=row_id)
    else:
        enqueue("payments.transfer", transfer_id=row_id)


def refund_job(refund_id: int) -> None:
    """Send a pending refund to the gateway. Whatever fails stays pending for ``payments.reconcile``."""
    from payments.models import Refund
    from payments.refunds import execute_refund

    row = db.session.get(Refund, refund_id)
    if row is not None:
        execute_refund(row)


def transfer_job(transfer_id: int) -> None:
    """Send a shop's Connect transfer. A failure is recorded on the transfer and retried by reconcile."""
    from payments.models import Transfer
    from payments.payouts import execute_transfer

    row = db.session.get(Transfer, transfer_id)
    if row is not None:
        execute_transfer(row)


def close_trade_job(payment_id: int) -> None:
    """Close a voided WeChat Pay / Alipay trade at the provider, so the buyer can no longer pay it."""
    from payments import online
    from payments.models import Payment

    row = db.session.get(Payment, payment_id)
    if row is not None:
        online.close_trade(row)


def reconcile_job():
    """Every 10 minutes: lost webhooks, pending refunds, failed payouts (``payments reconcile``)."""
    from payments.reconcile import reconcile

    return reconcile()


def wechat_bill_job():
    """Every 6 hours (the day's bill is ready from 10:00): yesterday's WeChat Pay bill against our
    books, fees booked once (``payments wechat-bill``)."""
    from payments.wechat_bill import bill_job

    return bill_job()


def statements_job():
    """Every hour: issue last month's open credit statements and mark unpaid ones overdue."""
    from payments.credit import issue_and_age

    return issue_and_age()


def register_jobs(app) -> None:
    register_job(app, "payments.statements", statements_job, every=timedelta(hours=1))
    register_job(app, "payments.refund", refund_job)
    register_job(app, "payments.transfer", transfer_job)
    register_job(app, "payments.close_trade", close_trade_job)
    register_job(app, "payments.reconcile", reconcile_job, every=timedelta(minutes=10))
    register_job(app, "payments.wechat_bill", wechat_bill_job, every=timedelta(hours=6))
