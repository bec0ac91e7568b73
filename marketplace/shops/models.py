"""Merchant shops, their members, staff invitations and status history."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.regions.models import Region


class ShopType(enum.StrEnum):
    ENTERPRISE = "enterprise"  # 本地企业
    MARKET_STALL = "market_stall"  # 批发市场商户
    COOPERATIVE = "cooperative"  # 合作社
    FARMER = "farmer"  # 农户


class ShopStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL name, from the shop name's pinyin; unique, never reused.
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    shop_type: Mapped[ShopType] = mapped_column(_enum(ShopType))
    status: Mapped[ShopStatus] = mapped_column(_enum(ShopStatus), default=ShopStatus.PENDING, index=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(32))
    #: Wholesale-market stalls only: the market's name and the stall number.
    market_name: Mapped[str | None] = mapped_column(sa.String(80))
    stall_number: Mapped[str | None] = mapped_column(sa.String(40))
    #: Unified social credit code or other licence number.
    licence_number: Mapped[str] = mapped_column(sa.String(40))
    #: Storage key of the re-encoded licence scan (private: admin and shop members only).
    licence_image: Mapped[str | None] = mapped_column(sa.String(200))
    #: Storage key prefix of the logo (public).
    logo_image: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The admin's reason for the last rejection or suspension, shown to the applicant.
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    approved_at: Mapped[dt.datetime | None]

    region: Mapped[Region] = relationship(lazy="joined")
    members: Mapped[list[ShopMember]] = relationship(back_populates="shop", cascade="all, delete-orphan")

    @property
    def is_public(self) -> bool:
        return self.status == ShopStatus.APPROVED


class ShopMember(Base):
    """A user's place in a shop. A user belongs to at most one shop."""

    __tablename__ = "shop_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    role: Mapped[MemberRole] = mapped_column(_enum(MemberRole, 10))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    shop: Mapped[Shop] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class ShopInvite(Base):
    """An e-mailed invitation to join a shop as staff; the token's hash only is stored."""

    __tablename__ = "shop_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    shop: Mapped[Shop] = relationship()


class ShopStatusChange(Base):
    """History of a shop's status: who moved it, when, and why."""

    __tablename__ = "shop_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ShopStatus | None] = mapped_column(_enum(ShopStatus))
    to_status: Mapped[ShopStatus] = mapped_column(_enum(ShopStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
