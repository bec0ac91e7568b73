"""Who may do what: one role check for every role, platform-wide or in one scope, and one decorator.

A grant without a scope covers every scope of its role; a scoped grant covers its scope only; an
admin passes every check. A scope is a ``(type, id)`` pair such as ``("shop", 7)`` or a model row
whose class names its scope type in ``__scope_type__`` (Shop: "shop", Region: "region").
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from marketplace.accounts.models import Role, holds_role, scope_key  # noqa: F401  (scope_key re-exported)


def has_role(user, role: Role | str, scope=None) -> bool:
    """True when ``user`` holds ``role`` for ``scope`` (or everywhere), or is an admin.

    Without a scope only a platform-wide grant counts: a reporter of one market is not a reporter.
    The rule itself lives beside the grants (``marketplace.accounts.models.holds_role``), so
    ``User.has_role`` and this function are the same check.
    """
    return holds_role(user, role, scope)


def role_required(*roles: Role, scope: Callable[..., object] | None = None):
    """Decorator: the view needs one of ``roles`` (403 otherwise; login first for visitors).

    ``scope`` is called with the view's arguments and returns the scope the roles must cover
    (a row or a ``(type, id)`` pair), e.g. ``scope=lambda market_id: ("market", market_id)``.
    """

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, **kwargs):
            where = scope(*args, **kwargs) if scope is not None else None
            if not any(has_role(current_user, r, where) for r in roles):
                abort(403)
            return fn(*args, **kwargs)

        return wrapper

    return decorate


admin_required = role_required(Role.ADMIN)
