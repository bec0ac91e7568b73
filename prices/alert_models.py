"""Price alerts: a user's watch on a commodity's price (above or below a threshold, at one market or
any), and the notices they have given, one per alert, market and day (prices/alert_check.py)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from prices.models import MAX_PRICE_CENTS, Commodity, Market

#: ``PriceAlert.market_key`` of an alert on every market (a real column, so the unique key holds:
#: NULLs never collide in a unique constraint).
ANY_MARKET = 0


class AlertDirection(enum.StrEnum):
    ABOVE = "above"  #: tell me when the price rises to the threshold or beyond
    BELOW = "below"  #: tell me when the price falls to the threshold or under


class PriceAlert(Base):
    """One user's alert. The threshold is kept per the commodity's standard unit (what observations
    compare in) and as he entered it (price and unit), which is what his pages show."""

    __tablename__ = "price_alerts"
    __table_args__ = (
        #: a double submit (or a second tab) makes one alert
        sa.UniqueConstraint("user_id", "commodity_id", "market_key", "direction", "threshold_cents",
                            name="uq_price_alerts_same"),
        sa.CheckConstraint(f"threshold_cents > 0 AND threshold_cents <= {MAX_PRICE_CENTS}",
                           name="threshold_sane"),
        sa.Index("ix_price_alerts_watch", "commodity_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    commodity_id: Mapped[int] = mapped_column(sa.ForeignKey("price_commodities.id", ondelete="CASCADE"))
    #: The market watched; None: every market.
    market_id: Mapped[int | None] = mapped_column(sa.ForeignKey("price_markets.id", ondelete="CASCADE"))
    #: market_id, or ANY_MARKET (0): the unique key's stand-in for "every market".
    market_key: Mapped[int] = mapped_column(default=ANY_MARKET)
    direction: Mapped[AlertDirection] = mapped_column(_enum(AlertDirection, 10))
    #: The threshold per the commodity's standard unit, in fen (what is compared).
    threshold_cents: Mapped[int]
    #: The threshold as entered: the unit (a unit-table code) and the price per that unit, in fen.
    entered_unit: Mapped[str] = mapped_column(sa.String(10))
    entered_cents: Mapped[int]
    #: False: paused by its owner (kept, not checked).
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    commodity: Mapped[Commodity] = relationship()
    market: Mapped[Market | None] = relationship()


class PriceAlertNotice(Base):
    """An alert told of a crossing at one market on one day: the unique key is what makes a
    re-publication, a correction the same day or two publishes at once notify only once."""

    __tablename__ = "price_alert_notices"
    __table_args__ = (sa.UniqueConstraint("alert_id", "market_id", "day", name="uq_price_alert_notices_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("price_alerts.id", ondelete="CASCADE"))
    market_id: Mapped[int] = mapped_column(sa.ForeignKey("price_markets.id", ondelete="CASCADE"))
    #: The observation's (market-local) day.
    day: Mapped[dt.date]
    #: The observation that crossed, and its standard-unit average then.
    observation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("price_observations.id", ondelete="SET NULL"))
    std_avg_cents: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
