"""WeChat Pay and Alipay: the buyer's QR page and the providers' signed notifications.

Notifications follow the Stripe webhook's rules: a forged, altered or stale one is refused (400,
nothing happens); each event id is stored under a unique constraint in the same transaction as its
effect, so a replay has one effect; a verified one we cannot use (not ours, malformed) is
acknowledged; our own failure answers 503 so the provider sends it again.
"""

from __future__ import annotations

import base64
import io
import logging

import segno
import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from marketplace.db import atomic
from marketplace.errors import RETRY_AFTER_SECONDS
from marketplace.extensions import csrf, db
from marketplace.input import raw_input
from marketplace.web import absolute_url
from orders.policy import buyer_group_or_404
from payments import alipay, bp, online, refunds, services, wechatpay
from payments.models import Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus, WebhookEvent

log = logging.getLogger(__name__)
#: Seconds between the QR page's reloads while it waits for the notification.
REFRESH_SECONDS = 4


def qr_data_uri(text: str) -> str:
    """The code as an SVG data: URI (the CSP allows data: images; nothing loads from elsewhere)."""
    svg = io.BytesIO()
    segno.make(text, error="m").save(svg, kind="svg", scale=6, border=2, dark="#000", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode()


@bp.route("/payments/group/<int:group_id>/online/<method>", methods=["GET", "POST"])
@login_required
def online_page(group_id: int, method: str):
    """POST starts (or finds) the group's trade; GET shows its QR code and, once the notification has
    arrived (or the provider says so when asked here), that the orders are paid."""
    group = buyer_group_or_404(group_id, current_user)
    if method not in (PaymentMethod.WECHAT_PAY.value, PaymentMethod.ALIPAY.value):
        abort(404)
    if request.method == "POST":
        refused = start_or_refuse(lambda: online.start(group, method), url_for("payments.pay_group", group_id=group.id))
        return refused or redirect(url_for("payments.online_page", group_id=group.id, method=method))
    payment = db.session.scalar(sa.select(Payment).where(
        Payment.group_id == group.id, Payment.method == PaymentMethod(method), Payment.checkout_url.is_not(None),
        Payment.checkout_url.not_like(online.JSAPI_PACKAGE + "%")).order_by(Payment.id.desc()))
    if payment is None:
        return redirect(url_for("payments.pay_group", group_id=group.id))
    return qr_page(payment, online.description(group), back=url_for("payments.pay_group", group_id=group.id),
                   check=("payments.online_page", {"group_id": group.id, "method": method, "check": 1}),
                   refresh_rows=group.orders, group=group)


def start_or_refuse(start, back: str):
    """Run ``start`` (making or finding a trade); None when it worked, else the way back with the
    reason flashed (nothing due, the method off, the provider out of reach)."""
    try:
        start()
    except services.PaymentError as exc:
        flash(str(exc), "error")
        return redirect(back)
    except online.ProviderError:
        flash(_("暂时无法连接支付平台，请稍后再试或选择其他付款方式"), "error")
        return redirect(back)
    return None


def qr_page(payment: Payment, text: str, *, back: str, check: tuple[str, dict], refresh_rows=(), group=None):
    """The QR code of a waiting trade (reloading itself until it is paid or cancelled), or its
    outcome. ``check`` (endpoint, values): "I have paid", which asks the provider instead of waiting
    for the notification, and where Alipay's cashier returns the buyer."""
    if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED) and request.args.get("check"):
        try:
            online.refresh(payment)
        except (wechatpay.WeChatPayError, alipay.AlipayError):
            current_app.logger.warning("payments: querying %s failed", payment.idempotency_key)
    db.session.refresh(payment)
    for row in refresh_rows:
        db.session.refresh(row)
    waiting = payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED)
    page_url = ""
    if waiting and payment.method == PaymentMethod.ALIPAY:  # a computer: Alipay's own cashier page
        page_url = alipay.page_url(payment.idempotency_key, payment.amount_cents, text,
                                   online.notify_url(payment.method), absolute_url(check[0], **check[1]))
    response = current_app.make_response(render_template(
        "payments/online.html", group=group, payment=payment, waiting=waiting, page_url=page_url, back_url=back,
        check_url=url_for(check[0], **check[1]), refresh=REFRESH_SECONDS,
        qr=qr_data_uri(payment.checkout_url) if waiting and not online.is_jsapi(payment) else ""))
    if waiting:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


class _Duplicate(Exception):
    pass


def _record(event_id: str, kind: str, object_id: str):
    def record():
        db.session.add(WebhookEvent(event_id=event_id[:80], type=kind[:60], object_id=object_id[:80]))
        try:
            db.session.flush()
        except IntegrityError:
            raise _Duplicate(event_id) from None
    return record


def _apply(event_id: str, kind: str, trade) -> str:
    """Settle the trade a verified notification names, once per event id. Returns what to answer:
    "ok", "duplicate", "ignored" or "retry"."""
    if db.session.scalar(sa.select(WebhookEvent.id).where(WebhookEvent.event_id == event_id)) is not None:
        return "duplicate"
    payment = db.session.scalar(sa.select(Payment).where(Payment.idempotency_key == trade.out_trade_no))
    if payment is None or payment.method not in online.ONLINE:
        log.warning("payment notification %s ignored: no trade %r here", event_id, trade.out_trade_no[:64])
        return "ignored"
    try:
        online.settle_trade(payment, trade, before=_record(event_id, kind, trade.out_trade_no))
    except _Duplicate:
        return "duplicate"
    except Exception:  # noqa: BLE001 - ours to fix: the provider sends it again meanwhile
        db.session.rollback()
        log.exception("payment notification %s failed; the provider will send it again", event_id)
        return "retry"
    return "ok"


def _apply_refund(event_id: str, kind: str, resource: dict) -> str:
    """A refund's outcome (REFUND.SUCCESS / ABNORMAL / CLOSED), once per event id. A refund is booked
    when WeChat Pay takes it (payments.refunds): SUCCESS books one still pending (its acceptance was
    lost); ABNORMAL or CLOSED means the money did not reach the buyer (a closed card, a frozen
    account): it needs the merchant platform's manual refund, so it is shown to the admin."""
    refund = db.session.scalar(sa.select(Refund).where(Refund.idempotency_key == str(resource.get("out_refund_no"))))
    if refund is None or refund.payment.method != PaymentMethod.WECHAT_PAY:
        log.warning("refund notification %s ignored: no refund %r here", event_id,
                    str(resource.get("out_refund_no"))[:64])
        return "ignored"
    status = resource.get("refund_status")
    try:
        if status == "SUCCESS" and refund.status == RefundStatus.PENDING:
            refunds._accepted(refund, refund.payment, f"wechat_pay:{refund.idempotency_key}",
                              before=_record(event_id, kind, refund.idempotency_key))
        else:
            with atomic():
                _record(event_id, kind, refund.idempotency_key)()
                if status in ("ABNORMAL", "CLOSED"):
                    message = _("微信支付退款异常（%(status)s），钱未退到买家：请在微信支付商户平台处理", status=status)
                    refund.last_error = message[:300]
                    refund.payment.attention = message[:300]
    except _Duplicate:
        db.session.rollback()
        return "duplicate"
    except Exception:  # noqa: BLE001 - ours to fix: WeChat Pay sends it again meanwhile
        db.session.rollback()
        log.exception("refund notification %s failed; WeChat Pay will send it again", event_id)
        return "retry"
    return "ok"


@bp.post("/payments/wechatpay/notify")
@csrf.exempt
@raw_input  # the signature covers the exact bytes
def wechat_pay_notify():
    """WeChat Pay's notification (TRADE and REFUND events): 204 when handled or acknowledged, 400
    with {"code": "FAIL"} when the signature fails, 503 when we must be asked again."""
    if not wechatpay.enabled():
        abort(404)
    data = wechatpay.verify_notification(request.headers, request.get_data(cache=False))
    if data is None:
        return jsonify(code="FAIL", message="signature"), 400
    resource = data.get("resource")
    event_id, kind = data.get("id"), data.get("event_type")
    if not (isinstance(event_id, str) and isinstance(kind, str) and isinstance(resource, dict)):
        return "", 204  # verified but unusable: acknowledged, logged
    if resource.get("mchid") != current_app.config["WECHATPAY_MCHID"]:
        return "", 204  # not our merchant account
    if kind.startswith("REFUND."):
        outcome = _apply_refund("wx:" + event_id, kind, resource)
    elif kind == "TRANSACTION.SUCCESS":
        outcome = _apply("wx:" + event_id, kind, wechatpay.as_trade(resource))
    else:
        return "", 204  # other events are not ours
    if outcome == "retry":
        return jsonify(code="FAIL", message="retry"), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return "", 204


@bp.post("/payments/alipay/notify")
@csrf.exempt
@raw_input
def alipay_notify():
    """Alipay's asynchronous notification (a signed form): "success" stops its retries, "fail" or a
    503 asks for them."""
    if not alipay.enabled():
        abort(404)
    data = alipay.verify_notification(request.form)
    if data is None:
        return "fail", 400
    notify_id = data.get("notify_id")
    if not notify_id or data.get("trade_status") not in ("TRADE_SUCCESS", "TRADE_FINISHED", "TRADE_CLOSED"):
        return "success"
    outcome = _apply("ali:" + notify_id, data.get("notify_type", "trade_status_sync"), alipay.as_trade(data))
    if outcome == "retry":
        return "fail", 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return "success"
