"""WeChat Pay inside WeChat (JSAPI): the pay page's WeChat Pay button, opened in WeChat's browser,
comes here. Without the payer's openid in the session the buyer goes through WeChat's silent web
authorisation first (payments.wechat_oauth); then the group's JSAPI trade is made and the page hands
its signed parameters to WeixinJSBridge (static/js/wechat-jsapi.js). The outcome is the notification,
as for the QR code; the page then checks the trade ("I have paid") like the QR page does.
"""

from __future__ import annotations

import json

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.web import absolute_url
from orders.policy import buyer_group_or_404
from payments import bp, online, wechat_oauth, wechatpay
from payments.views.online import start_or_refuse


@bp.get("/payments/group/<int:group_id>/wechat/start")
@login_required
def wechat_jsapi_start(group_id: int):
    """A link, not a form: it changes nothing, and the CSP's form-action would stop a form's redirect
    to WeChat's authorisation page."""
    group = buyer_group_or_404(group_id, current_user)
    if not wechat_oauth.enabled():
        abort(404)
    page = url_for("payments.wechat_jsapi_page", group_id=group.id)
    if session.get(wechat_oauth.SESSION_KEY):
        return redirect(page)
    state = wechat_oauth.state_for(current_user.id, page)
    return redirect(wechat_oauth.authorize_url(absolute_url("payments.wechat_oauth_return"), state))


@bp.get("/payments/wechat/oauth")
@login_required
def wechat_oauth_return():
    """WeChat sends the buyer back with ?code=...&state=... (no code: he was not authorised)."""
    target = wechat_oauth.read_state(request.args.get("state", ""), current_user.id)
    if target is None:
        abort(400)
    code = request.args.get("code", "")
    if not code or len(code) > 128:
        flash(_("微信授权未完成，请重试或改用扫码支付"), "error")
        return redirect(target)
    try:
        session[wechat_oauth.SESSION_KEY] = wechat_oauth.openid_for(code)
    except wechat_oauth.OAuthError as exc:
        current_app.logger.warning("payments: %s", exc)
        flash(_("暂时无法连接微信，请稍后再试或选择其他付款方式"), "error")
        return redirect(target)
    return redirect(target)


@bp.get("/payments/group/<int:group_id>/wechat/jsapi")
@login_required
def wechat_jsapi_page(group_id: int):
    group = buyer_group_or_404(group_id, current_user)
    openid = session.get(wechat_oauth.SESSION_KEY)
    back = url_for("payments.pay_group", group_id=group.id)
    if not wechat_oauth.enabled() or not openid:
        return redirect(back)
    started = []
    refused = start_or_refuse(lambda: started.append(online.start_jsapi(group, openid)), back)
    if refused:
        return refused
    payment = started[0]
    try:
        params = wechatpay.jsapi_params(payment.checkout_url)
    except Exception:  # noqa: BLE001 - the SDK signs with the merchant key; a broken key is ours to fix
        current_app.logger.exception("payments: signing the JSAPI parameters failed")
        flash(_("暂时无法连接支付平台，请稍后再试或选择其他付款方式"), "error")
        return redirect(back)
    check = url_for("payments.online_jsapi_result", group_id=group.id, payment_id=payment.id, check=1)
    return render_template("payments/jsapi.html", group=group, payment=payment, params=json.dumps(params),
                           check_url=check, back_url=back)


@bp.get("/payments/group/<int:group_id>/wechat/jsapi/<int:payment_id>")
@login_required
def online_jsapi_result(group_id: int, payment_id: int):
    """Where the page goes when WeChat says the payment went through (or the buyer taps "I have
    paid"): the trade is checked with WeChat Pay, as on the QR page."""
    from marketplace.extensions import db
    from payments.models import Payment
    from payments.views.online import qr_page

    group = buyer_group_or_404(group_id, current_user)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.group_id != group.id or not online.is_jsapi(payment):
        abort(404)
    return qr_page(payment, online.description(group), back=url_for("payments.pay_group", group_id=group.id),
                   check=("payments.online_jsapi_result", {"group_id": group.id, "payment_id": payment.id, "check": 1}),
                   refresh_rows=group.orders, group=group)
