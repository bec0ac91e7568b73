"""Entering, checking, holding, approving and correcting daily prices (one transaction each).

A reporter's values are checked (positive, low <= average <= high, below a sane maximum, a unit
that converts to the commodity's standard unit, a day not in the future in the site's time zone)
and stored with their per-standard-unit twins. A value more than ``PRICE_OUTLIER_PERCENT`` from
the last published price before that day is HELD for the agriculture officer; the others publish
at once. Every step, corrections included, adds a PriceChange row. Whatever ends PUBLISHED is noted
for the price alerts, checked by a job once the transaction commits (prices/alert_check.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from catalog.units import resolve, unit_name, unit_table
from marketplace import money
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.figures import site_zone
from prices.models import MAX_PRICE_CENTS, Commodity, Market, PriceChange, PriceObservation, PriceStatus
from prices.status import PRICE_MACHINE

#: How far back the outlier check looks for the previous published price.
REFERENCE_DAYS = 7
#: How far back a reporter may enter or correct a day.
BACKFILL_DAYS = 31
S = PriceStatus


class PriceError(DomainError):
    """A refused price: ``errors`` maps each field to its message."""

    code = "invalid_price"


def local_today() -> dt.date:
    """Today in the site's time zone (Asia/Shanghai): a day after that is in the future."""
    return utcnow().astimezone(site_zone()).date()


@dataclass(frozen=True)
class Values:
    """Checked values of one observation, per the reporter's unit and per the standard unit."""

    unit: str
    low: int
    avg: int
    high: int
    std_low: int
    std_avg: int
    std_high: int
    volume: int | None = None
    origin: str = ""


def _convert(cents: int, unit_grams: int, std_grams: int) -> int:
    """``cents`` per unit of ``unit_grams`` as cents per unit of ``std_grams``, rounded half up."""
    return (cents * std_grams * 2 + unit_grams) // (2 * unit_grams)


def factor_to_standard(commodity: Commodity, unit_text: str) -> tuple[str, tuple[int, int]]:
    """The unit's code and (its size, the standard unit's size); PriceError when it does not convert."""
    unit = resolve(unit_text, fresh_on_miss=True)
    if unit is None:
        raise PriceError(_("不认识的单位：%(u)s", u=(unit_text or "")[:10]), field="unit")
    std = unit_table().get(commodity.unit)
    if std is not None and unit.code == std.code:
        return unit.code, (1, 1)
    if std is None or unit.kind != std.kind or not unit.factor or not std.factor:
        raise PriceError(_("单位“%(u)s”不能换算成%(name)s的标准单位“%(std)s”",
                           u=unit.label(), name=commodity.name, std=unit_name(commodity.unit)), field="unit")
    return unit.code, (unit.factor, std.factor)


def _cents(text, field: str, errors: dict, required: bool = True) -> int | None:
    text = str(text if text is not None else "").strip()
    if not text:
        if required:
            errors[field] = [_("请填写价格")]
        return None
    try:
        value = money.parse_amount(text)
    except money.MoneyError as exc:
        errors[field] = [str(exc)]
        return None
    if value <= 0:
        errors[field] = [_("价格必须大于零")]
    elif value > MAX_PRICE_CENTS:
        errors[field] = [_("价格高得不合常理（最多 %(max)s）", max=money.format_plain(MAX_PRICE_CENTS))]
    else:
        return value
    return None


def check_values(commodity: Commodity, *, unit: str, low, avg, high, volume=None, origin: str = "") -> Values:
    """Read and check one observation's values; PriceError listing every field at fault.

    Low and high may be left blank: they are then the average (a market that quotes one price)."""
    errors: dict[str, list[str]] = {}
    avg_c = _cents(avg, "avg", errors)
    low_c = _cents(low, "low", errors, required=False)
    high_c = _cents(high, "high", errors, required=False)
    code, factors = None, (1, 1)
    try:
        code, factors = factor_to_standard(commodity, unit)
    except PriceError as exc:
        errors.update(exc.errors)
    volume_n = None
    if str(volume or "").strip():
        try:
            volume_n = int(str(volume).strip().replace(",", ""))
            if volume_n < 0 or volume_n > 10**12:
                raise ValueError
        except ValueError:
            errors["volume"] = [_("交易量必须是不小于零的整数")]
    origin = str(origin or "").strip()
    if len(origin) > 60:
        errors["origin"] = [_("产地最多 60 个字")]
    if avg_c is not None and "low" not in errors and "high" not in errors:
        low_c = low_c if low_c is not None else avg_c
        high_c = high_c if high_c is not None else avg_c
        if not low_c <= avg_c <= high_c:
            errors["low"] = [_("应满足 最低价 ≤ 平均价 ≤ 最高价")]
    if errors:
        raise PriceError(next(iter(errors.values()))[0], errors=errors)
    std = [_convert(v, *factors) for v in (low_c, avg_c, high_c)]
    if std[0] <= 0:
        raise PriceError(_("价格太低：换算成每%(std)s不足一分钱", std=unit_name(commodity.unit)), field="low")
    if std[2] > MAX_PRICE_CENTS:
        raise PriceError(_("价格高得不合常理（最多 %(max)s）", max=money.format_plain(MAX_PRICE_CENTS)), field="high")
    return Values(code, low_c, avg_c, high_c, *std, volume=volume_n, origin=origin)


def check_day(day: dt.date) -> None:
    today = local_today()
    if day > today:
        raise PriceError(_("日期不能晚于今天（%(d)s）", d=today.isoformat()), field="day")
    if day < today - dt.timedelta(days=BACKFILL_DAYS):
        raise PriceError(_("只能填报或更正最近 %(n)d 天的价格", n=BACKFILL_DAYS), field="day")


def references(market: Market, day: dt.date, commodity_ids) -> dict[tuple[int, str], PriceObservation]:
    """The last published observation before ``day`` (within REFERENCE_DAYS) per (commodity, spec)."""
    ids = list(commodity_ids)
    if not ids:
        return {}
    Obs = PriceObservation
    latest = (sa.select(Obs.commodity_id, Obs.spec, sa.func.max(Obs.day).label("day"))
              .where(Obs.market_id == market.id, Obs.commodity_id.in_(ids), Obs.status == S.PUBLISHED, Obs.day < day,
                     Obs.day >= day - dt.timedelta(days=REFERENCE_DAYS))
              .group_by(Obs.commodity_id, Obs.spec).subquery())
    rows = db.session.scalars(sa.select(Obs).join(latest, sa.and_(
        Obs.commodity_id == latest.c.commodity_id, Obs.spec == latest.c.spec, Obs.day == latest.c.day))
        .where(Obs.market_id == market.id))
    return {(o.commodity_id, o.spec): o for o in rows}


def is_outlier(std_avg: int, reference: int | None) -> bool:
    """More than PRICE_OUTLIER_PERCENT away from the reference (no reference: never)."""
    if not reference:
        return False
    percent = current_app.config["PRICE_OUTLIER_PERCENT"]
    return abs(std_avg - reference) * 100 > percent * reference


def _history(obs: PriceObservation, change: PriceChange | None, frm, actor, note: str) -> None:
    if change is None:  # no status move: a correction in place
        change = PriceChange(observation_id=obs.id, from_status=frm, to_status=obs.status,
                             actor_id=getattr(actor, "id", None), note=note[:300])
        db.session.add(change)
    change.unit, change.low_cents, change.avg_cents, change.high_cents = obs.unit, obs.low_cents, obs.avg_cents, \
        obs.high_cents


def _published(obs: PriceObservation) -> None:
    """A published price (new, approved or corrected): its alerts are checked once the transaction
    commits (prices/alert_check.py)."""
    if obs.status == S.PUBLISHED:
        from prices.alert_check import note_published

        note_published(obs)


def _apply(obs: PriceObservation, values: Values) -> bool:
    """Put ``values`` on ``obs``; whether anything changed."""
    fields = {"unit": values.unit, "low_cents": values.low, "avg_cents": values.avg, "high_cents": values.high,
              "std_low_cents": values.std_low, "std_avg_cents": values.std_avg, "std_high_cents": values.std_high,
              "volume": values.volume, "origin": values.origin}
    changed = any(getattr(obs, k) != v for k, v in fields.items())
    for key, value in fields.items():
        setattr(obs, key, value)
    return changed


def record(market: Market, commodity: Commodity, day: dt.date, values: Values, actor, *, spec: str = "",
           source: str = "", draft: bool = False, reference: PriceObservation | None = None,
           note: str = "") -> tuple[PriceObservation, bool]:
    """Enter (or correct) the day's price of ``commodity`` at ``market``, in the caller's transaction.

    Returns the observation and whether it was written (an unchanged re-entry writes nothing).
    The row of (commodity, market, day, spec) is locked while it is changed: one row per key."""
    check_day(day)
    spec = (spec or "").strip()[:60]
    ref = reference.std_avg_cents if reference is not None else None
    target = S.DRAFT if draft else (S.HELD if is_outlier(values.std_avg, ref) else S.PUBLISHED)
    Obs = PriceObservation
    obs = db.session.scalar(sa.select(Obs).where(Obs.commodity_id == commodity.id, Obs.market_id == market.id,
                                               Obs.day == day, Obs.spec == spec).with_for_update())
    if obs is None:
        obs = Obs(commodity_id=commodity.id, market_id=market.id, day=day, spec=spec, status=target,
                source=source or _("市场报价员"), reporter_id=getattr(actor, "id", None),
                reference_cents=ref if target == S.HELD else None)
        _apply(obs, values)
        db.session.add(obs)
        db.session.flush()
        _history(obs, None, None, actor, note or (_("偏离前一日超过 %(p)d%%，待审核",
                                                       p=current_app.config["PRICE_OUTLIER_PERCENT"])
                                                   if target == S.HELD else ""))
        _published(obs)
        return obs, True
    if draft and obs.status not in (S.DRAFT,):
        raise PriceError(_("已提交的价格不能再存为草稿"), field="avg")
    changed = _apply(obs, values)
    if not changed and obs.status == target:
        return obs, False
    previous = obs.status
    obs.reporter_id = getattr(actor, "id", obs.reporter_id)
    obs.reference_cents = ref if target == S.HELD else obs.reference_cents
    note = note or _("更正")
    change = PRICE_MACHINE.move(obs, target, actor=actor, note=note) if previous != target else None
    _history(obs, change, previous, actor, note)
    _published(obs)
    return obs, True


def _held(observation_id: int) -> PriceObservation:
    obs = db.session.scalar(sa.select(PriceObservation).where(PriceObservation.id == observation_id)
                            .with_for_update())
    if obs is None:
        raise PriceError(_("没有这条价格"), status=404)
    return obs


def approve(observation_id: int, actor) -> PriceObservation:
    """The officer publishes a held price as it is."""
    with atomic():
        obs = _held(observation_id)
        change = PRICE_MACHINE.move(obs, S.PUBLISHED, actor=actor, note=_("审核通过"))
        _history(obs, change, S.HELD, actor, "")
        _published(obs)
    return obs


def reject(observation_id: int, actor, note: str = "") -> PriceObservation:
    """The officer refuses a held price (kept, never public)."""
    with atomic():
        obs = _held(observation_id)
        change = PRICE_MACHINE.move(obs, S.REJECTED, actor=actor, note=note or _("驳回"))
        _history(obs, change, S.HELD, actor, "")
    return obs


def correct(observation_id: int, actor, *, low, avg, high, unit: str | None = None,
            note: str = "") -> PriceObservation:
    """The officer corrects a held or published price; a held one is published with the correction.
    The values before stay in the history rows."""
    with atomic():
        obs = _held(observation_id)
        if obs.status not in (S.HELD, S.PUBLISHED):
            PRICE_MACHINE.check(obs.status, S.PUBLISHED)
        values = check_values(obs.commodity, unit=unit or obs.unit, low=low, avg=avg, high=high,
                              volume=obs.volume, origin=obs.origin)
        previous = obs.status
        _apply(obs, values)
        note = note or _("审核更正")
        change = PRICE_MACHINE.move(obs, S.PUBLISHED, actor=actor, note=note) if previous == S.HELD else None
        _history(obs, change, previous, actor, note)
        _published(obs)
    return obs
