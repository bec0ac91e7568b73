"""The first batch of a variant that already holds stock is that stock (an opening batch, stock
unchanged); receiving new goods before it is refused, with what to do, and changes nothing: else the
stock would count units no batch accounts for (the invariant of tests/trace/test_trace_property.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog.models import StockMovement, Variant
from marketplace.extensions import db
from tests.trace.test_trace_api import _token
from tests.trace.test_trace_pages import _form
from trace.errors import TraceError
from trace.models import Batch


def _state(variant_id: int) -> tuple:
    db.session.expire_all()
    return (db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id)),
            db.session.scalar(sa.select(sa.func.count(StockMovement.id)).where(StockMovement.variant_id == variant_id)),
            sorted(db.session.execute(sa.select(Batch.quantity, Batch.remaining).where(Batch.variant_id == variant_id))))


def test_the_first_batch_of_a_stocked_variant_must_be_its_stock(traced_variant, record):
    variant = traced_variant(stock=30)
    before = _state(variant.id)
    with pytest.raises(TraceError, match="30 件库存未登记批次") as refused:
        record(variant, 50)
    assert refused.value.code == "untracked_stock"
    db.session.rollback()
    assert _state(variant.id) == before
    with pytest.raises(TraceError, match="须与之相同") as mismatch:
        record(variant, 25, opening=True)
    assert mismatch.value.code == "opening_mismatch"
    db.session.rollback()
    assert _state(variant.id) == before

    record(variant, 30, opening=True)
    db.session.commit()
    stock, movements, batches = _state(variant.id)
    assert (stock, movements) == before[:2] and batches == [(30, 30)]  # counted already: stock unchanged
    record(variant, 50)
    db.session.commit()
    assert _state(variant.id)[0] == 80 and sum(r for _q, r in _state(variant.id)[2]) == 80
    with pytest.raises(TraceError) as again:
        record(variant, 80, opening=True)
    assert again.value.code == "already_tracked"
    db.session.rollback()


def test_a_variant_without_stock_takes_any_first_batch(traced_variant, record):
    variant = traced_variant()
    record(variant, 40)
    db.session.commit()
    assert _state(variant.id)[0] == 40


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_form_says_to_record_the_stock_first_and_takes_it_as_the_opening_batch(client, login, traced_variant,
                                                                                    origin, lang):
    variant = traced_variant(stock=12)
    login(variant.product.shop.members[0].user)
    with client.session_transaction() as session:
        session["locale"] = lang
    before = _state(variant.id)
    refused = client.post("/merchant/trace/new", data=_form(variant, origin), content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert ("12 units in stock that no batch records" in page) if lang == "en" else ("12 件库存未登记批次" in page)
    assert _state(variant.id) == before
    taken = client.post("/merchant/trace/new", data=_form(variant, origin, quantity="12", opening="1"),
                        content_type="multipart/form-data")
    assert taken.status_code == 302, taken.get_data(as_text=True)[:1500]
    stock, movements, batches = _state(variant.id)
    assert (stock, movements) == before[:2] and batches == [(12, 12)]


def test_the_api_refuses_new_goods_before_the_opening_batch(app, traced_variant, origin):
    client = app.test_client()
    variant = traced_variant(stock=7)
    shop = variant.product.shop
    headers = _token(shop.members[0].user, "merchant")
    url = f"/api/v1/shops/{shop.id}/trace/batches"
    body = {"variant_id": variant.id, "produced_on": "2026-09-20", "shelf_life_days": 60, "quantity": 100,
            "region": origin.id}
    before = _state(variant.id)
    refused = client.post(url, json=body, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "untracked_stock"
    assert _state(variant.id) == before
    opened = client.post(url, json={**body, "quantity": 7, "opening": True}, headers=headers)
    assert opened.status_code == 201, opened.get_json()
    assert opened.get_json()["remaining"] == 7 and _state(variant.id)[0] == 7
    assert client.post(url, json=body, headers=headers).status_code == 201
    assert _state(variant.id)[0] == 107


def test_a_repack_into_a_stocked_variant_waits_for_its_opening_batch(traced_variant, record, buy, hand_over, make_shop):
    """The stall's own variant holds stock no batch records: its first repacked batch is refused too."""
    from trace.transform import repack

    pears = traced_variant()
    record(pears, 100)
    stall = make_shop(name="梁园批发市场 12 号摊")
    hand_over(buy(pears, 20, buyer=stall.members[0].user))
    boxes = traced_variant(stall, stock=6, title="酥梨 礼盒", unit="箱")
    before = _state(boxes.id)
    parent = db.session.scalar(sa.select(Batch).where(Batch.variant_id == pears.id))
    with pytest.raises(TraceError) as refused:
        repack(stall, stall.members[0].user, {"variant": boxes.id, "quantity": "4"},
               [{"batch": parent.code, "quantity": "20"}])
    assert refused.value.code == "untracked_stock"
    db.session.rollback()
    assert _state(boxes.id) == before
