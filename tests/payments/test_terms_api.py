"""The merchant API of the trade terms (checked against the OpenAPI document by the suite): weighing a
line, invoice requests and issuing one with a base64 PDF, credit statements and confirming payment."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from marketplace.accounts import services as accounts
from marketplace.db import utcnow
from orders import invoices, services
from payments import credit

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CODE = "91411400MA4000001J"


@pytest.fixture
def stripe_keys():
    return False


@pytest.fixture
def erp(app):
    def make(shop):
        _row, token = accounts.create_token(shop.members[0].user, "ERP", ["merchant"])
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        class Erp:
            base = f"/api/v1/shops/{shop.id}"

            def __getattr__(self, method):
                call = getattr(client, method)
                return lambda path, **kw: call(self.base + path, headers=headers, **kw)

        return Erp()

    return make


def test_weighing_invoice_and_statement_through_the_api(erp, make_user, make_shop, make_variant, make_group):
    buyer = make_user()
    credit.save_profile(buyer, "永城市第一中学食堂", CODE)
    shop = make_shop()
    owner = shop.members[0].user
    credit.grant_credit(shop, owner, CODE, "1000", "15")
    variant = make_variant(shop, unit="公斤", price=800, stock=100)
    group = make_group(buyer=buyer, items=[(variant, 10)])
    order = group.orders[0]
    credit.buy_on_credit(group, buyer)
    services.accept(order, owner)
    api = erp(shop)
    (listed_line,) = api.get(f"/orders/{order.id}").get_json()["lines"]
    assert listed_line["weigh_tolerance_bp"] == 500
    line = order.lines[0]
    assert listed_line["id"] == line.id
    path = f"/orders/{order.id}/lines/{line.id}/weighing"
    assert api.post(path, json={"actual": "8"}).status_code == 422  # outside ±5 %
    assert api.post(path, json={"actual": "-1"}).status_code == 400
    assert api.post(path, json={"actual": 9.8}).status_code == 400  # a string is required
    r = api.post(path, json={"actual": "9.8"})
    assert r.status_code == 200 and r.get_json()["difference_cents"] == -160
    assert r.get_json()["refunded_cents"] == 160  # off the statement
    assert api.post(path, json={"actual": "9.8"}).get_json() == r.get_json()
    assert api.post(path, json={"actual": "9.9"}).status_code == 409
    other = erp(make_shop())
    assert other.post(f"/orders/{order.id}/lines/{line.id}/weighing", json={"actual": "9.8"}).status_code == 404

    title = invoices.add_title(buyer, "company", "永城市第一中学食堂", CODE)
    invoice = invoices.request_invoice(order, buyer, title.id)
    listed = api.get("/invoices?status=requested").get_json()
    assert [i["id"] for i in listed["items"]] == [invoice.id] and listed["items"][0]["amount_cents"] == 7840
    issue = f"/invoices/{invoice.id}/issue"
    body = {"number": "26412000000000000001", "issued_on": "2026-12-01"}
    assert api.post(issue, json={**body, "pdf_base64": base64.b64encode(b"GIF89a not a pdf").decode()}).status_code == 422
    assert api.post(issue, json={**body, "pdf_base64": "%%%not base64%%%"}).status_code == 400
    r = api.post(issue, json={**body, "pdf_base64": base64.b64encode(PDF).decode()})
    assert r.status_code == 200 and r.get_json()["status"] == "issued"
    assert other.post(f"/invoices/{invoice.id}/issue", json={**body, "pdf_base64": "AAAA"}).status_code == 404

    statements = api.get("/statements").get_json()["items"]
    assert statements[0]["status"] == "open" and statements[0]["total_cents"] == 7840
    sid = statements[0]["id"]
    assert api.post(f"/statements/{sid}/paid", json={}).status_code == 409  # still open this month
    credit.issue_and_age(utcnow() + dt.timedelta(days=32))
    r = api.post(f"/statements/{sid}/paid", json={"method": "cash"})
    assert r.status_code == 200 and r.get_json()["status"] == "paid"
    assert api.post(f"/statements/{sid}/paid").get_json()["status"] == "paid"
    assert other.post(f"/statements/{sid}/paid").status_code == 404


def test_an_overage_is_reported_and_its_collection_confirmed(erp, make_variant, make_group):
    import sqlalchemy as sa

    from marketplace.extensions import db
    from payments.models import Payment

    variant = make_variant(unit="斤", price=600, stock=100, direct=False)
    order = make_group(items=[(variant, 20)]).orders[0]
    owner = order.shop.members[0].user
    services.mark_paid(order, owner, "cash")
    services.accept(order, owner)
    http = erp(order.shop)
    body = http.post(f"/orders/{order.id}/lines/{order.lines[0].id}/weighing", json={"actual": "20.6"}).get_json()
    assert (body["charged_cents"], body["charge_via"], body["charge_settled"]) == (360, "collect", False)
    assert http.get(f"/orders/{order.id}/payment").get_json()["weighed_owed_cents"] == 360
    assert http.post(f"/orders/{order.id}/payment/weighed-charge").get_json()["weighed_owed_cents"] == 0
    assert http.post(f"/orders/{order.id}/payment/weighed-charge").status_code == 200  # a repeat: no change
    assert db.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.amount_cents == 360)) == 1
