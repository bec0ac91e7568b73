"""Licences a shop holds for what it sells (农药经营许可证, 种子生产经营许可证, ...), their review
history, and which categories require which licence type."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.shops.models import Shop


class LicenceType(enum.StrEnum):
    """The kinds of operating licence a category may require (labels: licences.labels)."""

    PESTICIDE = "pesticide"  # 农药经营许可证 (农药管理条例)
    SEED = "seed"  # 种子生产经营许可证 (种子法)
    VETERINARY_DRUG = "veterinary_drug"  # 兽药经营许可证
    FOOD_BUSINESS = "food_business"  # 食品经营许可证


class LicenceStatus(enum.StrEnum):
    PENDING = "pending"  # uploaded, waiting for the platform
    VERIFIED = "verified"
    REJECTED = "rejected"
    #: Its expiry date passed (the daily job moves it; the shop uploads the renewed licence).
    EXPIRED = "expired"
    #: Withdrawn by the platform (e.g. the authority cancelled it).
    REVOKED = "revoked"


class ScanKind(enum.StrEnum):
    IMAGE = "image"
    PDF = "pdf"


class ShopLicence(Base):
    """One licence document of a shop. A renewal is a new row; the old one expires or is revoked."""

    __tablename__ = "shop_licences"
    __table_args__ = (sa.CheckConstraint("expires_on >= issued_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    licence_type: Mapped[LicenceType] = mapped_column(_enum(LicenceType, 30))
    #: The licence's own number as printed (e.g. 农药经营许可证 "农药经许（豫）41142320001").
    number: Mapped[str] = mapped_column(sa.String(60))
    #: The holder named on the licence (usually the shop's legal name).
    holder: Mapped[str] = mapped_column(sa.String(120))
    #: The licensed scope as printed (经营范围), free text.
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    issued_on: Mapped[dt.date]
    expires_on: Mapped[dt.date] = mapped_column(index=True)
    #: Private storage key of the scan: a re-encoded image's key prefix, or a validated PDF's key.
    scan_key: Mapped[str] = mapped_column(sa.String(200))
    scan_kind: Mapped[ScanKind] = mapped_column(_enum(ScanKind, 10))
    status: Mapped[LicenceStatus] = mapped_column(_enum(LicenceStatus), default=LicenceStatus.PENDING, index=True)
    #: The platform's reason for a rejection or revocation, shown to the shop.
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    verified_at: Mapped[dt.datetime | None]
    #: When the 30-day expiry warning went out (set once, by a conditional UPDATE: one warning).
    expiry_warned_at: Mapped[dt.datetime | None]

    shop: Mapped[Shop] = relationship()
    history: Mapped[list[LicenceStatusChange]] = relationship(order_by="LicenceStatusChange.id",
                                                              cascade="all, delete-orphan", passive_deletes=True)


class LicenceStatusChange(Base):
    """Who moved a licence, when, and why (the shared state machine's history)."""

    __tablename__ = "shop_licence_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_licences.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[LicenceStatus | None] = mapped_column(_enum(LicenceStatus))
    to_status: Mapped[LicenceStatus] = mapped_column(_enum(LicenceStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class CategoryLicence(Base):
    """A category requires a licence type; the requirement covers the categories below it too."""

    __tablename__ = "category_licence_types"
    __table_args__ = (sa.UniqueConstraint("category_id", "licence_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    licence_type: Mapped[LicenceType] = mapped_column(_enum(LicenceType, 30))
