"""What the pages share: the per-user send limits, the subject named in a query string or form."""

from __future__ import annotations

import secrets

from flask import current_app, request
from flask_login import current_user

from marketplace.extensions import limiter
from marketplace.openapi import MAX_ID


def send_limit() -> str:
    return current_app.config["MESSAGES_SEND_RATELIMIT"]


def report_limit() -> str:
    return current_app.config["MESSAGES_REPORT_RATELIMIT"]


def user_key() -> str:
    """Limits count per signed-in user (a visitor is sent to sign in anyway: by address)."""
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


#: Sending a message (page and API share one budget per user).
send_limited = limiter.shared_limit(send_limit, scope="messages-send", key_func=user_key, methods=["POST"])
report_limited = limiter.shared_limit(report_limit, scope="messages-report", key_func=user_key, methods=["POST"])


def int_arg(source, name: str) -> int | None:
    """A positive id from a query string or form; None when absent or not a number in range."""
    try:
        value = int(source.get(name, ""))
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_ID else None


def new_token() -> str:
    """A one-time token for a message form: the same form sent twice posts once."""
    return secrets.token_urlsafe(16)
