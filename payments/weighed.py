"""What payments does when a weighed line settles (orders.weighing.line_weighed), 多退少补 both ways.

A shortfall goes back to the buyer: through the one refund path (payments.refunds) once the order
is paid, so the ledger stays balanced; off the credit statement for an order bought on credit
(payments.credit); off what is collected for an order paid at handover and not paid yet (the open
payment's amount drops; when the merchant confirms it, payments.offline books the full payment and
the shortfall as a refund he gave on the spot, so the ledger reads as in the other cases).

An overage is charged when the line's terms say so (``OrderLine.weigh_charges_over``, the shop's
choice the buyer accepted): onto the credit statement, onto what is collected at handover, or, when
the order was paid already, as an amount the merchant collects at handover and confirms
(``collect``): a payment of its own, booked as a ``weighed_charge`` posting with the commission at
the order's rate. The refundable amount of an order stays its total: an overage paid is not
refunded through the refund form.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace import money
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from orders.models import Order, OrderStatus
from orders.terms_models import LineWeighing
from orders.weighing import COLLECT, CREDIT, HANDOVER  # how an overage is paid
from payments.errors import PaymentError


def on_line_weighed(sender, weighing, order, actor=None, **extra) -> None:
    """Receiver, inside the weighing's transaction: a refund that fails rolls the weighing back."""
    if weighing.difference_cents > 0:
        _charge(weighing, order)
    elif weighing.difference_cents < 0:
        _give_back(weighing, order, actor)


def _give_back(weighing, order, actor) -> None:
    from payments import credit, hooks, offline, refunds

    owed = -weighing.difference_cents
    if refunds.payment_of(order) is None:  # not paid yet: at handover, or on credit
        if (due := offline.handover_payment(order)) is not None:
            cut = min(owed, due.amount_cents)
            due.amount_cents -= cut
            weighing.refunded_cents = cut
        else:
            weighing.refunded_cents = credit.reduce_charge(order, owed)
        return
    amount = min(owed, refunds.refundable_cents(order))
    if amount <= 0:
        return
    reason = _("称重结算：%(title)s 实际重量不足，退还 %(amount)s", title=weighing.line.product_title,
               amount=money.format_cents(amount))
    refund = refunds._create(order, actor, amount, None, reason, False, f"refund-weigh-l{weighing.order_line_id}",
                             tell=False)  # the weighing's notice says it
    weighing.refunded_cents = amount
    if refund.status.value == "pending":
        hooks.queue("refund", refund.id)


def _charge(weighing, order) -> None:
    from payments import credit, offline, refunds

    if not weighing.line.weigh_charges_over:
        return  # the buyer accepted "an overage is not charged"
    extra = weighing.difference_cents
    weighing.charged_cents = extra
    unpaid = refunds.payment_of(order) is None
    if unpaid and (due := offline.handover_payment(order)) is not None:
        due.amount_cents += extra
        weighing.charge_via = HANDOVER
    elif unpaid and credit.add_for_weighing(order, extra):
        weighing.charge_via = CREDIT
    else:
        weighing.charge_via = COLLECT


def owed(order: Order) -> tuple[int, list[LineWeighing]]:
    """What the buyer still owes the merchant for overages to collect on their own, and their rows."""
    rows = list(db.session.scalars(sa.select(LineWeighing).where(
        LineWeighing.order_id == order.id, LineWeighing.charge_via == COLLECT,
        LineWeighing.charge_settled_at.is_(None), LineWeighing.charged_cents > 0).order_by(LineWeighing.id)))
    return sum(r.charged_cents for r in rows), rows


def collect(order: Order, actor, method: str = "cash"):
    """The merchant received what the buyer owed for overages (cash or a scan at handover): one
    payment of that sum, booked. Confirming twice (a double click, two clerks at once) is one
    effect: the second finds nothing owed and returns None."""
    from payments import ledger, refunds
    from payments.models import HANDOVER_METHODS, Payment, PaymentMethod, PaymentStatus
    from payments.status import PAYMENT_MACHINE
    from payments.stripe_api import currency

    try:
        method = PaymentMethod(method)
    except ValueError:
        raise PaymentError(_("不支持的付款方式")) from None
    if method not in HANDOVER_METHODS:
        raise PaymentError(_("不支持的付款方式"))
    if order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        raise PaymentError(_("订单已取消，无需补款"), status=409, code="nothing_owed")
    with atomic():
        refunds.lock_order(order)  # serialise: a concurrent twin waits here, then finds nothing owed
        amount, rows = owed(order)
        if amount <= 0:
            return None
        payment = Payment(group_id=order.group_id, order_id=order.id, method=method, amount_cents=amount,
                          currency=currency(), idempotency_key=f"weighed-charge-o{order.id}-w{rows[0].id}")
        db.session.add(payment)
        db.session.flush()
        PAYMENT_MACHINE.move(payment, PaymentStatus.SUCCEEDED, actor=actor, note=_("称重结算：收到多出部分的补款"))
        ledger.post_weighed_charge(order, payment, amount)
        now = utcnow()
        for row in rows:
            row.charge_settled_at = now
    return payment
