"""Request-wide security: CSRF policy, API token authentication, safe redirects, headers."""

from __future__ import annotations

import functools
import hashlib
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from sqlalchemy.orm import joinedload

from marketplace.db import atomic, utcnow
from marketplace.extensions import csrf, db, login_manager

API_PREFIX = "/api/"
TOKEN_PREFIX = "mkt_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A random bearer token; recognisable by its prefix in logs and secret scanners."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def is_safe_next(target: str | None) -> bool:
    """Only local paths: refuse absolute URLs, scheme-relative (//evil) and backslash tricks (/\\evil)."""
    if not target or not isinstance(target, str):
        return False
    if any(ord(c) < 32 or c == "\\" for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str = "/") -> str:
    return target if is_safe_next(target) else default


def _load_user_from_token(_request=None):
    """Flask-Login request loader: a personal API token in the Authorization header (API only).
    Looked up once per request (the CSRF policy asks first)."""
    if "token_user" not in g:
        g.token_user = _token_user()
    return g.token_user


@functools.cache
def _token_statement():
    """One statement: the token with its user; the user's roles only if a route asks for them."""
    from marketplace.accounts.models import ApiToken, User

    return (db.select(ApiToken).where(ApiToken.token_hash == sa.bindparam("token_hash"))
            .options(joinedload(ApiToken.user, innerjoin=True).lazyload(User.roles)))


def _token_user():
    if not request.path.startswith(API_PREFIX):
        return None
    token = bearer_token()
    if not token:
        return None
    row = db.session.scalar(_token_statement(), {"token_hash": hash_token(token)})
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    last = row.last_used_at
    if last is None or (now - (last if last.tzinfo else last.replace(tzinfo=now.tzinfo))).total_seconds() > 60:
        with atomic():
            row.last_used_at = now
    g.api_token_auth = True
    g.api_token_scopes = row.scope_set
    return row.user


def _signed_in() -> bool:
    """Whether the response may be for a signed-in user, without loading him when the request did
    not: a static file or the health check must not need the database (it may be the thing that is
    down). A session or remember cookie naming a user counts, loaded or not."""
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return True
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or cookie in request.cookies


def init_security(app: Flask) -> None:
    login_manager.request_loader(_load_user_from_token)

    @app.before_request
    def _csrf_policy():
        if not current_app.config.get("WTF_CSRF_ENABLED", True):
            return
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        # A request authenticated by a valid bearer token carries no ambient credentials: CSRF cannot
        # apply to it. Any other Authorization header (a bogus token beside the session cookie)
        # proves nothing, so the check stays on.
        if request.path.startswith(API_PREFIX) and bearer_token() and _load_user_from_token() is not None:
            return
        csrf.protect(apply_exemptions=True)

    # photos linked straight from the bucket or its CDN (MEDIA_PUBLIC_BASE_URL) may be shown
    public_media = urlsplit(app.config.get("MEDIA_PUBLIC_BASE_URL") or "")
    media_origin = f" {public_media.scheme}://{public_media.netloc}" if public_media.netloc else ""

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; img-src 'self' data:{media_origin}; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        if _signed_in():
            response.headers.setdefault("Cache-Control", "private, no-store")
        if current_app.config.get("ENV") == "production":
            # Production is served over TLS only (behind the proxy): browsers must never try plain HTTP.
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
