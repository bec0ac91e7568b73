"""What payments adds to the dashboards: the refunds every sales figure takes off (orders.figures
cannot read refunds: payments sits above orders) and the offline payments waiting for the merchant.
A refund counts once it succeeded (a pending Stripe refund has given nothing back yet)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import gettext as _

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.figures import Action
from orders.models import Order, OrderStatus
from payments.models import Payment, PaymentMethod, PaymentStatus, Refund, RefundLine, RefundStatus

OPEN = (PaymentStatus.PENDING, PaymentStatus.PROCESSING)


def refunded_on_order(order_id) -> sa.ScalarSelect:
    return (sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0))
            .where(Refund.order_id == order_id, Refund.status == RefundStatus.SUCCEEDED).scalar_subquery())


def _on_line(column):
    def expression(line_id) -> sa.ScalarSelect:
        return (sa.select(sa.func.coalesce(sa.func.sum(column), 0)).join(Refund, Refund.id == RefundLine.refund_id)
                .where(RefundLine.order_line_id == line_id, Refund.status == RefundStatus.SUCCEEDED)
                .scalar_subquery())
    return expression


refunded_on_line = _on_line(RefundLine.amount_cents)
refunded_units_on_line = _on_line(RefundLine.quantity)


def actions(shop) -> list[Action]:
    """Unpaid orders the merchant must act on: paid at handover and waiting to be accepted, and bank
    transfers whose slip the buyer uploaded, waiting for the merchant to confirm the money."""
    counts = dict(db.session.execute(
        sa.select(Payment.method, sa.func.count(sa.distinct(Payment.order_id)))
        .join(Order, Order.id == Payment.order_id)
        .where(Order.shop_id == shop.id, Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at > utcnow(),
               Payment.status.in_(OPEN),
               sa.or_(Payment.method == PaymentMethod.CASH,
                      sa.and_(Payment.method == PaymentMethod.BANK_TRANSFER, Payment.slip_key.is_not(None))))
        .group_by(Payment.method)).all())
    url = url_for("orders.merchant_orders", status=OrderStatus.PENDING_PAYMENT.value)
    return [Action(_("货到付款待接单"), counts.get(PaymentMethod.CASH, 0), url, order=11,
                   hint=_("买家选择交货时付款，请确认接单")),
            Action(_("转账待确认"), counts.get(PaymentMethod.BANK_TRANSFER, 0), url, order=12,
                   hint=_("买家已上传转账凭证，请核对到账"))]


def register(app: Flask) -> None:
    from marketplace.domains import add_panel
    from orders.figures import register_refunds

    register_refunds(order=refunded_on_order, line_amount=refunded_on_line, line_quantity=refunded_units_on_line)
    add_panel(app, "merchant_actions", actions)
