"""The catalogue's publish guard for certificate categories: a product whose category requires a
承诺达标合格证 goes public only once one of its variants has an active, certified batch with
stock left (registered with catalog.services.register_publish_guard; catalog never imports trace)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.models import Product, Variant
from marketplace.extensions import db
from trace.batches import requires_certificate
from trace.models import Batch, BatchStatus, Certificate


def has_certified_stock(product: Product) -> bool:
    return db.session.scalar(
        sa.select(Batch.id).join(Certificate, Certificate.batch_id == Batch.id)
        .join(Variant, Variant.id == Batch.variant_id)
        .where(Variant.product_id == product.id, Variant.active.is_(True), Batch.status == BatchStatus.ACTIVE,
               Batch.remaining > 0).limit(1)) is not None


def publish_guard(product: Product) -> str | None:
    """catalog's guard: None when the product may go public, else why not (in the user's language)."""
    if not requires_certificate(product.category) or has_certified_stock(product):
        return None
    return _("该分类的商品需要承诺达标合格证：请先登记批次并开具合格证，且批次有库存后再上架")


def stock_guard(variant_ids: list[int]) -> dict[int, str]:
    """catalog's stock guard: a batch-tracked variant's stock is the sum of its batches', so the stock
    page, the API and a CSV import may not edit it; receiving a batch adds, a write-off takes."""
    tracked: set[int] = set()
    for start in range(0, len(variant_ids), 1000):
        tracked.update(db.session.scalars(sa.select(Batch.variant_id).where(
            Batch.variant_id.in_(variant_ids[start:start + 1000])).distinct()))
    if not tracked:
        return {}
    message = _("该规格按批次管理库存（承诺达标合格证），不能直接修改：进货请登记新批次入库，损耗请在批次页报损")
    return dict.fromkeys(sorted(tracked), message)
