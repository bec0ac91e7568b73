"""What payments does when a weighed line settles (orders.weighing.line_weighed): a shortfall goes
back to the buyer through the one refund path (payments.refunds), so the ledger stays balanced; an
order bought on credit owes less on its statement instead (payments.credit); an order to be paid at
handover and not paid yet collects less (the open payment's amount drops, and when the merchant
confirms it, payments.offline books the full payment and the shortfall as a refund he gave on the
spot, so the ledger reads as in the other cases)."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace import money


def on_line_weighed(sender, weighing, order, actor=None, **extra) -> None:
    """Receiver, inside the weighing's transaction: a refund that fails rolls the weighing back."""
    from payments import credit, hooks, offline, refunds

    owed = -weighing.difference_cents
    if owed <= 0:
        return  # exact, or over: the buyer pays at most for what he ordered
    if refunds.payment_of(order) is None and (due := offline.handover_payment(order)) is not None:
        cut = min(owed, due.amount_cents)
        due.amount_cents -= cut
        weighing.refunded_cents = cut
        return
    if refunds.payment_of(order) is None:
        weighing.refunded_cents = credit.reduce_for_weighing(order, owed)
        return
    amount = min(owed, refunds.refundable_cents(order))
    if amount <= 0:
        return
    reason = _("称重结算：%(title)s 实际重量不足，退还 %(amount)s", title=weighing.line.product_title,
               amount=money.format_cents(amount))
    refund = refunds._create(order, actor, amount, None, reason, False, f"refund-weigh-l{weighing.order_line_id}")
    weighing.refunded_cents = amount
    if refund.status.value == "pending":
        hooks.queue("refund", refund.id)
