"""Shop staff: e-mailed invitations (only the token's hash is stored), accepting, removing."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import Role, User
from marketplace.db import as_utc, atomic, utcnow
from marketplace.extensions import db
from marketplace.mail.services import queue_mail
from marketplace.privacy.masking import mask_email
from marketplace.security import hash_token
from marketplace.shops.models import MemberRole, Shop, ShopInvite, ShopMember
from marketplace.shops.policy import ensure_not_suspended
from marketplace.shops.services import member_of
from marketplace.shops.validation import ShopError
from marketplace.web import absolute_url

#: Open invitations one shop may have at a time (each sends an e-mail).
MAX_OPEN_INVITES = 20


def _require_owner(shop: Shop, actor) -> None:
    # the actor's own grant, not has_role: an admin who is staff of a shop does not own it
    if actor.grant(Role.SHOP_OWNER, shop) is None:
        raise ShopError(_("只有店主可以管理店员"))


def open_invites(shop: Shop) -> list[ShopInvite]:
    now = utcnow()
    rows = db.session.scalars(sa.select(ShopInvite).where(
        ShopInvite.shop_id == shop.id, ShopInvite.accepted_at.is_(None), ShopInvite.revoked_at.is_(None))
        .order_by(ShopInvite.created_at.desc()))
    return [r for r in rows if as_utc(r.expires_at) > now]


def invite_staff(shop: Shop, email: str, actor) -> tuple[ShopInvite, str]:
    """Invite ``email`` to join the shop as staff; returns the invite and the one-time token.

    An earlier open invitation to the same address is replaced. The e-mail carries the link.
    """
    _require_owner(shop, actor)
    ensure_not_suspended(shop)  # no new people in a suspended shop
    try:
        email = validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ShopError(_("请填写有效的邮箱地址"), field="email") from None
    invitee = db.session.scalar(sa.select(User).where(User.email == email))
    if invitee is not None and any(m.user_id == invitee.id for m in shop.members):
        raise ShopError(_("这个邮箱的用户已经是本店成员"), field="email")
    now = utcnow()
    current = open_invites(shop)
    replaced = [i for i in current if i.email == email]
    if len(current) - len(replaced) >= MAX_OPEN_INVITES:
        raise ShopError(_("待接受的邀请太多了，请先撤销一些"), field="email")
    token = secrets.token_urlsafe(32)
    with atomic():
        for old in replaced:
            old.revoked_at = now
        invite = ShopInvite(shop_id=shop.id, email=email, token_hash=hash_token(token), invited_by_id=actor.id,
                            created_at=now,
                            expires_at=now + dt.timedelta(days=current_app.config["INVITE_MAX_AGE_DAYS"]))
        db.session.add(invite)
        locale = invitee.locale if invitee is not None else (getattr(actor, "locale", None) or "zh_CN")
        queue_mail(email, "shop_invite", locale=locale, shop=shop, inviter=actor, invite=invite,
                   accept_url=absolute_url("shops.accept_invite", token=token),
                   days=current_app.config["INVITE_MAX_AGE_DAYS"])
    return invite, token


def find_invite(token: str) -> ShopInvite | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(sa.select(ShopInvite).where(ShopInvite.token_hash == hash_token(token)))


def invite_problem(invite: ShopInvite | None, user=None) -> str | None:
    """Why this invitation cannot be accepted (by ``user``, when given), or None."""
    if invite is None:
        return _("邀请链接无效")
    if invite.revoked_at is not None:
        return _("这个邀请已被撤销")
    if invite.accepted_at is not None:
        return _("这个邀请已经用过了")
    if as_utc(invite.expires_at) <= utcnow():
        return _("这个邀请已过期，请让店主重新邀请")
    try:
        ensure_not_suspended(invite.shop)
    except ShopError as exc:
        return exc.message
    if user is not None:
        if (user.email or "").lower() != invite.email:
            return _("这个邀请是发给 %(email)s 的，请用该邮箱的账号登录后再接受", email=mask_email(invite.email))
        if member_of(user.id) is not None:
            return _("您的账号已经属于一家店铺，不能再加入另一家")
    return None


def accept_invite(token: str, user) -> ShopMember:
    """The signed-in ``user`` joins the shop as staff; ShopError says why not."""
    invite = find_invite(token)
    if invite is not None:
        ensure_not_suspended(invite.shop)
    problem = invite_problem(invite, user)
    if problem:
        raise ShopError(problem)
    try:
        with atomic():
            member = ShopMember(shop_id=invite.shop_id, user_id=user.id, role=MemberRole.STAFF)
            invite.accepted_at = utcnow()
            db.session.add(member)
    except sa.exc.IntegrityError:  # joined another shop at the same moment
        raise ShopError(_("您的账号已经属于一家店铺，不能再加入另一家")) from None
    return member


def revoke_invite(invite: ShopInvite, actor) -> None:
    _require_owner(invite.shop, actor)
    if invite.accepted_at is not None:
        raise ShopError(_("这个邀请已经被接受，不能撤销；如需要请移除该店员"))
    if invite.revoked_at is None:
        with atomic():
            invite.revoked_at = utcnow()


def remove_staff(shop: Shop, member: ShopMember, actor) -> None:
    """The owner removes a staff member (never himself: a shop always keeps its owner)."""
    _require_owner(shop, actor)
    if member.shop_id != shop.id:
        raise ShopError(_("这个人不是本店成员"))
    if member.is_owner:
        raise ShopError(_("店主不能移除自己"))
    with atomic():
        db.session.delete(member)
