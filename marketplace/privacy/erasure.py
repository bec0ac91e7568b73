"""Account deletion at the user's request: anonymise, in one transaction, never delete the records.

Refused (``DeletionRefused``, with every reason) while a domain says no: an open order, a refund in
progress, a shop he owns that is not closed. Otherwise, in one ``atomic()`` block:

1. each domain anonymises its rows (``registry.register_personal_data(erase=...)``): the address
   book is deleted; orders keep their lines, money and status, their delivery snapshot is masked
   at once (张* / 138****5678 / the county only); investment inquiries lose their contact details;
2. the account: e-mail replaced by ``deleted-<id>@deleted.invalid``, name and phone erased, password
   unusable, deactivated, ``auth_version`` bumped (every session and remember cookie dies), roles
   and API tokens deleted, consent records kept without their network hash, mail addressed to him
   deleted from the outbox;
3. a sweep over every text column of the schema masks any remaining occurrence of his e-mail
   address or phone numbers (free text written by others: an officer's note, a mail to a shop);
4. one audit entry, ``user.erase``, without personal data.

Payments and ledger rows are untouched: they name orders and shops, not people, and the books
still balance.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import ApiToken, PhoneCode, User
from marketplace.accounts.passwords import has_usable_password, verify_password
from marketplace.admin.services import record_audit
from marketplace.db import as_utc, atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from marketplace.privacy.masking import mask_email, mask_phone, scrub_text
from marketplace.privacy.models import ConsentRecord
from marketplace.privacy.registry import Erasure, personal_data

#: Not an Argon2 hash: verify_password() is always False for it, so the password is unusable.
UNUSABLE_PASSWORD = "!deleted"
#: Columns the sweep leaves alone (the account's own e-mail is replaced by step 2).
_SWEEP_SKIP = {("users", "email")}


class DeletionRefused(DomainError):
    """The account cannot be deleted now; the message says why and what to do first."""

    status = 409
    code = "deletion_refused"


class WrongPassword(DomainError):
    status = 422
    code = "wrong_password"


def deletion_blocks(user: User) -> list[str]:
    """Why ``user``'s account cannot be deleted now (messages for him), empty when it can."""
    if user.deleted_at is not None:
        return [_("这个账号已经注销。")]
    reasons = []
    for entry in personal_data():
        if entry.blocks is not None:
            reason = entry.blocks(user)
            if reason:
                reasons.append(str(reason))
    return reasons


def delete_account(user: User, *, actor: User, password: str | None = None, note: str = "") -> None:
    """Delete (anonymise) ``user``'s account. The user himself confirms with his password; an admin
    processing a request (``actor`` another user) writes the request's reference in ``note``."""
    if actor.id == user.id:
        _confirm_identity(user, password)
    reasons = deletion_blocks(user)
    if reasons:
        raise DeletionRefused(" ".join(reasons))
    with atomic():
        reasons = deletion_blocks(user)  # again inside the transaction: an order placed meanwhile
        if reasons:
            raise DeletionRefused(" ".join(reasons))
        before = {"active": bool(user.active), "deleted": False}
        erasure = Erasure(user=user, actor=actor)
        erasure.found(user.email, user.phone, user.mobile, (user.mobile or "").removeprefix("+86"))
        for entry in personal_data():
            if entry.erase is not None:
                entry.erase(erasure)
        _erase_account(erasure)
        db.session.flush()
        sweep(erasure.values)
        audit = record_audit(actor, "user.erase", "user", user.id, before=before,
                             after={"active": False, "deleted": True},
                             note=scrub_text((note or "").strip()[:500]) or None)
        if actor.id == user.id:
            audit.ip = None  # the user's own request: his address is not kept with it
    db.session.expire_all()


#: An account without a password (made with a mobile number) confirms its deletion by having signed
#: in with a code this recently.
RECENT_SIGN_IN = dt.timedelta(minutes=10)


def _confirm_identity(user: User, password: str | None) -> None:
    if has_usable_password(user.password_hash):
        if not verify_password(user.password_hash, password or ""):
            raise WrongPassword(_("密码不正确。"), field="password")
        return
    last = as_utc(user.last_login_at)
    if last is None or utcnow() - last > RECENT_SIGN_IN:
        raise WrongPassword(_("为确认是您本人，请退出后用手机验证码重新登录，并在 %(n)d 分钟内注销账号。",
                              n=int(RECENT_SIGN_IN.total_seconds() // 60)))


def _erase_account(erasure: Erasure) -> None:
    user = erasure.user
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(sa.update(ConsentRecord).where(ConsentRecord.user_id == user.id).values(ip_hash=None))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_addr.in_(
        [a for a in (user.email, user.mobile) if a])))
    if user.mobile:
        db.session.execute(sa.delete(PhoneCode).where(PhoneCode.phone == user.mobile))
    user.roles.clear()
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.name = ""
    user.phone = None
    user.mobile = None
    user.password_hash = UNUSABLE_PASSWORD
    user.active = False
    user.auth_version = (user.auth_version or 1) + 1
    user.deleted_at = utcnow()


# --- the sweep ---------------------------------------------------------------------------------

def _pattern(value: str) -> re.Pattern:
    """``value`` as a whole token: "zhang@example.com" does not match inside "azhang@example.com"."""
    if "@" in value:
        return re.compile(r"(?<![\w.+-])" + re.escape(value) + r"(?![\w-])", re.IGNORECASE)
    return re.compile(r"(?<![\w])" + re.escape(value) + r"(?![\w])")


def _masked(value: str) -> str:
    return mask_email(value) if "@" in value else mask_phone(value)


def _text_columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.columns if isinstance(c.type, sa.String | sa.Text) and not isinstance(c.type, sa.Enum)
            and (table.name, c.name) not in _SWEEP_SKIP]


def sweep(values) -> int:
    """Mask every occurrence of ``values`` (e-mail addresses, phone numbers) in every text column of
    every table, in the caller's transaction; returns the number of rows changed."""
    values = sorted({v for v in values if v and len(v) >= 6})
    if not values:
        return 0
    patterns = [(_pattern(v), _masked(v)) for v in values]
    changed = 0
    for table in db.metadata.sorted_tables:
        columns = _text_columns(table)
        keys = list(table.primary_key.columns)
        if not columns or not keys:
            continue
        where = sa.or_(*(sa.func.lower(c).contains(v.lower(), autoescape=True) for c in columns for v in values))
        for row in db.session.execute(sa.select(*keys, *columns).where(where)).all():
            data = row._mapping
            updates = {}
            for column in columns:
                text = data[column]
                if not text:
                    continue
                new = text
                for pattern, masked in patterns:
                    new = pattern.sub(masked, new)
                if new != text:
                    updates[column.name] = new[:column.type.length] if column.type.length else new
            if updates:
                db.session.execute(sa.update(table).where(*(k == data[k] for k in keys)).values(**updates))
                changed += 1
    if changed:
        current_app.logger.info("privacy: the deletion sweep masked %d row(s)", changed)
    return changed
