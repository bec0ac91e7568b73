"""Admin verbs: each runs in one transaction and writes an audit entry with before/after snapshots.

The views and any future admin API call these functions; a refusal raises a DomainError (``AdminError``,
the shop service's ``ShopError``, or ``InvalidTransition`` for a shop status move the state machine
refuses) whose message is user-facing, and nothing is changed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import gettext as _

from marketplace.accounts.models import Role, User
from marketplace.admin.models import AuditEntry
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from marketplace.shops.models import Shop, ShopStatus
from marketplace.states import InvalidTransition

#: Roles an admin may grant or revoke in the admin pages.
MANAGED_ROLES = (Role.ADMIN, Role.OFFICER, Role.REVIEWER, Role.FOOD_SAFETY_REGULATOR)
#: Of those, the roles an admin may grant platform-wide or for one region (the shared role model's
#: ("region", id) scope; a county covers its townships and villages: marketplace.regions.scopes).
REGION_ROLES = (Role.FOOD_SAFETY_REGULATOR,)
#: The levels a region grant may name.
REGION_GRANT_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)


class AdminError(DomainError):
    """An admin action was refused; the message says why, in the admin's language."""

    status = 422
    code = "admin_refused"


def record_audit(actor: User | None, action: str, obj_type: str, obj_id, before: dict | None = None,
                 after: dict | None = None, note: str | None = None) -> AuditEntry:
    """Add an audit entry in the caller's transaction (the caller commits).

    ``action`` is a dotted verb such as ``shop.approve``; the client address is taken from the
    current request, if there is one.
    """
    ip = None
    if has_request_context():
        ip = (request.remote_addr or "")[:45] or None
    entry = AuditEntry(actor_id=getattr(actor, "id", None), action=action, object_type=obj_type,
                       object_id=str(obj_id), before=before, after=after, note=note, ip=ip)
    db.session.add(entry)
    return entry


#: One "viewed personal data" entry per admin and object in this many minutes (a reload adds none).
VIEW_AUDIT_MINUTES = 10


def record_view(actor: User, obj_type: str, obj_id) -> bool:
    """Audit an admin's look at an individual page that shows personal data in full (a user, a shop,
    an order); commits its own entry. False when the same admin saw it within VIEW_AUDIT_MINUTES."""
    since = utcnow() - dt.timedelta(minutes=VIEW_AUDIT_MINUTES)
    seen = db.session.scalar(sa.select(AuditEntry.id).where(
        AuditEntry.actor_id == actor.id, AuditEntry.action == "privacy.view", AuditEntry.object_type == obj_type,
        AuditEntry.object_id == str(obj_id), AuditEntry.created_at >= since).limit(1))
    if seen is not None:
        return False
    with atomic():
        record_audit(actor, "privacy.view", obj_type, obj_id)
    return True


def shop_snapshot(shop: Shop) -> dict:
    return {"status": ShopStatus(shop.status).value, "status_reason": shop.status_reason}


def user_snapshot(user: User) -> dict:
    snap = {"active": bool(user.active),
            "roles": sorted(Role(r.role).value for r in user.roles if r.scope_type is None)}
    scoped = sorted(f"{Role(r.role).value}@{r.scope_type}:{r.scope_id}" for r in user.roles
                    if r.scope_type is not None and r.scope_type != "shop")
    if scoped:
        snap["scoped"] = scoped
    return snap


# --- shops ----------------------------------------------------------------------------------

def _change_shop(shop: Shop, target: ShopStatus, actor: User, action: str, reason: str | None = None, *,
                 only_from: ShopStatus | None = None) -> Shop:
    from marketplace.shops.services import SHOP_STATES, set_shop_status

    if only_from is not None and shop.status != only_from:
        # e.g. "approve" is for applications; a suspended shop comes back by "reinstate"
        raise InvalidTransition(SHOP_STATES, ShopStatus(shop.status), target)
    reason = (reason or "").strip() or None
    if target in (ShopStatus.REJECTED, ShopStatus.SUSPENDED, ShopStatus.CLOSED) and not reason:
        raise AdminError(_("请填写原因：店主会在通知中看到它。"))

    with atomic():
        before = shop_snapshot(shop)
        # the shop service records the history and queues the owner's e-mail in this transaction
        set_shop_status(shop, target, actor, reason=reason)
        record_audit(actor, action, "shop", shop.id, before=before, after=shop_snapshot(shop), note=reason)
        return shop


def approve_shop(shop: Shop, actor: User) -> Shop:
    """Approve a pending application."""
    return _change_shop(shop, ShopStatus.APPROVED, actor, "shop.approve", only_from=ShopStatus.PENDING)


def reject_shop(shop: Shop, actor: User, reason: str) -> Shop:
    """Reject an application; the reason is shown to the applicant."""
    return _change_shop(shop, ShopStatus.REJECTED, actor, "shop.reject", reason)


def suspend_shop(shop: Shop, actor: User, reason: str) -> Shop:
    """Take an approved shop offline; the reason is shown to the owner."""
    return _change_shop(shop, ShopStatus.SUSPENDED, actor, "shop.suspend", reason)


def reinstate_shop(shop: Shop, actor: User) -> Shop:
    """Bring a suspended shop back online."""
    return _change_shop(shop, ShopStatus.APPROVED, actor, "shop.reinstate", only_from=ShopStatus.SUSPENDED)


def close_shop(shop: Shop, actor: User, reason: str) -> Shop:
    """Close an open or suspended shop for good (the owner stops trading, or asked to delete his account:
    a closed shop no longer holds his deletion back). Settle what the platform owes it first."""
    return _change_shop(shop, ShopStatus.CLOSED, actor, "shop.close", reason)


# --- users ----------------------------------------------------------------------------------

def set_user_active(user: User, active: bool, actor: User) -> User:
    """Activate or deactivate an account. Deactivation ends every session of the user at once."""
    if not active and user.id == actor.id:
        raise AdminError(_("不能停用自己的账号。"))
    if bool(user.active) == bool(active):
        return user

    from marketplace.accounts import services as accounts

    with atomic():
        before = user_snapshot(user)
        accounts.set_active(user, bool(active), actor)  # deactivation bumps auth_version: sessions die
        record_audit(actor, "user.activate" if active else "user.deactivate", "user", user.id,
                     before=before, after=user_snapshot(user))
        return user


def _managed_role(role) -> Role:
    try:
        role = Role(role)
    except ValueError:
        raise AdminError(_("未知的角色")) from None
    if role not in MANAGED_ROLES:
        raise AdminError(_("未知的角色"))
    return role


def grant_region(role: Role, region_id) -> Region | None:
    """The region of a scoped grant (None: platform-wide); refused for a role that takes no region
    or a region that is not a city, county or township."""
    if region_id in (None, "", "0", 0):
        return None
    if role not in REGION_ROLES:
        raise AdminError(_("这个角色只能授予全平台"))
    try:
        region = db.session.get(Region, int(region_id))
    except (TypeError, ValueError, OverflowError):
        region = None
    if region is None or region.level not in REGION_GRANT_LEVELS:
        raise AdminError(_("请选择一个市、县区或乡镇作为范围"))
    return region


def _role_note(role: Role, region: Region | None) -> str:
    return role.value if region is None else f"{role.value}@{region.code}"


def grant_role(user: User, role, actor: User, region_id=None) -> User:
    """Give the user a platform role (admin, officer, reviewer, regulator), or a regulator's role for
    one region (``region_id``); granting a held grant changes nothing."""
    from marketplace.accounts import services as accounts

    role = _managed_role(role)
    region = grant_region(role, region_id)
    if user.grant(role, region) is not None:
        return user

    with atomic():
        before = user_snapshot(user)
        accounts.grant_role(user, role, actor, scope=region)
        db.session.flush()
        record_audit(actor, "user.role_grant", "user", user.id, before=before, after=user_snapshot(user),
                     note=_role_note(role, region))
        return user


def revoke_role(user: User, role, actor: User, region_id=None) -> User:
    """Take a platform role (or a regulator's grant for one region) away. An admin cannot remove his
    own admin role."""
    from marketplace.accounts import services as accounts

    role = _managed_role(role)
    region = grant_region(role, region_id)
    if role == Role.ADMIN and user.id == actor.id:
        raise AdminError(_("不能取消自己的管理员角色：请让另一位管理员操作。"))
    if user.grant(role, region) is None:
        return user

    with atomic():
        before = user_snapshot(user)
        accounts.revoke_role(user, role, actor, scope=region)
        db.session.flush()
        record_audit(actor, "user.role_revoke", "user", user.id, before=before, after=user_snapshot(user),
                     note=_role_note(role, region))
        return user
