"""Who may do what with shops: the one place for shop ownership checks.

Membership is a role scoped to the shop (SHOP_OWNER or SHOP_STAFF in user_roles); every check goes
through marketplace.accounts.policy.has_role, so an admin passes them too.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.accounts.policy import has_role
from marketplace.db import built_once
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.shops.models import SHOP_ROLES, Shop, ShopMember, ShopStatus
from marketplace.shops.validation import ShopError

#: Shops whose members use the merchant pages: an approved one, and a suspended one, which still
#: sees its data and fulfils and refunds the orders it has (its other changes: ensure_not_suspended).
MERCHANT_STATUSES = (ShopStatus.APPROVED, ShopStatus.SUSPENDED)


class ShopSuspended(ShopError):
    """A change the platform's suspension of the shop forbids (409: the shop's state refuses it)."""

    status = 409
    code = "shop_suspended"


def ensure_not_suspended(shop: Shop | None) -> None:
    """Refuse a change to a suspended shop's public face or selling.

    While suspended a shop keeps its data and its orders: its members still see everything, mark
    offline payments received, accept, ship, hand over, cancel and refund existing orders, correct
    stock, take products off sale (hide, delete), withdraw invitations and remove staff. What it
    cannot do until the platform reinstates it is anything that changes what buyers will see or
    how it sells: its profile and logo, products (create, edit, duplicate, photos, CSV import),
    publishing, delivery rules, payment settings and payout onboarding, and taking on staff. Every
    service that does one of those calls this first, whoever its caller is.
    """
    if shop is not None and shop.status == ShopStatus.SUSPENDED:
        raise ShopSuspended(_("店铺已被暂停：暂停期间不能修改店铺资料、商品、配送和收款设置，也不能添加店员；"
                              "仍可查看数据，处理和退款已有订单。"))


def membership_of(user) -> ShopMember | None:
    """The user's shop membership (his grant scoped to a shop, loaded with his roles), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return next((r for r in user.roles if isinstance(r, ShopMember) and r.role in SHOP_ROLES), None)


def reads_as_a_shop() -> bool:
    """Whether the signed-in reader is a shop's member: a page that differs for a shop's own members
    (his links, no 联系商家 or report form on his own shop and products) is rendered whole for him,
    never served from kept blocks (``@kept_blocks(..., unless=reads_as_a_shop)``)."""
    return membership_of(current_user) is not None


def current_shop(*, owner: bool = False, approved: bool = True) -> Shop:
    """The signed-in user's shop, or 403 when he has none (or is not its owner when owner=True).

    With approved=True a pending or rejected shop cannot use merchant pages (403); a suspended one
    can (its data, its orders), and the services refuse its other changes (ensure_not_suspended).
    """
    member = membership_of(current_user)
    if member is None:
        abort(403)
    if owner and member.role != Role.SHOP_OWNER:  # his own grant: an admin on a shop's staff is staff there
        abort(403)
    if approved and member.shop.status not in MERCHANT_STATUSES:
        abort(403)
    return member.shop


def merchant_required(view=None, *, owner: bool = False):
    """Decorator: the view needs an approved (or suspended) shop of the current user; passes it as ``shop``."""

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, **kwargs):
            return fn(*args, shop=current_shop(owner=owner), **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def own_or_404(row, shop: Shop):
    """A row of the merchant's own shop, or 404: a foreign ID never reveals another shop's data."""
    if row is None or getattr(row, "shop_id", None) != shop.id:
        abort(404)
    return row


def is_member(user, shop: Shop) -> bool:
    """The shop's owner or staff, or an admin."""
    return any(has_role(user, role, shop) for role in SHOP_ROLES)


def is_owner(user, shop: Shop) -> bool:
    """The shop's own owner, by his grant (his links on the public page; an admin is not shown them)."""
    return bool(getattr(user, "is_authenticated", False) and user.grant(Role.SHOP_OWNER, shop))


def can_see_shop(user, shop: Shop) -> bool:
    """Everyone sees approved shops; a shop's members and admins also see it in other states."""
    return shop.status == ShopStatus.APPROVED or is_member(user, shop)


def can_view_licence(user, shop: Shop) -> bool:
    """The licence scan is private: the shop's own members and platform admins only."""
    return is_member(user, shop)


def visible_shop_or_404(slug: str) -> Shop:
    """The shop for its public page, or 404 when it is not approved and the viewer is not entitled.
    Its statement is built once per app, with what other domains' blocks on the page show of it
    (marketplace.domains.add_load_options "shop": the reviews' totals)."""
    shop = db.session.scalar(built_once("shops.page", _page_statement), {"slug": slug})
    if shop is None or not can_see_shop(current_user, shop):
        abort(404)
    return shop


def _page_statement():
    import sqlalchemy as sa
    from flask import current_app

    from marketplace.domains import load_options

    return sa.select(Shop).where(Shop.slug == sa.bindparam("slug")).options(*load_options(current_app, "shop"))


def licence_shop_or_404(shop_id: int) -> Shop:
    shop = db.session.get(Shop, shop_id)
    if shop is None or not can_view_licence(current_user, shop):
        abort(404)
    return shop


def own_member_or_404(member_id: int, shop: Shop) -> ShopMember:
    return own_or_404(db.session.get(ShopMember, member_id), shop)


def api_shop(shop_id: int, *, write: bool = False) -> Shop:
    """The shop of /api/v1/shops/<shop_id>/... for the current user, by his current grants.

    No shop membership: 403 ``not_a_merchant``; another shop's id (or none such): 404, never a 403
    that would confirm it exists. Writes need an approved or suspended shop, as the merchant pages
    do (403 ``shop_not_approved`` otherwise); a suspended shop's writes then meet the services' own
    rule (``ensure_not_suspended``: orders and refunds go on, its products and settings are frozen,
    409 ``shop_suspended``), and a pending shop may still read its own rows.
    """
    member = membership_of(current_user)
    if member is None:
        raise ApiError(403, "not_a_merchant", _("您不是任何店铺的店主或店员"))
    if member.shop_id != shop_id:
        raise ApiError(404, "not_found", _("店铺不存在"))
    shop = member.shop
    if write and shop.status not in (ShopStatus.APPROVED, ShopStatus.SUSPENDED):
        raise ApiError(403, "shop_not_approved", _("店铺未通过审核，不能修改"))
    return shop
