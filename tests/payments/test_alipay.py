"""Alipay (QR) through the real python-alipay-sdk against a local fake of its gateway: the QR page,
the signed notification settles once, forged / replayed / foreign-app / wrong-amount notifications
change nothing, a lost notification is found by asking, refunds."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from orders.models import OrderStatus
from payments.models import LedgerEntry, Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus
from tests.payments.fake_alipay import FakeAlipay
from tests.payments.fake_wechatpay import new_key

S = OrderStatus
NOTIFY = "/payments/alipay/notify"


@pytest.fixture(scope="module")
def alipay_fake(tmp_path_factory):
    fake = FakeAlipay(tmp_path_factory.mktemp("alipay")).start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_keys():
    return False


@pytest.fixture
def app_config(app_config, alipay_fake):
    app_config.update(alipay_fake.config())
    return app_config


def _start(client, group) -> Payment:
    assert client.post(f"/payments/group/{group.id}/online/alipay").status_code == 302
    return db.session.scalar(sa.select(Payment).where(Payment.group_id == group.id, Payment.method == PaymentMethod.ALIPAY)
                             .order_by(Payment.id.desc()))


def _booked() -> int:
    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))


def test_qr_then_notification_pays_once_and_refund(make_group, login, client, alipay_fake):
    group = make_group()
    login(group.buyer)
    assert 'id="pay-alipay"' in client.get(f"/payments/group/{group.id}").get_data(as_text=True)
    payment = _start(client, group)
    assert payment.checkout_url.startswith("https://qr.alipay.com/") and alipay_fake.unsigned == 0
    html = client.get(f"/payments/group/{group.id}/online/alipay?check=1").get_data(as_text=True)
    assert 'data-state="waiting"' in html  # not scanned yet: Alipay does not know the trade
    # The cashier page for a computer: the same trade, signed for Alipay's gateway.
    assert f"{alipay_fake.url}?" in html and "alipay.trade.page.pay" in html and "sign=" in html
    form = alipay_fake.pay(payment.idempotency_key)
    r = client.post(NOTIFY, data=form)
    assert r.status_code == 200 and r.get_data(as_text=True) == "success"
    db.session.expire_all()
    assert payment.status == PaymentStatus.SUCCEEDED and all(o.status == S.PAID for o in group.orders)
    booked = _booked()
    assert client.post(NOTIFY, data=form).get_data(as_text=True) == "success"  # replayed: one effect
    assert client.post(NOTIFY, data=alipay_fake.notification(alipay_fake.trades[payment.idempotency_key])).status_code == 200
    db.session.expire_all()
    assert _booked() == booked
    order = group.orders[1]
    client.post("/account/logout")
    login(order.shop.members[0].user)
    client.post(f"/merchant/orders/{order.id}/refund", data={"amount": "10.00", "reason": "品质问题"})
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    assert refund.status == RefundStatus.SUCCEEDED and alipay_fake.refunds[refund.idempotency_key]["refund_fee"] == "10.00"


def test_bad_notifications_change_nothing(make_group, login, client, alipay_fake):
    group = make_group()
    login(group.buyer)
    payment = _start(client, group)
    trade = dict(alipay_fake.trades[payment.idempotency_key], trade_status="TRADE_SUCCESS", trade_no="2026000000000001",
                 paid_at="2026-12-05 10:00:00")
    forged = alipay_fake.notification(trade, key=new_key())
    altered = dict(alipay_fake.notification(trade), total_amount="0.01")
    foreign = alipay_fake.notification(trade, app_id="2021000000000000")
    for form in (forged, altered, foreign, {k: v for k, v in forged.items() if k != "sign"}):
        assert client.post(NOTIFY, data=form).status_code == 400
    wrong_amount = alipay_fake.notification(trade, total_amount="0.01")  # signed, but not what is owed
    assert client.post(NOTIFY, data=wrong_amount).status_code == 200
    db.session.expire_all()
    assert payment.status == PaymentStatus.PENDING and payment.provider_ref is None and "金额" in payment.attention
    assert all(o.status == S.PENDING_PAYMENT for o in group.orders) and _booked() == 0
