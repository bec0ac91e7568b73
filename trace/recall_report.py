"""The recall report: who received the recalled goods, how much of which batch in which order, and
whether each buyer acknowledged; totals per batch. Two statements whatever the number of buyers."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db
from orders.models import Order
from trace.models import Allocation, Batch
from trace.recall_models import Recall, RecallNotice


@dataclass
class BuyerRow:
    buyer: User
    notice: RecallNotice | None
    #: (batch code, unit, order number, quantity), in batch then order order
    lines: list[tuple[str, str, str, int]] = field(default_factory=list)


def report(recall: Recall) -> tuple[list[BuyerRow], dict[str, tuple[int, str]]]:
    """(one row per buyer, {batch code: (quantity received by buyers, unit)})."""
    batch_ids = [rb.batch_id for rb in recall.batches]
    rows = db.session.execute(
        sa.select(User, Batch.code, Batch.unit, Order.number, sa.func.sum(Allocation.quantity))
        .join(Allocation, Allocation.buyer_id == User.id).join(Batch, Batch.id == Allocation.batch_id)
        .join(Order, Order.id == Allocation.order_id).where(Allocation.batch_id.in_(batch_ids))
        .group_by(User.id, Batch.code, Batch.unit, Order.number).order_by(User.id, Batch.code, Order.number)).all()
    notices = {n.buyer_id: n for n in db.session.scalars(
        sa.select(RecallNotice).where(RecallNotice.recall_id == recall.id))}
    buyers: dict[int, BuyerRow] = {}
    totals: dict[str, tuple[int, str]] = {rb.batch.code: (0, rb.batch.unit) for rb in recall.batches}
    for user, code, unit, number, quantity in rows:
        row = buyers.setdefault(user.id, BuyerRow(user, notices.get(user.id)))
        row.lines.append((code, unit, number, int(quantity)))
        totals[code] = (totals[code][0] + int(quantity), unit)
    return list(buyers.values()), totals
