"""Accounts: users, roles, authentication, API tokens."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__, url_prefix="/account")


def init_login(app: Flask) -> None:
    import sqlalchemy as sa
    from flask import has_request_context, request
    from sqlalchemy.orm import joinedload, lazyload
    from sqlalchemy.orm.util import identity_key

    from marketplace.accounts.models import User
    from marketplace.db import built_once
    from marketplace.extensions import db, login_manager

    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    # No session protection: a session ends through the user's auth_version (in its id), and no view
    # asks for a "fresh" login. Flask-Login's "basic" mode only marks a session not fresh, and it did
    # so on the first request that loaded the user, signed in or not: a visitor's favicon or missing
    # photo wrote his session cookie back as it was before a concurrent language switch, which lost
    # the choice (a browser journey failed on it in CI).
    login_manager.session_protection = None

    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("请先登录")

    def _user_statement(page: bool):
        """The user's load, built once per app after the shell's loader options are all registered
        (their subqueries made a statement's cache key costly to compute again on every request)."""
        def build():
            roles = joinedload(User.roles) if page else lazyload(User.roles)
            return (sa.select(User).where(User.id == sa.bindparam("user_id"))
                    .options(*app.extensions.get("user_load_options", ()), roles))

        return built_once(f"accounts.user_load:{'page' if page else 'write'}", build)

    @login_manager.user_loader
    def _load_user(session_id: str):
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        # other parts of the shell load what every page shows with him (the bell's count); his roles
        # come in the same statement (a joined row per grant: a user has a few) for a page, whose
        # menus ask for them, and not for a write such as adding to the cart, which needs none
        page = has_request_context() and request.method in ("GET", "HEAD")
        user = db.session.identity_map.get(identity_key(User, int(user_id)))  # as Session.get(): loaded
        if user is None or sa.inspect(user).expired_attributes:  # already, or (re)loaded with everything
            user = db.session.scalars(_user_statement(page), {"user_id": int(user_id)}).unique().first()
        if user is None or user.auth_version != int(version) or not user.active:
            return None
        return user


def init_app(app: Flask) -> None:
    """Routes, models and CLI (the login machinery is set up earlier, by init_login)."""
    from datetime import timedelta

    from marketplace.accounts.phone_auth import display_mobile, purge_codes
    from marketplace.domains import register
    from marketplace.jobs import register_job

    app.jinja_env.filters["mobile"] = display_mobile
    from marketplace.accounts import notice_types

    notice_types.register(app)  # a password change in the notification centre
    register_job(app, "accounts.purge_phone_codes", purge_codes, every=timedelta(hours=1))
    register(app, "accounts", package=__name__, blueprint=bp, routes=("views", "phone_views", "api"), models=("models",),
             cli=("cli",), seed="marketplace.seed:seed_demo_users")
