"""Credit terms (账期 / 月结): a verified business buyer, a limit and a term granted by the shop,
orders on credit without payment, the monthly statement (open -> issued -> overdue / paid) made by
the periodic job, paid by transfer and confirmed by the merchant; the ledger stays balanced."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.jobs import get_job
from orders.models import OrderStatus
from orders.terms_models import CreditCharge, Statement, StatementStatus
from payments import credit, ledger
from payments.errors import PaymentError
from payments.models import LedgerEntry, Payment, PaymentStatus

CODE = "91411400MA4000001J"


@pytest.fixture
def stripe_keys():
    return False


@pytest.fixture
def restaurant(make_user, make_shop):
    """(buyer with a business profile, shop, owner) with credit of ¥50.00 for 30 days."""
    buyer = make_user(name="老街饭店")
    credit.save_profile(buyer, "商丘市梁园区老街饭店有限公司", CODE.lower())
    shop = make_shop(name="睢阳区蔬菜批发")
    owner = shop.members[0].user
    credit.grant_credit(shop, owner, CODE, "50", "30")
    return buyer, shop, owner


def test_profile_and_grant_refuse_bad_input(make_user, make_shop):
    buyer = make_user()
    shop = make_shop()
    with pytest.raises(PaymentError):
        credit.save_profile(buyer, "某公司", "91411400MA4000001K")  # wrong check character
    with pytest.raises(PaymentError):
        credit.save_profile(buyer, "", CODE)
    credit.save_profile(buyer, "某公司", CODE)
    owner = shop.members[0].user
    for tax_id, limit, days in ((CODE, "-5", "30"), (CODE, "abc", "30"), (CODE, "1e99", "30"),
                                (CODE, "100", "-1"), (CODE, "100", "9999"), ("91350100M000100Y43", "100", "30")):
        with pytest.raises(PaymentError):
            credit.grant_credit(shop, owner, tax_id, limit, days)
    assert credit.lines_of_shop(shop.id) == []


def test_credit_order_statement_job_overdue_and_payment(restaurant, make_group, make_variant):
    buyer, shop, owner = restaurant
    variant = make_variant(shop, price=1000, stock=50)
    group = make_group(buyer=buyer, items=[(variant, 2)])
    order = group.orders[0]
    credit.buy_on_credit(group, buyer)
    db.session.expire_all()
    assert order.status == OrderStatus.PAID
    statement = db.session.scalar(sa.select(Statement))
    assert statement.status == StatementStatus.OPEN and statement.total_cents == 2000
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0
    with pytest.raises(PaymentError) as exc:  # a double submit: nothing more is put on credit
        credit.buy_on_credit(group, buyer)
    assert exc.value.code == "no_credit"
    assert db.session.scalar(sa.select(sa.func.count(CreditCharge.id))) == 1

    # Over the limit: ¥20 used of ¥50, another ¥40 is refused and the order stays unpaid.
    big = make_group(buyer=buyer, items=[(variant, 4)])
    with pytest.raises(PaymentError) as exc:
        credit.buy_on_credit(big, buyer)
    assert exc.value.code == "over_limit"
    db.session.expire_all()
    assert big.orders[0].status == OrderStatus.PENDING_PAYMENT

    # The job in the next month issues the statement; after the term it is overdue.
    next_month = utcnow() + dt.timedelta(days=32)
    assert credit.issue_and_age(next_month) == {"issued": 1, "overdue": 0}
    assert credit.issue_and_age(next_month) == {"issued": 0, "overdue": 0}  # idempotent
    db.session.expire_all()
    assert statement.status == StatementStatus.ISSUED and statement.due_on is not None
    assert credit.issue_and_age(next_month + dt.timedelta(days=31)) == {"issued": 0, "overdue": 1}
    from marketplace.mail.models import OutboxMessage

    subjects = list(db.session.scalars(sa.select(OutboxMessage.subject).where(
        OutboxMessage.template == "statement_issued", OutboxMessage.to_addr == buyer.email).order_by(OutboxMessage.id)))
    assert subjects == [f"月结单 {statement.period} 已出具", f"月结单 {statement.period} 已逾期"]
    small = make_group(buyer=buyer, items=[(variant, 1)])
    with pytest.raises(PaymentError) as exc:
        credit.buy_on_credit(small, buyer)
    assert exc.value.code == "statement_overdue"

    # Paid by transfer, confirmed by the merchant: the order is booked as an offline payment.
    credit.confirm_paid(statement, owner, "bank_transfer")
    credit.confirm_paid(statement, owner, "bank_transfer")  # a double submit
    db.session.expire_all()
    assert statement.status == StatementStatus.PAID
    payment = db.session.scalar(sa.select(Payment))
    assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_cents == 2000
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1
    assert ledger.shop_balance(shop.id) == -ledger.commission_for(order)
    assert credit.outstanding_cents(credit.credit_line(shop.id, buyer.id)) == 0
    credit.buy_on_credit(small, buyer)  # nothing overdue any more
    assert get_job("payments.statements").every is not None


def test_weighed_shortfall_on_credit_lowers_the_statement(restaurant, make_group, make_variant):
    from orders import services, weighing

    buyer, shop, owner = restaurant
    variant = make_variant(shop, unit="kg", price=1000, stock=50)
    group = make_group(buyer=buyer, items=[(variant, 4)])
    credit.buy_on_credit(group, buyer)
    order = group.orders[0]
    services.accept(order, owner)
    row = weighing.record_weight(order, order.lines[0].id, "3.8", owner)
    assert row.refunded_cents == 200
    statement = db.session.scalar(sa.select(Statement))
    assert statement.total_cents == 3800
    credit.issue_and_age(utcnow() + dt.timedelta(days=32))
    db.session.expire_all()
    credit.confirm_paid(statement, owner)
    db.session.expire_all()
    assert ledger.payable_for_order(order.id) == -(ledger.commission_booked(order.id)[0]
                                                   - ledger.commission_booked(order.id)[1])


def test_pages_pay_on_credit_and_foreign_statements(restaurant, make_group, make_variant, login, client, make_user,
                                                    make_shop):
    buyer, shop, owner = restaurant
    variant = make_variant(shop, price=1000, stock=50)
    group = make_group(buyer=buyer, items=[(variant, 2)])
    login(buyer)
    page = client.get(f"/payments/group/{group.id}").get_data(as_text=True)
    assert 'id="buy-on-credit"' in page
    assert client.post(f"/payments/group/{group.id}/credit").status_code == 302
    statement = db.session.scalar(sa.select(Statement))
    assert client.get(f"/account/statements/{statement.id}").status_code == 200
    client.post("/account/logout")
    login(make_user())
    assert client.get(f"/account/statements/{statement.id}").status_code == 404
    assert client.post(f"/payments/group/{group.id}/credit").status_code == 404
    client.post("/account/logout")
    login(make_shop().members[0].user)
    assert client.get(f"/merchant/statements/{statement.id}").status_code == 404
    assert client.post(f"/merchant/statements/{statement.id}/paid").status_code == 404
    client.post("/account/logout")
    login(owner)
    html = client.get("/merchant/credit").get_data(as_text=True)
    assert "商丘市梁园区老街饭店有限公司" in html and statement.period in html


def test_privacy_export_and_an_unpaid_statement_holds_the_deletion(restaurant, make_group, make_variant):
    from marketplace.privacy.erasure import deletion_blocks
    from orders.terms_privacy import export_terms

    buyer, shop, owner = restaurant
    assert deletion_blocks(buyer) == []
    group = make_group(buyer=buyer, items=[(make_variant(shop, price=1000), 1)])
    credit.buy_on_credit(group, buyer)
    data = export_terms(buyer, 100)
    assert data["business_profile"]["tax_id"] == CODE and data["statements"][0]["total_cents"] == 1000
    assert any("月结单" in reason for reason in deletion_blocks(buyer))


def test_statement_mail_in_english(make_user, make_shop, make_group, make_variant):
    from marketplace.mail.models import OutboxMessage

    buyer = make_user(locale="en")
    credit.save_profile(buyer, "夏邑县实验小学食堂", CODE)
    shop = make_shop()
    credit.grant_credit(shop, shop.members[0].user, CODE, "500", "10")
    credit.buy_on_credit(make_group(buyer=buyer, items=[(make_variant(shop, price=1000), 3)]), buyer)
    credit.issue_and_age(utcnow() + dt.timedelta(days=32))
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.template == "statement_issued"))
    assert mail.subject.startswith("Statement ") and "has been issued" in mail.subject
    assert "¥30.00" in mail.body_text and "due by" in mail.body_text
