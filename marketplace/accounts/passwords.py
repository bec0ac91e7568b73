"""Password hashing (Argon2id) and the password policy.

The cost comes from ARGON2_TIME_COST / ARGON2_MEMORY_COST; a stored hash made with other parameters
is upgraded on the next successful login (see services.authenticate).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 10
#: The hash of an account without a password (made with a mobile number: it signs in with codes).
#: No Argon2 hash starts with "!", so no password ever matches it.
UNUSABLE_PASSWORD = "!none"
MAX_LENGTH = 200

#: A short list of the passwords people pick most (lower-cased); the policy refuses them.
COMMON_PASSWORDS = frozenset({
    "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "1234512345",
    "5201314520", "1314520520", "woaini1314", "woaini520", "iloveyou12", "iloveyou123",
    "password12", "password123", "password1234", "passw0rd12", "qwertyuiop", "qwerty1234",
    "qwerty12345", "1q2w3e4r5t", "1qaz2wsx3edc", "1qaz2wsx", "zxcvbnm123", "asdfghjkl1",
    "a123456789", "aa12345678", "abc1234567", "abcd123456", "qq123456789", "admin12345",
    "admin123456", "administrator", "letmein123", "welcome123", "football12", "baseball12",
    "sunshine12", "princess12", "dragon1234", "monkey1234", "shangqiu123", "zhongguo123",
})


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    memory = int(cfg["ARGON2_MEMORY_COST"])
    # Argon2 needs memory >= 8 * parallelism; the tests use a tiny memory cost.
    parallelism = max(1, min(4, memory // 8))
    return PasswordHasher(time_cost=int(cfg["ARGON2_TIME_COST"]), memory_cost=memory,
                          parallelism=parallelism, type=Type.ID)


def hash_password(password: str) -> str:
    """An Argon2id hash of the password with the configured cost."""
    return _hasher().hash(password)


#: One hash of a throw-away password per cost setting (see dummy_hash).
_DUMMY_HASHES: dict[tuple[int, int], str] = {}


def dummy_hash() -> str:
    """A hash with the configured cost that no password matches (made once per process and cost):
    checking a password against it costs what checking a real user's does, so a login for an
    address without an account takes as long as a wrong password (no timing oracle)."""
    cfg = current_app.config
    key = (int(cfg["ARGON2_TIME_COST"]), int(cfg["ARGON2_MEMORY_COST"]))
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hash_password(secrets.token_urlsafe(32))
    return _DUMMY_HASHES[key]


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches the stored hash; False for a mismatch or a broken hash."""
    if not stored_hash or password is None:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def has_usable_password(stored_hash: str | None) -> bool:
    """False for an account without a password (signed up by phone) or a deleted one."""
    return bool(stored_hash) and not stored_hash.startswith("!")


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than the configured ones."""
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


def password_problems(password: str, email: str | None = None) -> list[str]:
    """What is wrong with a new password (messages in the user's language); empty when it is fine."""
    password = password or ""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("密码至少需要 %(n)d 个字符。", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("密码不能超过 %(n)d 个字符。", n=MAX_LENGTH))
    if password.isdigit():
        problems.append(_("密码不能全是数字。"))
    lowered = password.strip().lower()
    if email:
        email = email.strip().lower()
        if lowered in {email, email.split("@")[0]}:
            problems.append(_("密码不能与邮箱地址相同。"))
    if lowered in COMMON_PASSWORDS:
        problems.append(_("这个密码太常见，很容易被猜到，请换一个。"))
    return problems
