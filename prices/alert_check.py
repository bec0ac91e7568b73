"""Telling price alerts: the job run after a transaction that published prices commits.

Fed by the publish: every way a price becomes (or stays, corrected) PUBLISHED — the reporter's grid,
the CSV import (both through ``services.record``), the officer's approval of a held price and his
correction of a held or published one — calls ``note_published``; when the transaction commits, one
job ``prices.check_alerts`` gets every observation it published (``marketplace.jobs``: in-process
today, a queue's worker later).

"Crosses": the alert compares the observation's average per the commodity's standard unit (V) with
its threshold (T), and the previous published average of the same commodity, market and spec (P:
the latest published day before the observation's). An "above" alert is crossed when V >= T and
P < T or there is no P; a "below" alert when V <= T and P > T or there is no P. A price that stays
beyond the threshold day after day notifies once, on the day it crossed. An observation of a day
that is not the line's latest published day (a back-filled or corrected old day) is history, not
news: it notifies nobody.

Once: a notice is a ``price_alert_notices`` row unique on (alert, market, day), inserted with
ON CONFLICT DO NOTHING in the job's transaction with the notification itself. A second publish, a
correction the same day, or two jobs at once find the row and tell nobody again.

Statements per job: one for the published lines (with P and "is latest" as subqueries), one for the
alerts of all their commodities, one for the recipients' preferences, then one insert per notice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from catalog.units import unit_name, unit_table
from marketplace import money
from marketplace.accounts.models import User
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.jobs import enqueue
from marketplace.notifications.dispatch import post
from marketplace.notifications.prefs import preloaded
from marketplace.web import absolute_url
from prices.alert_models import AlertDirection, PriceAlert, PriceAlertNotice
from prices.models import Commodity, Market, PriceObservation, PriceStatus

#: session.info key: ids of the observations published in the open transaction.
PUBLISHED = "prices_published"
JOB = "prices.check_alerts"
NOTICE = "prices.alert"


def note_published(observation: PriceObservation) -> None:
    """Remember that ``observation`` is published in this transaction (its alerts are checked after
    the commit). Call after the observation is flushed."""
    db.session().info.setdefault(PUBLISHED, set()).add(observation.id)


@sa.event.listens_for(sa.orm.Session, "before_commit")
def _enqueue_check(session) -> None:
    ids = session.info.pop(PUBLISHED, None)
    if ids:
        enqueue(JOB, observation_ids=sorted(ids))


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:  # rolled back (a commit took them in before_commit)
        session.info.pop(PUBLISHED, None)


def crosses(direction: AlertDirection | str, threshold: int, value: int, previous: int | None) -> bool:
    """Whether ``value`` crosses ``threshold`` coming from ``previous`` (None: no earlier price)."""
    if AlertDirection(direction) == AlertDirection.ABOVE:
        return value >= threshold and (previous is None or previous < threshold)
    return value <= threshold and (previous is None or previous > threshold)


@dataclass(frozen=True)
class Line:
    """A published observation, with what the check needs."""

    observation_id: int
    commodity_id: int
    market_id: int
    day: dt.date
    value: int
    previous: int | None
    latest: bool
    commodity: str
    commodity_en: str
    code: str
    std_unit: str
    market: str
    market_en: str


def published_lines(observation_ids: list[int]) -> list[Line]:
    Obs = PriceObservation
    prev, later = aliased(Obs), aliased(Obs)
    same_line = (prev.commodity_id == Obs.commodity_id, prev.market_id == Obs.market_id, prev.spec == Obs.spec,
                 prev.status == PriceStatus.PUBLISHED)
    previous = (sa.select(prev.std_avg_cents).where(*same_line, prev.day < Obs.day)
                .order_by(prev.day.desc()).limit(1).correlate(Obs).scalar_subquery())
    newer = sa.exists().where(later.commodity_id == Obs.commodity_id, later.market_id == Obs.market_id,
                              later.spec == Obs.spec, later.status == PriceStatus.PUBLISHED, later.day > Obs.day)
    rows = db.session.execute(
        sa.select(Obs.id, Obs.commodity_id, Obs.market_id, Obs.day, Obs.std_avg_cents, previous, ~newer,
                  Commodity.name, Commodity.name_en, Commodity.code, Commodity.unit, Market.name, Market.name_en)
        .join(Commodity, Commodity.id == Obs.commodity_id).join(Market, Market.id == Obs.market_id)
        .where(Obs.id.in_(observation_ids), Obs.status == PriceStatus.PUBLISHED, Commodity.active, Market.active)
        .order_by(Obs.id))
    return [Line(*row) for row in rows]


def _alerts(lines: list[Line]) -> list[PriceAlert]:
    """Every active alert of the lines' commodities on their markets or on every market: one query."""
    commodity_ids = sorted({line.commodity_id for line in lines})
    market_ids = sorted({line.market_id for line in lines})
    return list(db.session.scalars(
        sa.select(PriceAlert).join(User, User.id == PriceAlert.user_id)
        .where(PriceAlert.active, PriceAlert.commodity_id.in_(commodity_ids),
               sa.or_(PriceAlert.market_id.is_(None), PriceAlert.market_id.in_(market_ids)),
               User.active.is_(True), User.deleted_at.is_(None))
        .options(contains_eager(PriceAlert.user)).order_by(PriceAlert.id)))


def _claim(alert: PriceAlert, line: Line) -> bool:
    """Insert the (alert, market, day) notice row; False when it was there already."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (insert(PriceAlertNotice).values(alert_id=alert.id, market_id=line.market_id, day=line.day,
                                            observation_id=line.observation_id, std_avg_cents=line.value,
                                            created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["alert_id", "market_id", "day"]))
    return db.session.execute(stmt.returning(PriceAlertNotice.id)).scalar() is not None


def _per_entered_unit(std_cents: int, alert: PriceAlert, std_unit: str) -> int:
    """A standard-unit price per the unit the alert was entered in (rounded half up)."""
    table = unit_table()
    entered, std = table.get(alert.entered_unit), table.get(std_unit)
    if entered is None or std is None or entered.code == std.code or not entered.factor or not std.factor:
        return std_cents
    return (std_cents * entered.factor * 2 + std.factor) // (2 * std.factor)


def notice_params(alert: PriceAlert, line: Line) -> dict[str, str]:
    english = (alert.user.locale or "").startswith("en")
    return {"commodity": line.commodity_en if english and line.commodity_en else line.commodity,
            "market": line.market_en if english and line.market_en else line.market,
            "day": line.day.isoformat(), "direction": alert.direction.value,
            "price": "¥" + money.format_plain(_per_entered_unit(line.value, alert, line.std_unit)),
            "threshold": "¥" + money.format_plain(alert.entered_cents),
            "unit": unit_name(alert.entered_unit, "en" if english else "zh_CN")}


def check_alerts(observation_ids: list[int]) -> int:
    """The job: tell every alert the published observations cross, once per (alert, market, day).
    Returns how many were told."""
    with atomic():
        lines = [line for line in published_lines(observation_ids) if line.latest]
        if not lines:
            return 0
        told: list[tuple[PriceAlert, Line]] = []
        seen: set[tuple[int, int, dt.date]] = set()
        for alert in _alerts(lines):
            for line in lines:
                key = (alert.id, line.market_id, line.day)
                if (line.commodity_id != alert.commodity_id or alert.market_id not in (None, line.market_id)
                        or key in seen or not crosses(alert.direction, alert.threshold_cents, line.value,
                                                      line.previous)):
                    continue
                seen.add(key)  # two specs of one market and day crossing: one notice
                if _claim(alert, line):
                    told.append((alert, line))
        with preloaded([alert.user_id for alert, _line in told], [NOTICE]):
            for alert, line in told:
                post(alert.user, NOTICE, params=notice_params(alert, line), subject=("price_alert", alert.id),
                     link=absolute_url("prices.commodity", code=line.code), sms_template="price_alert")
    return len(told)
