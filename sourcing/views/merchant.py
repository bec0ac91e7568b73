"""The shop's sourcing pages: the requests it may answer, its quotes, and the quote form."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from catalog.models import Product, ProductStatus, Variant
from catalog.units import unit_groups
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.shops.policy import merchant_required
from marketplace.web import paginate
from sourcing import bp, matching, quotes
from sourcing.errors import SourcingError
from sourcing.models import Quote, RequestStatus, SourcingRequest
from sourcing.policy import visible_request_or_404
from sourcing.status import QUOTING
from sourcing.tiers import MAX_TIERS

#: Empty price lines the form offers.
FORM_LINES = 4


@bp.get("/merchant/sourcing")
@merchant_required
def merchant_requests(shop):
    """Open requests in the shop's categories and delivery zones, or that invited it."""
    query = (sa.select(SourcingRequest).join(Region, Region.id == SourcingRequest.region_id)
             .where(SourcingRequest.status == RequestStatus.OPEN, SourcingRequest.quote_deadline > utcnow(),
                    matching.matching_condition(shop))
             .options(joinedload(SourcingRequest.category), joinedload(SourcingRequest.region))
             .order_by(SourcingRequest.quote_deadline, SourcingRequest.id))
    quoted = set(db.session.scalars(sa.select(Quote.request_id).where(Quote.shop_id == shop.id)))
    return render_template("sourcing/merchant_requests.html", page=paginate(query, per_page=30), quoted=quoted)


@bp.get("/merchant/sourcing/quotes")
@merchant_required
def merchant_quotes(shop):
    query = (sa.select(Quote).where(Quote.shop_id == shop.id)
             .options(joinedload(Quote.request).joinedload(SourcingRequest.region))
             .order_by(Quote.updated_at.desc(), Quote.id.desc()))
    return render_template("sourcing/merchant_quotes.html", page=paginate(query, per_page=30))


def _variants(shop) -> list[Variant]:
    return list(db.session.scalars(sa.select(Variant).join(Product).where(
        Product.shop_id == shop.id, Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None),
        Variant.active.is_(True)).options(joinedload(Variant.product)).order_by(Product.title, Variant.position)))


def form_lines(form) -> list[dict]:
    """The price lines of the HTML form (line-N-variant, -name, -unit, -quantity, -unit_price, and the
    optional tiers line-N-tier-K-min / line-N-tier-K-price)."""
    lines = []
    for n in range(1, quotes.MAX_LINES + 1):
        row = {key: form.get(f"line-{n}-{key}", "") for key in ("variant", "name", "unit", "quantity", "unit_price")}
        tiers = [{"min_quantity": form.get(f"line-{n}-tier-{k}-min", ""),
                  "unit_price": form.get(f"line-{n}-tier-{k}-price", "")} for k in range(1, MAX_TIERS + 1)]
        tiers = [t for t in tiers if any(str(v).strip() for v in t.values())]
        if any(str(v).strip() for v in row.values()) or tiers:
            lines.append({**row, "tiers": tiers})
    return lines


@bp.route("/merchant/sourcing/<int:request_id>/quote", methods=["GET", "POST"])
@merchant_required
def quote_form(request_id: int, shop):
    req = visible_request_or_404(request_id, current_user, shop)
    if req.buyer_id == current_user.id:
        abort(404)
    existing = quotes.own_quote(req, shop)
    error = None
    if request.method == "POST":
        try:
            quotes.submit_quote(req, shop, current_user, request.form, form_lines(request.form),
                                uploads=request.files.getlist("attachments"))
        except SourcingError as exc:
            if exc.status == 404:
                abort(404)
            error = exc
        else:
            flash(_("报价已修改，买家会收到通知") if existing else _("报价已发送，买家会收到通知"), "success")
            return redirect(url_for("sourcing.merchant_quotes"))
    form = request.form if request.method == "POST" else _prefill(existing)
    status = 200 if error is None else (error.status if error.status != 400 else 422)
    refusal = None
    if req.status not in QUOTING:
        refusal = _("这条求购已停止报价")
    elif existing is None and not matching.may_quote(req, shop):
        refusal = _("这条求购不在您店铺的经营类目或配送范围内，不能报价")
    return render_template("sourcing/quote_form.html", req=req, existing=existing, form=form, error=error,
                           refusal=refusal, variants=_variants(shop), units=unit_groups(), lines=FORM_LINES,
                           max_tiers=MAX_TIERS), status


def _prefill(quote: Quote | None) -> dict:
    if quote is None:
        return {}
    values = {"delivery_date": quote.delivery_date.isoformat(), "valid_until": quote.valid_until.isoformat(),
              "freight": f"{quote.freight_cents / 100:.2f}", "message": quote.message}
    for n, line in enumerate(quote.lines, start=1):
        values.update({f"line-{n}-variant": str(line.variant_id or ""), f"line-{n}-name": line.name if not line.variant_id else "",
                       f"line-{n}-unit": line.unit, f"line-{n}-quantity": str(line.quantity),
                       f"line-{n}-unit_price": f"{line.unit_price_cents / 100:.2f}"})
        for k, tier in enumerate(line.tiers or [], start=1):
            values.update({f"line-{n}-tier-{k}-min": str(tier["min_quantity"]),
                           f"line-{n}-tier-{k}-price": f"{tier['unit_price_cents'] / 100:.2f}"})
    return values


