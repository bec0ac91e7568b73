"""Shop delivery rules: where a shop delivers (zones at any level, each with its fee), where buyers
pick up. Checkout uses the most specific zone holding the buyer's address: a shop serving 全国 at
¥20 and 柘城县 free charges nothing in 起台镇 and ¥20 in Zhengzhou."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.units import grams_per_unit
from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.regions.models import RegionLevel
from marketplace.regions.services import ancestors, county_of, is_within, region_path
from marketplace.shops.policy import ensure_not_suspended
from orders.models import FeeMode, Fulfilment, ShopDeliveryRule, ShopDeliveryZone

FULFILMENT_LABELS = {Fulfilment.DELIVERY: _l("配送"), Fulfilment.PICKUP: _l("到店自提")}


def fulfilment_label(fulfilment: Fulfilment | str) -> str:
    """What a buyer or merchant reads for delivery / pickup (never the raw value)."""
    return str(FULFILMENT_LABELS[Fulfilment(fulfilment)])


@dataclass
class ZoneSpec:
    """A zone not stored: one to save (a region at any level, each once per shop, and its fee rule),
    or the default rule's. It reads like a ShopDeliveryZone."""

    region: object
    fee_mode: FeeMode = FeeMode.FLAT
    fee_cents: int = 0
    free_above_cents: int | None = None

    @property
    def region_id(self) -> int:
        return self.region.id


@dataclass
class DefaultRule:
    """The rule of a shop that has set none: free delivery in its own county, pickup at its address."""

    shop: object
    delivery_enabled: bool = True
    pickup_enabled: bool = True
    pickup_address: str = ""
    pickup_hours: str = ""

    @property
    def zones(self) -> list[ZoneSpec]:
        region = self.shop.region
        home = county_of(region) if region is not None else None
        return [ZoneSpec(region=home or region)] if region is not None else []


class DeliveryRuleError(DomainError):
    status = 422
    code = "invalid_delivery_rule"


def rules_for(shops) -> dict[int, ShopDeliveryRule | DefaultRule]:
    """Each shop's delivery rule (one query for all shops; its zones in a second)."""
    shops = list(shops)
    ids = [s.id for s in shops]
    found = {r.shop_id: r for r in db.session.scalars(
        db.select(ShopDeliveryRule).where(ShopDeliveryRule.shop_id.in_(ids)))} if ids else {}
    return {s.id: found.get(s.id) or DefaultRule(shop=s) for s in shops}


def delivery_rule(shop) -> ShopDeliveryRule | DefaultRule:
    """The shop's saved rule, else the default one."""
    return rules_for([shop])[shop.id]


MAX_FEE_CENTS = 10_000_000  # ¥100,000: beyond any delivery fee, below any overflow


def _check_zones(zones: list[ZoneSpec]) -> None:
    seen = set()
    for zone in zones:
        if zone.region is None or zone.region.id in seen:
            raise DeliveryRuleError(_("配送区域重复或不存在"), field="zones")
        seen.add(zone.region.id)
        for cents in (zone.fee_cents, zone.free_above_cents):
            if cents is not None and not 0 <= cents <= MAX_FEE_CENTS:
                raise DeliveryRuleError(_("运费和包邮金额须在 0 到 100000 元之间"), field="zones")


@atomic()
def save_delivery_rule(shop, *, delivery_enabled: bool, zones: list[ZoneSpec], pickup_enabled: bool,
                       pickup_address: str, pickup_hours: str) -> ShopDeliveryRule:
    """Create or replace the shop's delivery rule and its zones; refused while suspended."""
    ensure_not_suspended(shop)
    zones = list(zones)
    _check_zones(zones)
    if delivery_enabled and not zones:
        raise DeliveryRuleError(_("提供配送时请至少添加一个配送区域"), field="zones")
    if not delivery_enabled and not pickup_enabled:
        raise DeliveryRuleError(_("配送和自提至少提供一种"), field="pickup_enabled")
    rule = db.session.scalar(db.select(ShopDeliveryRule).where(ShopDeliveryRule.shop_id == shop.id))
    if rule is None:
        rule = ShopDeliveryRule(shop_id=shop.id)
        db.session.add(rule)
    rule.delivery_enabled = bool(delivery_enabled)
    kept = {z.region_id: z for z in rule.zones}
    rule.zones = [_zone_row(kept.get(spec.region.id), spec) for spec in zones]
    rule.pickup_enabled = bool(pickup_enabled)
    rule.pickup_address = (pickup_address or "").strip()
    rule.pickup_hours = (pickup_hours or "").strip()
    return rule


def _zone_row(row: ShopDeliveryZone | None, spec: ZoneSpec) -> ShopDeliveryZone:
    row = row or ShopDeliveryZone(region=spec.region)
    row.fee_mode = FeeMode(spec.fee_mode)
    row.fee_cents = spec.fee_cents
    row.free_above_cents = spec.free_above_cents
    return row


def pickup_place(rule, shop) -> str:
    if rule.pickup_address:
        return rule.pickup_address
    stall = " ".join(p for p in (shop.market_name or "", shop.stall_number or "") if p)
    return " ".join(p for p in (shop.address, stall) if p)


def zone_label(region, locale: str | None = None) -> str:
    """A zone's name as the merchant and buyer read it: 全国 for the country, else its path."""
    if region.level == RegionLevel.COUNTRY:
        return _("全国")
    locale = locale or current_locale_code()
    if locale.startswith("en"):  # "Qitai Town, Zhecheng County, Shangqiu, Henan"
        return ", ".join(reversed(region_path(region, locale, sep="\n").split("\n")))
    return region_path(region, locale, sep="")


def zones_text(rule) -> str:
    """"柘城县、河南省" — the rule's zones for a sentence."""
    return "、".join(zone_label(z.region) for z in rule.zones) or _("（无）")


def region_chain_ids(region) -> str:
    """"1,17,230,...": the ids from the country down to ``region`` (the checkout page's preview)."""
    return ",".join(str(r.id) for r in ancestors(region)) if region is not None else ""


def zone_for(rule, region) -> ZoneSpec | ShopDeliveryZone | None:
    """The most specific of the rule's zones that holds ``region``, or None."""
    by_region = {z.region_id: z for z in rule.zones}
    for place in reversed(list(ancestors(region))) if region is not None else []:
        if place.id in by_region:
            return by_region[place.id]
    return None


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
    if zone_for(rule, address.region) is not None:
        return None
    names = zones_text(rule)
    place = zone_label(address.region)
    if any(is_within(z.region, address.region) for z in rule.zones):
        return _("“%(shop)s”只配送到：%(zones)s；您的地址只填到%(place)s，请把地址选到乡镇或村，或选择到店自提",
                 shop=shop.name, zones=names, place=place)
    return _("“%(shop)s”只配送到：%(zones)s；您的地址在%(place)s。请选择到店自提或换一个地址",
             shop=shop.name, zones=names, place=place)


def line_grams(variant, quantity: int) -> int:
    grams = grams_per_unit(variant.unit, variant.weight_grams) or 0
    return grams * quantity


def delivery_fee(rule, fulfilment: Fulfilment, subtotal_cents: int, quantity: int, grams: int) -> int:
    """The fee for one order under a zone's fee rule (``rule``: the zone); pickup is free, and so is
    delivery above the zone's free threshold."""
    if fulfilment == Fulfilment.PICKUP or rule is None:
        return 0
    if rule.free_above_cents is not None and subtotal_cents >= rule.free_above_cents:
        return 0
    if rule.fee_mode == FeeMode.PER_KG:
        return rule.fee_cents * max(1, -(-grams // 1000))
    if rule.fee_mode == FeeMode.PER_UNIT:
        return rule.fee_cents * quantity
    return rule.fee_cents
