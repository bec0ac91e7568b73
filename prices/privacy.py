"""A user's price alerts as personal data: in his export, and deleted with his account (they are
his choices and say what he buys; nothing else needs them once he is gone)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.privacy.registry import Erasure, register_personal_data
from prices.alert_models import PriceAlert, PriceAlertNotice


def export_alerts(user, limit: int) -> list[dict]:
    rows = db.session.scalars(sa.select(PriceAlert).where(PriceAlert.user_id == user.id)
                              .order_by(PriceAlert.id).limit(limit))
    return [{"commodity": a.commodity.code, "market": a.market.name if a.market else None,
             "direction": a.direction.value, "price_cents": a.entered_cents, "unit": a.entered_unit,
             "active": a.active, "created_at": as_utc(a.created_at).isoformat()} for a in rows]


def erase(erasure: Erasure) -> None:
    mine = sa.select(PriceAlert.id).where(PriceAlert.user_id == erasure.user.id).scalar_subquery()
    db.session.execute(sa.delete(PriceAlertNotice).where(PriceAlertNotice.alert_id.in_(mine))
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(PriceAlert).where(PriceAlert.user_id == erasure.user.id)
                       .execution_options(synchronize_session=False))


def register(app) -> None:
    register_personal_data(app, "price_alerts", _l("我的价格提醒"), export=export_alerts, erase=erase)
