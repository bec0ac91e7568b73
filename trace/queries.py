"""Read-side queries shared by the trace pages and the API."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.shops.models import Shop, ShopStatus
from trace.codes import CODE_PATTERN
from trace.models import Batch, Certificate


def public_batch(code: str) -> Batch | None:
    """A batch shown on the public trace page: it has a certificate and its shop is open (a
    suspended or closed shop's batches, and uncertified ones, are not published). Recalled batches
    stay visible, marked: a buyer holding the goods must learn of the recall."""
    code = (code or "").strip().upper()
    if not CODE_PATTERN.match(code):
        return None
    return db.session.scalar(sa.select(Batch).join(Certificate, Certificate.batch_id == Batch.id)
                             .join(Shop, Shop.id == Batch.shop_id)
                             .where(Batch.code == code, Shop.status == ShopStatus.APPROVED))


def is_public(batch: Batch) -> bool:
    return batch.certificate is not None and batch.shop.status == ShopStatus.APPROVED
