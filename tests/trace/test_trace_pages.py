"""The certificate and its label, the public trace page, the shop's batch pages (a foreign id is a
404), the publish guard, and the new-batch form with a report upload."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from catalog.models import ProductStatus
from catalog.services import publish
from catalog.services.errors import CatalogError
from marketplace.extensions import db
from trace.certificates import COMMITMENTS, issue_certificate, qr_png, trace_url
from trace.errors import TraceError
from trace.models import Batch, BatchStatus, Certificate
from trace.status import BATCH_MACHINE


def _certified(traced_variant, record, shop=None, **kw):
    variant = traced_variant(shop)
    batch = record(variant, 500, tests=[{"kind": "self", "result": "农药残留速测 合格", "passed": "1",
                                         "tested_on": "2026-09-19", "tester": "合作社检测室", "report": None}], **kw)
    issue_certificate(batch, variant.product.shop.members[0].user)
    return batch


def test_the_certificate_has_every_field_the_rules_require(traced_variant, record, make_shop):
    shop = make_shop(name="宁陵县石桥镇酥梨专业合作社", phone="0370-7123456")
    batch = _certified(traced_variant, record, shop)
    cert = batch.certificate
    assert cert.product_name.startswith("宁陵酥梨")
    assert cert.quantity_text == "500 公斤"
    assert cert.issuer_name == "宁陵县石桥镇酥梨专业合作社"
    assert "宁陵县" in cert.origin and "3 号园" in cert.origin
    assert cert.contact == "0370-7123456"
    assert cert.issued_on is not None
    assert set(cert.commitments) == set(COMMITMENTS)
    assert "农药残留速测 合格" in cert.test_summary
    with pytest.raises(TraceError) as err:  # 一批一证
        issue_certificate(batch, shop.members[0].user)
    assert err.value.status == 409


def test_a_certificate_needs_every_commitment(traced_variant, record):
    variant = traced_variant()
    batch = record(variant, 5)
    with pytest.raises(TraceError) as err:
        issue_certificate(batch, None, {"commitments": ["no_banned"]})
    assert "commitments" in err.value.errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_the_label_prints_the_certificate_and_its_qr_code(client, login, traced_variant, record, make_shop):
    import zxingcpp
    from PIL import Image

    shop = make_shop(name="宁陵县石桥镇酥梨专业合作社")
    batch = _certified(traced_variant, record, shop)
    login(shop.members[0].user)
    page = client.get(f"/merchant/trace/{batch.id}/label").get_data(as_text=True)
    cert = batch.certificate
    assert "承诺达标合格证" in page
    for value in (cert.product_name, cert.quantity_text, cert.issuer_name, cert.origin, cert.contact,
                  cert.issued_on.isoformat(), batch.code, "不使用禁用农药兽药"):
        assert value in page, value
    assert "<svg" in page and "trace-label.css" in page
    url = trace_url(batch)
    assert url == f"http://localhost/trace/{batch.code}"
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(url))))]
    assert decoded == [url]


def test_the_public_trace_page_shows_the_certificate_tests_and_recall(client, traced_variant, record):
    batch = _certified(traced_variant, record)
    page = client.get(f"/trace/{batch.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "承诺达标合格证" in html and batch.certificate.issuer_name in html
    assert "农药残留速测 合格" in html and "合作社检测室" in html
    assert "recalled" not in html
    BATCH_MACHINE.move(batch, BatchStatus.RECALLED, note="抽检不合格")
    db.session.commit()
    assert 'id="recalled"' in client.get(f"/trace/{batch.code}").get_data(as_text=True)


@pytest.mark.parametrize("code", ["NLSL-20260920-00000X-9999", "nothing", "../etc", "A" * 80])
def test_an_unknown_code_is_a_404(client, code, app):
    assert client.get(f"/trace/{code}").status_code == 404


def test_an_uncertified_batch_is_not_published(client, traced_variant, record):
    batch = record(traced_variant(), 5)
    assert client.get(f"/trace/{batch.code}").status_code == 404


def test_a_suspended_shops_batch_is_not_published(client, traced_variant, record):
    from marketplace.shops.models import ShopStatus

    batch = _certified(traced_variant, record)
    batch.shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    assert client.get(f"/trace/{batch.code}").status_code == 404


def test_another_shops_batch_is_a_404(client, login, traced_variant, record, make_shop):
    batch = _certified(traced_variant, record)
    stranger = make_shop()
    login(stranger.members[0].user)
    for path in (f"/merchant/trace/{batch.id}", f"/merchant/trace/{batch.id}/label",
                 f"/merchant/trace/{batch.id}/tests/{batch.tests[0].id}/report"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/merchant/trace/{batch.id}/certificate").status_code == 404
    assert client.post(f"/merchant/trace/{batch.id}/write-off", data={"quantity": "1", "reason": "x"}).status_code == 404
    assert batch.code not in client.get("/merchant/trace").get_data(as_text=True)


def test_a_buyer_without_a_shop_cannot_reach_the_merchant_pages(client, login, make_user):
    login(make_user())
    response = client.get("/merchant/trace")
    assert response.status_code in (302, 403, 404)


def test_publishing_waits_for_a_certified_batch_with_stock(traced_variant, record):
    variant = traced_variant()
    product, actor = variant.product, variant.product.shop.members[0].user
    with pytest.raises(CatalogError, match="承诺达标合格证"):
        publish(product, actor)
    batch = record(variant, 10)
    db.session.rollback()
    with pytest.raises(CatalogError, match="承诺达标合格证"):  # a batch, but no certificate yet
        publish(product, actor)
    db.session.rollback()
    issue_certificate(batch, actor)
    publish(product, actor)
    db.session.commit()
    assert product.status == ProductStatus.PUBLISHED


def test_the_guard_speaks_the_users_language(app, traced_variant):
    from flask_babel import force_locale

    variant = traced_variant()
    with force_locale("en"), pytest.raises(CatalogError) as err:
        publish(variant.product, variant.product.shop.members[0].user)
    assert "certificate" in err.value.message.lower()


def _form(variant, origin, **extra) -> dict:
    from marketplace.regions.services import ancestors

    chain = [str(r.id) for r in ancestors(origin) if r.level.value != "country"]
    return {"variant": str(variant.id), "produced_on": "2026-09-18", "shelf_life_days": "60", "quantity": "300",
            "region": chain, "plot": "北坡 3 号园", "input-1-name": "有机肥", "input-1-used_on": "2026-06-01",
            "input-1-safe_interval_days": "0", "certify": "1", "contact": "13900000000",
            "commitment": list(COMMITMENTS), **extra}


def test_the_form_records_a_batch_with_a_report_and_its_certificate(client, login, traced_variant, origin):
    from tests.trace.test_trace_batches import _png

    variant = traced_variant()
    login(variant.product.shop.members[0].user)
    data = _form(variant, origin, **{"test-1-kind": "commissioned", "test-1-result": "62 项农残 未检出",
                                     "test-1-tested_on": "2026-09-17", "test-1-tester": "商丘市检测中心",
                                     "test-1-report": (io.BytesIO(_png()), "report.png")})
    response = client.post("/merchant/trace/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    batch = db.session.scalar(sa.select(Batch))
    assert batch.region_id == origin.id and batch.certificate.contact == "13900000000"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert batch.code in detail and "打印合格证" in detail
    report = client.get(f"/merchant/trace/{batch.id}/tests/{batch.tests[0].id}/report")
    assert report.status_code == 200 and report.headers["X-Content-Type-Options"] == "nosniff"
    public = client.get(f"/trace/{batch.code}").get_data(as_text=True)
    assert "62 项农残 未检出" in public and "/report" not in public


def test_the_form_refuses_a_report_that_is_not_an_image_or_pdf(client, login, traced_variant, origin):
    variant = traced_variant()
    login(variant.product.shop.members[0].user)
    data = _form(variant, origin, **{"test-1-kind": "self", "test-1-result": "合格", "test-1-tested_on": "2026-09-17",
                                     "test-1-tester": "本社", "test-1-report": (io.BytesIO(b"MZ\x90\x00exe"), "r.pdf")})
    response = client.post("/merchant/trace/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert re.search(r"r\.pdf：", response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Batch)) == 0


def test_the_admin_marks_a_category_as_needing_certificates(client, login, make_user, make_shop):
    """The mark is the admin's, on the categories page, audited; a merchant cannot set it; its
    subcategories inherit it (the guard asks the whole path)."""
    import sqlalchemy as sa

    from catalog.categories import find_category, load_categories
    from catalog.models import Category
    from marketplace.admin.models import AuditEntry

    load_categories()
    cat = find_category("农产品/粮油")
    login(make_shop().members[0].user)
    assert client.post(f"/admin/categories/{cat.id}/certificate_on").status_code == 403
    login(make_user(roles=("admin",)))
    assert "须合格证" in client.get("/admin/categories").get_data(as_text=True)
    assert client.post(f"/admin/categories/{cat.id}/certificate_on").status_code == 302
    db.session.expire_all()
    assert db.session.get(Category, cat.id).requires_certificate is True
    client.post(f"/admin/categories/{cat.id}/certificate_off")
    db.session.expire_all()
    assert db.session.get(Category, cat.id).requires_certificate is False
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "category")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["category.certificate_on", "category.certificate_off"]
