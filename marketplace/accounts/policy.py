"""Role checks for platform roles (admin, officer, reviewer): 403 for a missing role."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from marketplace.accounts.models import Role


def role_required(*roles: Role):
    """The view needs one of the roles; admins pass every role check."""

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, **kwargs):
            if not (current_user.is_admin or any(current_user.has_role(r) for r in roles)):
                abort(403)
            return fn(*args, **kwargs)

        return wrapper

    return decorate


admin_required = role_required(Role.ADMIN)
