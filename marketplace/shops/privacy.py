"""A user's shop memberships in his data export, and what a shop means for his account's deletion.

The owner of a shop that is pending, open or suspended cannot delete his account (the shop's
orders, payouts and licence need an owner): the platform closes it first (admin, "close"), or it
is handed over. A rejected or closed shop does not block: its phone and street are masked. Staff
simply lose their place. Invitations addressed to his e-mail are deleted.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.privacy.masking import mask_address, mask_phone
from marketplace.privacy.registry import Erasure, register_personal_data
from marketplace.shops.models import SHOP_ROLES, Shop, ShopInvite, ShopMember, ShopStatus

#: A shop in one of these no longer trades: its owner may delete his account.
ENDED = {ShopStatus.REJECTED, ShopStatus.CLOSED}


def _memberships(user) -> list[ShopMember]:
    return list(db.session.scalars(sa.select(ShopMember).where(ShopMember.user_id == user.id,
                                                               ShopMember.role.in_(SHOP_ROLES))))


def export_shops(user, limit: int) -> list[dict]:
    """The shops he belongs to (the shop's public facts and his role; never its staff or customers)."""
    return [{"shop": m.shop.name, "slug": m.shop.slug, "role": "owner" if m.is_owner else "staff",
             "status": m.shop.status.value, "since": as_utc(m.granted_at).isoformat() if m.granted_at else None}
            for m in _memberships(user)[:limit]]


def owner_block(user) -> str | None:
    shops = [m.shop for m in _memberships(user) if m.is_owner and m.shop.status not in ENDED]
    if not shops:
        return None
    return _("您是店铺“%(shop)s”的店主：请先联系平台关闭店铺，或把店铺转让给他人，再注销账号。",
             shop="、".join(s.name for s in shops))


def erase_shops(erasure: Erasure) -> None:
    user = erasure.user
    if user.email:
        db.session.execute(sa.delete(ShopInvite).where(sa.func.lower(ShopInvite.email) == user.email.lower()))
    for member in _memberships(user):
        shop: Shop = member.shop
        if member.is_owner and shop.status in ENDED:
            erasure.found(shop.phone)
            shop.phone = mask_phone(shop.phone)
            shop.address = mask_address(shop.address)


def register(app) -> None:
    register_personal_data(app, "shops", _l("所在店铺"), export=export_shops, erase=erase_shops, blocks=owner_block)
