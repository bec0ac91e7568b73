"""Units of a handed-over order line that come back, or leave in addition, move the batch they were
shipped from, so a batch-tracked variant's stock stays what its batches hold. orders.line_stock calls
these hooks by order line, in the transaction of the refund, after-sale or weighing, before the stock
module releases or after it takes the units.

* Before the handover nothing is allocated: units a refund or a weighing gives back return to stock
  and the order holds that many fewer (orders.status.outstanding_units), which is what the
  allocation takes when the goods leave. Nothing to do here.
* Back (``put_back``), after the handover: into the line's allocations, last allocated first. Into
  the batch's ``remaining`` (the allocation's ``returned``) while the batch is active and not past
  its expiry date; otherwise ``discarded``: withheld from stock, because a recalled or expired batch
  must never be sold again (the merchant disposes of them, as for a write-off). Units no allocation
  covers (the line left the shop before the variant was tracked) are withheld too: no batch can
  vouch for them; the merchant records a batch if they are fit to sell.
* More (``take_more``), after the handover: a weighing that found more takes the units from the
  batch the line came from while it is active and has them, then first-expiring-first from the
  variant's other active batches; refused (TraceError, nothing changes) when they cannot give them.

Every batch concerned is locked (``FOR UPDATE``, id order, read fresh) before it is read, as the
allocation does: a recall committed meanwhile is seen, and its batch gets nothing back.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.extensions import db
from orders.models import Order, OrderStatus
from trace import validation
from trace.allocation import fefo_key, take_units
from trace.errors import TraceError
from trace.models import Allocation, Batch, BatchStatus

#: The goods have left the shop (allocated to batches if tracked then).
HANDED_OVER = (OrderStatus.SHIPPED, OrderStatus.READY_FOR_PICKUP, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def _lock(where) -> list[Batch]:
    return list(db.session.scalars(sa.select(Batch).where(where).order_by(Batch.id).with_for_update()
                                   .execution_options(populate_existing=True)))


def _allocations(line_ids) -> list[Allocation]:
    return list(db.session.scalars(sa.select(Allocation).where(Allocation.order_line_id.in_(list(line_ids)))
                                   .order_by(Allocation.id).with_for_update()
                                   .execution_options(populate_existing=True)))


def sellable_again(batch: Batch) -> bool:
    """Units coming back may join the batch: it is active and not past its expiry date."""
    return batch.status == BatchStatus.ACTIVE and (batch.expires_on is None
                                                   or batch.expires_on >= validation.local_today())


def _tracked_lines(order: Order, units: Mapping[int, int]) -> dict[int, int]:
    """{line id: variant id} of the lines in ``units`` whose variant has batches."""
    variants = {line.id: line.variant_id for line in order.lines if line.id in units and line.variant_id is not None}
    if not variants:
        return {}
    tracked = set(db.session.scalars(sa.select(Batch.variant_id).where(Batch.variant_id.in_(set(variants.values())))
                                     .distinct()))
    return {lid: vid for lid, vid in variants.items() if vid in tracked}


def put_back(order: Order, units: Mapping[int, int], *, actor_id: int | None = None) -> dict[int, int]:
    """orders.line_stock.PUT_BACK: return handed-over units into their batches; the units withheld
    from stock per line (recalled or expired batch, or no batch to return them to)."""
    if order.status not in HANDED_OVER:
        return {}
    lines = _tracked_lines(order, units)
    if not lines:
        return {}
    allocations = _allocations(lines)
    batches = {b.id: b for b in _lock(Batch.id.in_({a.batch_id for a in allocations}))} if allocations else {}
    withheld: dict[int, int] = {}
    for line_id in lines:
        need = units[line_id]
        for allocation in reversed([a for a in allocations if a.order_line_id == line_id]):
            give = min(need, allocation.held)
            if give <= 0:
                continue
            batch = batches[allocation.batch_id]
            if sellable_again(batch):
                db.session.execute(sa.update(Batch).where(Batch.id == batch.id)
                                   .values(remaining=Batch.remaining + give).execution_options(synchronize_session=False))
                db.session.refresh(batch, ["remaining"])
                allocation.returned += give
            else:
                allocation.discarded += give
                withheld[line_id] = withheld.get(line_id, 0) + give
            need -= give
        if need:
            withheld[line_id] = withheld.get(line_id, 0) + need
    db.session.flush()
    return withheld


def take_more(order: Order, units: Mapping[int, int], *, actor_id: int | None = None) -> None:
    """orders.line_stock.TAKE: more units of handed-over lines left the shop (a weighing found more):
    take them from the line's batch, then first-expiring-first; TraceError when the batches cannot."""
    if order.status not in HANDED_OVER:
        return
    lines = _tracked_lines(order, units)
    if not lines:
        return
    batches = _lock(Batch.variant_id.in_(set(lines.values())))
    allocations = _allocations(lines)
    titles = {line.id: line.product_title for line in order.lines}
    for line_id, variant_id in lines.items():
        own = [a for a in allocations if a.order_line_id == line_id]
        by_batch = {a.batch_id: a for a in own}
        first = [b for a in reversed(own) for b in batches if b.id == a.batch_id]
        rest = sorted((b for b in batches if b.variant_id == variant_id and b.id not in by_batch), key=fefo_key)
        need = units[line_id]
        for batch in [*first, *rest]:
            give = min(need, batch.remaining) if batch.status == BatchStatus.ACTIVE else 0
            if give <= 0:
                continue
            take_units(batch, give)
            if batch.id in by_batch:
                by_batch[batch.id].quantity += give
            else:
                by_batch[batch.id] = Allocation(batch_id=batch.id, order_id=order.id, order_line_id=line_id,
                                                buyer_id=order.buyer_id, quantity=give)
                db.session.add(by_batch[batch.id])
            need -= give
            if need == 0:
                break
        if need:
            raise TraceError(_("%(title)s：可用批次数量不足（缺 %(n)d），请先登记批次", title=titles[line_id], n=need),
                             status=409, code="batch_short")
    db.session.flush()
