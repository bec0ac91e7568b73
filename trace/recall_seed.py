"""The demo's recall: the regulator recalls a batch that was sold and repacked, so the recall report,
the notified buyers (of the batch and of the repacked child) and the trace pages' recall banner can
be seen. Run at the end of the trace demo step, once its batches and sales exist; idempotent.

Before recalling, a restaurant (buyer@demo.example) buys a few bags of the repacked child, so both a
buyer of the parent (the stall) and a buyer of the child are told; after it, the parent's shop
records a fresh certified batch, so its listing stays on sale."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.db import atomic
from marketplace.extensions import db
from trace.models import Allocation, Batch, BatchParent, BatchStatus
from trace.recall_models import Recall

REGULATOR_EMAIL = "regulator@demo.example"
BUYER_EMAIL = "buyer@demo.example"
REASON = "市场监管局抽检：农药残留（毒死蜱）超标，召回该批次及其分装批次"


def _candidate() -> Batch | None:
    """A sold batch that was repacked into a child batch (else any sold batch)."""
    sold = sa.select(Allocation.batch_id)
    parent = db.session.scalar(
        sa.select(Batch).join(BatchParent, BatchParent.parent_id == Batch.id)
        .where(Batch.status == BatchStatus.ACTIVE, Batch.id.in_(sold)).order_by(Batch.id).limit(1))
    return parent or db.session.scalar(sa.select(Batch).where(Batch.status == BatchStatus.ACTIVE, Batch.id.in_(sold))
                                       .order_by(Batch.id).limit(1))


def _buy_child(parent: Batch) -> None:
    """The restaurant buys two bags of the first active child batch, picked up at the stall."""
    from catalog import pricing
    from catalog.models import ProductStatus
    from orders import services
    from orders.models import Cart, CartLine

    buyer = db.session.scalar(sa.select(User).where(User.email == BUYER_EMAIL))
    child = db.session.scalar(sa.select(Batch).join(BatchParent, BatchParent.child_id == Batch.id)
                              .where(BatchParent.parent_id == parent.id, Batch.status == BatchStatus.ACTIVE,
                                     Batch.remaining >= 2).order_by(Batch.id).limit(1))
    if buyer is None or child is None or child.variant.product.status != ProductStatus.PUBLISHED:
        return
    variant, merchant = child.variant, child.shop.members[0].user
    qty = max(2, variant.moq)
    if variant.stock < qty:
        return
    with atomic():
        cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id)) or Cart(user_id=buyer.id)
        cart.lines.clear()
        cart.lines.append(CartLine(variant_id=variant.id, quantity=qty, price_seen_cents=pricing.unit_price(variant, qty)))
        db.session.add(cart)
    order = services.place_order(cart, buyer, choices={variant.product.shop_id: "pickup"},
                                 idempotency_key=services.new_idempotency_key()).orders[0]
    services.mark_paid(order)
    services.accept(order, merchant)
    services.ready_for_pickup(order, merchant)


def _restock(parent: Batch) -> None:
    """A fresh, clean batch of the recalled batch's variant, certified: the listing stays on sale."""
    from trace.batches import record_batch
    from trace.certificates import issue_certificate
    from trace.validation import local_today

    today = local_today()
    owner = parent.shop.members[0].user
    with atomic():
        batch = record_batch(parent.shop, owner, {
            "variant": parent.variant_id, "produced_on": today.isoformat(), "quantity": str(parent.quantity),
            "expires_on": (today + dt.timedelta(days=(parent.expires_on - parent.produced_on).days
                                                if parent.expires_on else 30)).isoformat(),
            "region": parent.region or parent.shop.region, "plot": parent.plot}, today=today)
        issue_certificate(batch, owner)


def seed_recall(progress=None) -> dict:
    from trace.recalls import recall_batch

    if db.session.scalar(sa.select(Recall.id).limit(1)) is not None:
        return {}
    regulator = db.session.scalar(sa.select(User).where(User.email == REGULATOR_EMAIL))
    batch = _candidate()
    if regulator is None or batch is None:
        return {}
    _buy_child(batch)
    recall = recall_batch(batch, regulator, REASON)
    _restock(batch)
    if progress is not None:
        progress(1)
    return {"recalls": 1, "recall notices": len(recall.notices)}
