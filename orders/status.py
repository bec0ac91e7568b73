"""The order status machine and the one set_status() that every move goes through."""

from __future__ import annotations

from flask import current_app
from flask.signals import Namespace
from flask_babel import lazy_gettext as _l

from marketplace.states import StateMachine
from orders.models import Order, OrderStatus, OrderStatusChange

S = OrderStatus

#: Sent after every move, inside the caller's transaction: ``sender`` is the app; keyword arguments
#: order, from_status, to_status, actor, note. payments.hooks listens for cancelled paid orders
#: (refunds); a receiver that raises rolls the move back.
order_status_changed = Namespace().signal("order-status-changed")

STATUS_LABELS = {
    S.PENDING_PAYMENT: _l("待付款"),
    S.PAID: _l("已付款"),
    S.ACCEPTED: _l("已接单"),
    S.SHIPPED: _l("已发货"),
    S.READY_FOR_PICKUP: _l("待自提"),
    S.DELIVERED: _l("已送达"),
    S.COMPLETED: _l("已完成"),
    S.CANCELLED: _l("已取消"),
    S.EXPIRED: _l("已过期"),
}

STATUS_BADGES = {S.PENDING_PAYMENT: "badge-warn", S.CANCELLED: "badge-err", S.EXPIRED: "badge-err",
                 S.COMPLETED: "badge-ok", S.DELIVERED: "badge-ok"}

#: The timestamp column each status sets.
_STAMPS = {S.PAID: "paid_at", S.ACCEPTED: "accepted_at", S.SHIPPED: "shipped_at", S.READY_FOR_PICKUP: "ready_at",
           S.DELIVERED: "delivered_at", S.COMPLETED: "completed_at", S.CANCELLED: "cancelled_at",
           S.EXPIRED: "cancelled_at"}

ORDER_MACHINE = StateMachine("order", {
    # pending -> accepted: only for an order paid at handover (see pays_at_handover).
    S.PENDING_PAYMENT: {S.PAID, S.ACCEPTED, S.CANCELLED, S.EXPIRED},
    S.PAID: {S.ACCEPTED, S.CANCELLED},
    S.ACCEPTED: {S.SHIPPED, S.READY_FOR_PICKUP, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED},
    S.READY_FOR_PICKUP: {S.DELIVERED},
    S.DELIVERED: {S.COMPLETED},
}, labels=STATUS_LABELS, history=OrderStatusChange, history_key="order_id", stamps=_STAMPS)

#: Statuses that end an order without a sale: their stock goes back.
RELEASING = {S.CANCELLED: "order_cancelled", S.EXPIRED: "order_expired"}


def _weighed_deltas(order: Order) -> dict[int, int]:
    from marketplace.extensions import db
    from orders.terms_models import LineWeighing

    return dict(db.session.execute(db.select(LineWeighing.order_line_id, LineWeighing.stock_delta)
                                   .where(LineWeighing.order_id == order.id)).all())


#: Callables ``(order) -> {order line id: units}`` registered by other domains: units of a line
#: already put back in stock (payments: a refund with restock), which a cancellation must not
#: release a second time.
RESTOCKED: list = []


def _already_back(order: Order) -> dict[int, int]:
    back: dict[int, int] = {}
    for source in RESTOCKED:
        for line_id, units in source(order).items():
            back[line_id] = back.get(line_id, 0) + units
    return back


def outstanding_units(order: Order) -> dict[int, int]:
    """{order line id: units the order still holds of it}: the ordered quantity less what a weighing
    gave back (or plus what it took) and what a refund restocked. Before the handover these are the
    units the order keeps reserved out of stock (what a cancellation releases, what trace allocates
    to batches when the goods leave)."""
    weighed = _weighed_deltas(order)
    back = _already_back(order)
    return {line.id: max(0, line.quantity - weighed.get(line.id, 0) - back.get(line.id, 0)) for line in order.lines}


#: Callables ``(order) -> bool`` registered by the payments domain: True when the order is paid at
#: handover (货到付款, 到店自提付款), so the merchant accepts and ships it before the money arrives.
HANDOVER_CHECKS: list = []


def pays_at_handover(order: Order) -> bool:
    return any(check(order) for check in HANDOVER_CHECKS)


def status_label(status: OrderStatus) -> str:
    return str(STATUS_LABELS[OrderStatus(status)])


def set_status(order: Order, target: OrderStatus, *, actor=None, note: str = "", notify: bool = True,
               **fields) -> OrderStatusChange:
    """Move ``order`` to ``target`` or raise InvalidTransition; record who/when/why.

    The move is a conditional UPDATE on the current status, so two concurrent moves (the expiry job
    and a payment, say) cannot both win. Cancelling or expiring gives the stock back; e-mails go to
    the outbox. ``fields`` are other columns to set with the move (carrier, pickup code...).
    The caller commits.
    """
    target = OrderStatus(target)
    current = order.status
    change = ORDER_MACHINE.move(order, target, actor=actor, note=note, **fields)
    if target in RELEASING:
        from catalog.services.stock import release_many

        quantities: dict[int, int] = {}
        # A line weighed at handover already moved the difference (orders.weighing), and units a
        # refund restocked are back already: release the rest, never a unit twice.
        rest = outstanding_units(order) if current != S.PENDING_PAYMENT else {ln.id: ln.quantity for ln in order.lines}
        for line in order.lines:
            if line.variant_id is not None:
                quantities[line.variant_id] = quantities.get(line.variant_id, 0) + rest[line.id]
        release_many(quantities, kind=RELEASING[target], order_ids=dict.fromkeys(quantities, order.id),
                     actor_id=getattr(actor, "id", None))
    if notify:
        from orders.notify import notify_status

        notify_status(order, target, note=note)
    order_status_changed.send(current_app._get_current_object(), order=order, from_status=current,
                              to_status=target, actor=actor, note=note)
    return change
