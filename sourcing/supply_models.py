"""Sourcing (供应): a shop's supply post, announcing what it will have (product, quantity, harvest or
production window, origin, price range, photos), its status history and its photos.

A buyer asks about a post (a conversation, subject kind "supply") or reserves a quantity: a request
sent to that shop only (SourcingRequest.supply_post_id links it back).
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Category, Product
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.regions.models import Region
from marketplace.shops.models import Shop


class SupplyStatus(enum.StrEnum):
    OPEN = "open"            #: on the board; buyers ask about it and reserve
    WITHDRAWN = "withdrawn"  #: the shop took it down (it may reopen it while its window lasts)
    EXPIRED = "expired"      #: its window ended (the periodic job)
    SOLD_OUT = "sold_out"    #: the shop has no more to offer (it may reopen it while its window lasts)


class SupplyPost(Base):
    __tablename__ = "sourcing_supply_posts"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),
                      sa.CheckConstraint("available_until >= available_from", name="window_ordered"),
                      sa.CheckConstraint("price_min_cents IS NULL OR price_min_cents > 0", name="price_min_positive"),
                      sa.CheckConstraint("price_max_cents IS NULL OR price_min_cents IS NULL "
                                         "OR price_max_cents >= price_min_cents", name="price_range_ordered"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    #: One of the shop's own listings this post is about (optional).
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(120))
    spec: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: How much the shop expects to have, in ``unit`` (a code of the unit table).
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(sa.String(10))
    #: The harvest or production window: when the goods can be delivered.
    available_from: Mapped[dt.date]
    available_until: Mapped[dt.date] = mapped_column(index=True)
    #: Where the goods come from: a region at any level, down to the village.
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: The price range per unit, in fen (either end optional).
    price_min_cents: Mapped[int | None]
    price_max_cents: Mapped[int | None]
    status: Mapped[SupplyStatus] = mapped_column(_enum(SupplyStatus, 12), default=SupplyStatus.OPEN, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    ended_at: Mapped[dt.datetime | None]

    shop: Mapped[Shop] = relationship()
    category: Mapped[Category] = relationship()
    product: Mapped[Product | None] = relationship()
    region: Mapped[Region] = relationship()
    photos: Mapped[list[SupplyPhoto]] = relationship(cascade="all, delete-orphan",
                                                     order_by="(SupplyPhoto.position, SupplyPhoto.id)")
    history: Mapped[list[SupplyPostChange]] = relationship(cascade="all, delete-orphan", order_by="SupplyPostChange.id")


class SupplyPostChange(Base):
    __tablename__ = "sourcing_supply_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_supply_posts.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[SupplyStatus | None] = mapped_column(_enum(SupplyStatus, 12))
    to_status: Mapped[SupplyStatus] = mapped_column(_enum(SupplyStatus, 12))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SupplyPhoto(Base):
    """A photo of a supply post: re-encoded by the image pipeline, public (the post is public)."""

    __tablename__ = "sourcing_supply_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_supply_posts.id", ondelete="CASCADE"), index=True)
    #: Storage keys (public/supply/...): the large image and its thumbnail.
    key: Mapped[str] = mapped_column(sa.String(200))
    thumb_key: Mapped[str] = mapped_column(sa.String(200))
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
