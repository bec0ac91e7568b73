"""Recording batches: the generated code, the receipt into stock through the one stock module, the
checks on dates, inputs (safe intervals), origin and tests; only certificate categories."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from catalog.models import StockMovement
from marketplace.extensions import db
from trace.batches import record_batch
from trace.errors import TraceError
from trace.models import AttachmentKind, Batch

TODAY = dt.date(2026, 9, 20)


def test_a_batch_gets_a_code_and_its_quantity_is_received_into_stock(traced_variant, record, make_shop, ledger):
    shop = make_shop(licence_number="91411423MA9XYZ123K")
    variant = traced_variant(shop)
    batch = record(variant, 500, inputs=[{"name": "吡虫啉", "used_on": "2026-09-01", "safe_interval_days": "14"}])
    assert batch.code == "NLSL-20260920-YZ123K-0001"
    assert (batch.quantity, batch.remaining, batch.unit) == (500, 500, "公斤")
    assert batch.expires_on == TODAY + dt.timedelta(days=30)
    db.session.refresh(variant)
    assert variant.stock == 500
    movement = db.session.scalar(sa.select(StockMovement).where(StockMovement.variant_id == variant.id,
                                                                StockMovement.kind == "batch_received"))
    assert (movement.delta, movement.reason) == (500, batch.code)
    assert [i.name for i in batch.inputs] == ["吡虫啉"]
    second = record(variant, 20)
    assert second.code.endswith("-0002") and second.sequence == 2
    assert ledger(variant.id) == (520, 520)


def test_a_category_without_certificates_has_no_batches(make_product, make_shop, origin):
    shop = make_shop()
    variant = make_product(shop, title="钢卷尺 5 米").variants[0]  # a test category: no certificate
    with pytest.raises(TraceError) as err:
        record_batch(shop, shop.members[0].user, {"variant": variant.id, "produced_on": "2026-09-01",
                                                  "shelf_life_days": "10", "quantity": "5", "region": origin})
    assert "variant" in err.value.errors


def test_another_shops_variant_is_refused(traced_variant, make_shop, origin):
    variant = traced_variant(make_shop())
    other = make_shop()
    with pytest.raises(TraceError) as err:
        record_batch(other, other.members[0].user, {"variant": variant.id, "produced_on": "2026-09-01",
                                                    "shelf_life_days": "10", "quantity": "5", "region": origin})
    assert "variant" in err.value.errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Batch)) == 0


@pytest.mark.parametrize(("data", "field"), [
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "abc"}, "quantity"),
    ({"quantity": "-5"}, "quantity"),
    ({"produced_on": "2026-13-01"}, "produced_on"),
    ({"produced_on": "2030-01-01"}, "produced_on"),  # in the future
    ({"expires_on": "2026-09-01", "produced_on": "2026-09-10"}, "expires_on"),
    ({"expires_on": "", "shelf_life_days": ""}, "expires_on"),
    ({"shelf_life_days": "0", "expires_on": ""}, "shelf_life_days"),
    ({"region": None}, "region"),
    ({"plot": "地" * 121}, "plot"),
])
def test_bad_fields_are_refused_and_nothing_is_saved(traced_variant, record, data, field):
    variant = traced_variant()
    with pytest.raises(TraceError) as err:
        record(variant, data.pop("quantity", 10), **data)
    assert field in err.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Batch)) == 0
    db.session.refresh(variant)
    assert variant.stock == 0


def test_an_input_inside_its_safe_interval_is_refused(traced_variant, record):
    """The commitment says safe intervals are respected: a harvest 5 days after a 14-day pesticide is refused."""
    variant = traced_variant()
    with pytest.raises(TraceError) as err:
        record(variant, 10, inputs=[{"name": "吡虫啉", "used_on": "2026-09-15", "safe_interval_days": "14"}])
    assert "inputs-1" in err.value.errors
    assert "安全间隔期" in err.value.errors["inputs-1"][0]


def _upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _test_row(upload) -> dict:
    return {"kind": "commissioned", "result": "农残检测 62 项 未检出", "passed": "1", "tested_on": "2026-09-18",
            "tester": "商丘市农产品质量检测中心", "report": upload}


def test_a_test_report_image_is_kept_privately(traced_variant, record, app):
    batch = record(traced_variant(), 10, tests=[_test_row(_upload(_png(), "report.png"))])
    test = batch.tests[0]
    assert test.attachment_kind == AttachmentKind.IMAGE
    assert test.attachment_key.startswith("private/trace/")


@pytest.mark.parametrize(("payload", "name"), [
    (b"MZ\x90\x00 this is an executable", "report.pdf"),            # called .pdf, not a PDF
    (b"%PDF-1.4\n1 0 obj <<>> endobj\n", "report.pdf"),              # a broken PDF (no end)
    (b"%PDF-1.4\n/JavaScript (app.alert(1))\n%%EOF", "report.pdf"),  # a PDF with a script
    (b"<html><script>alert(1)</script></html>", "report.png"),      # called .png, not an image
    (b"just text", "report.txt"),
])
def test_a_report_that_is_not_an_image_or_a_clean_pdf_is_refused(traced_variant, record, payload, name):
    variant = traced_variant()
    with pytest.raises(TraceError) as err:
        record(variant, 10, tests=[_test_row(_upload(payload, name))])
    assert "tests-1" in err.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Batch)) == 0
