"""Signing up and in with a mainland mobile number and a one-time code sent to it by SMS.

A code is 6 digits, stored only as an HMAC keyed with SECRET_KEY, bound to its number and purpose
(sign up, sign in, change of number; a change code also to the user who asked), and dies when it
expires (SMS_CODE_TTL_SECONDS), after SMS_CODE_MAX_ATTEMPTS wrong tries, once used, or when a
newer code for the same number and purpose is sent. The code row and its outbox message are
committed together before the send (the "sms.deliver" job, marketplace.mail.sms), so a failed
send is retried and never lost. How often codes may be sent (per number and per client address)
is the views' rate limits (Flask-Limiter, marketplace.accounts.phone_views).

No account enumeration: sending a code does the same work and gives the same answer whether the
number has an account or not; only someone who then proves he holds the number (the right code)
learns it, as its owner.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as _

from marketplace.accounts.models import CodePurpose, PhoneCode, User
from marketplace.accounts.passwords import UNUSABLE_PASSWORD
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.mail.sms import queue_sms
from marketplace.privacy.consent import SOURCE_REGISTER, record_consent

#: A mainland China mobile number: 11 digits starting 13-19.
_MAINLAND = re.compile(r"1[3-9][0-9]{9}")
#: Separators people type inside a number: spaces, hyphens, dots, brackets.
_SEPARATORS = re.compile(r"[ \-.()]")
CODE_DIGITS = 6

PURPOSE_LABELS = {CodePurpose.REGISTER: lazy_gettext("注册本站账号"), CodePurpose.LOGIN: lazy_gettext("登录账号"),
                  CodePurpose.CHANGE_PHONE: lazy_gettext("绑定手机号")}


class PhoneError(DomainError):
    """A refused phone sign-up, sign-in or change (the message for the user, ``field`` at fault)."""

    status = 422
    code = "invalid"


class NoAccount(PhoneError):
    """The number was proven (right code) but has no account: the caller offers to sign up."""

    code = "no_account"


def normalise_mobile(value: str | None) -> str:
    """``value`` as E.164 (``+8613812345678``) when it is a mainland mobile number, else PhoneError.

    Accepts full-width digits, spaces, hyphens and brackets, and a +86 / 0086 / 86 prefix; refuses
    any other country, landlines, letters and every control or invisible character.
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        raise PhoneError(_("请填写手机号。"), field="phone")
    digits = _SEPARATORS.sub("", text)
    if len(text) > 32 or not re.fullmatch(r"\+?[0-9]+", digits):
        raise PhoneError(_("请填写有效的手机号，例如 138 1234 5678。"), field="phone")
    if digits.startswith("+"):
        if not digits.startswith("+86"):
            raise PhoneError(_("目前只支持中国大陆的手机号（+86）。"), field="phone")
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not _MAINLAND.fullmatch(digits):
        raise PhoneError(_("请填写有效的手机号，例如 138 1234 5678。"), field="phone")
    return "+86" + digits


def display_mobile(phone: str | None) -> str:
    """An E.164 mainland number as people read it: +86 138 1234 5678 (other values unchanged)."""
    if phone and len(phone) == 14 and phone.startswith("+86"):
        return f"+86 {phone[3:6]} {phone[6:10]} {phone[10:]}"
    return phone or ""


def clean_code(value: str | None) -> str:
    """The 6 digits of a typed code (full-width digits and spaces allowed), else PhoneError."""
    code = re.sub(r"\s", "", unicodedata.normalize("NFKC", value or ""))
    if not re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", code):
        raise PhoneError(_("验证码是 %(n)d 位数字。", n=CODE_DIGITS), field="code")
    return code


def user_by_mobile(phone: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.mobile == phone, User.deleted_at.is_(None)))


def _digest(phone: str, purpose: CodePurpose, code: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"{purpose.value}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def ttl_seconds() -> int:
    return int(current_app.config["SMS_CODE_TTL_SECONDS"])


def max_attempts() -> int:
    return int(current_app.config["SMS_CODE_MAX_ATTEMPTS"])


def code_text(code: str, purpose: CodePurpose, locale: str) -> tuple[str, str]:
    """(outbox subject, SMS text) of a code message in ``locale``."""
    minutes = max(1, ttl_seconds() // 60)
    with force_locale(locale):
        label = str(PURPOSE_LABELS[purpose])
        subject = _("短信：验证码（%(purpose)s）", purpose=label)
        text = _("【%(site)s】您的验证码是 %(code)s，%(minutes)d 分钟内有效，用于%(purpose)s。请勿告诉他人。",
                 site=current_app.config["SITE_NAME"], code=code, minutes=minutes, purpose=label)
    return subject, text


def send_code(phone_input: str | None, purpose: CodePurpose, *, locale: str = "zh_CN", user: User | None = None) -> str:
    """Send a new code for ``purpose`` to the number; returns the number as E.164.

    Earlier unused codes of the same number and purpose die. The code row and the SMS are
    committed together; the SMS is sent after the commit. The same work whether or not the number
    has an account."""
    phone = normalise_mobile(phone_input)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    now = utcnow()
    subject, text = code_text(code, purpose, locale)
    with atomic():
        db.session.execute(sa.update(PhoneCode).where(
            PhoneCode.phone == phone, PhoneCode.purpose == purpose, PhoneCode.used_at.is_(None)).values(used_at=now))
        db.session.add(PhoneCode(phone=phone, purpose=purpose, code_hash=_digest(phone, purpose, code),
                                 user_id=user.id if user is not None else None, attempts=0, created_at=now,
                                 expires_at=now + dt.timedelta(seconds=ttl_seconds())))
        queue_sms(phone, text, subject=subject, params={"code": code}, template=f"sms/code/{purpose.value}",
                  locale=locale)
    return phone


def _invalid() -> PhoneError:
    return PhoneError(_("验证码无效或已过期，请重新获取。"), field="code")


def check_code(phone: str, purpose: CodePurpose, code_input: str | None, *, user: User | None = None) -> PhoneCode:
    """The live code row of ``phone`` and ``purpose`` when ``code_input`` is its code; else PhoneError.

    Every try counts an attempt, committed before the answer, so no rollback undoes it; once the
    attempts are used up the code is dead even for the right digits. A malformed input counts none.
    """
    code = clean_code(code_input)
    now = utcnow()
    query = sa.select(PhoneCode).where(PhoneCode.phone == phone, PhoneCode.purpose == purpose,
                                       PhoneCode.used_at.is_(None), PhoneCode.expires_at > now)
    if purpose is CodePurpose.CHANGE_PHONE:
        query = query.where(PhoneCode.user_id == (user.id if user is not None else -1))
    with atomic():
        row = db.session.scalar(query.order_by(PhoneCode.id.desc()).limit(1))
        counted = row is not None and db.session.execute(
            sa.update(PhoneCode).where(PhoneCode.id == row.id, PhoneCode.attempts < max_attempts(),
                                       PhoneCode.used_at.is_(None))
            .values(attempts=PhoneCode.attempts + 1)).rowcount == 1
        if row is not None:
            db.session.refresh(row)
    if row is None:
        raise _invalid()
    if not counted:
        raise PhoneError(_("验证码错误次数太多，请重新获取。"), field="code")
    if not hmac.compare_digest(row.code_hash, _digest(phone, purpose, code)):
        left = max_attempts() - row.attempts
        if left <= 0:
            raise PhoneError(_("验证码错误次数太多，请重新获取。"), field="code")
        raise PhoneError(_("验证码不正确，还可以再试 %(n)d 次。", n=left), field="code")
    return row


def _use(row: PhoneCode) -> None:
    """Mark the code used (in the caller's transaction); a second use, even concurrent, is refused."""
    done = db.session.execute(sa.update(PhoneCode).where(PhoneCode.id == row.id, PhoneCode.used_at.is_(None))
                              .values(used_at=utcnow())).rowcount
    if done != 1:
        raise _invalid()


def _signed_in(user: User) -> User:
    user.last_login_at = utcnow()
    return user


def sign_in(phone: str, code: str) -> User:
    """The active account of a number whose code is right (recording the login); NoAccount when the
    number has none (the code is used up either way)."""
    row = check_code(phone, CodePurpose.LOGIN, code)
    with atomic():
        _use(row)
    user = user_by_mobile(phone)
    if user is None:
        raise NoAccount(_("这个手机号还没有注册账号，请先注册。"), field="phone")
    if not user.active:
        raise PhoneError(_("这个账号已被停用，请联系平台。"), field="phone")
    with atomic():
        return _signed_in(user)


def register(phone: str, code: str, *, name: str = "", locale: str = "zh_CN",
             consent: bool = False) -> tuple[User, bool]:
    """Create the account of a proven number (no e-mail, no password: it signs in with codes) and
    record the consent; returns (user, True). A number that has an account already signs that
    account in: (user, False)."""
    if not consent:
        raise PhoneError(_("请阅读并勾选同意《隐私政策》和《用户协议》后再注册。"), field="consent")
    row = check_code(phone, CodePurpose.REGISTER, code)
    with atomic():
        _use(row)
    return register_proven(phone, name=name, locale=locale, consent=consent)


def register_proven(phone: str, *, name: str = "", locale: str = "zh_CN", consent: bool = False) -> tuple[User, bool]:
    """``register`` for a number its holder has just proven otherwise (a sign-in code for a number
    without an account): the caller vouches for the proof."""
    if not consent:
        raise PhoneError(_("请阅读并勾选同意《隐私政策》和《用户协议》后再注册。"), field="consent")
    existing = user_by_mobile(phone)
    if existing is not None:
        if not existing.active:
            raise PhoneError(_("这个账号已被停用，请联系平台。"), field="phone")
        with atomic():
            return _signed_in(existing), False
    try:
        with atomic():
            user = User(email=None, mobile=phone, name=(name or "").strip()[:80], password_hash=UNUSABLE_PASSWORD,
                        locale=locale, last_login_at=utcnow())
            db.session.add(user)
            db.session.flush()
            record_consent(user, SOURCE_REGISTER)
    except sa.exc.IntegrityError:  # the same number registered at the same moment: that account
        existing = user_by_mobile(phone)
        if existing is None:
            raise
        return existing, False
    return user, True


def change_mobile(user: User, phone: str, code: str) -> None:
    """Set (or change) the user's sign-in number to a number he proved with a code sent for him."""
    row = check_code(phone, CodePurpose.CHANGE_PHONE, code, user=user)
    with atomic():
        _use(row)
    other = user_by_mobile(phone)
    if other is not None and other.id != user.id:
        raise PhoneError(_("这个手机号已经绑定了另一个账号。"), field="phone")
    try:
        with atomic():
            user.mobile = phone
    except sa.exc.IntegrityError:
        raise PhoneError(_("这个手机号已经绑定了另一个账号。"), field="phone") from None


#: Code rows are kept this long after they expire (to answer "expired" rather than "invalid", and
#: for the attempt counts), then deleted by the job "accounts.purge_phone_codes".
KEEP_EXPIRED = dt.timedelta(days=1)


def purge_codes() -> int:
    """Delete code rows that expired more than a day ago; returns how many."""
    with atomic():
        return db.session.execute(sa.delete(PhoneCode).where(PhoneCode.expires_at < utcnow() - KEEP_EXPIRED)).rowcount
