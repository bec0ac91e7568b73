"""Administrative regions: country > province > city > county > township > village.

Codes are the National Bureau of Statistics' (统计用区划代码): 6 digits down to county level
(410000 Henan, 411400 Shangqiu, 411424 Zhecheng), 9 for a township, 12 for a village; the country
is 000000.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base


class RegionLevel(enum.StrEnum):
    COUNTRY = "country"
    PROVINCE = "province"  # province, autonomous region or municipality
    CITY = "city"  # prefecture-level city, prefecture, league
    COUNTY = "county"  # county, county-level city or district
    TOWNSHIP = "township"  # town, township or subdistrict
    VILLAGE = "village"  # village or community


#: From the top down.
LEVEL_ORDER = [RegionLevel.COUNTRY, RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY,
               RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]


class Region(Base):
    __tablename__ = "regions"
    #: Roles scoped to a region (a village clerk) name it as ("region", id) (marketplace.accounts.policy).
    __scope_type__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Administrative division code from the data file (stable across reloads).
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    #: English name (pinyin with an English type word, see marketplace.regions.names), shown in the English UI.
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

    @property
    def depth(self) -> int:
        return LEVEL_ORDER.index(self.level)
