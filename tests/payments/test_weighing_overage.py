"""多退少补, the 少补 half: an overage within the tolerance is charged when the order's terms say so
(the shop's choice when the buyer ordered): collected at handover on a paid order (one payment, one
booking however often it is confirmed), added to what is collected for an order paid at handover, or
to the credit statement. The ledger balances (the suite's fixture checks every test)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from orders import services, weighing
from orders.terms_models import LineWeighing, Statement
from payments import credit, ledger, offline, weighed
from payments.errors import PaymentError
from payments.models import LedgerEntry, Payment, PaymentStatus
from payments.services import choose_offline

CODE = "91411400MA4000001J"


@pytest.fixture
def stripe_keys():
    return False


def _jin(make_variant, shop=None):
    return make_variant(shop, unit="斤", price=600, stock=100, direct=False)


def _charges(order_id):
    return db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.order_id == order_id,
                                                          LedgerEntry.kind == "weighed_charge")).all()


def test_paid_order_overage_is_collected_once_and_booked_with_its_commission(make_variant, make_group, login,
                                                                             client, make_user, make_shop):
    group = make_group(items=[(_jin(make_variant), 20)])  # 20 斤 at ¥6.00
    order = group.orders[0]
    owner = order.shop.members[0].user
    services.mark_paid(order, owner, "cash")
    services.accept(order, owner)
    weighing.record_weight(order, order.lines[0].id, "20.6", owner)  # ¥3.60 more
    assert weighed.owed(order)[0] == 360

    login(owner)
    page = client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert "称重多出部分待补款" in page and 'id="collect-weighed"' in page and "补收 ¥3.60" in page
    for _ in range(2):  # a double click: one payment
        assert client.post(f"/merchant/orders/{order.id}/payment/weighed-charge").status_code == 302
    db.session.expire_all()
    extra = db.session.scalars(sa.select(Payment).where(Payment.order_id == order.id,
                                                        Payment.amount_cents == 360)).all()
    assert len(extra) == 1 and extra[0].status == PaymentStatus.SUCCEEDED
    assert ledger.payment_of(order).amount_cents == order.total_cents  # the order's own payment stays the one
    assert weighed.owed(order)[0] == 0
    assert db.session.scalar(sa.select(LineWeighing.charge_settled_at)) is not None
    postings = _charges(order.id)
    commission = -sum(e.amount_cents for e in postings if e.account.value == "commission")
    assert commission == round(ledger.commission_for(order) * 360 / order.total_cents)
    html = client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert 'id="collect-weighed"' not in html and "补收 ¥3.60 · 已付" in html
    client.post("/account/logout")
    login(make_shop().members[0].user)  # another shop's merchant: someone else's order is a 404
    assert client.post(f"/merchant/orders/{order.id}/payment/weighed-charge").status_code == 404
    client.post("/account/logout")

    buyer = order.buyer
    buyer.locale = "en"
    db.session.commit()
    login(buyer)
    english = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "charged CN¥3.60 · paid" in english


def test_two_clerks_confirming_at_once_book_one_payment(make_variant, make_group, app):
    group = make_group(items=[(_jin(make_variant), 20)])
    order = group.orders[0]
    owner = order.shop.members[0].user
    services.mark_paid(order, owner, "cash")
    services.accept(order, owner)
    weighing.record_weight(order, order.lines[0].id, "20.8", owner)
    order_id, owner_id = order.id, owner.id
    db.session.remove()
    errors = []

    def confirm():
        with app.app_context():
            try:
                from marketplace.accounts.models import User
                from orders.models import Order

                weighed.collect(db.session.get(Order, order_id), db.session.get(User, owner_id))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert db.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.order_id == order_id,
                                                                          Payment.amount_cents == 480)) == 1
    assert len({e.txn for e in _charges(order_id)}) == 1


def test_overage_at_handover_is_collected_with_the_order(make_variant, make_group):
    group = make_group(items=[(_jin(make_variant), 20)])
    order = group.orders[0]
    choose_offline(group, "cash")
    owner = order.shop.members[0].user
    services.accept(order, owner)
    weighing.record_weight(order, order.lines[0].id, "20.6", owner)
    due = offline.handover_payment(order)
    assert due.amount_cents == 12_360 and weighed.owed(order)[0] == 0  # nothing to collect on its own
    offline.confirm_received(order, owner)
    db.session.expire_all()
    (payment,) = db.session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).all()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_cents == 12_360
    assert sum(e.amount_cents for e in _charges(order.id) if e.account.value == "merchant_cash") == 360
    assert db.session.scalar(sa.select(LineWeighing.charge_settled_at)) is not None


def _credit_order(make_user, make_shop, make_variant, make_group):
    """A restaurant's accepted credit order of 20 斤 at ¥6.00 (limit ¥500, 30 days): (order, owner)."""
    buyer = make_user(name="老街饭店")
    credit.save_profile(buyer, "商丘市梁园区老街饭店有限公司", CODE)
    shop = make_shop(name="睢阳区蔬菜批发")
    owner = shop.members[0].user
    credit.grant_credit(shop, owner, CODE, "500", "30")
    group = make_group(buyer=buyer, items=[(_jin(make_variant, shop), 20)])
    credit.buy_on_credit(group, buyer)
    order = group.orders[0]
    services.accept(order, owner)
    return order, owner


def test_overage_on_credit_goes_onto_the_statement(make_user, make_shop, make_variant, make_group):
    order, owner = _credit_order(make_user, make_shop, make_variant, make_group)
    row = weighing.record_weight(order, order.lines[0].id, "21", owner)  # 1 斤 over: ¥6.00
    assert (row.charged_cents, row.charge_via) == (600, "credit")
    statement = db.session.scalar(sa.select(Statement))
    assert statement.total_cents == 12_600
    credit.issue_and_age(utcnow() + dt.timedelta(days=32))
    credit.confirm_paid(statement, owner)
    db.session.expire_all()
    (payment,) = db.session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).all()
    assert payment.amount_cents == 12_600
    assert sum(e.amount_cents for e in _charges(order.id) if e.account.value == "merchant_cash") == 600
    assert db.session.scalar(sa.select(LineWeighing.charge_settled_at)) is not None


def test_a_cancelled_credit_order_owes_nothing_not_even_its_overage(make_user, make_shop, make_variant, make_group):
    order, owner = _credit_order(make_user, make_shop, make_variant, make_group)
    weighing.record_weight(order, order.lines[0].id, "21", owner)
    services.cancel_by_merchant(order, owner, "买家不要了")
    db.session.expire_all()
    assert db.session.scalar(sa.select(Statement.total_cents)) == 0
    with pytest.raises(PaymentError) as exc:
        weighed.collect(order, owner)
    assert exc.value.code == "nothing_owed"


def test_shop_that_does_not_charge_and_orders_keep_the_terms_they_were_placed_on(make_variant, make_group,
                                                                                 login, client):
    variant = _jin(make_variant)
    shop = variant.product.shop
    before = make_group(items=[(variant, 20)]).orders[0]  # placed while the shop charges an overage
    weighing.save_tolerance(shop, "5", charge_over=False)
    after = make_group(items=[(variant, 20)]).orders[0]
    assert (before.lines[0].weigh_charges_over, after.lines[0].weigh_charges_over) == (True, False)
    owner = shop.members[0].user
    for order in (before, after):
        services.mark_paid(order, owner, "cash")
        services.accept(order, owner)
        weighing.record_weight(order, order.lines[0].id, "20.6", owner)
    assert weighed.owed(before)[0] == 360 and weighed.owed(after)[0] == 0
    login(owner)
    assert "多 0.6 斤，不另收费" in client.get(f"/merchant/orders/{after.id}").get_data(as_text=True)
    page = client.get("/merchant/terms").get_data(as_text=True)
    assert 'id="charge-over"' in page and 'id="charge-over" name="charge_over" value="1" checked' not in page
    client.post("/merchant/terms", data={"tolerance": "5", "charge_over": "1"})
    assert weighing.shop_terms(shop.id).charge_over is True


def test_checkout_says_whether_an_overage_is_charged(make_variant, make_user, login, client):
    from orders.models import Cart, CartLine

    variant = _jin(make_variant)
    buyer = make_user()
    db.session.add(Cart(user_id=buyer.id, lines=[CartLine(variant_id=variant.id, quantity=20, price_seen_cents=600)]))
    db.session.commit()
    login(buyer)
    assert "多出部分按实重补款" in client.get("/checkout").get_data(as_text=True)
    weighing.save_tolerance(variant.product.shop, "5", charge_over=False)
    assert "多出部分不另收费" in client.get("/checkout").get_data(as_text=True)
