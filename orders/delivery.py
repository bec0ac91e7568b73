"""Shop delivery rules: where a shop delivers, what it charges, where buyers pick up."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.units import grams_per_unit
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.shops.policy import ensure_not_suspended
from orders.models import FeeMode, Fulfilment, ShopDeliveryRule

FULFILMENT_LABELS = {Fulfilment.DELIVERY: _l("配送"), Fulfilment.PICKUP: _l("到店自提")}


def fulfilment_label(fulfilment: Fulfilment | str) -> str:
    """What a buyer or merchant reads for delivery / pickup (never the raw value)."""
    return str(FULFILMENT_LABELS[Fulfilment(fulfilment)])


@dataclass
class DefaultRule:
    """The rule of a shop that has set none: free delivery in its own county, pickup at its address."""

    shop: object
    delivery_enabled: bool = True
    fee_mode: FeeMode = FeeMode.FLAT
    fee_cents: int = 0
    free_above_cents: int | None = None
    pickup_enabled: bool = True
    pickup_address: str = ""
    pickup_hours: str = ""

    @property
    def counties(self):
        return [self.shop.region] if self.shop.region is not None else []


def rules_for(shops) -> dict[int, ShopDeliveryRule | DefaultRule]:
    """Each shop's delivery rule (one query for all shops)."""
    shops = list(shops)
    ids = [s.id for s in shops]
    found = {r.shop_id: r for r in db.session.scalars(
        db.select(ShopDeliveryRule).where(ShopDeliveryRule.shop_id.in_(ids)))} if ids else {}
    return {s.id: found.get(s.id) or DefaultRule(shop=s) for s in shops}


def delivery_rule(shop) -> ShopDeliveryRule | DefaultRule:
    """The shop's saved rule, else the default one."""
    return rules_for([shop])[shop.id]


@atomic()
def save_delivery_rule(shop, *, delivery_enabled: bool, counties, fee_mode: FeeMode, fee_cents: int,
              free_above_cents: int | None, pickup_enabled: bool, pickup_address: str,
              pickup_hours: str) -> ShopDeliveryRule:
    """Create or replace the shop's delivery rule (``counties``: Region rows); refused while suspended."""
    ensure_not_suspended(shop)
    rule = db.session.scalar(db.select(ShopDeliveryRule).where(ShopDeliveryRule.shop_id == shop.id))
    if rule is None:
        rule = ShopDeliveryRule(shop_id=shop.id)
        db.session.add(rule)
    rule.delivery_enabled = bool(delivery_enabled)
    rule.counties = list(counties)
    rule.fee_mode = FeeMode(fee_mode)
    rule.fee_cents = fee_cents
    rule.free_above_cents = free_above_cents
    rule.pickup_enabled = bool(pickup_enabled)
    rule.pickup_address = (pickup_address or "").strip()
    rule.pickup_hours = (pickup_hours or "").strip()
    return rule


def pickup_place(rule, shop) -> str:
    if rule.pickup_address:
        return rule.pickup_address
    stall = " ".join(p for p in (shop.market_name or "", shop.stall_number or "") if p)
    return " ".join(p for p in (shop.address, stall) if p)


def serves(rule, region_id: int | None) -> bool:
    return region_id is not None and any(c.id == region_id for c in rule.counties)


def refusal(rule, shop, fulfilment: Fulfilment, address) -> str | None:
    """Why the shop cannot fulfil this way (a user-facing sentence), or None when it can."""
    if fulfilment == Fulfilment.PICKUP:
        if not rule.pickup_enabled:
            return _("“%(shop)s”不提供到店自提", shop=shop.name)
        return None
    if not rule.delivery_enabled:
        return _("“%(shop)s”不提供配送，请选择到店自提", shop=shop.name)
    if address is None:
        return _("请为“%(shop)s”的配送选择收货地址", shop=shop.name)
    if not serves(rule, address.region_id):
        names = "、".join(c.name for c in rule.counties) or _("（无）")
        return _("“%(shop)s”只配送到：%(counties)s；您的地址在%(county)s。请选择到店自提或换一个地址",
                 shop=shop.name, counties=names, county=address.region.name)
    return None


def line_grams(variant, quantity: int) -> int:
    grams = grams_per_unit(variant.unit, variant.weight_grams) or 0
    return grams * quantity


def delivery_fee(rule, fulfilment: Fulfilment, subtotal_cents: int, quantity: int, grams: int) -> int:
    """The shop's fee for one order; pickup is free, and so is delivery above the free threshold."""
    if fulfilment == Fulfilment.PICKUP:
        return 0
    if rule.free_above_cents is not None and subtotal_cents >= rule.free_above_cents:
        return 0
    if rule.fee_mode == FeeMode.PER_KG:
        return rule.fee_cents * max(1, -(-grams // 1000))
    if rule.fee_mode == FeeMode.PER_UNIT:
        return rule.fee_cents * quantity
    return rule.fee_cents
