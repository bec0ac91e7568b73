"""WeChat Pay (Native) through the real wechatpayv3 SDK against a local fake of the v3 API: the QR
page from code_url, the signed notification settles once, forged / replayed / stale / wrong-amount
notifications change nothing, a cancelled order voids the trade, refunds and reconcile."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from orders.models import OrderStatus
from payments.models import (
    LedgerEntry,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
)
from tests.payments.fake_wechatpay import new_key

#: The app pays through the WeChat Pay fake (tests/payments/conftest.py); Stripe is off.
WECHAT_PAY = True


@pytest.fixture
def stripe_keys():
    return False


S = OrderStatus
NOTIFY = "/payments/wechatpay/notify"


def _start(client, group) -> Payment:
    r = client.post(f"/payments/group/{group.id}/online/wechat_pay")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/payments/group/{group.id}/online/wechat_pay")
    return db.session.scalar(sa.select(Payment).where(Payment.group_id == group.id,
                                                      Payment.method == PaymentMethod.WECHAT_PAY)
                             .order_by(Payment.id.desc()))


def _notify(client, headers, body):
    return client.post(NOTIFY, data=body.encode(), headers={**headers, "Content-Type": "application/json"})


def _booked():
    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))


def test_qr_page_then_signed_notification_pays_once(make_group, login, client, wechat):
    group = make_group()
    login(group.buyer)
    page = client.get(f"/payments/group/{group.id}").get_data(as_text=True)
    assert 'id="pay-wechat_pay"' in page and 'id="pay-alipay"' not in page  # Alipay is not configured
    payment = _start(client, group)
    assert payment.amount_cents == 9500 and payment.checkout_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert _start(client, group).id == payment.id  # a double click: the same trade
    assert len(wechat.trades) >= 1 and wechat.unsigned == 0
    r = client.get(f"/payments/group/{group.id}/online/wechat_pay")
    html = r.get_data(as_text=True)
    assert 'data-state="waiting"' in html and "data:image/svg+xml;base64," in html and r.headers["Refresh"]
    headers, body = wechat.pay(payment.idempotency_key)
    assert _notify(client, headers, body).status_code == 204
    db.session.expire_all()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.provider_ref.startswith("42000")
    assert all(o.status == S.PAID for o in group.orders)
    booked = _booked()
    assert booked == 6  # gateway | payable | commission for each order
    # The same notification again (WeChat Pay retries): one effect.
    assert _notify(client, headers, body).status_code == 204
    # The same transaction in a new notification: still one effect.
    assert _notify(client, *wechat.notification(wechat.public(wechat.trades[payment.idempotency_key]))).status_code == 204
    db.session.expire_all()
    assert _booked() == booked
    html = client.get(f"/payments/group/{group.id}/online/wechat_pay").get_data(as_text=True)
    assert 'data-state="paid"' in html


def test_forged_stale_and_wrong_amount_notifications_change_nothing(make_group, login, client, wechat):
    group = make_group()
    login(group.buyer)
    payment = _start(client, group)
    trade = dict(wechat.public(wechat.trades[payment.idempotency_key]), trade_state="SUCCESS",
                 transaction_id="4200000000000000000000000001")
    forged_key = new_key()
    cases = {
        "forged": wechat.notification(trade, key=forged_key),  # signed with another key
        "stale": wechat.notification(trade, timestamp=1_600_000_000),  # a replay of an old one
        "wrong apiv3 key": wechat.notification(trade, apiv3_key="0" * 32),
    }
    headers, body = wechat.notification(trade)
    cases["altered"] = (headers, body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" '))
    cases["unsigned"] = ({}, body)
    for name, (h, b) in cases.items():
        assert _notify(client, h, b).status_code == 400, name
    # Signed but for another amount: refused, flagged for the admin, nothing booked.
    wrong = dict(trade, amount={**trade["amount"], "total": 1})
    assert _notify(client, *wechat.notification(wrong)).status_code == 204
    # Signed, for a trade that is not ours: acknowledged, nothing happens.
    assert _notify(client, *wechat.notification(dict(trade, out_trade_no="wx999999A1"))).status_code == 204
    db.session.expire_all()
    assert payment.status == PaymentStatus.PENDING and payment.provider_ref is None
    assert "金额" in payment.attention
    assert all(o.status == S.PENDING_PAYMENT for o in group.orders) and _booked() == 0


def test_return_check_settles_a_lost_notification_and_reconcile(make_group, login, client, wechat):
    group = make_group()
    login(group.buyer)
    payment = _start(client, group)
    wechat.pay(payment.idempotency_key)  # the notification is lost
    html = client.get(f"/payments/group/{group.id}/online/wechat_pay?check=1").get_data(as_text=True)
    assert 'data-state="paid"' in html
    db.session.expire_all()
    assert payment.status == PaymentStatus.SUCCEEDED
    # Reconcile finds it booked and leaves it.
    from payments.reconcile import reconcile

    before = _booked()
    reconcile()
    assert _booked() == before


def test_reconcile_settles_open_trades(make_group, login, client, wechat):
    group = make_group()
    login(group.buyer)
    payment = _start(client, group)
    wechat.pay(payment.idempotency_key)
    from payments.reconcile import reconcile

    report = reconcile()
    db.session.expire_all()
    assert report.settled >= 1 and payment.status == PaymentStatus.SUCCEEDED


def test_cancelled_orders_void_the_trade_and_late_money_is_refunded(make_group, login, client, wechat):
    group = make_group()
    login(group.buyer)
    payment = _start(client, group)
    for order in group.orders:
        client.post(f"/orders/{order.id}/cancel", data={"reason": "不要了"})
    db.session.expire_all()
    assert payment.status == PaymentStatus.CANCELED
    assert wechat.trades[payment.idempotency_key]["trade_state"] == "CLOSED"  # closed at WeChat Pay
    # Had the buyer paid just before the close: the money goes back, nothing is marked paid.
    trade = wechat.trades[payment.idempotency_key]
    trade.update(trade_state="SUCCESS", transaction_id="4200000000000000000000000077", success_time="2026-12-05T10:00:00+08:00")
    assert _notify(client, *wechat.notification(wechat.public(trade))).status_code == 204
    db.session.expire_all()
    refund = db.session.scalar(sa.select(Refund).where(Refund.payment_id == payment.id))
    assert refund.status == RefundStatus.SUCCEEDED and refund.amount_cents == payment.amount_cents
    assert all(o.status == S.CANCELLED for o in group.orders)


def test_amount_change_makes_a_new_trade_and_merchant_refund(make_group, login, client, wechat):
    group = make_group()
    login(group.buyer)
    first = _start(client, group)
    client.post(f"/orders/{group.orders[1].id}/cancel", data={"reason": "少买一家"})
    second = _start(client, group)
    db.session.expire_all()
    assert second.id != first.id and second.amount_cents == group.orders[0].total_cents
    assert first.status == PaymentStatus.CANCELED
    headers, body = wechat.pay(second.idempotency_key)
    _notify(client, headers, body)
    db.session.expire_all()
    order = group.orders[0]
    assert order.status == S.PAID
    client.post("/account/logout")
    login(order.shop.members[0].user)
    r = client.post(f"/merchant/orders/{order.id}/refund", data={"amount": "5.00", "reason": "少称了"})
    assert r.status_code == 302
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    assert refund.status == RefundStatus.SUCCEEDED and refund.amount_cents == 500
    assert wechat.refunds[refund.idempotency_key]["amount"]["refund"] == 500
    # More than is left: refused by us before WeChat Pay is asked.
    client.post(f"/merchant/orders/{order.id}/refund", data={"amount": "100.00"})
    assert len([r for r in wechat.refunds.values() if r["out_trade_no"] == second.idempotency_key]) == 1


def test_event_rows_and_malformed_bodies(make_group, login, client, wechat):
    group = make_group()
    login(group.buyer)
    payment = _start(client, group)
    headers, body = wechat.pay(payment.idempotency_key)
    _notify(client, headers, body)
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 1
    # A verified notification of another kind is acknowledged and ignored.
    data = json.loads(body)
    assert data["event_type"] == "TRANSACTION.SUCCESS"
    for junk in ("", "[]", "not json"):
        assert _notify(client, wechat.signed_headers(junk), junk).status_code in (204, 400)
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 1


def test_refund_waits_for_an_unreachable_wechat_pay_then_reconcile_sends_it_once(make_group, login, client,
                                                                                wechat, app):
    from payments import refunds
    from payments.reconcile import reconcile

    group = make_group()
    login(group.buyer)
    payment = _start(client, group)
    _notify(client, *wechat.pay(payment.idempotency_key))
    order = group.orders[0]
    app.config["WECHATPAY_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    refund = refunds.refund_order(order, None, amount_cents=300, reason="破损")
    assert refund.status == RefundStatus.PENDING and refund.last_error
    app.config["WECHATPAY_API_BASE"] = wechat.url
    assert reconcile().refunds == 1
    db.session.expire_all()
    assert refund.status == RefundStatus.SUCCEEDED
    assert [r["amount"]["refund"] for r in wechat.refunds.values() if r["out_refund_no"] == refund.idempotency_key] == [300]
    assert reconcile().refunds == 0


def test_refund_notifications_book_a_lost_acceptance_and_flag_an_abnormal_refund(make_group, login, client,
                                                                                 wechat, app):
    """REFUND.SUCCESS books a refund whose acceptance we never heard (its call timed out after WeChat
    Pay took it), once however often it comes; REFUND.ABNORMAL (the buyer's card was closed) puts
    it in front of the admin; a forged one and one for no refund of ours change nothing."""
    from payments import refunds

    group = make_group()
    login(group.buyer)
    payment = _start(client, group)
    _notify(client, *wechat.pay(payment.idempotency_key))
    order = group.orders[0]
    taken = refunds.refund_order(order, None, amount_cents=300, reason="破损")
    assert taken.status == RefundStatus.SUCCEEDED
    # A second refund that WeChat Pay took while our call failed: it stays pending here.
    lost = refunds._create(order, None, 200, None, "少称", False, "refund-lost-1")
    db.session.commit()
    wechat.refunds["refund-lost-1"] = {**wechat.refunds[taken.idempotency_key], "out_refund_no": "refund-lost-1",
                                       "amount": {**wechat.refunds[taken.idempotency_key]["amount"], "refund": 200,
                                                  "payer_refund": 200}}
    booked = _booked()
    headers, body = wechat.refund_notification("refund-lost-1", "SUCCESS")
    assert _notify(client, headers, body).status_code == 204
    assert _notify(client, headers, body).status_code == 204  # replayed: one effect
    db.session.expire_all()
    assert lost.status == RefundStatus.SUCCEEDED and _booked() == booked + 3  # payable, commission, gateway

    forged_headers = {**headers, "Wechatpay-Signature": headers["Wechatpay-Signature"][::-1]}
    assert _notify(client, forged_headers, body).status_code == 400
    assert _notify(client, *wechat.refund_notification(taken.idempotency_key, "ABNORMAL")).status_code == 204
    db.session.expire_all()
    assert "退款异常" in taken.last_error and "退款异常" in taken.payment.attention
    assert taken.status == RefundStatus.SUCCEEDED  # the money is owed to the buyer still: the admin acts
    wechat.refunds["not-ours"] = {**wechat.refunds[taken.idempotency_key], "out_refund_no": "not-ours"}
    assert _notify(client, *wechat.refund_notification("not-ours", "SUCCESS")).status_code == 204
    assert db.session.scalar(sa.select(sa.func.count(Refund.id))) == 2
