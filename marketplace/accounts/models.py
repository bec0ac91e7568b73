"""Users, their roles (platform-wide or in one scope) and their API tokens."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from marketplace.db import Base, utcnow


class Role(enum.StrEnum):
    """Every role a user can be granted; buyer is everyone. A grant is platform-wide (no scope) or
    for one scope, e.g. a shop's owner is SHOP_OWNER scoped to ("shop", id). A new kind of staff is
    a new member here and rows in user_roles, not a new mechanism."""

    ADMIN = "admin"
    OFFICER = "officer"  # investment office staff
    REVIEWER = "reviewer"  # senior officer: reviews projects before publication
    SHOP_OWNER = "shop_owner"  # scoped to ("shop", id)
    SHOP_STAFF = "shop_staff"  # scoped to ("shop", id)
    MARKET_REPORTER = "market_reporter"  # scoped to ("market", id): reports one market's daily prices
    VILLAGE_CLERK = "village_clerk"  # scoped to ("region", id): one village or township
    AGRICULTURE_OFFICER = "agriculture_officer"
    FOOD_SAFETY_REGULATOR = "food_safety_regulator"


def scope_key(scope) -> tuple[str, int] | None:
    """``scope`` as a ``(type, id)`` pair; None for no scope."""
    if scope is None:
        return None
    if isinstance(scope, tuple):
        kind, ident = scope
        return str(kind), int(ident)
    kind = getattr(type(scope), "__scope_type__", None)
    if kind is None:
        raise TypeError(f"{type(scope).__name__} is not a role scope (no __scope_type__)")
    return kind, int(scope.id)


def holds_role(user, role: Role | str, scope=None) -> bool:
    """True when ``user`` holds ``role`` for ``scope`` (or everywhere), or is an admin.

    Without a scope only a platform-wide grant counts: a reporter of one market is not a reporter.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    role, key = Role(role), scope_key(scope)
    for grant in user.roles:
        if grant.scope_type is None and grant.role in (role, Role.ADMIN):
            return True
        if key is not None and grant.role == role and (grant.scope_type, grant.scope_id) == key:
            return True
    return False


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # one account per mobile number among the accounts not deleted (erasure clears it too)
        sa.Index("uq_users_mobile", "mobile", unique=True, sqlite_where=sa.text("deleted_at IS NULL"),
                 postgresql_where=sa.text("deleted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; unique. None for an account made with a mobile number only.
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    #: A contact phone the user typed in his profile (free form, not verified, not for signing in).
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    #: The verified mobile number he signs in with, E.164 ("+8613812345678"); set only by a code
    #: sent to it (marketplace.accounts.phone_auth).
    mobile: Mapped[str | None] = mapped_column(sa.String(16))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: The language for pages and e-mails ("zh_CN" or "en").
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh_CN")
    #: False when an admin deactivates the account: it can no longer log in.
    active: Mapped[bool] = mapped_column(default=True)
    #: Bumped on password change or deactivation: invalidates every session and remember cookie.
    auth_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    #: Set when the account was deleted at the user's request: the row stays (orders and ledger rows
    #: point at it) with its personal fields anonymised (marketplace.privacy.erasure); never reactivated.
    deleted_at: Mapped[dt.datetime | None]
    #: Not a column: his unread notifications (at most 100), loaded with him for the header's bell by
    #: the loader options the shell registers (``user_load_options``: marketplace.notifications).
    unread_notifications: Mapped[int | None] = query_expression()

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", foreign_keys="UserRole.user_id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the session id changes when auth_version does
        return f"{self.id}:{self.auth_version}"

    def has_role(self, role: Role | str, scope=None) -> bool:
        """The one role check (``holds_role``, also ``marketplace.accounts.policy.has_role``)."""
        return holds_role(self, role, scope)

    def grant(self, role: Role | str, scope=None) -> UserRole | None:
        """The user's own grant of exactly this role in exactly this scope (no admin pass, no cover)."""
        role, key = Role(role), scope_key(scope)
        return next((r for r in self.roles if r.role == role and r.scope == key), None)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def display_name(self) -> str:
        if self.deleted_at is not None:
            from flask_babel import gettext

            return gettext("已注销用户")
        if self.name:
            return self.name
        if self.email:
            return self.email.split("@")[0]
        from marketplace.privacy.masking import mask_phone

        return mask_phone(self.mobile)

    @property
    def contact(self) -> str:
        """How the account is known on admin pages: its e-mail, else its mobile number."""
        return self.email or self.mobile or ""


#: The scope of shop roles; a user holds at most one (he belongs to one shop).
SHOP_SCOPE = "shop"
#: A shop membership: one of the two shop roles, in a shop's scope (another role scoped to a shop,
#: a food-safety regulator of one shop say, is not a member and never opens its merchant pages).
_MEMBERSHIP = f"scope_type = '{SHOP_SCOPE}' AND role IN ('shop_owner', 'shop_staff')"


class UserRole(Base):
    """One grant of a role to a user: platform-wide (no scope) or for one (scope_type, scope_id).

    Rows scoped to a shop load as ``marketplace.shops.models.ShopMember`` (the same table).
    """

    __tablename__ = "user_roles"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "role", "scope_type", "scope_id"),
        sa.Index("ix_user_roles_scope", "scope_type", "scope_id"),
        # NULLs never collide in a unique constraint: one platform-wide grant per role needs its own index
        sa.Index("uq_user_roles_unscoped", "user_id", "role", unique=True,
                 sqlite_where=sa.text("scope_type IS NULL"), postgresql_where=sa.text("scope_type IS NULL")),
        sa.Index("uq_user_roles_one_shop", "user_id", unique=True,
                 sqlite_where=sa.text(_MEMBERSHIP), postgresql_where=sa.text(_MEMBERSHIP)),
        # a shop role always names its shop
        sa.CheckConstraint(f"role NOT IN ('shop_owner', 'shop_staff') OR (scope_type = '{SHOP_SCOPE}' "
                           "AND scope_id IS NOT NULL)", name="shop_roles_scoped"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=32,
                                               values_callable=lambda e: [m.value for m in e]))
    #: What the grant is limited to: "shop", "market", "region" ...; None for the whole platform.
    scope_type: Mapped[str | None] = mapped_column(sa.String(20))
    #: The id of the shop, market or region named by scope_type.
    scope_id: Mapped[int | None]
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])

    __mapper_args__ = {
        "polymorphic_on": sa.case((sa.and_(scope_type == SHOP_SCOPE, role.in_(["shop_owner", "shop_staff"])),
                                   SHOP_SCOPE), else_="role"),
        "polymorphic_identity": "role",
    }

    @property
    def scope(self) -> tuple[str, int] | None:
        return (self.scope_type, self.scope_id) if self.scope_type is not None else None


class ApiToken(Base):
    """A personal API token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    #: hex SHA-256 of the token
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: first characters of the token, shown in the list so the user can tell tokens apart
    prefix: Mapped[str] = mapped_column(sa.String(12))
    #: What the token may do, space-separated ("read buyer merchant"; marketplace.accounts.scopes).
    scopes: Mapped[str] = mapped_column(sa.String(64), default="read buyer", server_default="read buyer")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset((self.scopes or "").split())


class CodePurpose(enum.StrEnum):
    """What a one-time code sent by SMS may be used for: a code for one purpose never does another."""

    REGISTER = "register"
    LOGIN = "login"
    CHANGE_PHONE = "change_phone"


class PhoneCode(Base):
    """A one-time code sent to a mobile number. Only its HMAC is stored; it expires, allows a few
    attempts and one use (marketplace.accounts.phone_auth)."""

    __tablename__ = "phone_codes"
    __table_args__ = (sa.Index("ix_phone_codes_phone_purpose", "phone", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: E.164, "+8613812345678".
    phone: Mapped[str] = mapped_column(sa.String(16))
    purpose: Mapped[CodePurpose] = mapped_column(sa.Enum(CodePurpose, native_enum=False, length=16,
                                                         values_callable=lambda e: [m.value for m in e]))
    #: hex HMAC-SHA256 (keyed with SECRET_KEY) of purpose, phone and code: the code itself is never stored.
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    #: The signed-in user a change-of-number code was sent for (it works for him only).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Wrong codes tried against this row; at SMS_CODE_MAX_ATTEMPTS it is dead.
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    #: Set when the code was used (or replaced by a newer one): it never works again.
    used_at: Mapped[dt.datetime | None]
