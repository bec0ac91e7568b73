"""Recalls: the shop or a regulator recalls a batch with a reason.

In one transaction: the recall row (one per batch, a unique key), the batch and every active batch
repacked from it (the parent links, any depth) moved to recalled through the batch machine (a
conditional UPDATE: two recalls at once cannot both win), each one's unshipped quantity taken out of
its variant's stock through the one stock module (a "batch_recalled" movement) and never allocated
again (allocation only takes active batches), one notice per buyer who received any of them (a
unique (recall, buyer) row: a buyer of the parent and of a child hears once), the shops whose
batches were recalled told, and an audit entry.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.services.stock import change_stock, current_stock
from marketplace.accounts.models import Role
from marketplace.admin.services import record_audit
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.regions.scopes import covers
from marketplace.shops.policy import is_member
from marketplace.states import StateMachine
from trace import recall_notify
from trace.errors import TraceError
from trace.models import Allocation, Batch, BatchParent, BatchStatus
from trace.recall_models import Recall, RecallBatch, RecallChange, RecallNotice, RecallStatus
from trace.status import BATCH_MACHINE

REASON_MAX = 300
#: How deep repacking chains are followed (a batch repacked from a repacked batch ...).
MAX_DEPTH = 20

RECALL_LABELS = {RecallStatus.OPEN: _l("召回中"), RecallStatus.CLOSED: _l("已结束")}
RECALL_MACHINE = StateMachine("recall", {RecallStatus.OPEN: {RecallStatus.CLOSED}}, labels=RECALL_LABELS,
                              history=RecallChange,
                              history_key="recall_id", stamps={RecallStatus.CLOSED: "closed_at"})


def may_recall(user, batch: Batch) -> bool:
    """The batch's own shop (owner or staff), a food-safety regulator whose grant covers the region
    the shop is located in (platform-wide, or a county with its townships and villages), or an admin."""
    return is_member(user, batch.shop) or _regulator_of(user, batch)


def _regulator_of(user, batch: Batch) -> bool:
    return covers(user, Role.FOOD_SAFETY_REGULATOR, batch.shop.region_id)


def descendants(batch_id: int) -> list[tuple[int, int]]:
    """(batch id, depth) of every batch repacked from ``batch_id``, breadth first, each once."""
    found: dict[int, int] = {}
    frontier, depth = [batch_id], 0
    while frontier and depth < MAX_DEPTH:
        depth += 1
        children = db.session.scalars(sa.select(BatchParent.child_id).where(BatchParent.parent_id.in_(frontier))
                                      .order_by(BatchParent.child_id))
        frontier = []
        for child in children:
            if child != batch_id and child not in found:
                found[child] = depth
                frontier.append(child)
    return list(found.items())


def _withdraw(batch: Batch, actor, note: str) -> tuple[int, int]:
    """Move the batch to recalled and take its unshipped quantity out of its variant's stock."""
    withdrawn = batch.remaining
    BATCH_MACHINE.move(batch, BatchStatus.RECALLED, actor=actor, note=note, remaining=0)
    take = min(withdrawn, current_stock(batch.variant))
    if take and not change_stock(batch.variant, -take, "batch_recalled", batch.code, actor):
        raise TraceError(_("库存刚刚变化，请重试"), status=409, code="stock_changed")
    return withdrawn, take


def recall_batch(batch: Batch, actor, reason: str) -> Recall:
    """Recall ``batch`` (see the module). Refused: someone who may not (404 for another shop, as a
    foreign id), no reason, a batch already recalled (409)."""
    if not may_recall(actor, batch):
        raise TraceError(_("批次不存在"), status=404, code="not_found")
    reason = (reason or "").strip()
    if not reason:
        raise TraceError(_("请填写召回原因"), field="reason")
    if len(reason) > REASON_MAX:
        raise TraceError(_("原因太长：不能超过 %(max)d 个字", max=REASON_MAX), field="reason")
    BATCH_MACHINE.check(BatchStatus(batch.status), BatchStatus.RECALLED)
    regulator = _regulator_of(actor, batch) and not is_member(actor, batch.shop)
    with atomic():
        db.session.execute(sa.select(Batch.id).where(Batch.id == batch.id).with_for_update())
        db.session.refresh(batch)
        recall = Recall(batch_id=batch.id, shop_id=batch.shop_id, reason=reason, initiated_by_id=actor.id,
                        by_regulator=regulator)
        db.session.add(recall)
        db.session.flush()
        db.session.add(RecallChange(recall_id=recall.id, from_status=None, to_status=RecallStatus.OPEN,
                                    actor_id=actor.id, note=reason))
        affected = [(batch, 0)]
        for child_id, depth in descendants(batch.id):
            child = db.session.get(Batch, child_id, with_for_update=True, populate_existing=True)
            if child.status == BatchStatus.ACTIVE:
                affected.append((child, depth))
        for row, depth in affected:
            note = reason if depth == 0 else _("上级批次 %(code)s 召回：%(reason)s", code=batch.code, reason=reason)
            withdrawn, removed = _withdraw(row, actor, note[:REASON_MAX])
            db.session.add(RecallBatch(recall_id=recall.id, batch_id=row.id, depth=depth, withdrawn=withdrawn,
                                       stock_removed=removed))
        db.session.flush()
        buyers = sorted(set(db.session.scalars(sa.select(Allocation.buyer_id).where(
            Allocation.batch_id.in_([row.id for row, _depth in affected]), Allocation.buyer_id.is_not(None)))))
        for buyer_id in buyers:
            db.session.add(RecallNotice(recall_id=recall.id, buyer_id=buyer_id))
        db.session.flush()
        recall_notify.to_buyers(recall, buyers)
        recall_notify.to_shops(recall, [row for row, _depth in affected], actor)
        record_audit(actor, "batch.recall", "batch", batch.id, before={"status": "active"},
                     after={"status": "recalled", "recall": recall.id,
                            "batches": [row.id for row, _depth in affected], "buyers": len(buyers)}, note=reason)
    return recall


def acknowledge(recall: Recall, user) -> bool:
    """The buyer confirms he read the recall (once: a conditional UPDATE); False when already done.
    Someone without a notice of this recall gets a 404."""
    notice = db.session.scalar(sa.select(RecallNotice).where(RecallNotice.recall_id == recall.id,
                                                            RecallNotice.buyer_id == user.id))
    if notice is None:
        raise TraceError(_("召回不存在"), status=404, code="not_found")
    with atomic():
        done = db.session.execute(sa.update(RecallNotice).where(
            RecallNotice.id == notice.id, RecallNotice.acknowledged_at.is_(None)).values(acknowledged_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(notice)
    return done == 1


def close_recall(recall: Recall, actor, note: str = "") -> Recall:
    """The shop or a regulator ends the recall (the goods are dealt with)."""
    if not may_recall(actor, recall.batch):
        raise TraceError(_("召回不存在"), status=404, code="not_found")
    with atomic():
        RECALL_MACHINE.move(recall, RecallStatus.CLOSED, actor=actor, note=(note or "").strip()[:REASON_MAX])
        record_audit(actor, "recall.close", "recall", recall.id, note=note or None)
    return recall
