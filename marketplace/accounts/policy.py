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

from marketplace.accounts.models import Role


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


def has_role(user, role: Role | str, scope=None) -> bool:
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
