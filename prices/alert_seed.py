"""Demo price alerts: a few for the demo buyers, set around the central market's latest prices, one
of them (the food factory's wheat alert) already told of yesterday's price, in its notification
centre. Made once: nothing is added when a demo buyer has an alert already."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications.dispatch import notification_row
from marketplace.notifications.models import Notification
from marketplace.notifications.registry import EMAIL, IN_APP, OFF, ON, SMS, get_type
from prices.alert_check import NOTICE, notice_params, published_lines
from prices.alert_models import ANY_MARKET, AlertDirection, PriceAlert, PriceAlertNotice
from prices.models import Commodity, Market, PriceObservation, PriceStatus

#: (user, commodity, direction, threshold as a share of the latest central price, unit, any market?,
#: already told of the latest price?)
DEMO_ALERTS = [
    ("buyer@demo.example", "garlic", "above", 1.08, "公斤", False, False),
    ("buyer@demo.example", "scallion", "below", 0.85, "斤", True, False),
    ("buyer2@demo.example", "pork", "below", 0.92, "公斤", False, False),
    ("factory@demo.example", "wheat", "above", 0.99, "斤", False, True),
    ("factory@demo.example", "peanut", "below", 0.90, "公斤", True, False),
]


def seed_alerts(central: Market) -> int:
    """Add the demo alerts; returns how many."""
    emails = sorted({row[0] for row in DEMO_ALERTS})
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
    if not users or db.session.scalar(sa.select(PriceAlert.id).where(
            PriceAlert.user_id.in_([u.id for u in users.values()])).limit(1)) is not None:
        return 0
    codes = sorted({row[1] for row in DEMO_ALERTS})
    Obs = PriceObservation
    last_day = (sa.select(Obs.commodity_id, sa.func.max(Obs.day).label("day"))
                .where(Obs.market_id == central.id, Obs.status == PriceStatus.PUBLISHED, Obs.spec == "")
                .group_by(Obs.commodity_id).subquery())
    latest = dict(db.session.execute(
        sa.select(Commodity.code, Obs).join(Commodity, Commodity.id == Obs.commodity_id)
        .join(last_day, sa.and_(last_day.c.commodity_id == Obs.commodity_id, last_day.c.day == Obs.day))
        .where(Obs.market_id == central.id, Obs.spec == "", Commodity.code.in_(codes))).all())
    added = 0
    for email, code, direction, share, unit, any_market, told in DEMO_ALERTS:
        user, obs = users.get(email), latest.get(code)
        if user is None or obs is None:
            continue
        per_unit = round(obs.std_avg_cents * share / (2 if unit == "斤" else 1))
        alert = PriceAlert(user_id=user.id, commodity_id=obs.commodity_id, market_id=None if any_market else central.id,
                           market_key=ANY_MARKET if any_market else central.id, direction=AlertDirection(direction),
                           threshold_cents=per_unit * (2 if unit == "斤" else 1), entered_unit=unit,
                           entered_cents=per_unit)
        db.session.add(alert)
        db.session.flush()
        added += 1
        if told:
            _told(alert, obs)
    return added


def _told(alert: PriceAlert, obs: PriceObservation) -> None:
    """The notice the alert gave for ``obs`` (in the centre; the demo's past sends no mail)."""
    (line,) = published_lines([obs.id])
    db.session.add(PriceAlertNotice(alert_id=alert.id, market_id=obs.market_id, day=obs.day, observation_id=obs.id,
                                    std_avg_cents=obs.std_avg_cents, created_at=utcnow()))
    db.session.refresh(alert, ["user"])
    row = notification_row(alert.user_id, get_type(NOTICE), None, {"link": f"/prices/{line.code}"},
                           {IN_APP: ON, EMAIL: OFF, SMS: OFF}, params=notice_params(alert, line))
    row["subject_kind"], row["subject_id"] = "price_alert", alert.id
    db.session.add(Notification(**row))
