"""A monthly statement paid online (WeChat Pay, through the real wechatpayv3 SDK against the local
fake of the v3 API): the QR page from the statement, the signed notification pays the statement once
and books each order on it (a weighed shortfall as a refund that never left the buyer, an overage as
a weighed charge), money for a statement paid meanwhile in cash is refunded, and another buyer's
statement is a 404. The ledger balances (the suite's fixture checks every test)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from orders import services, weighing
from orders.terms_models import Statement, StatementStatus
from payments import credit, ledger
from payments.models import Account, LedgerEntry, Payment, PaymentStatus, Refund, RefundStatus

#: The app pays through the WeChat Pay fake (tests/payments/conftest.py); Stripe is off.
WECHAT_PAY = True


@pytest.fixture
def stripe_keys():
    return False


CODE = "91411400MA4000001J"
NOTIFY = "/payments/wechatpay/notify"


@pytest.fixture
def statement(make_user, make_shop, make_variant, make_group):
    """A restaurant's issued statement of two credit orders: 20 斤 weighed 19.4 (¥3.60 back) and
    10 斤 weighed 10.5 (¥3.00 more), at ¥6.00 per 斤: ¥179.40."""
    buyer = make_user(name="老街饭店")
    credit.save_profile(buyer, "商丘市梁园区老街饭店有限公司", CODE)
    shop = make_shop(name="睢阳区蔬菜批发")
    owner = shop.members[0].user
    credit.grant_credit(shop, owner, CODE, "1000", "30")
    variant = make_variant(shop, unit="斤", price=600, stock=100, direct=False)
    for qty, actual in ((20, "19.4"), (10, "10.5")):
        group = make_group(buyer=buyer, items=[(variant, qty)])
        credit.buy_on_credit(group, buyer)
        order = group.orders[0]
        services.accept(order, owner)
        weighing.record_weight(order, order.lines[0].id, actual, owner)
    credit.issue_and_age(utcnow() + dt.timedelta(days=32))
    row = db.session.scalar(sa.select(Statement))
    assert row.status == StatementStatus.ISSUED and row.total_cents == 17_940
    return row


def _start(client, statement) -> Payment:
    r = client.post(f"/account/statements/{statement.id}/online/wechat_pay")
    assert r.status_code == 302, r.status_code
    return db.session.scalar(sa.select(Payment).where(Payment.statement_id == statement.id).order_by(Payment.id.desc()))


def _notify(client, wechat, payment):
    headers, body = wechat.pay(payment.idempotency_key)
    return client.post(NOTIFY, data=body.encode(), headers={**headers, "Content-Type": "application/json"})


def test_statement_paid_by_wechat_pay_books_every_order_once(statement, login, client, wechat):
    login(statement.buyer)
    page = client.get(f"/account/statements/{statement.id}").get_data(as_text=True)
    assert 'id="pay-wechat_pay"' in page
    payment = _start(client, statement)
    assert payment.amount_cents == 17_940 and payment.group_id is None
    assert _start(client, statement).id == payment.id  # a double click: the same trade
    html = client.get(f"/account/statements/{statement.id}/online/wechat_pay").get_data(as_text=True)
    assert 'data-state="waiting"' in html and "¥179.40" in html
    for _ in range(2):  # a replayed notification: one effect
        assert _notify(client, wechat, payment).status_code == 204
    db.session.expire_all()
    assert statement.status == StatementStatus.PAID and payment.status == PaymentStatus.SUCCEEDED
    by_kind = {}
    for kind, account, amount in db.session.execute(sa.select(LedgerEntry.kind, LedgerEntry.account,
                                                              LedgerEntry.amount_cents)):
        by_kind.setdefault((kind, account), 0)
        by_kind[(kind, account)] += amount
    gateway = sum(v for (k, a), v in by_kind.items() if a == Account.GATEWAY)
    assert gateway == 17_940  # what WeChat Pay collected: 180.00 ordered - 3.60 + 3.00
    (short,) = db.session.scalars(sa.select(Refund)).all()
    assert short.amount_cents == 360 and short.status == RefundStatus.SUCCEEDED and short.provider_ref is None
    assert by_kind[("weighed_charge", Account.GATEWAY)] == 300
    assert "月结单已结清" in client.get(f"/account/statements/{statement.id}/online/wechat_pay").get_data(as_text=True)
    for order in (c.order for c in statement.charges):
        assert ledger.payment_of(order).id == payment.id
    from payments.privacy import export_payments

    exported = export_payments(statement.buyer, 100)
    mine = [p for p in exported["payments"] if p["statement"] == statement.period]
    assert len(mine) == 1 and len(mine[0]["orders"]) == 2 and mine[0]["amount_cents"] == 17_940


def test_statement_paid_in_cash_meanwhile_refunds_the_online_money(statement, login, client, wechat):
    login(statement.buyer)
    payment = _start(client, statement)
    credit.confirm_paid(statement, statement.shop.members[0].user, "cash")
    assert _notify(client, wechat, payment).status_code == 204
    db.session.expire_all()
    refund = db.session.scalar(sa.select(Refund).where(Refund.payment_id == payment.id))
    assert refund.amount_cents == 17_940 and refund.order_id is None and "已自动全额退款" in payment.attention


def test_foreign_open_and_unknown_statements(statement, login, client, make_user):
    login(make_user())
    assert client.get(f"/account/statements/{statement.id}/online/wechat_pay").status_code == 404
    assert client.post(f"/account/statements/{statement.id}/online/wechat_pay").status_code == 404
    client.post("/account/logout")
    login(statement.buyer)
    assert client.post(f"/account/statements/{statement.id}/online/bitcoin").status_code == 404
    assert client.post(f"/account/statements/{statement.id}/online/stripe").status_code == 404
    credit.confirm_paid(statement, statement.shop.members[0].user, "bank_transfer")
    r = client.post(f"/account/statements/{statement.id}/online/wechat_pay",
                    headers={"Referer": f"http://localhost/account/statements/{statement.id}"})
    assert r.status_code == 302
    assert "这张月结单现在无需付款" in client.get(f"/account/statements/{statement.id}").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.statement_id.is_not(None))) == 0
