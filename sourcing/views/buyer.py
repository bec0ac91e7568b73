"""The buyer's sourcing pages: post and edit a request, his list, publish or cancel, the quotes side
by side and the acceptance; and the attachments, for whoever may see the request."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from catalog.categories import tree
from catalog.units import unit_groups
from marketplace.extensions import db
from marketplace.media import read_or_404, resolve
from marketplace.pdf import pdf_headers
from marketplace.regions.picker import chain_for, country, resolve_pick
from marketplace.states import InvalidTransition
from marketplace.web import paginate
from orders.addresses import addresses_of
from sourcing import accept, bp
from sourcing import requests as service
from sourcing.errors import SourcingError
from sourcing.models import AttachmentKind, Quote, SourcingAttachment, SourcingRequest
from sourcing.policy import buyer_request_or_404, may_see, user_shop
from sourcing.quotes import per_kg_cents
from sourcing.status import VISIBILITY_LABELS
from sourcing.tiers import tier_rows


def _form_page(req: SourcingRequest | None, form, error=None, status: int = 200):
    region = resolve_pick(form.getlist("region"), allow_country=True) if "region" in form else (
        req.region if req is not None else None)
    return render_template("sourcing/form.html", req=req, form=form, error=error, categories=tree(),
                           units=unit_groups(form.get("unit") or (req.unit if req else None)),
                           chain=chain_for(region), country=country(), visibilities=list(VISIBILITY_LABELS.items()),
                           region_error=error.message if error and error.field == "region" else None), status


def _submit(req: SourcingRequest | None):
    form = request.form
    if request.method == "GET" or form.get("pick"):
        return _form_page(req, form if request.method == "POST" else _prefill(req))
    try:
        if req is None:
            req = service.post_request(current_user, form, uploads=request.files.getlist("attachments"),
                                       region_values=form.getlist("region"), publish=form.get("action") != "draft")
            flash(_("求购已发布，匹配的商家会收到通知") if req.status.value == "open" else _("求购已保存为草稿"), "success")
        else:
            service.edit_request(req, current_user, form, uploads=request.files.getlist("attachments"),
                                 region_values=form.getlist("region"))
            flash(_("求购已修改，已报价的商家会收到通知"), "success")
    except SourcingError as exc:
        return _form_page(req, form, exc, exc.status if exc.status != 400 else 422)
    return redirect(url_for("sourcing.request_page", request_id=req.id))


def _prefill(req: SourcingRequest | None) -> dict:
    if req is None:
        return {}
    deadline = req.quote_deadline
    return {"category": str(req.category_id), "title": req.title, "spec": req.spec, "quantity": str(req.quantity),
            "unit": req.unit, "target_price": "" if req.target_price_cents is None else f"{req.target_price_cents / 100:.2f}",
            "deliver_from": req.deliver_from.isoformat() if req.deliver_from else "",
            "deliver_until": req.deliver_until.isoformat() if req.deliver_until else "",
            "quote_deadline": deadline.date().isoformat(), "max_quotes": str(req.max_quotes),
            "visibility": req.visibility.value, "invoice_needed": "1" if req.invoice_needed else "",
            "invite": " ".join(str(i.shop_id) for i in req.invites)}


class _Args(dict):
    def getlist(self, key):
        value = self.get(key)
        return [] if value in (None, "") else [value]


@bp.route("/sourcing/new", methods=["GET", "POST"])
@login_required
def new_request():
    return _submit(None)


@bp.route("/sourcing/<int:request_id>/edit", methods=["GET", "POST"])
@login_required
def edit_request(request_id: int):
    req = buyer_request_or_404(request_id, current_user)
    if request.method == "GET":
        return _form_page(req, _Args(_prefill(req)))
    return _submit(req)


@bp.get("/sourcing/mine")
@login_required
def my_requests():
    query = (sa.select(SourcingRequest).where(SourcingRequest.buyer_id == current_user.id)
             .options(joinedload(SourcingRequest.category), joinedload(SourcingRequest.region))
             .order_by(SourcingRequest.id.desc()))
    return render_template("sourcing/mine.html", page=paginate(query, per_page=30))


@bp.post("/sourcing/<int:request_id>/<any(publish, cancel):verb>")
@login_required
def request_verb(request_id: int, verb: str):
    req = buyer_request_or_404(request_id, current_user)
    try:
        (service.publish if verb == "publish" else service.cancel)(req, current_user)
    except (SourcingError, InvalidTransition) as exc:
        flash(str(exc), "error")
    else:
        flash(_("求购已发布") if verb == "publish" else _("求购已撤销"), "success")
    return redirect(url_for("sourcing.request_page", request_id=req.id))


def quote_rows(req: SourcingRequest) -> list[Quote]:
    return list(db.session.scalars(sa.select(Quote).where(Quote.request_id == req.id)
                                   .options(selectinload(Quote.lines), selectinload(Quote.attachments), joinedload(Quote.shop))
                                   .order_by(Quote.total_cents, Quote.id)))


@bp.get("/sourcing/<int:request_id>/quotes")
@login_required
def compare(request_id: int):
    req = buyer_request_or_404(request_id, current_user)
    quotes = quote_rows(req)
    return render_template("sourcing/compare.html", req=req, quotes=quotes, per_kg=per_kg_cents, tier_rows=tier_rows,
                           addresses=addresses_of(current_user), refusal=accept.refusal)


@bp.post("/sourcing/<int:request_id>/accept")
@login_required
def accept_quote(request_id: int):
    req = buyer_request_or_404(request_id, current_user)
    form = request.form
    try:
        quantities = {key[4:]: value for key, value in form.items() if key.startswith("qty-")}
        order = accept.accept_quote(req, current_user, form.get("quote"), line_ids=form.getlist("line"),
                                    quantities=quantities, address_id=form.get("address"), note=form.get("note", ""))
    except (SourcingError, InvalidTransition) as exc:
        if getattr(exc, "status", 400) == 404:
            abort(404)
        flash(str(exc), "error")
        return redirect(url_for("sourcing.compare", request_id=req.id))
    flash(_("已接受报价并生成订单，请按店铺的收款方式付款"), "success")
    return redirect(url_for("orders.order_detail", order_id=order.id))


@bp.get("/sourcing/<int:request_id>/files/<int:file_id>")
@login_required
def attachment(request_id: int, file_id: int):
    """An attachment: to who may see the request (a quote's: its buyer and the quoting shop)."""
    found = db.session.get(SourcingAttachment, file_id)
    req = db.session.get(SourcingRequest, request_id)
    if found is None or req is None or found.request_id != req.id:
        abort(404)
    shop = user_shop(current_user)
    if found.quote_id is not None:
        quote = db.session.get(Quote, found.quote_id)
        if not (req.buyer_id == current_user.id or (shop is not None and quote.shop_id == shop.id)):
            abort(404)
    elif not may_see(current_user, req, shop):
        abort(404)
    data = read_or_404(resolve(found.thumb_key if request.args.get("thumb") and found.thumb_key else found.key))
    if found.kind == AttachmentKind.PDF:
        return data, 200, pdf_headers(found.filename)
    return data, 200, {"Content-Type": "image/webp", "Cache-Control": "private, no-store, max-age=0",
                       "X-Content-Type-Options": "nosniff"}

