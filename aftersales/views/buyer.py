"""The buyer's after-sales pages: ask on an order, send the goods back, withdraw, ask the platform,
his list of requests; and the photos, for whoever may see the request."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aftersales import bp, services
from aftersales.errors import AfterSaleError
from aftersales.models import AfterSale
from aftersales.policy import any_case_or_404, buyer_case_or_404, may_see
from aftersales.views.common import run_action
from aftersales.views.merchant import listing
from aftersales.views.panel import form_choices
from marketplace.extensions import db
from marketplace.media import private_image
from marketplace.web import paginate
from orders.policy import buyer_order_or_404


@bp.route("/orders/<int:order_id>/after-sales/new", methods=["GET", "POST"])
@login_required
def new_request(order_id: int):
    order = buyer_order_or_404(order_id, current_user)
    form = request.form
    error = None
    if request.method == "POST":
        lines = {key.removeprefix("qty-"): value for key, value in form.items() if key.startswith("qty-")}
        try:
            case = services.request_after_sale(
                order, current_user, kind=form.get("kind"), reason=form.get("reason"), lines=lines,
                description=form.get("description", ""), amount=form.get("amount"),
                uploads=request.files.getlist("photos"))
        except AfterSaleError as exc:
            error = exc
        else:
            flash(_("售后申请已提交，等待商家处理"), "success")
            return redirect(url_for("orders.order_detail", order_id=order.id) + f"#after-sale-{case.id}")
    refusal = services.refusal(order)
    status = 422 if error else (409 if refusal and request.method == "POST" else 200)
    return render_template("aftersales/new.html", order=order, error=error, refusal=refusal, form=form,
                           left=services.askable_quantities(order), window_ends=services.window_ends(order),
                           returnable=order.status in services.RETURNABLE, **form_choices()), status


@bp.post("/after-sales/<int:case_id>/returned")
@login_required
def mark_returned(case_id: int):
    case = buyer_case_or_404(case_id, current_user)
    return run_action(case, "buyer", lambda: services.mark_returned(
        case, current_user, carrier=request.form.get("carrier", ""), tracking=request.form.get("tracking", "")),
        _("已告知商家您已退货"))


@bp.post("/after-sales/<int:case_id>/withdraw")
@login_required
def withdraw(case_id: int):
    case = buyer_case_or_404(case_id, current_user)
    return run_action(case, "buyer", lambda: services.withdraw(case, current_user), _("售后申请已撤销"))


@bp.post("/after-sales/<int:case_id>/dispute")
@login_required
def dispute(case_id: int):
    case = buyer_case_or_404(case_id, current_user)
    return run_action(case, "buyer", lambda: services.dispute(
        case, current_user, note=request.form.get("note", ""), uploads=request.files.getlist("photos")),
        _("已申请平台介入，平台会尽快裁决"))


@bp.get("/after-sales")
@login_required
def my_requests():
    query = listing(db.select(AfterSale).where(AfterSale.buyer_id == current_user.id)).order_by(AfterSale.id.desc())
    return render_template("aftersales/list.html", page=paginate(query, per_page=30), viewer="buyer",
                           title=_("我的售后"))


@bp.get("/after-sales/<int:case_id>/photos/<int:photo_id>")
@login_required
def photo(case_id: int, photo_id: int):
    """A photo of a request: its buyer, the shop's members and admins; 404 for anyone else."""
    case = any_case_or_404(case_id)
    found = next((p for p in case.photos if p.id == photo_id), None)
    if found is None or not may_see(current_user, case):
        abort(404)
    return private_image(found.thumb_key if request.args.get("thumb") else found.key)
