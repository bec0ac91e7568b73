"""Merchant shops, their members (scoped roles), staff invitations and status history."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from marketplace.accounts.models import SHOP_SCOPE, Role, User, UserRole
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
    #: Closed for good by the platform (the owner gives up trading, e.g. to delete his account).
    CLOSED = "closed"


class MemberRole:
    """A member's place in his shop: the two shop roles of marketplace.accounts.models.Role."""

    OWNER = Role.SHOP_OWNER
    STAFF = Role.SHOP_STAFF


SHOP_ROLES = (Role.SHOP_OWNER, Role.SHOP_STAFF)


class Shop(Base):
    __tablename__ = "shops"
    #: Roles scoped to a shop name it as ("shop", id) (marketplace.accounts.policy).
    __scope_type__ = SHOP_SCOPE

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
    members: Mapped[list[ShopMember]] = relationship(
        primaryjoin="Shop.id == foreign(ShopMember.scope_id)", back_populates="shop", cascade="all, delete-orphan")

    @property
    def is_public(self) -> bool:
        return self.status == ShopStatus.APPROVED


class ShopMember(UserRole):
    """A user's place in a shop: his SHOP_OWNER or SHOP_STAFF grant scoped to ("shop", shop_id).

    Not a table of its own: the user_roles rows scoped to a shop, so roles have one source of truth
    and one check (marketplace.accounts.policy.has_role). A user belongs to at most one shop.
    """

    __mapper_args__ = {"polymorphic_identity": SHOP_SCOPE}

    shop_id = synonym("scope_id")
    created_at = synonym("granted_at")
    shop: Mapped[Shop] = relationship(primaryjoin="foreign(ShopMember.scope_id) == Shop.id",
                                      back_populates="members")

    def __init__(self, **values):
        values.setdefault("scope_type", SHOP_SCOPE)
        super().__init__(**values)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.SHOP_OWNER


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
