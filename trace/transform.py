"""Transformation (EPCIS): a shop that bought batches on the platform repacks or mixes them into a
child batch of its own, linked to its parents with the quantity of each it consumed.

Conservation: of each parent, the shop's children together never consume more than the shop
received of it (the allocations of shipped orders whose buyer is one of the shop's members). The
parent's row is locked while this is checked and written, so two repacks of the same parent at
once cannot both pass. The child's own quantity is in the child's unit (100 kg may become 200
boxes of 500 g): it is received into the shop's variant like any batch.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.services.validation import MAX_STOCK
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.shops.models import Shop, ShopMember
from trace.batches import new_code, next_sequence, receive, refuse_untracked, untracked_units, variant_field
from trace.models import Allocation, Batch, BatchParent, BatchSource, BatchStatus
from trace.validation import Fields, local_today

#: Parents one child batch may have (a mix of several lots).
MAX_PARENTS = 10


def member_ids(shop: Shop) -> list[int]:
    return list(db.session.scalars(sa.select(ShopMember.user_id).where(ShopMember.scope_id == shop.id)))


def received_of(shop: Shop, parent_id: int) -> int:
    """Units of the batch shipped to the shop's members (less what came back)."""
    ids = member_ids(shop)
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Allocation.quantity - Allocation.returned - Allocation.discarded), 0))
                             .where(Allocation.batch_id == parent_id, Allocation.buyer_id.in_(ids))) if ids else 0


def consumed_of(shop: Shop, parent_id: int) -> int:
    """Units of the batch the shop's child batches consumed so far."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(BatchParent.quantity), 0))
                             .join(Batch, Batch.id == BatchParent.child_id)
                             .where(BatchParent.parent_id == parent_id, Batch.shop_id == shop.id))


def bought_batches(shop: Shop) -> list[tuple[Batch, int]]:
    """Batches the shop received on the platform with what is left to repack of each, newest first."""
    ids = member_ids(shop)
    if not ids:
        return []
    received = dict(db.session.execute(sa.select(Allocation.batch_id, sa.func.sum(Allocation.quantity - Allocation.returned - Allocation.discarded))
                                       .where(Allocation.buyer_id.in_(ids)).group_by(Allocation.batch_id)).all())
    batches = list(db.session.scalars(sa.select(Batch).where(Batch.id.in_(list(received)))
                                      .order_by(Batch.id.desc()))) if received else []
    return [(b, received[b.id] - consumed_of(shop, b.id)) for b in batches if b.shop_id != shop.id]


def _parent(shop: Shop, raw: dict, n: int, fields: Fields) -> tuple[Batch, int] | None:
    sub = Fields(raw)
    quantity = sub.whole("quantity", _("用量"), 1, MAX_STOCK)
    ref = raw.get("batch")
    batch = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        batch = db.session.get(Batch, int(ref)) if 0 < int(ref) < 2**31 else None
    elif isinstance(ref, str) and ref.strip():
        batch = db.session.scalar(sa.select(Batch).where(Batch.code == ref.strip().upper()))
    if batch is None or batch.shop_id == shop.id:
        sub.fail("batch", _("请选择本店在平台购入的批次"))
    for messages in sub.errors.values():
        for message in messages:
            fields.fail(f"parents-{n}", message)
    return (batch, quantity) if not sub.errors else None


@atomic()
def repack(shop: Shop, actor, data: dict, parents: list[dict], *, today: dt.date | None = None) -> Batch:
    """Create a child batch of ``data["variant"]`` (one of the shop's traced variants) from
    ``parents`` (rows of batch (id or code) and quantity consumed), and receive it into stock.

    Refused as a whole: a parent the shop did not receive, more than received (less what earlier
    children consumed), a recalled parent, a child that would outlive a parent.
    """
    today = today or local_today()
    fields = Fields(data)
    variant = variant_field(shop, fields)
    quantity = fields.whole("quantity", _("数量"), 1, MAX_STOCK)
    plot = fields.text("plot", _("分装地点"), 120)
    note = fields.text("note", _("备注"), 300)
    rows = [row for row in parents if any(str(v).strip() for v in row.values() if v is not None)]
    if not rows:
        fields.fail("parents", _("请至少选择一个来源批次"))
    if len(rows) > MAX_PARENTS:
        fields.fail("parents", _("最多 %(n)d 个来源批次", n=MAX_PARENTS))
        rows = []
    chosen = [found for n, row in enumerate(rows, start=1) if (found := _parent(shop, row, n, fields))]
    if len({b.id for b, _q in chosen}) != len(chosen):
        fields.fail("parents", _("同一个来源批次只能选一次"))
    fields.check()
    # Lock the parents (id order) and check what is left of each to repack.
    chosen.sort(key=lambda pair: pair[0].id)
    db.session.execute(sa.select(Batch.id).where(Batch.id.in_([b.id for b, _q in chosen]))
                       .order_by(Batch.id).with_for_update())
    for n, (parent, used) in enumerate(chosen, start=1):
        db.session.refresh(parent)
        if parent.status != BatchStatus.ACTIVE:
            fields.fail(f"parents-{n}", _("批次 %(code)s 已召回，不能分装", code=parent.code))
            continue
        left = received_of(shop, parent.id) - consumed_of(shop, parent.id)
        if used > left:
            fields.fail(f"parents-{n}", _("批次 %(code)s 本店购入后可用 %(n)d，不够", code=parent.code, n=max(left, 0)))
    expiries = [p.expires_on for p, _q in chosen if p.expires_on]
    expires = min(expiries) if expiries else None
    fields.check()
    first = chosen[0][0]
    sequence = next_sequence(shop)
    child = Batch(shop_id=shop.id, variant_id=variant.id, sequence=sequence, source=BatchSource.REPACKED,
                  code=new_code(shop, variant.product.title, today, sequence), produced_on=today,
                  expires_on=expires, quantity=quantity, remaining=quantity, unit=variant.unit,
                  region_id=first.region_id, plot=plot, note=note, created_by_id=getattr(actor, "id", None))
    child.parents.extend(BatchParent(parent_id=p.id, quantity=q) for p, q in chosen)
    db.session.add(child)
    db.session.flush()
    refuse_untracked(untracked_units(child))
    receive(child, variant, actor)
    return child


def chain(batch: Batch, limit: int = 50) -> list[tuple[int, Batch, int | None]]:
    """The batch and its ancestors back to the producers: (depth, batch, quantity consumed by the
    row above it), depth-first; a batch reached twice is listed once."""
    out: list[tuple[int, Batch, int | None]] = []
    seen: set[int] = set()
    stack: list[tuple[int, Batch, int | None]] = [(0, batch, None)]
    while stack and len(out) < limit:
        depth, node, used = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        out.append((depth, node, used))
        stack.extend((depth + 1, link.parent, link.quantity) for link in reversed(node.parents))
    return out
