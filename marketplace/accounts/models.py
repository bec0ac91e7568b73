"""Users, their platform roles and their API tokens."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, utcnow


class Role(enum.StrEnum):
    """Platform roles granted by an admin. Buyer is everyone; merchant comes from shop membership."""

    ADMIN = "admin"
    OFFICER = "officer"  # investment office staff
    REVIEWER = "reviewer"  # senior officer: reviews projects before publication


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; unique.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: The language for pages and e-mails ("zh_CN" or "en").
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh_CN")
    #: False when an admin deactivates the account: it can no longer log in.
    active: Mapped[bool] = mapped_column(default=True)
    #: Bumped on password change or deactivation: invalidates every session and remember cookie.
    auth_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", foreign_keys="UserRole.user_id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the session id changes when auth_version does
        return f"{self.id}:{self.auth_version}"

    def has_role(self, role: Role | str) -> bool:
        return any(r.role == Role(role) for r in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=20,
                                               values_callable=lambda e: [m.value for m in e]))
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


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
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
