"""Who may see a licence: its shop's members, platform admins and a food-safety regulator whose grant
covers the region the shop is located in; anyone else gets a 404 (never a hint that the licence exists)."""

from __future__ import annotations

from flask import abort

from licences.models import ShopLicence
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.regions.scopes import covers
from marketplace.shops.policy import is_member


def can_see(user, licence: ShopLicence) -> bool:
    return is_member(user, licence.shop) or covers(user, Role.FOOD_SAFETY_REGULATOR, licence.shop.region_id)


def visible_or_404(user, licence_id: int) -> ShopLicence:
    licence = db.session.get(ShopLicence, licence_id)
    if licence is None or not can_see(user, licence):
        abort(404)
    return licence


def own_or_404(licence_id: int, shop) -> ShopLicence:
    licence = db.session.get(ShopLicence, licence_id)
    if licence is None or licence.shop_id != shop.id:
        abort(404)
    return licence
