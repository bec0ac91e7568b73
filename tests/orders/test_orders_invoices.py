"""Invoices (发票): titles with a validated 统一社会信用代码, a request on a paid order, the merchant's
e-invoice PDF (judged by content, size-capped, private), its download by the buyer and shop only."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace import uscc
from marketplace.extensions import db
from orders import services
from orders.terms_models import Invoice, InvoiceStatus, InvoiceTitle

GOOD_CODE = "91411400MA4000001J"
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >>"
       b" endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def test_uscc_check_character():
    assert uscc.normalise("91350100M000100Y43") == "91350100M000100Y43"
    assert uscc.normalise(" 91411400ma4000001j ") == GOOD_CODE
    for bad in ("91411400MA4000001K", "91411400MA400000", "91411400MA4000001IJ", "91411400MI4000001J", None, 12):
        assert uscc.normalise(bad) is None


@pytest.fixture
def paid_order(placed_order):
    buyer, order, _variant = placed_order()
    owner = order.shop.members[0].user
    services.mark_paid(order, owner, "cash")
    return buyer, order, owner


def _title(client, kind="company", name="商丘市梁园区老街饭店有限公司", tax_id=GOOD_CODE):
    return client.post("/account/invoice-titles", data={"kind": kind, "name": name, "tax_id": tax_id},
                       headers={"Referer": "http://localhost/account/invoice-titles"})


def test_title_with_a_wrong_check_digit_is_refused(paid_order, login, client):
    buyer, _order, _owner = paid_order
    login(buyer)
    r = _title(client, tax_id="91411400MA4000001K")
    assert r.status_code == 303
    assert "统一社会信用代码不正确" in client.get("/account/invoice-titles").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(InvoiceTitle.id))) == 0
    _title(client, kind="personal", name="张三", tax_id="")
    _title(client)
    assert [t.tax_id for t in db.session.scalars(sa.select(InvoiceTitle).order_by(InvoiceTitle.id))] == ["", GOOD_CODE]


def _request(client, order, title_id):
    return client.post(f"/orders/{order.id}/invoice", data={"title_id": title_id},
                       headers={"Referer": f"http://localhost/orders/{order.id}"})


def _issue(client, order, data=PDF, number="26412000000012345678", day="2026-12-01", name="inv.pdf"):
    return client.post(f"/merchant/orders/{order.id}/invoice",
                       data={"number": number, "issued_on": day, "pdf": (io.BytesIO(data), name)},
                       content_type="multipart/form-data",
                       headers={"Referer": f"http://localhost/merchant/orders/{order.id}"})


def test_request_issue_download_and_the_refusals(paid_order, placed_order, login, client, make_user, app):
    buyer, order, owner = paid_order
    login(buyer)
    _title(client)
    title = db.session.scalar(sa.select(InvoiceTitle))
    # An unpaid order of his own cannot be invoiced yet; someone else's order is a 404.
    other_buyer, unpaid, _v = placed_order()
    assert _request(client, unpaid, title.id).status_code == 404
    assert _request(client, order, title.id).status_code == 302
    assert _request(client, order, title.id).status_code == 302  # a double submit: one request
    invoice = db.session.scalar(sa.select(Invoice))
    assert db.session.scalar(sa.select(sa.func.count(Invoice.id))) == 1
    assert (invoice.title_name, invoice.tax_id, invoice.amount_cents) == (title.name, GOOD_CODE, order.total_cents)
    assert invoice.status == InvoiceStatus.REQUESTED
    client.post("/account/logout")

    login(owner)
    page = client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert 'id="issue-invoice"' in page
    app.config["INVOICE_PDF_MAX_BYTES"] = 4096
    for data, name in ((b"\x89PNG\r\n\x1a\n" + b"0" * 100, "x.pdf"), (b"<html>%PDF-1.4</html>", "x.pdf"),
                       (PDF.replace(b"/Count 0", b"/Count 0 /OpenAction << /JS (app.alert(1)) >>"), "x.pdf"),
                       (b"%PDF-1.4\n" + b"0" * 5000 + b"\n%%EOF", "big.pdf"), (b"%PDF-1.4 truncated", "x.pdf")):
        assert _issue(client, order, data, name=name).status_code == 303
        db.session.expire_all()
        assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.REQUESTED
    for number, day in (("", "2026-12-01"), ("No.12<3>", "2026-12-01"), ("2641200000", "someday"),
                        ("2641200000", "2999-01-01")):
        assert _issue(client, order, number=number, day=day).status_code == 303
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.REQUESTED
    assert _issue(client, order).status_code == 302
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number == "26412000000012345678"
    assert invoice.pdf_key.startswith("private/")
    from marketplace.mail.models import OutboxMessage

    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.template == "invoice_issued"))
    assert mail.to_addr == buyer.email and "26412000000012345678" in mail.body_text
    r = client.get(f"/invoices/{invoice.id}.pdf")
    assert r.status_code == 200 and r.data == PDF and r.headers["X-Content-Type-Options"] == "nosniff"
    # Another shop's order: 404 for issuing.
    assert _issue(client, unpaid).status_code == 404
    client.post("/account/logout")

    login(buyer)
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'id="invoice-download"' in html and "26412000000012345678" in html
    r = client.get(f"/invoices/{invoice.id}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and "attachment" in r.headers["Content-Disposition"]
    client.post("/account/logout")
    login(other_buyer)
    assert client.get(f"/invoices/{invoice.id}.pdf").status_code == 404
    assert client.get("/invoices/999999.pdf").status_code == 404
