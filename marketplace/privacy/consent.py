"""Consent to the privacy policy and the user agreement: recorded at sign-up, asked again for a new version.

``POLICY_VERSION`` (config) names the version in force. Registration records the consent in the
account's own transaction (no consent, no account). A signed-in user without a consent to the
current version sees a banner on every page until he accepts it on the policy page. What is
stored: the user, the version, the time, where it was given, and a keyed hash of the client
address (HMAC with the app's secret key): enough to tell whether two consents came from one
address, while the address itself is never stored.
"""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request, session
from flask_login import current_user

from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.privacy.models import ConsentRecord

SOURCE_REGISTER = "register"
SOURCE_RENEWAL = "renewal"
_SESSION_KEY = "policy_ok"


def policy_version() -> str:
    return str(current_app.config["POLICY_VERSION"])


def ip_fingerprint(address: str | None) -> str | None:
    """A keyed hash of the client address (never the address itself)."""
    if not address:
        return None
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def record_consent(user, source: str) -> ConsentRecord:
    """Record that ``user`` accepts the current version, in the caller's transaction."""
    address = request.remote_addr if has_request_context() else None
    record = ConsentRecord(user_id=user.id, policy_version=policy_version(), source=source,
                           ip_hash=ip_fingerprint(address))
    db.session.add(record)
    _remember(user)
    return record


def has_consent(user, version: str | None = None) -> bool:
    return db.session.scalar(sa.select(sa.literal(True)).where(
        ConsentRecord.user_id == user.id, ConsentRecord.policy_version == (version or policy_version())).limit(1)) is True


def accept_current(user) -> bool:
    """The signed-in user accepts the version in force; False when he had already."""
    if has_consent(user):
        _remember(user)
        return False
    with atomic():
        record_consent(user, SOURCE_RENEWAL)
    return True


def consents_of(user) -> list[ConsentRecord]:
    return list(db.session.scalars(sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                                   .order_by(ConsentRecord.accepted_at.desc(), ConsentRecord.id.desc())))


def _remember(user) -> None:
    if has_request_context():
        session[_SESSION_KEY] = f"{user.id}:{policy_version()}"


def needs_consent(user=None) -> bool:
    """True when the signed-in user has not accepted the version in force (the banner asks him)."""
    if not has_request_context():
        return False
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False) or getattr(user, "deleted_at", None) is not None:
        return False
    if session.get(_SESSION_KEY) == f"{user.id}:{policy_version()}":
        return False
    if has_consent(user):
        _remember(user)  # one query per session and version, not per page
        return False
    return True


def template_values() -> dict:
    """For base.html's banner and the policy page."""
    if not has_request_context():
        return {}
    if "consent_needed" not in g:  # once a request, however many templates it renders
        g.consent_needed = needs_consent()
    return {"consent_needed": g.consent_needed, "policy_version": policy_version()}
