"""What trace adds to other domains' pages (marketplace.domains): the batches an order's lines
were shipped from on the merchant's order page, and batches about to expire on the dashboard."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from marketplace.extensions import db
from marketplace.figures import Action
from trace.allocation import order_allocations
from trace.models import Batch, BatchStatus
from trace.validation import local_today

#: Days before expiry from which a batch with stock is counted on the dashboard.
EXPIRING_DAYS = 7


def tracked_variant_ids(variant_ids: list[int]) -> set[int]:
    if not variant_ids:
        return set()
    return set(db.session.scalars(sa.select(Batch.variant_id).where(Batch.variant_id.in_(variant_ids)).distinct()))


def merchant_order_block(order) -> dict:
    """The order page's traceability panel: allocations once shipped; before that, whether any
    line is batch-tracked (then the merchant may choose the batches when shipping)."""
    tracked = tracked_variant_ids([line.variant_id for line in order.lines if line.variant_id])
    if not tracked:
        return {}
    return {"trace_panel": "trace/_order_panel.html", "trace_allocations": order_allocations(order.id)}


def merchant_actions(shop) -> list[Action]:
    """Batches with stock that expire within a week (sell them first, or take them off sale)."""
    if db.session.scalar(sa.select(Batch.id).where(Batch.shop_id == shop.id).limit(1)) is None:
        return []
    soon = local_today() + dt.timedelta(days=EXPIRING_DAYS)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Batch).where(
        Batch.shop_id == shop.id, Batch.status == BatchStatus.ACTIVE, Batch.remaining > 0,
        Batch.expires_on.is_not(None), Batch.expires_on <= soon))
    return [Action(label=_("即将到期的批次"), count=count or 0, order=60,
                   hint=_("%(n)d 天内到期、仍有库存", n=EXPIRING_DAYS),
                   url=url_for("trace.merchant_batches", expiring=1))]
