"""The buyer's personal data in the catalogue: the listings he reported (his export, his deletion)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from catalog.models import ProductReport
from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.privacy.registry import Erasure, register_personal_data


def export_reports(user, limit: int) -> list[dict]:
    rows = db.session.scalars(sa.select(ProductReport).where(ProductReport.reporter_id == user.id)
                              .order_by(ProductReport.id).limit(limit))
    return [{"product_id": r.product_id, "reason": r.reason.value, "text": r.text, "status": r.status.value,
             "created_at": as_utc(r.created_at).isoformat()} for r in rows]


def erase_reports(erasure: Erasure) -> None:
    """His own words go; the report (reason, product, outcome) stays for the admin's record."""
    db.session.execute(sa.update(ProductReport).where(ProductReport.reporter_id == erasure.user.id)
                       .values(text="").execution_options(synchronize_session=False))


def register(app) -> None:
    register_personal_data(app, "product_reports", _l("商品举报"), export=export_reports, erase=erase_reports)
