"""Buyer pages: choose how to pay an order group, pay by card (Stripe.js), offline instructions,
and the return page that asks Stripe — never the browser — how the payment went."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.extensions import db
from orders.policy import buyer_group_or_404
from payments import bp, gateways, services, stripe_api, wechat_oauth
from payments.models import PaymentMethod, PaymentStatus
from payments.stripe_api import stripe

WALLETS = {"alipay": _l("支付宝"), "wechat_pay": _l("微信支付")}


def stripe_csp() -> str:
    """This page's Content-Security-Policy: the site's, plus Stripe.js's origin for scripts, frames
    and its API calls. Only the card page gets it; every other page keeps the strict default."""
    js = stripe_api.origin(current_app.config["STRIPE_JS_URL"]) or ""
    api = stripe_api.origin(current_app.config.get("STRIPE_API_BASE")) or "https://api.stripe.com"
    frames = " ".join(dict.fromkeys([js, "https://hooks.stripe.com" if js == "https://js.stripe.com" else js]))
    return ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
            f"script-src 'self' {js}; frame-src {frames}; connect-src 'self' {' '.join(dict.fromkeys([js, api]))}; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _context(group):
    due = services.pending_orders(group)
    online_due = services.online_due(group)
    settings = services.settings_by_shop(o.shop_id for o in group.orders)
    from payments.offline import open_payment

    return {"group": group, "due": due, "amount": sum(o.total_cents for o in online_due), "settings": settings,
            "online_due": online_due, "online": gateways.online(), "stripe_on": stripe_api.enabled(),
            "choices": {o.id: open_payment(o) for o in due},
            "offline_for": {o.id: gateways.offline_for(o, settings.get(o.shop_id)) for o in due},
            "payments": services.group_payments(group.id),
            # inside WeChat's browser WeChat Pay is paid in place (JSAPI), not by scanning a QR code
            "wechat_jsapi": wechat_oauth.enabled() and wechat_oauth.in_wechat(request.user_agent.string)}


@bp.get("/payments/group/<int:group_id>")
@login_required
def pay_group(group_id: int):
    group = buyer_group_or_404(group_id, current_user)
    from orders import services as orders

    orders.expire_lazily()
    db.session.refresh(group)
    return render_template("payments/pay.html", **_context(group))


@bp.post("/payments/group/<int:group_id>/offline")
@login_required
def choose_offline(group_id: int):
    group = buyer_group_or_404(group_id, current_user)
    order_id = request.form.get("order_id", "")
    if order_id and not order_id.isdigit():
        abort(404)
    services.choose_offline(group, request.form.get("method", ""), [int(order_id)] if order_id else None)
    flash(_("已选择线下付款：请按下面的说明付款，商家确认收款"), "success")
    return redirect(url_for("payments.offline_instructions", group_id=group.id))


@bp.get("/payments/group/<int:group_id>/offline")
@login_required
def offline_instructions(group_id: int):
    group = buyer_group_or_404(group_id, current_user)
    return render_template("payments/offline.html", **_context(group))


@bp.get("/payments/group/<int:group_id>/card")
@login_required
def card_page(group_id: int):
    group = buyer_group_or_404(group_id, current_user)
    try:
        payment = services.stripe_payment(group)
    except services.PaymentError as exc:
        flash(str(exc), "error")
        return redirect(url_for("payments.pay_group", group_id=group.id))
    except stripe.StripeError:
        current_app.logger.exception("payments: cannot create the intent of group %s", group.id)
        flash(_("暂时无法连接支付服务，请稍后再试或选择线下付款"), "error")
        return redirect(url_for("payments.pay_group", group_id=group.id))
    methods = list(current_app.config["STRIPE_PAYMENT_METHODS"])
    wallets = [m for m in methods if m in WALLETS]
    # Alipay / WeChat Pay are confirmed by Stripe.js with the intent's client secret (a redirect or a
    # QR code); cards go through a token and the server (see pay_with_card_token).
    client_secret = services.retrieve_intent(payment).client_secret if wallets else ""
    response = current_app.make_response(render_template(
        "payments/card.html", payment=payment, stripe_js_url=current_app.config["STRIPE_JS_URL"],
        publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"], card="card" in methods,
        wallets=[(m, WALLETS[m]) for m in wallets], client_secret=client_secret, **_context(group)))
    response.headers["Content-Security-Policy"] = stripe_csp()
    return response


@bp.post("/payments/group/<int:group_id>/card/confirm")
@login_required
def card_confirm(group_id: int):
    """JSON from static/js/payment.js: ``{"payment_id": N, "token": "tok_..."}`` (X-CSRFToken header)."""
    group = buyer_group_or_404(group_id, current_user)
    body = request.get_json(silent=True) or {}
    payment = next((p for p in services.group_payments(group.id)
                    if p.id == body.get("payment_id") and p.method == PaymentMethod.STRIPE and p.provider_ref), None)
    if payment is None:
        abort(404)
    done = url_for("payments.stripe_return", group_id=group.id)
    try:
        if payment.status == PaymentStatus.FAILED:  # a retry after a decline: the group's fresh intent
            payment = services.stripe_payment(group)
        state, intent = services.pay_with_card_token(payment, body.get("token"))
    except services.PaymentError as exc:
        return jsonify(error=str(exc), code=exc.code), exc.status
    except stripe.StripeError:
        current_app.logger.exception("payments: confirming group %s", group.id)
        return jsonify(error=_("暂时无法连接支付服务，请稍后再试")), 502
    if state == "requires_action":
        return jsonify(state=state, client_secret=intent.client_secret, redirect=done)
    return jsonify(state=state, redirect=done)


@bp.get("/payments/group/<int:group_id>/return")
@login_required
def stripe_return(group_id: int):
    """Where the browser lands after paying: the intent is read from Stripe here."""
    group = buyer_group_or_404(group_id, current_user)
    if stripe_api.enabled():
        for payment in services.group_payments(group.id):
            if (payment.method == PaymentMethod.STRIPE and payment.provider_ref
                    and payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED)):
                try:
                    services.settle(payment, services.retrieve_intent(payment))
                except stripe.StripeError:
                    current_app.logger.exception("payments: reading intent %s", payment.provider_ref)
    db.session.refresh(group)
    for order in group.orders:
        db.session.refresh(order)
    return render_template("payments/result.html", **_context(group))
