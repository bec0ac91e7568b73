"""Offline payments on the pages: the buyer's remittance slip (upload, view), the merchant's
confirmation of money received, and the payment panel the order pages show (page blocks
"merchant_order" and "buyer_order", filled here so orders never imports payments)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.extensions import db
from marketplace.media import MediaError
from marketplace.shops.policy import merchant_required
from marketplace.storage import send
from marketplace.templating import money_filter
from orders.policy import merchant_order_or_404
from payments import bp, offline, weighed
from payments.errors import PaymentError
from payments.models import HANDOVER_METHODS, Payment, PaymentMethod, PaymentStatus, Refund
from payments.refunds import payment_of


def _buyer_payment_or_404(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.order_id is None or payment.order.buyer_id != current_user.id:
        abort(404)
    return payment


@bp.post("/payments/<int:payment_id>/slip")
@login_required
def upload_slip(payment_id: int):
    payment = _buyer_payment_or_404(payment_id)
    try:
        offline.upload_slip(payment, request.files.get("slip"), current_user)
    except (MediaError, PaymentError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("汇款凭证已上传，等待商家确认收款"), "success")
    return redirect(url_for("payments.offline_instructions", group_id=payment.group_id))


def _send_slip(payment: Payment):
    if not payment.slip_key:
        abort(404)
    pdf = offline.slip_is_pdf(payment)
    return send(payment.slip_key, mimetype="application/pdf" if pdf else "image/webp", public=False,
                as_attachment=pdf, download_name=f"slip-{payment.reference_code or payment.id}.{'pdf' if pdf else 'webp'}")


@bp.get("/payments/<int:payment_id>/slip")
@login_required
def buyer_slip(payment_id: int):
    """The slip, to the buyer who uploaded it (anyone else: 404)."""
    return _send_slip(_buyer_payment_or_404(payment_id))


@bp.get("/merchant/orders/<int:order_id>/slip/<int:payment_id>")
@merchant_required
def merchant_slip(order_id: int, payment_id: int, shop):
    """The slip, to the members of the order's shop (another shop's order or payment: 404)."""
    order = merchant_order_or_404(order_id, shop)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.order_id != order.id:
        abort(404)
    return _send_slip(payment)


@bp.post("/merchant/orders/<int:order_id>/payment/confirm")
@merchant_required
def merchant_confirm_payment(order_id: int, shop):
    """The money arrived: a transfer before accepting, or cash / a scan at handover."""
    order = merchant_order_or_404(order_id, shop)
    try:
        offline.confirm_received(order, current_user)
    except PaymentError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已确认收款"), "success")
    return redirect(url_for("orders.merchant_order", order_id=order.id))


@bp.post("/merchant/orders/<int:order_id>/payment/weighed-charge")
@merchant_required
def merchant_collect_weighed(order_id: int, shop):
    """The buyer paid what a weighed overage added (cash or a scan at handover)."""
    order = merchant_order_or_404(order_id, shop)
    try:
        payment = weighed.collect(order, current_user)
    except PaymentError as exc:
        flash(str(exc), "error")
    else:
        if payment is not None:
            flash(_("已确认收到补款 %(amount)s", amount=money_filter(payment.amount_cents)), "success")
    return redirect(url_for("orders.merchant_order", order_id=order.id))


def payment_panel(order) -> dict:
    """What the order pages show about its payment (the latest payment, or the one that paid it)."""
    paid = payment_of(order)
    current = paid or offline.open_payment(order) or db.session.scalar(
        sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc()))
    slip = current if current is not None and current.slip_key else None
    confirmable = (paid is None and current is not None and current.status in offline.OPEN and (
        (order.status.value == "pending_payment" and current.method == PaymentMethod.BANK_TRANSFER)
        or (order.status in offline.HANDOVER_STATES and current.method in HANDOVER_METHODS)))
    refunds = list(db.session.scalars(sa.select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)))
    return {"payment_panel": "payments/_order_payment.html", "order_payment": current, "order_paid": paid,
            "order_refunds": refunds,
            "weighed_owed": weighed.owed(order)[0],
            "payment_slip": slip, "payment_confirmable": confirmable,
            "payment_at_handover": current is not None and current.method in HANDOVER_METHODS
            and current.status != PaymentStatus.SUCCEEDED}
