"""The media store unreachable (a real S3 client against a closed port, as in
tests/marketplace/test_storage_down.py) while a buyer uploads a remittance slip and a merchant's ERP
issues an invoice through the API: 503 in the visitor's language (JSON ``storage_unavailable`` under
/api/), and the payment and the invoice stay exactly as they were."""

from __future__ import annotations

import base64
import io

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.extensions import db
from orders import invoices, services
from payments.models import Payment, PaymentStatus, ShopPaymentSettings
from tests.catalog.catalog_helpers import png_bytes
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def stripe_keys():
    return False


@pytest.fixture
def app_config(app_config, monkeypatch):
    # the test server's credentials: boto3's default session keeps the first it finds for the run
    for name, value in {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    app_config.update(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET="media", MEDIA_S3_ENDPOINT_URL="http://127.0.0.1:9")
    return app_config


def test_a_slip_upload_answers_503_and_the_payment_still_waits(make_group, login, client):
    group = make_group()
    order = group.orders[0]
    db.session.add(ShopPaymentSettings(shop_id=order.shop_id, accepts_bank_transfer=True, bank_name="中国银行商丘分行",
                                       account_name="虞城县钢卷尺厂", account_number="6216600000000002"))
    db.session.commit()
    login(group.buyer)
    client.post(f"/payments/group/{group.id}/offline", data={"method": "bank_transfer", "order_id": order.id})
    payment = db.session.scalar(sa.select(Payment).where(Payment.order_id == order.id))
    for locale, message in (("zh_CN", "文件存储暂时无法连接"), ("en", "The file store cannot be reached")):
        client.post("/language", data={"locale": locale, "next": "/"})
        for name, data in (("回单.png", png_bytes(300, 200)), ("回单.pdf", PDF)):
            response = client.post(f"/payments/{payment.id}/slip", data={"slip": (io.BytesIO(data), name)},
                                   content_type="multipart/form-data")
            assert response.status_code == 503 and message in response.get_data(as_text=True)
            db.session.expire_all()
            assert payment.status == PaymentStatus.PENDING and payment.slip_key is None


def test_an_invoice_issued_through_the_api_answers_json_503_and_stays_requested(app, make_user, make_variant,
                                                                                make_group):
    buyer = make_user()
    variant = make_variant(price=800, stock=100)
    order = make_group(buyer=buyer, items=[(variant, 10)]).orders[0]
    owner = order.shop.members[0].user
    services.mark_paid(order, owner, "cash")
    title = invoices.add_title(buyer, "company", "永城市第一中学食堂", "91411400MA4000001J")
    invoice = invoices.request_invoice(order, buyer, title.id)
    _row, token = accounts.create_token(owner, "ERP", ["merchant"])
    erp = app.test_client()
    body = {"number": "26412000000000000001", "issued_on": "2026-12-01", "pdf_base64": base64.b64encode(PDF).decode()}
    for language, message in (("zh_CN", "文件存储暂时无法连接"), ("en", "The file store cannot be reached")):
        owner.locale = language  # an API client is answered in its user's saved language
        db.session.commit()
        response = erp.post(f"/api/v1/shops/{order.shop_id}/invoices/{invoice.id}/issue", json=body,
                            headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 503 and response.headers["Retry-After"]
        error = response.get_json()["error"]
        assert error["code"] == "storage_unavailable" and message in error["message"]
        db.session.expire_all()
        assert invoice.status.value == "requested" and invoice.pdf_key is None
