"""Platform admin pages: merchant queue and shops, users, the mail outbox, the audit log.

Every route is admin-only (403 for other users, login for anonymous visitors). Routes parse the
input and call ``marketplace.admin.services``; refusals come back as flash messages.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.labels import ROLE_LABELS
from marketplace.accounts.models import Role, User, UserRole
from marketplace.accounts.policy import admin_required
from marketplace.admin import bp, services
from marketplace.admin.log_views import pretty_json
from marketplace.admin.models import AuditEntry
from marketplace.domains import page_panels
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.figures import Window
from marketplace.mail.models import OutboxMessage, OutboxStatus
from marketplace.privacy.admin_views import erase_context
from marketplace.shops.labels import SHOP_STATUS_BADGES, SHOP_STATUS_LABELS, SHOP_TYPE_LABELS
from marketplace.shops.models import Shop, ShopMember, ShopStatus, ShopStatusChange
from marketplace.states import InvalidTransition
from marketplace.web import enum_arg, paginate

PER_PAGE = 25

OUTBOX_STATUS_LABELS = {OutboxStatus.QUEUED: _l("待发送"), OutboxStatus.SENT: _l("已发送"),
                        OutboxStatus.FAILED: _l("发送失败"), OutboxStatus.HELD: _l("未发送（仅存于发件箱）")}

#: The admin's verbs on a shop: (service, needs a reason, success message).
SHOP_ACTIONS = {
    "approve": (services.approve_shop, False, _l("已批准开店申请，店主会收到通知。")),
    "reject": (services.reject_shop, True, _l("已驳回开店申请，店主会收到通知。")),
    "suspend": (services.suspend_shop, True, _l("店铺已暂停，店主会收到通知。")),
    "reinstate": (services.reinstate_shop, False, _l("店铺已恢复营业，店主会收到通知。")),
    "close": (services.close_shop, True, _l("店铺已关闭，店主会收到通知。")),
}


@bp.context_processor
def _labels():
    return {"shop_status_labels": SHOP_STATUS_LABELS, "shop_status_badges": SHOP_STATUS_BADGES,
            "shop_type_labels": SHOP_TYPE_LABELS, "role_labels": ROLE_LABELS,
            "outbox_status_labels": OUTBOX_STATUS_LABELS, "managed_roles": services.MANAGED_ROLES,
            "pretty": pretty_json}


def _count(stmt) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


@bp.get("")
@admin_required
def index():
    """The overview: what waits for the admin, with links, then the market's figures of the last 30
    days, one panel per domain (marketplace.domains.add_panel "admin_dashboard")."""
    by_status = dict(db.session.execute(sa.select(Shop.status, sa.func.count()).group_by(Shop.status)).all())
    shop_counts = [(s, by_status.get(s, 0)) for s in ShopStatus]
    mail_counts = dict(db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)).all())
    return render_template(
        "admin/index.html", shop_counts=shop_counts, pending=by_status.get(ShopStatus.PENDING, 0),
        users=db.session.scalar(sa.select(sa.func.count(User.id))) or 0,
        queued_mail=mail_counts.get(OutboxStatus.QUEUED, 0), failed_mail=mail_counts.get(OutboxStatus.FAILED, 0),
        audit_count=db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) or 0,
        panels=page_panels(current_app, "admin_dashboard", Window.last()))


# --- shops ----------------------------------------------------------------------------------

@bp.get("/shops")
@admin_required
def shops():
    """The application queue (pending, oldest first) and every other status."""
    status = request.args.get("status", ShopStatus.PENDING.value)
    stmt = sa.select(Shop)
    if status != "all":
        chosen = enum_arg(ShopStatus, "status", None if "status" in request.args else ShopStatus.PENDING)
        if chosen is None:
            abort(404)
        stmt = stmt.where(Shop.status == chosen)
    pagination = paginate(stmt.order_by(Shop.created_at, Shop.id), per_page=PER_PAGE)
    return render_template("admin/shops.html", pagination=pagination, status=status, statuses=list(ShopStatus))


def _shop_or_404(shop_id: int) -> Shop:
    return db.get_or_404(Shop, shop_id)


@bp.get("/shops/<int:shop_id>")
@admin_required
def shop(shop_id: int):
    shop = _shop_or_404(shop_id)
    services.record_view(current_user, "shop", shop.id)  # contact details and the owner's e-mail in full
    owner = db.session.scalar(sa.select(User).join(ShopMember, ShopMember.user_id == User.id)
                              .where(ShopMember.shop_id == shop.id, ShopMember.role == Role.SHOP_OWNER))
    history = db.session.scalars(sa.select(ShopStatusChange).where(ShopStatusChange.shop_id == shop.id)
                                 .order_by(ShopStatusChange.created_at.desc(), ShopStatusChange.id.desc())).all()
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "shop",
                                                           AuditEntry.object_id == str(shop.id))
                               .order_by(AuditEntry.id.desc()).limit(50)).all()
    return render_template("admin/shop.html", shop=shop, owner=owner, history=history, audit=audit,
                           ShopStatus=ShopStatus)


@bp.post("/shops/<int:shop_id>/<any(approve, reject, suspend, reinstate, close):action>")
@admin_required
def shop_action(shop_id: int, action: str):
    shop = _shop_or_404(shop_id)
    verb, needs_reason, done = SHOP_ACTIONS[action]
    args = (request.form.get("reason", ""),) if needs_reason else ()
    try:
        verb(shop, current_user, *args)
    except InvalidTransition as exc:
        db.session.refresh(shop)
        flash(_("店铺当前状态为“%(state)s”，不能执行这个操作。页面已刷新为最新状态。",
                state=SHOP_STATUS_LABELS.get(exc.current, exc.current.value)), "error")
    except DomainError as exc:  # a missing reason: back to the shop page, whatever the referrer
        flash(exc.message, "error")
    else:
        flash(str(done), "success")
    return redirect(url_for("admin.shop", shop_id=shop.id))


# --- users ----------------------------------------------------------------------------------

@bp.get("/users")
@admin_required
def users():
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    stmt = sa.select(User)
    if q:
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(sa.or_(User.email.like(like, escape="\\"), sa.func.lower(User.name).like(like, escape="\\"),
                                 User.mobile.like(like, escape="\\")))
    if role in {r.value for r in services.MANAGED_ROLES}:
        stmt = stmt.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role(role),
                                                                       UserRole.scope_type.is_(None))))
    pagination = paginate(stmt.order_by(User.id), per_page=PER_PAGE)
    return render_template("admin/users.html", pagination=pagination, q=q, role=role)


@bp.get("/users/<int:user_id>")
@admin_required
def user(user_id: int):
    user = db.get_or_404(User, user_id)
    member = db.session.scalar(sa.select(ShopMember).where(ShopMember.user_id == user.id))
    services.record_view(current_user, "user", user.id)  # the page shows his personal data in full
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "user",
                                                           AuditEntry.object_id == str(user.id))
                               .order_by(AuditEntry.id.desc()).limit(50)).all()
    return render_template("admin/user.html", user=user, member=member, audit=audit, **_region_grants(user),
                           **erase_context(user))


def _region_grants(user: User) -> dict:
    """The user's region-scoped grants of the roles that take one, and the regions offered (the city,
    then its counties)."""
    from marketplace.i18n import current_locale_code
    from marketplace.regions.models import Region
    from marketplace.regions.services import home_city, region_choices, region_path

    locale = current_locale_code()
    grants = [(g.role, db.session.get(Region, g.scope_id)) for g in user.roles
              if g.role in services.REGION_ROLES and g.scope_type == "region"]
    city = home_city()
    options = ([(city.id, city.localized_name(locale))] if city else []) + region_choices(
        locale, depth=services.RegionLevel.COUNTY)
    return {"region_roles": services.REGION_ROLES, "region_grants": [(r, g, region_path(g, locale)) for r, g in grants if g is not None],
            "region_options": options}


@bp.post("/users/<int:user_id>/roles")
@admin_required
def user_role(user_id: int):
    user = db.get_or_404(User, user_id)
    op, role = request.form.get("op"), request.form.get("role", "")
    try:
        region = request.form.get("region") or None  # a regulator's region; none: platform-wide
        if op == "grant":
            services.grant_role(user, role, current_user, region)
            flash(_("已授予角色。"), "success")
        elif op == "revoke":
            services.revoke_role(user, role, current_user, region)
            flash(_("已取消角色。"), "success")
        else:
            abort(400)
    except services.AdminError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/active")
@admin_required
def user_active(user_id: int):
    user = db.get_or_404(User, user_id)
    value = request.form.get("active")
    if value not in ("0", "1"):
        abort(400)
    try:
        services.set_user_active(user, value == "1", current_user)
    except services.AdminError as exc:
        flash(exc.message, "error")
    else:
        flash(_("账号已启用。") if value == "1" else _("账号已停用，该用户的所有登录已失效。"), "success")
    return redirect(url_for("admin.user", user_id=user.id))

