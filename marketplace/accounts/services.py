"""Account verbs: register, authenticate, change and reset passwords, API tokens, platform roles.

Each verb runs in one ``atomic()`` transaction; grant_role/revoke_role/set_active join the admin
module's transaction when it calls them (its audit entry commits with them).
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace.accounts.models import ApiToken, Role, User, UserRole
from marketplace.accounts.passwords import (  # noqa: F401  (re-exported: the public API of accounts)
    dummy_hash,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from marketplace.accounts.policy import scope_key
from marketplace.accounts.scopes import clean_scopes
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.mail.notices import notify
from marketplace.mail.services import queue_mail
from marketplace.privacy.consent import SOURCE_REGISTER, record_consent
from marketplace.security import hash_token, new_token
from marketplace.web import absolute_url

RESET_SALT = "password-reset"
#: Active personal API tokens a user may hold at once.
MAX_TOKENS = 20


class AccountError(DomainError):
    """A refused account action; the message is for the user (already translated), ``field`` the
    form field at fault."""

    status = 422
    code = "invalid"


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password_policy(password: str, email: str | None = None) -> None:
    problems = password_problems(password, email)
    if problems:
        raise AccountError(" ".join(problems), field="password")


# --- registration and login -------------------------------------------------------------------

def register_user(email: str, password: str, *, name: str = "", locale: str = "zh_CN",
                  phone: str | None = None, consent: bool = False) -> User | None:
    """Create an account, record the consent to the privacy policy and user agreement in force, and
    queue a welcome mail; returns the user.

    Without ``consent`` nothing is created (an AccountError on the field "consent"). When the
    address is taken, nothing is created: the owner is e-mailed that someone tried to register with
    it, and None is returned. Callers show the same page in both cases, so the form never reveals
    which addresses have accounts.
    """
    if not consent:
        raise AccountError(_("请阅读并勾选同意《隐私政策》和《用户协议》后再注册。"), field="consent")
    email = normalise_email(email)
    check_password_policy(password, email)
    # Hashed on both paths: a taken address must not answer in a fraction of a new one's time.
    password_hash = hash_password(password)
    existing = user_by_email(email)
    if existing is not None:
        _notify_existing(existing)
        return None
    try:
        with atomic():
            user = User(email=email, name=(name or "").strip()[:80], phone=phone or None,
                        password_hash=password_hash, locale=locale)
            db.session.add(user)
            db.session.flush()
            record_consent(user, SOURCE_REGISTER)
            queue_mail(user.email, "welcome", locale=user.locale, user=user, login_url=absolute_url("accounts.login"))
    except sa.exc.IntegrityError:  # registered concurrently
        existing = user_by_email(email)
        if existing is not None:
            _notify_existing(existing)
        return None
    return user


def create_user(email: str, password: str, *, name: str = "", locale: str = "zh_CN") -> User:
    """Create an account directly (CLI, seed): no mail; a taken address is an error. Joins the
    caller's ``atomic()`` block (the CLI adds roles in the same transaction)."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_("邮箱地址无效。"), field="email")
    check_password_policy(password, email)
    if user_by_email(email) is not None:
        raise AccountError(_("邮箱 %(email)s 已经注册过账号。", email=email), field="email")
    with atomic():
        user = User(email=email, name=(name or "").strip()[:80], password_hash=hash_password(password),
                    locale=locale)
        db.session.add(user)
        db.session.flush()
    return user


def _notify_existing(user: User) -> None:
    with atomic():
        queue_mail(user.email, "register_exists", locale=user.locale, user=user,
                   login_url=absolute_url("accounts.login"), reset_url=absolute_url("accounts.forgot_password"))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (the caller says nothing more).

    Upgrades the stored hash when the configured cost changed, and records the login time.
    """
    user = user_by_email(email)
    if user is None:
        verify_password(dummy_hash(), password or "")  # the work of a wrong password: no timing oracle
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    with atomic():
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: bump his ``auth_version``, which is part of the id in every
    session cookie and remember-me cookie (``User.get_id``), so every copy of them stops working
    at its next request. Logging out does this (logging out is logging out on every device), and so
    do a password change or reset and deactivation. Personal API tokens are not sessions: they
    live until revoked, or until the account is deactivated. Joins the caller's transaction."""
    with atomic():
        user.auth_version = User.auth_version + 1  # in SQL: two bumps at once both count
        db.session.flush()


def set_password(user: User, new_password: str) -> None:
    """Set a new password (policy-checked), end every session and remember cookie of the user, and
    tell him by e-mail (so a change he did not make does not go unnoticed)."""
    check_password_policy(new_password, user.email)
    with atomic():
        user.password_hash = hash_password(new_password)
        end_sessions(user)
        notify(user, "password_changed", user=user, link=absolute_url("accounts.forgot_password"),
               reset_url=absolute_url("accounts.forgot_password"))


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The user's own change: needs the current password. The caller logs the current session in again."""
    if not verify_password(user.password_hash, current_password):
        raise AccountError(_("当前密码不正确。"), field="current")
    set_password(user, new_password)


def update_profile(user: User, *, name: str, phone: str | None, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_("不支持这种语言。"), field="locale")
    with atomic():
        user.name = (name or "").strip()[:80]
        user.phone = (phone or "").strip()[:32] or None
        user.locale = locale


# --- password reset ----------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _fingerprint(user: User) -> str:
    """Changes whenever the password hash does: a token dies once the password has been changed."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "fp": _fingerprint(user)})


def user_from_reset_token(token: str, max_age: int | None = None) -> User | None:
    """The user a valid, unexpired, unused reset token belongs to; None for any bad token."""
    if max_age is None:
        max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    user = db.session.get(User, data["uid"])
    if user is None or not user.active or not secrets.compare_digest(str(data.get("fp", "")), _fingerprint(user)):
        return None
    return user


def request_password_reset(email: str) -> None:
    """E-mail a reset link if an active account has this address. The caller always says the same."""
    user = user_by_email(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    with atomic():
        queue_mail(user.email, "password_reset", locale=user.locale, user=user, minutes=minutes,
                   reset_url=absolute_url("accounts.reset_with_token", token=make_reset_token(user)))


def reset_password(token: str, new_password: str, max_age: int | None = None) -> User:
    user = user_from_reset_token(token, max_age)
    if user is None:
        raise AccountError(_("重置链接无效或已过期，请重新申请。"))
    set_password(user, new_password)
    return user


# --- API tokens --------------------------------------------------------------------------------

def list_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(user: User, name: str, scopes=None) -> tuple[ApiToken, str]:
    """A new personal API token: returns the row and the plaintext, which is shown once only.

    ``scopes`` is a list of scope names (None: read and buyer, what tokens did before scopes); a
    scope the user may not have (merchant without a shop) is refused (``ScopeError``).
    """
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise AccountError(_("请给令牌起一个 1 到 80 个字符的名字。"), field="name")
    chosen = clean_scopes(user, scopes)
    active = db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if active >= MAX_TOKENS:
        raise AccountError(_("最多可以有 %(n)d 个有效令牌，请先撤销不用的令牌。", n=MAX_TOKENS), field="name")
    plaintext = new_token()
    with atomic():
        row = ApiToken(user_id=user.id, name=name, token_hash=hash_token(plaintext), prefix=plaintext[:12],
                       scopes=" ".join(chosen))
        db.session.add(row)
    return row, plaintext


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's tokens; None when the id is not his (the caller answers 404)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return None
    with atomic():
        row.revoked_at = utcnow()
    return row


# --- platform roles and deactivation (they join the admin module's transaction) -------------------

def grant_role(user: User, role: Role | str, actor: User | None = None, scope=None) -> bool:
    """Grant ``role`` platform-wide or for ``scope`` (a row or ``(type, id)``); False when that very
    grant exists. Inside the admin's ``atomic()`` block it joins that transaction."""
    role, key = Role(role), scope_key(scope)
    if user.grant(role, key) is not None:
        return False
    with atomic():
        user.roles.append(UserRole(role=role, scope_type=key[0] if key else None, scope_id=key[1] if key else None,
                                   granted_by_id=actor.id if actor else None))
    return True


def revoke_role(user: User, role: Role | str, actor: User | None = None, scope=None) -> bool:
    """Take away the grant of ``role`` for ``scope`` (platform-wide without one); False when there was
    none. Inside the admin's ``atomic()`` block it joins that transaction."""
    grant = user.grant(role, scope)
    if grant is None:
        return False
    with atomic():
        user.roles.remove(grant)
    return True


def set_active(user: User, active: bool, actor: User | None = None) -> bool:
    """(De)activate an account; deactivation ends its sessions. False when nothing changed. Inside the admin's ``atomic()`` block it joins that transaction."""
    if user.active == active:
        return False
    if active and user.deleted_at is not None:
        raise AccountError(_("这个账号已应用户要求注销，不能重新启用。"))
    with atomic():
        user.active = active
        if not active:
            end_sessions(user)
    return True
