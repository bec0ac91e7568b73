"""The merchant's delivery and pickup settings: delivery zones at any level, each with its fee."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from marketplace import money
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.picker import chain_for, country, resolve_pick
from marketplace.shops.policy import merchant_required
from orders import bp, services
from orders.forms import DeliveryRuleForm
from orders.models import FeeMode


def _zone_data(zone) -> dict:
    return {"region_id": str(zone.region.id), "fee_mode": FeeMode(zone.fee_mode).value,
            "fee": money.format_plain(zone.fee_cents),
            "free_above": money.format_plain(zone.free_above_cents) if zone.free_above_cents is not None else ""}


def _fill(form: DeliveryRuleForm, rule) -> None:
    form.delivery_enabled.data = rule.delivery_enabled
    for zone in rule.zones:
        form.zones.append_entry(_zone_data(zone))
    form.pickup_enabled.data = rule.pickup_enabled
    form.pickup_address.data = rule.pickup_address
    form.pickup_hours.data = rule.pickup_hours


def _spec(entry, region) -> services.ZoneSpec:
    return services.ZoneSpec(region=region, fee_mode=FeeMode(entry.fee_mode.data), fee_cents=entry.fee.cents or 0,
                             free_above_cents=entry.free_above.cents)


def _zones(form: DeliveryRuleForm, new_region: Region | None) -> list[services.ZoneSpec]:
    """The zones kept (their regions read again from the database) and the one added, if any."""
    specs = []
    for entry in form.zones:
        if entry.remove.data:
            continue
        region = db.session.get(Region, int(entry.region_id.data)) if (entry.region_id.data or "").isdigit() else None
        specs.append(_spec(entry, region))
    if new_region is not None:
        specs.append(_spec(form.new, new_region))
    return specs


@bp.route("/merchant/delivery", methods=["GET", "POST"])
@merchant_required(owner=True)
def merchant_delivery(shop):
    form = DeliveryRuleForm()
    new_region = None
    if request.method == "GET":
        _fill(form, services.delivery_rule(shop))
    else:
        new_region = resolve_pick(request.form.getlist("zone_region"), allow_country=True)
        if not request.form.get("pick") and form.validate_on_submit():
            services.save_delivery_rule(
                shop, delivery_enabled=form.delivery_enabled.data, zones=_zones(form, new_region),
                pickup_enabled=form.pickup_enabled.data, pickup_address=form.pickup_address.data,
                pickup_hours=form.pickup_hours.data)
            flash(_("配送与自提设置已保存"), "success")
            return redirect(url_for("orders.merchant_delivery"))
    regions = {r.id: r for r in db.session.scalars(db.select(Region).where(Region.id.in_(
        [int(e.region_id.data) for e in form.zones if (e.region_id.data or "").isdigit()])))}
    return render_template("orders/merchant/delivery.html", shop=shop, form=form, regions=regions,
                           chain=chain_for(new_region), country=country())
