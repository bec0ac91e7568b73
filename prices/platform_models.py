"""The platform's own transaction prices: per commodity and local day, what paid orders paid per
the commodity's standard unit (prices/platform.py computes them; the board and charts show them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow


class PlatformPrice(Base):
    """One commodity's paid order lines of one day, volume-weighted per its standard unit.

    A day re-computed replaces its rows (unique on commodity and day): never two for one day."""

    __tablename__ = "price_platform_daily"
    __table_args__ = (
        sa.UniqueConstraint("commodity_id", "day", name="uq_price_platform_daily_key"),
        sa.CheckConstraint("avg_cents IS NULL OR (low_cents > 0 AND low_cents <= avg_cents "
                           "AND avg_cents <= high_cents)", name="platform_prices_ordered"),
        sa.CheckConstraint("lines_left_out >= 0 AND order_count >= 0 AND line_count >= 0",
                           name="platform_counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commodity_id: Mapped[int] = mapped_column(sa.ForeignKey("price_commodities.id", ondelete="CASCADE"))
    #: The local day (Asia/Shanghai) the orders were paid on.
    day: Mapped[dt.date] = mapped_column(index=True)
    #: Per standard unit, in fen: total paid / total quantity (volume-weighted); the cheapest and
    #: dearest line. None when every line of the day was left out (no unit conversion).
    avg_cents: Mapped[int | None]
    low_cents: Mapped[int | None]
    high_cents: Mapped[int | None]
    #: Quantity sold, in standard units (3 decimals: 0.5 kg of a 500 g bag).
    volume: Mapped[Decimal] = mapped_column(sa.Numeric(18, 3), default=0)
    #: Orders and lines counted.
    order_count: Mapped[int] = mapped_column(default=0)
    line_count: Mapped[int] = mapped_column(default=0)
    #: Lines of the commodity that could not be converted to its standard unit (a 个 without a weight).
    lines_left_out: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
