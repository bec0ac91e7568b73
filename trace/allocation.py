"""Shipping an order allocates its lines to batches: first-expiring first (FEFO), or the batches the
merchant chose on the ship form. It reacts to the orders domain's status signal (orders does not
import trace): when an order becomes shipped or ready for pickup, the goods leave the shop.

Only variants with batches are allocated (a variant without any is not batch-tracked). Recalled
batches are never shipped. The batches of the order's variants are locked (``FOR UPDATE``, in id
order: two ships never deadlock) before they are read, and each take is a conditional UPDATE
(``remaining >= n``): two concurrent ships can never allocate the same units twice. A line whose
active batches cannot cover it refuses the shipment (the signal's receiver raising rolls the
status move back): for a batch-tracked variant the units reserved by an order were received in
some batch, so this only happens when a batch was recalled. A line takes the units its order still
holds (orders.status.outstanding_units: less what a weighing or a refund gave back before).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.extensions import db
from orders.models import Order, OrderLine, OrderStatus
from orders.status import outstanding_units
from trace.errors import TraceError
from trace.models import Allocation, Batch, BatchStatus

#: Statuses in which the goods have left the shop (delivery shipped, pickup handed over the counter).
LEAVING = (OrderStatus.SHIPPED, OrderStatus.READY_FOR_PICKUP)

#: The merchant's choice for the order being shipped in this context: {order line id: batch id}.
_chosen: contextvars.ContextVar[Mapping[int, int] | None] = contextvars.ContextVar("trace_chosen", default=None)


@contextlib.contextmanager
def chosen_batches(choices: Mapping[int, int] | None) -> Iterator[None]:
    """Within the block, a shipment allocates each listed line to the chosen batch."""
    token = _chosen.set(dict(choices or {}))
    try:
        yield
    finally:
        _chosen.reset(token)


def _far() -> dt.date:
    return dt.date(9999, 12, 31)


def fefo_key(batch: Batch) -> tuple:
    """First expiring first; then the oldest harvest; then the first recorded."""
    return batch.expires_on or _far(), batch.produced_on, batch.id


def take_units(batch: Batch, quantity: int) -> None:
    result = db.session.execute(sa.update(Batch).where(Batch.id == batch.id, Batch.remaining >= quantity)
                                .values(remaining=Batch.remaining - quantity)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # cannot happen under the lock; refuse rather than over-allocate
        raise TraceError(_("批次 %(code)s 剩余数量不足", code=batch.code), status=409, code="batch_short")
    set_committed_value(batch, "remaining", batch.remaining - quantity)


def plan_line(line: OrderLine, batches: list[Batch], chosen: int | None, quantity: int | None = None
              ) -> list[tuple[Batch, int]]:
    """Which batches give how much for the line's ``quantity`` (default: the ordered quantity;
    nothing is written)."""
    quantity = line.quantity if quantity is None else quantity
    active = [b for b in batches if b.status == BatchStatus.ACTIVE and b.remaining > 0]
    if chosen is not None:
        batch = next((b for b in batches if b.id == chosen), None)
        if batch is None or batch.status != BatchStatus.ACTIVE:
            raise TraceError(_("%(title)s：所选批次不可用", title=line.product_title), status=409, code="batch_unavailable")
        if batch.remaining < quantity:
            raise TraceError(_("%(title)s：所选批次 %(code)s 剩余 %(n)d，不够发货",
                               title=line.product_title, code=batch.code, n=batch.remaining),
                             status=409, code="batch_short")
        return [(batch, quantity)]
    plan, need = [], quantity
    for batch in sorted(active, key=fefo_key):
        if need == 0:
            break
        take = min(need, batch.remaining)
        plan.append((batch, take))
        need -= take
    if need:
        raise TraceError(_("%(title)s：可发货批次数量不足（缺 %(n)d），请先登记批次",
                           title=line.product_title, n=need), status=409, code="batch_short")
    return plan


def allocate_order(order: Order, choices: Mapping[int, int] | None = None) -> list[Allocation]:
    """Allocate every batch-tracked line of ``order`` (in the caller's transaction); idempotent:
    an order already allocated is left alone."""
    if db.session.scalar(sa.select(Allocation.id).where(Allocation.order_id == order.id).limit(1)) is not None:
        return []
    # the units the order still holds: less what a weighing or a refund gave back before the handover
    units = outstanding_units(order)
    lines = [line for line in order.lines if line.variant_id is not None and units[line.id] > 0]
    variant_ids = sorted({line.variant_id for line in lines})
    if not variant_ids:
        return []
    # Lock every batch of these variants, in id order, and read them fresh (populate_existing: the
    # values another transaction committed while this one waited for the lock).
    batches = list(db.session.scalars(sa.select(Batch).where(Batch.variant_id.in_(variant_ids))
                                      .order_by(Batch.id).with_for_update()
                                      .execution_options(populate_existing=True)))
    by_variant: dict[int, list[Batch]] = {}
    for batch in batches:
        by_variant.setdefault(batch.variant_id, []).append(batch)
    choices = dict(choices or {})
    made = []
    for line in lines:
        tracked = by_variant.get(line.variant_id)
        if not tracked:
            continue
        for batch, quantity in plan_line(line, tracked, choices.get(line.id), units[line.id]):
            take_units(batch, quantity)
            allocation = Allocation(batch_id=batch.id, order_id=order.id, order_line_id=line.id,
                                    buyer_id=order.buyer_id, quantity=quantity)
            db.session.add(allocation)
            made.append(allocation)
    db.session.flush()
    return made


def on_order_status(_app, *, order: Order, to_status, **_kw) -> None:
    """orders.status.order_status_changed: the goods leave the shop, allocate them to batches."""
    if to_status in LEAVING:
        allocate_order(order, _chosen.get())


def order_allocations(order_id: int) -> list[Allocation]:
    return list(db.session.scalars(sa.select(Allocation).where(Allocation.order_id == order_id)
                                   .order_by(Allocation.order_line_id, Allocation.id)))
