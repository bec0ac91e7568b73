"""The agriculture officer's (or admin's) pages for the variety tree and the markets: lists, and a
form each to create or edit (prices/manage.py checks and saves). Another id is a 404."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from catalog.models import Category
from catalog.units import unit_table
from marketplace.accounts.models import Role
from marketplace.accounts.policy import role_required
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.regions.models import Region, RegionLevel
from marketplace.regions.services import region_choices
from prices import bp
from prices.manage import save_commodity, save_market
from prices.models import Commodity, Market, MarketKind
from prices.services import PriceError
from prices.status import KIND_LABELS

officer_required = role_required(Role.AGRICULTURE_OFFICER)


def _commodities() -> list[Commodity]:
    return list(db.session.scalars(sa.select(Commodity).options(selectinload(Commodity.category))
                                   .order_by(Commodity.sort_order, Commodity.id)))


@bp.get("/prices/manage/commodities")
@officer_required
def manage_commodities():
    return render_template("prices/manage_commodities.html", commodities=_commodities())


def _commodity_form(commodity: Commodity | None):
    errors, form = {}, None
    if request.method == "POST":
        form = request.form
        try:
            saved = save_commodity(commodity, request.form)
        except PriceError as exc:
            errors = exc.errors
        else:
            flash(_("已保存品种 %(name)s", name=saved.name), "success")
            return redirect(url_for("prices.manage_commodities"))
    categories = list(db.session.scalars(sa.select(Category).where(Category.active).order_by(Category.path)))
    units = [u for u in unit_table().ordered if u.active]
    return render_template("prices/commodity_form.html", commodity=commodity, form=form, errors=errors,
                           parents=[c for c in _commodities() if commodity is None or c.id != commodity.id],
                           categories=categories, units=units), 400 if errors else 200


@bp.route("/prices/manage/commodities/new", methods=["GET", "POST"])
@officer_required
def new_commodity():
    return _commodity_form(None)


@bp.route("/prices/manage/commodities/<int:commodity_id>", methods=["GET", "POST"])
@officer_required
def edit_commodity(commodity_id: int):
    commodity = db.session.get(Commodity, commodity_id)
    if commodity is None:
        abort(404)
    return _commodity_form(commodity)


@bp.get("/prices/manage/markets")
@officer_required
def manage_markets():
    markets = list(db.session.scalars(sa.select(Market).options(selectinload(Market.region))
                                      .order_by(Market.sort_order, Market.id)))
    return render_template("prices/manage_markets.html", markets=markets)


def _market_form(market: Market | None):
    locale = current_locale_code()
    choices = region_choices(locale, depth=RegionLevel.COUNTY)
    errors, form = {}, None
    if request.method == "POST":
        form = request.form
        counties = {r.id: r for r in db.session.scalars(sa.select(Region).where(Region.id.in_([c for c, _l in choices])))} \
            if choices else {}
        try:
            saved = save_market(market, request.form, counties)
        except PriceError as exc:
            errors = exc.errors
        else:
            flash(_("已保存市场 %(name)s", name=saved.name), "success")
            return redirect(url_for("prices.manage_markets"))
    usual = [mc.commodity_id for mc in market.usual] if market is not None else []
    leaves = [c for c in _commodities() if c.active]
    return render_template("prices/market_form.html", market=market, form=form, errors=errors, regions=choices,
                           kinds=[(k.value, KIND_LABELS[k]) for k in MarketKind], commodities=leaves,
                           usual=usual), 400 if errors else 200


@bp.route("/prices/manage/markets/new", methods=["GET", "POST"])
@officer_required
def new_market():
    return _market_form(None)


@bp.route("/prices/manage/markets/<int:market_id>", methods=["GET", "POST"])
@officer_required
def edit_market(market_id: int):
    market = db.session.get(Market, market_id)
    if market is None:
        abort(404)
    return _market_form(market)
