"""A user's price alerts: subscribe, edit, pause or resume, delete (one transaction each).

The threshold is read like a reporter's average price (prices.services.check_values: a positive
number, at most the sane maximum, in a unit that converts to the commodity's standard unit) and
kept per the standard unit beside what was entered. A user has at most ``PRICE_ALERTS_PER_USER``
alerts; the count and the duplicate check run under a lock of his user row, and the unique key
(user, commodity, market, direction, threshold) makes a double submit one alert even without it.
Another user's alert is a 404 (``own_alert``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import gettext as _

from catalog.units import unit_table
from marketplace.accounts.models import User
from marketplace.db import atomic
from marketplace.extensions import db
from prices.alert_models import ANY_MARKET, AlertDirection, PriceAlert, PriceAlertNotice
from prices.models import Commodity, Market
from prices.services import PriceError, check_values


class AlertError(PriceError):
    """A refused alert: ``errors`` maps each form field to its message."""

    code = "invalid_alert"


@dataclass(frozen=True)
class AlertInput:
    """What the form gave, checked: the market (None: every market), direction and threshold."""

    market: Market | None
    direction: AlertDirection
    unit: str
    entered_cents: int
    threshold_cents: int


def unit_choices(commodity: Commodity) -> list:
    """The active units a threshold may be entered in: the standard unit first, then the others of its
    kind that convert, one per size (kg, 千克 and 公斤 are one choice: the standard unit)."""
    std = unit_table().get(commodity.unit)
    if std is None:
        return []
    choices, sizes = [std], {std.factor}
    for unit in unit_table().active():
        if unit.kind == std.kind and unit.factor and std.factor and unit.factor not in sizes:
            choices.append(unit)
            sizes.add(unit.factor)
    return choices


def check_alert(commodity: Commodity, *, direction, price, unit, market_id) -> AlertInput:
    """Read the form's values; AlertError naming every field at fault (nothing is written)."""
    errors: dict[str, list[str]] = {}
    try:
        direction_ = AlertDirection(str(direction or ""))
    except ValueError:
        errors["direction"] = [_("请选择“涨到或高于”或“跌到或低于”")]
    market = None
    market_text = str(market_id or "").strip()
    if market_text:
        market = db.session.get(Market, int(market_text)) if market_text.isdigit() and len(market_text) < 10 else None
        if market is None or not market.active:
            errors["market"] = [_("没有这个市场")]
    values = None
    try:
        values = check_values(commodity, unit=str(unit or commodity.unit), low=None, avg=price, high=None)
    except PriceError as exc:
        for field, messages in exc.errors.items():
            errors.setdefault("unit" if field == "unit" else "price", []).extend(messages)
    if errors:
        raise AlertError(next(iter(errors.values()))[0], errors=errors)
    return AlertInput(market, direction_, values.unit, values.avg, values.std_avg)


def _lock_user(user: User) -> None:
    """Serialise one user's alert writes (the limit and the duplicate check)."""
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())


def _same(user: User, commodity_id: int, checked: AlertInput, exclude: int | None = None) -> PriceAlert | None:
    key = checked.market.id if checked.market else ANY_MARKET
    query = sa.select(PriceAlert).where(PriceAlert.user_id == user.id, PriceAlert.commodity_id == commodity_id,
                                        PriceAlert.market_key == key, PriceAlert.direction == checked.direction,
                                        PriceAlert.threshold_cents == checked.threshold_cents)
    if exclude is not None:
        query = query.where(PriceAlert.id != exclude)
    return db.session.scalar(query)


def _put(alert: PriceAlert, checked: AlertInput) -> None:
    alert.market_id = checked.market.id if checked.market else None
    alert.market_key = checked.market.id if checked.market else ANY_MARKET
    alert.direction = checked.direction
    alert.threshold_cents = checked.threshold_cents
    alert.entered_unit = checked.unit
    alert.entered_cents = checked.entered_cents


def subscribe(user: User, commodity: Commodity, **form) -> tuple[PriceAlert, bool]:
    """The user's new alert, or the same one he already has (a double submit); (alert, created)."""
    checked = check_alert(commodity, **form)
    try:
        with atomic():
            _lock_user(user)
            found = _same(user, commodity.id, checked)
            if found is not None:
                return found, False
            limit = current_app.config["PRICE_ALERTS_PER_USER"]
            count = db.session.scalar(sa.select(sa.func.count()).select_from(PriceAlert)
                                      .where(PriceAlert.user_id == user.id))
            if count >= limit:
                raise AlertError(_("每人最多 %(n)d 条价格提醒，请先删除不用的", n=limit), field="price", status=409)
            alert = PriceAlert(user_id=user.id, commodity_id=commodity.id)
            _put(alert, checked)
            db.session.add(alert)
            db.session.flush()
    except sa.exc.IntegrityError:  # the same alert saved by a second submit in the same instant
        db.session.rollback()
        found = _same(user, commodity.id, checked)
        if found is None:
            raise
        return found, False
    return alert, True


def own_alert(user: User, alert_id: int) -> PriceAlert:
    """The user's alert; 404 for another user's or a missing one (never says which)."""
    alert = db.session.get(PriceAlert, alert_id) if 0 < alert_id < 2**31 else None
    if alert is None or alert.user_id != user.id:
        abort(404)
    return alert


def update(user: User, alert: PriceAlert, **form) -> PriceAlert:
    """Change an alert's market, direction or threshold; refused when he has that alert already."""
    checked = check_alert(alert.commodity, **form)
    with atomic():
        _lock_user(user)
        if _same(user, alert.commodity_id, checked, exclude=alert.id) is not None:
            raise AlertError(_("您已有一条相同的价格提醒"), field="price", status=409)
        _put(alert, checked)
    return alert


def set_active(alert: PriceAlert, active: bool) -> PriceAlert:
    """Pause (kept, not checked) or resume an alert."""
    with atomic():
        alert.active = active
    return alert


def delete(alert: PriceAlert) -> None:
    """Delete the alert and its notice rows (explicitly: SQLite does not enforce the cascade)."""
    with atomic():
        db.session.execute(sa.delete(PriceAlertNotice).where(PriceAlertNotice.alert_id == alert.id))
        db.session.delete(alert)


def my_alerts(user: User) -> list[tuple[PriceAlert, object]]:
    """The user's alerts, newest first, each with when it last notified (None: never). Two statements."""
    last = (sa.select(PriceAlertNotice.alert_id, sa.func.max(PriceAlertNotice.created_at).label("at"))
            .group_by(PriceAlertNotice.alert_id).subquery())
    rows = db.session.execute(sa.select(PriceAlert, last.c.at).outerjoin(last, last.c.alert_id == PriceAlert.id)
                              .where(PriceAlert.user_id == user.id)
                              .options(sa.orm.joinedload(PriceAlert.commodity), sa.orm.joinedload(PriceAlert.market))
                              .order_by(PriceAlert.id.desc()))
    return [(alert, at) for alert, at in rows]
