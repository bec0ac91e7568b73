"""Market prices (行情): the variety tree of commodities, the wholesale markets, and the daily price
observations reported for them, with every change kept as a history row.

Prices are stored as the reporter gave them (low / average / high per his unit, in fen) and, beside
them, per the commodity's standard unit (through the one unit table, catalog.units), which is what
the board, the charts and the outlier check compare.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Category
from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.regions.models import Region

#: The highest price accepted, in fen per unit (a tonne of sesame is about ¥20,000): ¥1,000,000.
MAX_PRICE_CENTS = 100_000_000


class MarketKind(enum.StrEnum):
    CENTRAL = "central"  #: the city's central wholesale market
    COUNTY = "county"    #: a county's market


class PriceStatus(enum.StrEnum):
    DRAFT = "draft"          #: saved by the reporter, not public
    HELD = "held"            #: too far from the day before: waits for the agriculture officer
    PUBLISHED = "published"  #: on the board
    REJECTED = "rejected"    #: the officer refused it (kept, never public)


class Commodity(Base):
    """A variety (品种) of the price tree, e.g. 蔬菜 > 辣椒 > 朝天椒; leaves carry prices."""

    __tablename__ = "price_commodities"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code, also in the page's address: "chili-chaotian".
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(60), default="")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("price_commodities.id"), index=True)
    #: The standard unit prices are compared in: a code of the unit table (公斤 by default).
    unit: Mapped[str] = mapped_column(sa.String(10), default="公斤")
    #: The catalogue category its products are listed in.
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    #: Words that find its products and order lines in that category (prices/matching.py): comma
    #: separated; the name before any bracket is always one; "-word" excludes titles with the word.
    keywords: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    parent: Mapped[Commodity | None] = relationship(remote_side=[id])
    category: Mapped[Category | None] = relationship()

    def localized_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name


class Market(Base):
    """A wholesale market whose prices are reported. Reporters are scoped to one: ("market", id)."""

    __tablename__ = "price_markets"
    __scope_type__ = "market"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120), default="")
    operator: Mapped[str] = mapped_column(sa.String(120), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: WGS-84 coordinates, optional.
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    kind: Mapped[MarketKind] = mapped_column(_enum(MarketKind, 10), default=MarketKind.COUNTY)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    region: Mapped[Region | None] = relationship()
    usual: Mapped[list[MarketCommodity]] = relationship(cascade="all, delete-orphan",
                                                        order_by="MarketCommodity.sort_order")

    def localized_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name


class MarketCommodity(Base):
    """A commodity a market usually trades: a row of its reporter's daily grid."""

    __tablename__ = "price_market_commodities"
    __table_args__ = (sa.UniqueConstraint("market_id", "commodity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(sa.ForeignKey("price_markets.id", ondelete="CASCADE"), index=True)
    commodity_id: Mapped[int] = mapped_column(sa.ForeignKey("price_commodities.id"), index=True)
    #: The unit this market quotes it in (斤 at a county market), a unit-table code; None: the standard unit.
    unit: Mapped[str | None] = mapped_column(sa.String(10))
    sort_order: Mapped[int] = mapped_column(default=0)

    commodity: Mapped[Commodity] = relationship()


class PriceObservation(Base):
    """One commodity's price at one market on one day, for one spec or grade."""

    __tablename__ = "price_observations"
    __table_args__ = (
        sa.UniqueConstraint("commodity_id", "market_id", "day", "spec", name="uq_price_observations_key"),
        sa.Index("ix_price_observations_day_status", "day", "status"),
        sa.Index("ix_price_observations_series", "commodity_id", "status", "day"),
        #: One market's board: its last days, not its whole year (migration 0034).
        sa.Index("ix_price_observations_market_day", "market_id", "day"),
        sa.CheckConstraint("low_cents > 0 AND low_cents <= avg_cents AND avg_cents <= high_cents "
                           f"AND high_cents <= {MAX_PRICE_CENTS}", name="prices_ordered"),
        sa.CheckConstraint("std_low_cents > 0 AND std_low_cents <= std_avg_cents "
                           "AND std_avg_cents <= std_high_cents", name="std_prices_ordered"),
        sa.CheckConstraint("volume IS NULL OR volume >= 0", name="volume_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commodity_id: Mapped[int] = mapped_column(sa.ForeignKey("price_commodities.id"))
    market_id: Mapped[int] = mapped_column(sa.ForeignKey("price_markets.id"), index=True)
    #: The market's local day (Asia/Shanghai), never in the future.
    day: Mapped[dt.date]
    #: Spec or grade ("一级", "鲜货 5-7cm"); "" for the ordinary grade.
    spec: Mapped[str] = mapped_column(sa.String(60), default="")
    #: Where it came from, as written ("柘城县"), and the region when it is one of ours.
    origin: Mapped[str] = mapped_column(sa.String(60), default="")
    origin_region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    #: The unit the reporter priced in (a unit-table code) and his low / average / high per that unit.
    unit: Mapped[str] = mapped_column(sa.String(10))
    low_cents: Mapped[int]
    avg_cents: Mapped[int]
    high_cents: Mapped[int]
    #: The same prices per the commodity's standard unit (what everything compares).
    std_low_cents: Mapped[int]
    std_avg_cents: Mapped[int]
    std_high_cents: Mapped[int]
    #: Traded quantity that day in the reporter's unit, when known.
    volume: Mapped[int | None]
    #: Where the figure comes from ("市场报价员", "CSV 导入", "Excel 导入", "示范数据").
    source: Mapped[str] = mapped_column(sa.String(60), default="")
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[PriceStatus] = mapped_column(_enum(PriceStatus, 10), default=PriceStatus.DRAFT)
    #: The day's reference it was checked against (standard-unit average), when it was held.
    reference_cents: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    commodity: Mapped[Commodity] = relationship()
    market: Mapped[Market] = relationship()
    reporter: Mapped[User | None] = relationship()
    history: Mapped[list[PriceChange]] = relationship(cascade="all, delete-orphan", order_by="PriceChange.id")


class PriceChange(Base):
    """A step of an observation's life: entered, corrected, held, approved, rejected, with the
    values it had after the step (a correction keeps the old values in the row before it)."""

    __tablename__ = "price_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(sa.ForeignKey("price_observations.id", ondelete="CASCADE"),
                                                index=True)
    from_status: Mapped[PriceStatus | None] = mapped_column(_enum(PriceStatus, 10))
    to_status: Mapped[PriceStatus] = mapped_column(_enum(PriceStatus, 10))
    unit: Mapped[str | None] = mapped_column(sa.String(10))
    low_cents: Mapped[int | None]
    avg_cents: Mapped[int | None]
    high_cents: Mapped[int | None]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
