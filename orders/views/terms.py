"""Pages of the trade terms on orders: weighing at handover (merchant), the shop's tolerance,
invoice titles and requests (buyer), issuing an invoice (merchant), the invoice PDF download.

Refusals are DomainErrors: the shell's handler takes a form back to its page with the message; a
foreign order, line, title or invoice is a 404.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.extensions import db
from marketplace.shops.policy import is_member, merchant_required
from marketplace.templating import money_filter
from orders import bp, invoices, weighing
from orders.policy import buyer_order_or_404, merchant_order_or_404
from orders.terms_models import Invoice, InvoiceStatus, TitleKind


@bp.app_template_global()
def order_terms(order, viewer: str = "buyer") -> dict:
    """What the order pages show of the trade terms: weighed lines with their weighing, the invoice."""
    weighed = weighing.weighings_of(order)
    lines = [(line, weighed.get(line.id)) for line in order.lines if line.weigh_tolerance_bp is not None]
    invoice = invoices.invoice_of(order)
    return {"weighed": lines, "can_weigh": viewer == "merchant" and order.status in weighing.WEIGHABLE,
            "invoice": invoice, "invoiceable": order.status in invoices.INVOICEABLE,
            "titles": invoices.titles_of(current_user) if viewer == "buyer" and invoice is None else [],
            "format_weight": weighing.format_weight, "percent": weighing.percent_text,
            "invoice_label": invoices.status_label, "kind_label": invoices.kind_label}


@bp.app_template_global()
def checkout_weigh_tolerance(shop_group) -> dict | None:
    """{"pct": '5', "charge_over": bool} when the shop settles this checkout's lines by weight at
    ±5 %, else None (checkout page)."""
    terms = weighing.line_tolerances(shop_group.lines).get(shop_group.shop.id)
    return {"pct": weighing.percent_text(terms.tolerance_bp), "charge_over": terms.charge_over} if terms else None


@bp.post("/merchant/orders/<int:order_id>/lines/<int:line_id>/weigh")
@merchant_required
def merchant_weigh(order_id: int, line_id: int, shop):
    order = merchant_order_or_404(order_id, shop)
    row = weighing.record_weight(order, line_id, request.form.get("actual"), current_user)
    if row.refunded_cents:
        flash(_("已记录实际重量，已退还买家 %(amount)s", amount=money_filter(row.refunded_cents)), "success")
    elif row.charged_cents:
        flash(_("已记录实际重量，多出部分向买家补收 %(amount)s", amount=money_filter(row.charged_cents)), "success")
    else:
        flash(_("已记录实际重量"), "success")
    return redirect(url_for("orders.merchant_order", order_id=order.id))


@bp.route("/merchant/terms", methods=["GET", "POST"])
@merchant_required(owner=True)
def merchant_terms(shop):
    if request.method == "POST":
        weighing.save_tolerance(shop, request.form.get("tolerance", ""), request.form.get("charge_over") == "1")
        flash(_("交易条款已保存"), "success")
        return redirect(url_for("orders.merchant_terms"))
    terms = weighing.shop_terms(shop.id)
    return render_template("orders/merchant/terms.html", shop=shop, charge_over=terms.charge_over,
                           tolerance=weighing.percent_text(terms.tolerance_bp))


# --- invoices -----------------------------------------------------------------------------------------

@bp.route("/account/invoice-titles", methods=["GET", "POST"])
@login_required
def invoice_titles():
    if request.method == "POST":
        invoices.add_title(current_user, request.form.get("kind"), request.form.get("name"), request.form.get("tax_id"))
        flash(_("发票抬头已保存"), "success")
        return redirect(request.form.get("back") if request.form.get("back", "").startswith("/orders/")
                        else url_for("orders.invoice_titles"))
    return render_template("orders/invoice_titles.html", titles=invoices.titles_of(current_user), kinds=list(TitleKind),
                           kind_label=invoices.kind_label)


@bp.post("/account/invoice-titles/<int:title_id>/delete")
@login_required
def invoice_title_delete(title_id: int):
    invoices.delete_title(current_user, title_id)
    flash(_("发票抬头已删除"), "info")
    return redirect(url_for("orders.invoice_titles"))


@bp.post("/orders/<int:order_id>/invoice")
@login_required
def request_invoice(order_id: int):
    order = buyer_order_or_404(order_id, current_user)
    invoices.request_invoice(order, current_user, request.form.get("title_id"))
    flash(_("已申请开票，商家开具后可在此下载"), "success")
    return redirect(url_for("orders.order_detail", order_id=order.id))


@bp.post("/merchant/orders/<int:order_id>/invoice")
@merchant_required
def merchant_issue_invoice(order_id: int, shop):
    order = merchant_order_or_404(order_id, shop)
    invoice = invoices.invoice_of(order)
    if invoice is None:
        abort(404)
    invoices.issue_invoice(invoice, current_user, number=request.form.get("number"),
                           issued_on=request.form.get("issued_on"),
                           pdf=invoices.read_pdf_upload(request.files.get("pdf")))
    flash(_("发票已上传，买家可以下载"), "success")
    return redirect(url_for("orders.merchant_order", order_id=order.id))


@bp.get("/invoices/<int:invoice_id>.pdf")
@login_required
def invoice_pdf(invoice_id: int):
    """The issued PDF, for the order's buyer and its shop only (404 for anyone else), as a download."""
    invoice = db.session.get(Invoice, invoice_id)
    if (invoice is None or invoice.status != InvoiceStatus.ISSUED or not invoice.pdf_key
            or not (invoice.buyer_id == current_user.id or is_member(current_user, invoice.shop))):
        abort(404)
    response = send_file(io.BytesIO(invoices.pdf_bytes(invoice)), mimetype="application/pdf", as_attachment=True,
                         download_name=f"invoice-{invoice.number}.pdf")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
