"""A region's column (专栏): its specialties in a line and a few paragraphs, with photos, kept by a
village information clerk (每村一个信息点和一个农副特产品信息栏目), and the history of its edits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, utcnow


class RegionColumn(Base):
    """One per region that has one (a county, township or village); absent: nothing written yet."""

    __tablename__ = "region_columns"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id", ondelete="CASCADE"), unique=True)
    #: The specialties in one line, 、-separated like a county's (Region.specialties): "三樱椒、大蒜".
    #: Matched against the price commodities' names (see marketplace.regions.pages).
    specialties: Mapped[str] = mapped_column(sa.String(200), default="")
    #: A few paragraphs of plain text (line breaks kept, no markup).
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: The last editor (None: the demo data or a deleted account).
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    updated_by = relationship("User", lazy="joined")


class RegionPhoto(Base):
    """A photo of the column: re-encoded (no EXIF or GPS) by marketplace.media, public."""

    __tablename__ = "region_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    #: Storage keys of the re-encoded image (longest side 1600 px) and of its thumbnail (320 px).
    key: Mapped[str] = mapped_column(sa.String(200))
    thumb_key: Mapped[str] = mapped_column(sa.String(200))
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RegionColumnChange(Base):
    """One saved edit of a column: who, when, and what the column said after it."""

    __tablename__ = "region_column_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    specialties: Mapped[str] = mapped_column(sa.String(200), default="")
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: Photos added and removed by this edit.
    photos_added: Mapped[int] = mapped_column(default=0)
    photos_removed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    actor = relationship("User", lazy="joined")
