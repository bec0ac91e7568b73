"""Who may do what with shops: the one place for shop role and ownership checks."""

from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required

from marketplace.extensions import db
from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus


def membership_of(user) -> ShopMember | None:
    """The user's shop membership (cached per request), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = g.setdefault("_shop_membership", {})
    if user.id not in cache:
        cache[user.id] = db.session.scalar(db.select(ShopMember).where(ShopMember.user_id == user.id))
    return cache[user.id]


def current_shop(*, owner: bool = False, approved: bool = True) -> Shop:
    """The signed-in user's shop, or 403 when he has none (or is not its owner when owner=True).

    With approved=True a pending, rejected or suspended shop cannot use merchant pages (403).
    """
    member = membership_of(current_user)
    if member is None:
        abort(403)
    if owner and member.role != MemberRole.OWNER:
        abort(403)
    if approved and member.shop.status != ShopStatus.APPROVED:
        abort(403)
    return member.shop


def merchant_required(view=None, *, owner: bool = False):
    """Decorator: the view needs an approved shop of the current user; passes it as ``shop``."""

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
    member = membership_of(user)
    return member is not None and member.shop_id == shop.id


def is_owner(user, shop: Shop) -> bool:
    member = membership_of(user)
    return member is not None and member.shop_id == shop.id and member.role == MemberRole.OWNER


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_admin)


def can_see_shop(user, shop: Shop) -> bool:
    """Everyone sees approved shops; a shop's members and admins also see it in other states."""
    return shop.status == ShopStatus.APPROVED or is_member(user, shop) or _is_admin(user)


def can_view_licence(user, shop: Shop) -> bool:
    """The licence scan is private: the shop's own members and platform admins only."""
    return is_member(user, shop) or _is_admin(user)


def visible_shop_or_404(slug: str) -> Shop:
    """The shop for a public page, or 404 when it is not approved and the viewer is not entitled."""
    shop = db.session.scalar(db.select(Shop).where(Shop.slug == slug))
    if shop is None or not can_see_shop(current_user, shop):
        abort(404)
    return shop


def licence_shop_or_404(shop_id: int) -> Shop:
    shop = db.session.get(Shop, shop_id)
    if shop is None or not can_view_licence(current_user, shop):
        abort(404)
    return shop


def own_member_or_404(member_id: int, shop: Shop) -> ShopMember:
    return own_or_404(db.session.get(ShopMember, member_id), shop)
