"""Stripe refunds (by line, by amount, never above what was paid, idempotent, on cancel) and Connect
payouts against the local fake: onboarding, transfers with transfer_group, insufficient funds
retried later, reversals after a refund, manual settlements and the admin pages."""

from __future__ import annotations

import threading

import pytest
import requests
import sqlalchemy as sa

from catalog.models import Variant
from marketplace.extensions import db
from marketplace.templating import money_filter
from orders import services as orders
from orders.models import OrderStatus
from payments import ledger, refunds, stripe_api
from payments.models import (
    Account,
    LedgerEntry,
    Refund,
    RefundStatus,
    Settlement,
    ShopPaymentSettings,
    Transfer,
    TransferReversal,
    TransferStatus,
    TransferStatusChange,
)
from payments.services import PaymentError

S = OrderStatus


def _stripe_refunded(payment) -> int:
    listing = stripe_api.client().v1.refunds.list(params={"payment_intent": payment.provider_ref})
    return sum(r.amount for r in listing.data)


def test_refund_by_line_then_amount_never_above_what_was_paid(paid_group, login, client):
    group, payment = paid_group
    order = group.orders[1]  # 3 x 25.00
    line = order.lines[0]
    stock_before = db.session.get(Variant, line.variant_id).stock
    login(order.shop.members[0].user)
    r = client.post(f"/merchant/orders/{order.id}/refund",
                    data={f"qty-{line.id}": "1", "reason": "少发一件", "restock": "y", "idempotency_key": "rk-line-1"})
    assert r.status_code == 302
    client.post(f"/merchant/orders/{order.id}/refund",  # double submit
                data={f"qty-{line.id}": "1", "reason": "少发一件", "restock": "y", "idempotency_key": "rk-line-1"})
    db.session.expire_all()
    first = db.session.scalar(sa.select(Refund))
    assert first.status == RefundStatus.SUCCEEDED and first.provider_ref.startswith("re_")
    assert first.amount_cents == 2500 and _stripe_refunded(payment) == 2500
    assert db.session.scalar(sa.select(sa.func.count(Refund.id))) == 1
    assert db.session.get(Variant, line.variant_id).stock == stock_before + 1  # the refunded unit, once
    with pytest.raises(PaymentError):
        refunds.refund_order(order, None, amount_cents=5001, reason="too much")
    with pytest.raises(PaymentError):
        refunds.refund_order(order, None, amount_cents=0)
    with pytest.raises(PaymentError):
        refunds.refund_order(order, None, lines={str(line.id): 3})  # 2 left to refund
    with pytest.raises(PaymentError):
        refunds.refund_order(group.orders[0], None, lines={str(line.id): 1})  # another order's line: 404
    refunds.refund_order(order, None, amount_cents=5000, reason="rest")
    assert refunds.refundable_cents(order) == 0 and _stripe_refunded(payment) == 7500
    charged, returned = ledger.commission_booked(order.id)
    assert charged == returned == ledger.commission_for(order)
    assert ledger.payable_for_order(order.id) == 0
    gateway = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_cents)).where(LedgerEntry.account == Account.GATEWAY))
    assert gateway == group.orders[0].total_cents


def test_concurrent_refunds_never_exceed_the_paid_amount(paid_group, app):
    group, payment = paid_group
    order_id = group.orders[0].id  # 20.00
    results = []
    barrier = threading.Barrier(5)

    def attempt(i):
        with app.app_context():
            from orders.models import Order

            order = db.session.get(Order, order_id)
            barrier.wait(timeout=30)
            try:
                refunds.refund_order(order, None, amount_cents=1500, idempotency_key=f"conc-{i}")
                results.append("ok")
            except PaymentError:
                results.append("refused")
            except Exception as exc:  # noqa: BLE001 - SQLite may report a busy database: no refund made
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    db.session.expire_all()
    assert results.count("ok") == 1, results
    assert refunds.refunded_cents(order_id) == 1500 and _stripe_refunded(payment) == 1500


def test_cancelling_a_paid_order_refunds_it(paid_group, login, client):
    group, payment = paid_group
    login(group.buyer)
    order = group.orders[0]
    assert client.post(f"/orders/{order.id}/cancel", data={"reason": "买错了"}).status_code == 302
    db.session.expire_all()
    assert order.status == S.CANCELLED
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    assert refund.status == RefundStatus.SUCCEEDED and refund.amount_cents == order.total_cents
    assert _stripe_refunded(payment) == order.total_cents
    assert ledger.payable_for_order(order.id) == 0


def test_unpaid_order_cannot_be_refunded(make_group):
    group = make_group()
    with pytest.raises(PaymentError):
        refunds.refund_order(group.orders[0], None, amount_cents=100)


def _connect(shop, login, client, connect_fake):
    login(shop.members[0].user)
    r = client.post("/merchant/payments/connect")
    assert r.status_code == 302 and r.headers["Location"].startswith(connect_fake.url + "/onboarding/acct_")
    back = requests.get(r.headers["Location"], allow_redirects=False, timeout=10)  # onboarding done at Stripe
    assert back.status_code == 302
    assert client.get("/merchant/payments/connect/return").status_code == 302
    db.session.expire_all()
    settings = db.session.scalar(sa.select(ShopPaymentSettings).where(ShopPaymentSettings.shop_id == shop.id))
    assert settings.payouts_enabled and settings.stripe_account_id.startswith("acct_")
    return settings


def _complete(order):
    actor = order.shop.members[0].user
    orders.accept(order, actor)
    orders.ready_for_pickup(order, actor)
    orders.mark_delivered(order, actor)
    orders.confirm_receipt(order, order.buyer)


def test_transfer_on_completion_insufficient_funds_retried_and_reversed_on_refund(
        paid_group, login, client, connect_fake, app):
    group, payment = paid_group
    order = group.orders[1]
    settings = _connect(order.shop, login, client, connect_fake)
    connect_fake.balance = 0  # the platform's Stripe balance is not available yet
    _complete(order)  # the "payments.transfer" job runs as soon as the completion commits
    db.session.expire_all()
    transfer = db.session.scalar(sa.select(Transfer))
    assert transfer.status == TransferStatus.FAILED and "insufficient" in transfer.last_error
    assert ledger.payable_for_order(order.id) == order.total_cents - ledger.commission_for(order)
    connect_fake.balance = 10**9
    result = app.test_cli_runner().invoke(args=["payments", "payouts"])
    assert "1 payouts sent" in result.output, result.output
    db.session.expire_all()
    share = order.total_cents - ledger.commission_for(order)
    assert transfer.status == TransferStatus.PAID and transfer.amount_cents == share
    sent = connect_fake.transfers[transfer.provider_ref]
    assert sent["destination"] == settings.stripe_account_id and sent["transfer_group"] == f"group_{group.id}"
    assert sent["amount"] == share and ledger.payable_for_order(order.id) == 0
    history = db.session.scalars(sa.select(TransferStatusChange).where(TransferStatusChange.transfer_id == transfer.id)
                                 .order_by(TransferStatusChange.id)).all()
    assert [(c.from_status, c.to_status) for c in history] == [
        (TransferStatus.PENDING, TransferStatus.FAILED), (TransferStatus.FAILED, TransferStatus.PAID)]
    assert "insufficient" in history[0].note and history[1].note == transfer.provider_ref
    # A refund after the transfer takes the shop's share back.
    refund = refunds.refund_order(order, None, amount_cents=2500, reason="退一件")
    reversal = db.session.scalar(sa.select(TransferReversal))
    assert reversal.status == TransferStatus.PAID and reversal.amount_cents == 2500 - refund.commission_cents
    assert connect_fake.transfers[transfer.provider_ref]["amount_reversed"] == reversal.amount_cents
    assert ledger.payable_for_order(order.id) == 0
    page = client.get("/merchant/payments").get_data(as_text=True)
    assert order.number in page


def test_completed_order_of_a_shop_without_connect_accrues_and_admin_settles(paid_group, make_user, login, client):
    group, payment = paid_group
    order = group.orders[0]
    _complete(order)
    assert db.session.scalar(sa.select(sa.func.count(Transfer.id))) == 0
    owed = ledger.shop_balance(order.shop_id)
    assert owed == order.total_cents - ledger.commission_for(order)
    admin = make_user(roles=("admin",))
    login(admin)
    assert client.get("/admin/payments").status_code == 200
    admin_page = {"Referer": "http://localhost/admin/payments"}  # the forms are posted from this page
    r = client.post("/admin/payments/settlements", data={"shop_id": order.shop_id, "amount": "", "reference": "x"},
                    headers=admin_page)
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/payments")
    assert db.session.scalar(sa.select(sa.func.count(Settlement.id))) == 0
    assert "金额格式不正确" in client.get("/admin/payments").get_data(as_text=True)  # the refusal is shown
    client.post("/admin/payments/settlements", data={"shop_id": order.shop_id, "amount": f"{owed / 100:.2f}",
                                                     "reference": "农行转账 20261126"})
    db.session.expire_all()
    assert ledger.shop_balance(order.shop_id) == 0
    assert client.post("/admin/payments/settlements", data={"shop_id": 99999, "amount": "1"}).status_code == 404
    # Commission rates: a shop rate wins over the default.
    client.post("/admin/payments/commission", data={"shop_id": order.shop_id, "percent": "2.5"})
    db.session.expire_all()
    assert ledger.commission_for(order) == round(order.total_cents * 0.025)
    r = client.post("/admin/payments/commission", data={"shop_id": order.shop_id, "percent": "101"},
                    headers=admin_page)
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/payments")
    db.session.expire_all()
    shop_rate = db.session.scalar(sa.select(ShopPaymentSettings.commission_bps)
                                  .where(ShopPaymentSettings.shop_id == order.shop_id))
    assert shop_rate == 250  # unchanged
    assert "佣金比例不能超过 100%" in client.get("/admin/payments").get_data(as_text=True)
    # The admin reaches any shop's order's refund form, with what is still refundable.
    refund_page = client.get(f"/admin/orders/{order.id}/refund")
    html = refund_page.get_data(as_text=True)
    assert refund_page.status_code == 200 and order.number in html
    assert f'<strong id="refundable">{money_filter(refunds.refundable_cents(order))}</strong>' in html


def test_merchant_and_buyer_cannot_reach_admin_or_other_shops(paid_group, login, client):
    group, payment = paid_group
    order = group.orders[0]
    login(group.orders[1].shop.members[0].user)
    assert client.get(f"/merchant/orders/{order.id}/refund").status_code == 404
    assert client.post(f"/merchant/orders/{order.id}/refund", data={"amount": "1"}).status_code == 404
    assert client.get("/admin/payments").status_code == 403
    assert refunds.refunded_cents(order.id) == 0
