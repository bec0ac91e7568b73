"""Read side: the day's board with its change against the previous published day, and a
commodity's series across markets. Each answers in a fixed number of statements, whatever the
number of commodities, markets or days (tests/prices/test_prices_budget.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.extensions import db
from prices.models import Commodity, Market, PriceObservation, PriceStatus
from prices.platform_models import PlatformPrice
from prices.services import local_today

#: A price older than this many days is off the board.
BOARD_DAYS = 7
#: The chart windows a commodity page offers.
WINDOWS = (7, 30, 90, 365)
Obs = PriceObservation


@dataclass
class BoardRow:
    day: dt.date
    commodity_code: str
    commodity: str
    commodity_en: str
    std_unit: str
    category_id: int | None
    market_id: int
    market: str
    market_en: str
    spec: str
    origin: str
    low: int
    avg: int
    high: int
    previous: int | None
    #: The platform's transaction price of the commodity (its latest day within BOARD_DAYS) and that day.
    platform: int | None = None
    platform_day: dt.date | None = None

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.avg - self.previous

    @property
    def change_permille(self) -> int | None:
        """Change against the previous day in tenths of a percent (integer: no float on money)."""
        if not self.previous:
            return None
        return (self.avg - self.previous) * 1000 // self.previous if self.avg >= self.previous else \
            -((self.previous - self.avg) * 1000 // self.previous)


def markets() -> list[Market]:
    return list(db.session.scalars(sa.select(Market).where(Market.active).order_by(Market.sort_order, Market.id)))


def board(market_id: int | None = None, category_id: int | None = None,
          today: dt.date | None = None) -> list[BoardRow]:
    """The latest published price (within BOARD_DAYS, not after today) of each commodity and spec at
    each market, with the previous published average of the same at that market. One statement."""
    today = today or local_today()
    latest = (sa.select(Obs.commodity_id, Obs.market_id, Obs.spec, sa.func.max(Obs.day).label("day"))
              .where(Obs.status == PriceStatus.PUBLISHED, Obs.day <= today,
                     Obs.day > today - dt.timedelta(days=BOARD_DAYS))
              .where(*([Obs.market_id == market_id] if market_id else []))
              .group_by(Obs.commodity_id, Obs.market_id, Obs.spec).subquery())
    prev = sa.orm.aliased(Obs)
    previous = (sa.select(prev.std_avg_cents)
                .where(prev.commodity_id == Obs.commodity_id, prev.market_id == Obs.market_id, prev.spec == Obs.spec,
                       prev.status == PriceStatus.PUBLISHED, prev.day < Obs.day)
                .order_by(prev.day.desc()).limit(1).correlate(Obs).scalar_subquery())
    platform = _latest_platform(today)
    stmt = (sa.select(Obs.day, Commodity.code, Commodity.name, Commodity.name_en, Commodity.unit,
                      Commodity.category_id, Market.id, Market.name, Market.name_en, Obs.spec, Obs.origin,
                      Obs.std_low_cents, Obs.std_avg_cents, Obs.std_high_cents, previous,
                      platform(PlatformPrice.avg_cents), platform(PlatformPrice.day))
            .join(latest, sa.and_(latest.c.commodity_id == Obs.commodity_id, latest.c.market_id == Obs.market_id,
                                  latest.c.spec == Obs.spec, latest.c.day == Obs.day))
            .join(Commodity, Commodity.id == Obs.commodity_id).join(Market, Market.id == Obs.market_id)
            .where(Obs.status == PriceStatus.PUBLISHED, Market.active)
            .order_by(Market.sort_order, Market.id, Commodity.sort_order, Commodity.id, Obs.spec))
    if market_id:  # the (market, day) index for its last days, not the market's whole year
        stmt = stmt.where(Obs.market_id == market_id, Obs.day <= today, Obs.day > today - dt.timedelta(days=BOARD_DAYS))
    if category_id:
        stmt = stmt.where(Commodity.category_id == category_id)
    return [BoardRow(*row) for row in db.session.execute(stmt)]


def _latest_platform(today: dt.date):
    """A correlated subquery per board row: a column of the commodity's newest platform price."""
    def column(col):
        return (sa.select(col).where(PlatformPrice.commodity_id == Obs.commodity_id,
                                     PlatformPrice.avg_cents.is_not(None), PlatformPrice.day <= today,
                                     PlatformPrice.day > today - dt.timedelta(days=BOARD_DAYS))
                .order_by(PlatformPrice.day.desc()).limit(1).correlate(Obs).scalar_subquery())
    return column


def movers(rows: list[BoardRow], n: int = 5) -> tuple[list[BoardRow], list[BoardRow]]:
    """The biggest risers and fallers of the board, by percentage."""
    changed = [r for r in rows if r.change_permille]
    risers = sorted((r for r in changed if r.change_permille > 0), key=lambda r: -r.change_permille)[:n]
    fallers = sorted((r for r in changed if r.change_permille < 0), key=lambda r: r.change_permille)[:n]
    return risers, fallers


@dataclass
class Point:
    day: dt.date
    market_id: int
    market: str
    market_en: str
    spec: str
    low: int
    avg: int
    high: int
    unit: str
    origin: str


def series(commodity: Commodity, days: int, today: dt.date | None = None) -> list[Point]:
    """The commodity's published prices (per standard unit) over the last ``days`` days, every market."""
    today = today or local_today()
    stmt = (sa.select(Obs.day, Market.id, Market.name, Market.name_en, Obs.spec, Obs.std_low_cents, Obs.std_avg_cents,
                      Obs.std_high_cents, Obs.unit, Obs.origin)
            .join(Market, Market.id == Obs.market_id)
            .where(Obs.commodity_id == commodity.id, Obs.status == PriceStatus.PUBLISHED,
                   Obs.day > today - dt.timedelta(days=days), Obs.day <= today)
            .order_by(Obs.day, Market.sort_order, Market.id, Obs.spec))
    return [Point(*row) for row in db.session.execute(stmt)]


def platform_series(commodity: Commodity, days: int, today: dt.date | None = None) -> list:
    """The commodity's platform prices over the last ``days`` days (rows with no figure too: their
    left-out lines are counted on the page), as plain rows (a year of ORM objects cost 7 ms)."""
    today = today or local_today()
    P = PlatformPrice
    return list(db.session.execute(
        sa.select(P.day, P.avg_cents, P.low_cents, P.high_cents, P.volume, P.order_count, P.line_count,
                  P.lines_left_out)
        .where(P.commodity_id == commodity.id, P.day > today - dt.timedelta(days=days), P.day <= today)
        .order_by(P.day)))
