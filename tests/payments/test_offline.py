"""Offline methods with no Stripe keys: bank transfer with the shop's account and a reference code,
pay at pickup / on delivery, the merchant confirms receipt, refunds recorded, the ledger balanced."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from orders.models import OrderStatus
from payments import ledger
from payments.models import Account, LedgerEntry, Payment, PaymentMethod, PaymentStatus, ShopPaymentSettings


@pytest.fixture
def stripe_keys():
    return False


def _bank(shop, accepts=True):
    db.session.add(ShopPaymentSettings(shop_id=shop.id, accepts_bank_transfer=accepts, accepts_cash=True,
                                       bank_name="中国农业银行柘城支行", account_name="柘城辣椒合作社",
                                       account_number="6228480000000001"))
    db.session.commit()


def test_pay_page_says_stripe_is_off_and_offers_cash(make_group, login, client):
    group = make_group()
    login(group.buyer)
    html = client.get(f"/payments/group/{group.id}").get_data(as_text=True)
    assert 'id="stripe-off"' in html and 'id="pay-card"' not in html
    assert 'value="cash"' in html and 'value="bank_transfer"' not in html  # no shop has an account
    assert client.get(f"/payments/group/{group.id}/card").status_code == 302  # card page refuses: off


def test_bank_transfer_shows_account_and_reference_then_merchant_confirms(make_group, login, client, make_user):
    group = make_group()
    for order in group.orders:
        _bank(order.shop)
    buyer = group.buyer
    login(buyer)
    old_expiry = group.orders[0].expires_at
    r = client.post(f"/payments/group/{group.id}/offline", data={"method": "bank_transfer"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/payments/group/{group.id}/offline")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    payments = list(db.session.scalars(sa.select(Payment).where(Payment.group_id == group.id)))
    assert len(payments) == 2 and all(p.method == PaymentMethod.BANK_TRANSFER for p in payments)
    for p in payments:
        assert p.reference_code and p.reference_code in html
    assert "6228480000000001" in html
    db.session.expire_all()
    assert group.orders[0].expires_at > old_expiry  # held for the transfer
    # A double submit makes no second set of payments.
    client.post(f"/payments/group/{group.id}/offline", data={"method": "bank_transfer"})
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 2

    # The merchant of the first shop confirms receipt through the orders page.
    order = group.orders[0]
    owner = order.shop.members[0].user
    client.post("/account/logout")
    login(owner)
    assert client.post(f"/merchant/orders/{order.id}/paid").status_code == 302
    db.session.expire_all()
    assert order.status == OrderStatus.PAID and group.orders[1].status == OrderStatus.PENDING_PAYMENT
    paid = db.session.scalar(sa.select(Payment).where(Payment.order_id == order.id))
    assert paid.status == PaymentStatus.SUCCEEDED and paid.method == PaymentMethod.BANK_TRANSFER
    commission = ledger.commission_for(order)
    assert commission == 100  # 5 % of 20.00
    # The shop kept the money: it owes the platform the commission.
    assert ledger.shop_balance(order.shop_id) == -commission
    # The other shop's order is not the merchant's to confirm.
    assert client.post(f"/merchant/orders/{group.orders[1].id}/paid").status_code == 404


def test_bank_transfer_refused_when_a_shop_has_no_account(make_group, login, client):
    group = make_group()
    _bank(group.orders[0].shop)
    login(group.buyer)
    client.post(f"/payments/group/{group.id}/offline", data={"method": "bank_transfer"})
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0
    for bad in ("stripe", "bitcoin", ""):
        client.post(f"/payments/group/{group.id}/offline", data={"method": bad})
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0


def test_cash_then_confirm_then_refund_by_line_with_restock(make_group, make_variant, login, client):
    variant = make_variant(price=1500, stock=10)
    group = make_group(items=[(variant, 4)])
    login(group.buyer)
    client.post(f"/payments/group/{group.id}/offline", data={"method": "cash"})
    order = group.orders[0]
    from orders import services as orders

    orders.mark_paid(order, order.shop.members[0].user, "现金")
    client.post("/account/logout")
    login(order.shop.members[0].user)
    line = order.lines[0]
    # Above what was paid: refused, nothing changes.
    r = client.post(f"/merchant/orders/{order.id}/refund", data={"amount": "60.01", "reason": "太多"})
    assert r.status_code == 200 and "不能超过" in r.get_data(as_text=True)
    r = client.post(f"/merchant/orders/{order.id}/refund", data={f"qty-{line.id}": "5"})
    assert "最多可退" in r.get_data(as_text=True)
    r = client.post(f"/merchant/orders/{order.id}/refund",
                    data={f"qty-{line.id}": "1", "reason": "破损", "restock": "y", "idempotency_key": "k-refund-1"})
    assert r.status_code == 302
    client.post(f"/merchant/orders/{order.id}/refund",
                data={f"qty-{line.id}": "1", "reason": "破损", "restock": "y", "idempotency_key": "k-refund-1"})
    db.session.expire_all()
    assert variant.stock == 10 - 4 + 1  # one unit back, once
    from payments.refunds import refundable_cents

    assert refundable_cents(order) == 4500
    # Commission on the refunded part is given back to the shop.
    commission = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_cents))
                                   .where(LedgerEntry.account == Account.COMMISSION))
    assert -commission == 300 - 75
    assert ledger.shop_balance(order.shop_id) == -(300 - 75)
    page = client.get("/merchant/payments").get_data(as_text=True)
    assert order.number in page
    csv_text = client.get("/merchant/payments/statement.csv").get_data(as_text=True)
    assert order.number in csv_text


def test_foreign_group_is_404(make_group, make_user, login, client):
    group = make_group()
    login(make_user())
    assert client.get(f"/payments/group/{group.id}").status_code == 404
    assert client.post(f"/payments/group/{group.id}/offline", data={"method": "cash"}).status_code == 404


def test_webhook_is_off_without_keys(client):
    assert client.post("/payments/stripe/webhook", data="{}").status_code == 404


def test_statement_csv_neutralises_formulas_and_shows_status_words(make_group, login, client):
    import csv
    import io

    from orders import services as orders
    from orders.models import Order

    group = make_group()
    order = group.orders[0]
    owner = order.shop.members[0].user
    orders.mark_paid(order, owner, "现金")
    formula = '=HYPERLINK("e.cn","点")'  # order numbers hold 24 characters
    db.session.execute(sa.update(Order).where(Order.id == order.id).values(number=formula))
    db.session.commit()
    login(owner)
    r = client.get("/merchant/payments/statement.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    header, *rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert header[0] == "订单号" and len(rows) == 1
    row = rows[0]
    assert row[0] == "'" + formula  # a spreadsheet shows it as text, never runs it
    assert row[1] == "已付款"  # the status in words, not "paid"
    assert row[-1] == "-1.00"  # the shop owes the 5 % commission on 20.00: an amount is a number, not text


def test_partial_refunds_give_the_commission_back_in_proportion_and_exactly(make_group, make_variant):
    from orders import services as orders
    from payments import refunds
    from payments.models import Refund

    group = make_group(items=[(make_variant(price=333), 3)])  # 9.99; 5 % commission = 0.4995 -> 0.50
    order = group.orders[0]
    orders.mark_paid(order, order.shop.members[0].user, "现金")
    assert ledger.commission_for(order) == 50
    line = order.lines[0]
    for n in range(3):
        refunds.refund_order(order, None, lines={str(line.id): 1}, idempotency_key=f"odd-{n}")
    given_back = [r.commission_cents for r in db.session.scalars(sa.select(Refund).order_by(Refund.id))]
    assert given_back == [17, 17, 16]  # 16.67 rounds to 17 twice; the last one takes the rest
    assert ledger.commission_booked(order.id) == (50, 50)
