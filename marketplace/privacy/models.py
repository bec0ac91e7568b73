"""Consent records: who accepted which version of the privacy policy and user agreement, and when."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow


class ConsentRecord(Base):
    """One acceptance of the privacy policy and the user agreement in one version.

    Kept when the account is deleted (the proof that the data was processed with consent), then
    pointing at the anonymised user; its network fingerprint is erased with the account.
    """

    __tablename__ = "privacy_consents"
    __table_args__ = (sa.Index("ix_privacy_consents_user_version", "user_id", "policy_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The POLICY_VERSION the user accepted (e.g. "2026-05").
    policy_version: Mapped[str] = mapped_column(sa.String(20))
    #: Where it was given: "register" (the sign-up form) or "renewal" (a new version accepted later).
    source: Mapped[str] = mapped_column(sa.String(20))
    accepted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: HMAC-SHA256 of the client address with the app's secret key (hex, shortened): tells whether two
    #: consents came from one address without keeping the address. None once the account is deleted.
    ip_hash: Mapped[str | None] = mapped_column(sa.String(32))
