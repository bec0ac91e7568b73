"""Supply pages (供应): the shop's list, form and status buttons; the public page of a post; and the
buyer's reservation form (a request sent to that shop only). Thin: the verbs are sourcing.supply's."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from catalog.categories import tree
from catalog.models import Product
from catalog.units import unit_groups
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.regions.picker import chain_for, country, resolve_pick
from marketplace.regions.services import region_path
from marketplace.shops.policy import merchant_required, own_or_404
from marketplace.states import InvalidTransition
from marketplace.web import paginate
from orders.addresses import addresses_of
from sourcing import bp, supply
from sourcing.errors import SourcingError
from sourcing.parsing import local_today
from sourcing.supply_models import SupplyPost, SupplyStatus


def _status(error: SourcingError | None) -> int:
    if error is None:
        return 200
    return 422 if error.status == 400 else error.status


def _money(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:.2f}"


def _prefill(post: SupplyPost | None) -> dict:
    if post is None:
        return {}
    return {"category": str(post.category_id), "title": post.title, "spec": post.spec, "quantity": str(post.quantity),
            "unit": post.unit, "product": str(post.product_id or ""), "available_from": post.available_from.isoformat(),
            "available_until": post.available_until.isoformat(), "price_min": _money(post.price_min_cents),
            "price_max": _money(post.price_max_cents)}


class _Args(dict):
    def getlist(self, key):
        value = self.get(key)
        return [] if value in (None, "") else [value]


def _own_products(shop) -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.shop_id == shop.id, Product.deleted_at.is_(None))
                                   .order_by(Product.title, Product.id).limit(500)))


def _form_page(shop, post: SupplyPost | None, form, error: SourcingError | None = None):
    region = resolve_pick(form.getlist("region"), allow_country=False) if "region" in form else (
        post.region if post is not None else shop.region)
    return render_template("sourcing/supply_form.html", post=post, form=form, error=error, categories=tree(),
                           units=unit_groups(form.get("unit") or (post.unit if post else None)),
                           products=_own_products(shop), chain=chain_for(region),
                           region_error=error.message if error and error.field == "region" else None), _status(error)


def _submit(shop, post: SupplyPost | None):
    form = request.form
    if form.get("pick"):
        return _form_page(shop, post, form)
    try:
        if post is None:
            post = supply.post_supply(shop, current_user, form, uploads=request.files.getlist("photos"),
                                      region_values=form.getlist("region"))
            flash(_("供应信息已发布"), "success")
        else:
            supply.edit_supply(post, current_user, form, uploads=request.files.getlist("photos"),
                               region_values=form.getlist("region"), remove=form.getlist("remove_photo"))
            flash(_("供应信息已修改"), "success")
    except SourcingError as exc:
        return _form_page(shop, post, form, exc)
    return redirect(url_for("sourcing.supply_page", post_id=post.id))


def _own_post(post_id: int, shop) -> SupplyPost:
    return own_or_404(db.session.get(SupplyPost, post_id), shop)


@bp.get("/merchant/sourcing/supply")
@merchant_required
def supply_list(shop):
    """The shop's supply posts, newest first, with their status and buttons."""
    query = (sa.select(SupplyPost).where(SupplyPost.shop_id == shop.id)
             .options(joinedload(SupplyPost.region), joinedload(SupplyPost.category))
             .order_by(SupplyPost.id.desc()))
    return render_template("sourcing/supply_list.html", page=paginate(query, per_page=30), today=local_today())


@bp.route("/merchant/sourcing/supply/new", methods=["GET", "POST"])
@merchant_required
def supply_new(shop):
    if request.method == "GET":
        return _form_page(shop, None, _Args(request.args.items()))
    return _submit(shop, None)


@bp.route("/merchant/sourcing/supply/<int:post_id>/edit", methods=["GET", "POST"])
@merchant_required
def supply_edit(post_id: int, shop):
    post = _own_post(post_id, shop)
    if request.method == "GET":
        return _form_page(shop, post, _Args(_prefill(post)))
    return _submit(shop, post)


VERBS = {"withdraw": (SupplyStatus.WITHDRAWN, _l("供应信息已撤回")), "sold_out": (SupplyStatus.SOLD_OUT, _l("已标记为售罄")),
         "reopen": (SupplyStatus.OPEN, _l("供应信息已重新开放"))}


@bp.post("/merchant/sourcing/supply/<int:post_id>/<any(withdraw, sold_out, reopen):verb>")
@merchant_required
def supply_verb(post_id: int, verb: str, shop):
    post = _own_post(post_id, shop)
    target, done = VERBS[verb]
    try:
        supply.set_status(post, current_user, target)
    except (SourcingError, InvalidTransition) as exc:
        flash(str(exc), "error")
    else:
        flash(str(done), "success")
    return redirect(url_for("sourcing.supply_list"))


def visible_post_or_404(post_id: int) -> SupplyPost:
    post = supply.visible_post(post_id, current_user)
    if post is None:
        abort(404)
    return post


@bp.get("/sourcing/supply/<int:post_id>")
def supply_page(post_id: int):
    post = visible_post_or_404(post_id)
    member = supply.is_member(current_user, post.shop_id)
    return render_template("sourcing/supply.html", post=post, member=member, live=supply.is_live(post),
                           per_kg=supply.per_kg(post), origin=region_path(post.region, current_locale_code()),
                           shop_place=region_path(post.shop.region, current_locale_code()))


def _reserve_prefill(post: SupplyPost) -> dict:
    today = local_today()
    return {"quantity": "", "spec": post.spec, "deliver_from": max(post.available_from, today).isoformat(),
            "deliver_until": post.available_until.isoformat()}


@bp.route("/sourcing/supply/<int:post_id>/reserve", methods=["GET", "POST"])
@login_required
def supply_reserve(post_id: int):
    """预订: the buyer's quantity, delivery region and dates; a request sent to the post's shop only."""
    post = visible_post_or_404(post_id)
    form = request.form if request.method == "POST" else _Args(_reserve_prefill(post))
    error = None
    if request.method == "POST" and not form.get("pick"):
        try:
            req = supply.reserve(post, current_user, form, region_values=form.getlist("region"))
        except SourcingError as exc:
            error = exc
        else:
            flash(_("预订已发送给店铺，店铺会以报价回复您"), "success")
            return redirect(url_for("sourcing.request_page", request_id=req.id))
    if request.method == "POST":
        region = resolve_pick(form.getlist("region"), allow_country=True)
    else:  # his default address's region to start with
        region = next((a.region for a in addresses_of(current_user) if a.is_default), None)
    refusal = None
    if not supply.is_live(post):
        refusal = _("这条供应已停止，不能预订")
    elif supply.is_member(current_user, post.shop_id):
        refusal = _("不能预订自己店铺的供应")
    return render_template("sourcing/reserve_form.html", post=post, form=form, error=error, refusal=refusal,
                           chain=chain_for(region), country=country(),
                           region_error=error.message if error and error.field == "region" else None), _status(error)
