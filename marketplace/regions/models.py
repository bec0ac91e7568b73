"""The city's administrative regions: city > county/district > township > village."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base


class RegionLevel(enum.StrEnum):
    CITY = "city"
    COUNTY = "county"  # county, county-level city or district
    TOWNSHIP = "township"
    VILLAGE = "village"


class Region(Base):
    __tablename__ = "regions"
    #: Roles scoped to a region (a village clerk) name it as ("region", id) (marketplace.accounts.policy).
    __scope_type__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Administrative division code from the data file (stable across reloads).
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    #: English or romanised name, shown in the English UI.
    name_en: Mapped[str] = mapped_column(sa.String(80), default="")
    #: Full pinyin without tones, for search and sorting.
    pinyin: Mapped[str] = mapped_column(sa.String(120), default="")
    level: Mapped[RegionLevel] = mapped_column(sa.Enum(RegionLevel, native_enum=False, length=12,
                                                       values_callable=lambda e: [m.value for m in e]))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: A county's signature products (一县一品), shown on its page.
    specialties: Mapped[str] = mapped_column(sa.String(200), default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.sort_order")

    def localized_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name
