"""Every path that changes a batch-tracked variant's stock keeps it equal to its batches (issue 17's
audit): a direct edit (stock page, merchant API, CSV import) is refused with the way to do it and
changes nothing; a refund's or an after-sale's restock goes back into the batch the line was shipped
from (kept off sale when that batch is recalled or expired); a weighing at handover moves the line's
batch, and before the handover the allocation takes what was weighed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from catalog.models import StockMovement, Variant
from marketplace.db import at_time
from marketplace.extensions import db
from tests.conftest import csrf_token_from
from trace.models import Allocation, Batch

REFUSED_ZH = "按批次管理库存"
REFUSED_EN = "kept in batches"


def _stock(variant_id: int) -> int:
    return db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))


def _movements(variant_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0))
                             .where(StockMovement.variant_id == variant_id))


def _state(variant_id: int) -> tuple:
    """Stock, movements (count and sum) and batches: what a refused edit must leave alone."""
    db.session.expire_all()
    return (_stock(variant_id), _movements(variant_id),
            db.session.scalar(sa.select(sa.func.count(StockMovement.id)).where(StockMovement.variant_id == variant_id)),
            sorted(db.session.execute(sa.select(Batch.id, Batch.remaining).where(Batch.variant_id == variant_id)).all()))


def _allocations(order) -> list[tuple[str, int, int, int]]:
    """(batch sequence, quantity, returned, discarded) of each of the order's allocations."""
    db.session.expire_all()
    return [(a.batch.code[-4:], a.quantity, a.returned, a.discarded) for a in db.session.scalars(
        sa.select(Allocation).where(Allocation.order_id == order.id).order_by(Allocation.id))]


def _balanced(variant_id: int, ledger) -> None:
    remaining, expected = ledger(variant_id)
    assert remaining == expected, (remaining, expected)
    assert _stock(variant_id) == _movements(variant_id) >= 0


# --- direct edits are refused ---------------------------------------------------------------------

def test_the_audit_probe_an_adjustment_is_refused_and_the_handover_still_works(traced_variant, record, buy,
                                                                                hand_over, ledger):
    from catalog.services import CatalogError, adjust_stock, set_stock

    variant = traced_variant()
    record(variant, 50)
    owner = variant.product.shop.members[0].user
    before = _state(variant.id)
    with pytest.raises(CatalogError) as err:
        adjust_stock(variant, 30, "进货", owner)
    assert err.value.status == 409 and err.value.code == "stock_tracked" and REFUSED_ZH in err.value.message
    assert "delta" in err.value.errors
    with pytest.raises(CatalogError):
        set_stock(variant, 80, "盘点", owner)
    with pytest.raises(CatalogError):
        adjust_stock(variant, -5, "损耗", owner)
    assert _state(variant.id) == before
    order = buy(variant, 50)
    hand_over(order)  # the batches still cover every unit sold
    _balanced(variant.id, ledger)


def test_the_stock_page_refuses_a_tracked_variant_in_both_languages(client, login, traced_variant, record,
                                                                     make_product):
    variant = traced_variant()
    record(variant, 40)
    shop = variant.product.shop
    login(shop.members[0].user)
    url = f"/merchant/products/{variant.product_id}/stock"
    page = client.get(url).get_data(as_text=True)
    assert REFUSED_ZH in page and "按批次管理" in page and 'id="stock-batches-link"' in page
    before = _state(variant.id)
    for lang, words in (("zh_CN", REFUSED_ZH), ("en", REFUSED_EN)):
        with client.session_transaction() as session:
            session["locale"] = lang
        token = csrf_token_from(client.get(url).get_data(as_text=True))
        refused = client.post(url, data={"csrf_token": token, "variant": variant.id, "delta": "30", "reason": "进货"})
        assert refused.status_code == 409
        assert words in refused.get_data(as_text=True)
    assert _state(variant.id) == before
    # a variant that is not batch-tracked is still adjusted on the same page
    plain = make_product(shop, title="虞城钢卷尺", stock=5, unit="个").variants[0]
    token = csrf_token_from(client.get(f"/merchant/products/{plain.product_id}/stock").get_data(as_text=True))
    done = client.post(f"/merchant/products/{plain.product_id}/stock",
                       data={"csrf_token": token, "variant": plain.id, "delta": "3", "reason": "到货"})
    assert done.status_code in (302, 303) and _stock(plain.id) == 8


def test_the_merchant_api_refuses_set_and_adjust(app, traced_variant, record):
    from marketplace.accounts import services as accounts

    variant = traced_variant()
    record(variant, 40)
    shop = variant.product.shop
    _row, token = accounts.create_token(shop.members[0].user, "ERP", ["read", "merchant"])
    url = f"/api/v1/shops/{shop.id}/products/{variant.product_id}/variants/{variant.id}/stock"
    client = app.test_client()
    before = _state(variant.id)
    owner = shop.members[0].user
    for body, lang, words in (({"stock": 80, "reason": "ERP 同步"}, "zh_CN", REFUSED_ZH),
                              ({"delta": 30, "reason": "进货"}, "en", REFUSED_EN)):
        owner.locale = lang  # the token's user speaks this language
        db.session.commit()
        answer = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 409, answer.get_json()
        error = answer.get_json()["error"]
        assert error["code"] == "stock_tracked" and words in error["message"]
    assert _state(variant.id) == before


def test_a_csv_import_that_changes_a_tracked_stock_is_refused_by_row(traced_variant, record):
    from catalog.csv_io import export_csv, import_csv

    variant = traced_variant()
    record(variant, 40)
    shop, owner = variant.product.shop, variant.product.shop.members[0].user
    exported = export_csv(shop)
    assert import_csv(shop, owner, exported, dry_run=True).errors == []  # unchanged stock: fine
    text = exported.decode("utf-8-sig")
    header, line = text.splitlines()[:2]
    cells = line.split(",")
    cells[header.split(",").index("stock")] = "70"
    changed = (header + "\n" + ",".join(cells) + "\n").encode()
    before = _state(variant.id)
    report = import_csv(shop, owner, changed)
    assert [(e.row, e.column) for e in report.errors] == [(2, "stock")]
    assert REFUSED_ZH in report.errors[0].message
    assert _state(variant.id) == before


# --- units that come back go into their batch ------------------------------------------------------

def _two_batches(traced_variant, record, buy, hand_over, qty=6):
    """A variant with a late batch (0001, 10) and an early one (0002, 10); ``qty`` handed over (FEFO:
    from 0002). The batches expire a year after TODAY (still good by the real clock)."""
    variant = traced_variant()
    record(variant, 10, days_to_expiry=800)
    early = record(variant, 10, days_to_expiry=700)
    order = buy(variant, qty)
    hand_over(order)
    return variant, early, order


def test_a_refund_restock_returns_into_the_batch_the_line_came_from(traced_variant, record, buy, hand_over, ledger):
    from payments import refunds

    variant, early, order = _two_batches(traced_variant, record, buy, hand_over)
    owner = order.shop.members[0].user
    assert _allocations(order) == [("0002", 6, 0, 0)]
    refunds.refund_order(order, owner, lines={order.lines[0].id: 2}, restock=True, reason="两箱破损退回")
    assert _allocations(order) == [("0002", 6, 2, 0)]
    assert db.session.get(Batch, early.id).remaining == 6
    assert _stock(variant.id) == 16
    _balanced(variant.id, ledger)


def test_a_restock_from_a_recalled_batch_stays_off_sale(traced_variant, record, buy, hand_over, ledger):
    from payments import refunds
    from trace.recalls import recall_batch

    variant, early, order = _two_batches(traced_variant, record, buy, hand_over)
    owner = order.shop.members[0].user
    recall_batch(early, owner, "农残超标")
    before = _stock(variant.id)
    refunds.refund_order(order, owner, lines={order.lines[0].id: 3}, restock=True, reason="召回退货")
    assert _allocations(order) == [("0002", 6, 0, 3)]
    assert db.session.get(Batch, early.id).remaining == 0 and _stock(variant.id) == before
    _balanced(variant.id, ledger)


def test_a_restock_from_an_expired_batch_stays_off_sale(traced_variant, record, buy, hand_over, ledger):
    from payments import refunds

    variant, early, order = _two_batches(traced_variant, record, buy, hand_over)
    owner = order.shop.members[0].user
    after_expiry = dt.datetime.combine(early.expires_on + dt.timedelta(days=2), dt.time(12), tzinfo=dt.UTC)
    before = _stock(variant.id)
    with at_time(after_expiry):
        refunds.refund_order(order, owner, lines={order.lines[0].id: 1}, restock=True, reason="过期退货")
    assert _allocations(order) == [("0002", 6, 0, 1)] and _stock(variant.id) == before
    _balanced(variant.id, ledger)


def test_an_after_sale_restock_returns_into_the_batch(traced_variant, record, buy, hand_over, ledger):
    from aftersales import services as aftersales

    variant, early, order = _two_batches(traced_variant, record, buy, hand_over)
    case = aftersales.request_after_sale(order, order.buyer, kind="refund", reason="damaged",
                                         lines={order.lines[0].id: 2})
    aftersales.approve(case, order.shop.members[0].user, restock=True)
    assert _allocations(order) == [("0002", 6, 2, 0)]
    assert db.session.get(Batch, early.id).remaining == 6
    _balanced(variant.id, ledger)


def test_a_refund_before_the_handover_makes_the_allocation_take_less(traced_variant, record, buy, hand_over, ledger):
    from payments import refunds

    variant = traced_variant()
    record(variant, 10, days_to_expiry=700)
    order = buy(variant, 6)
    refunds.refund_order(order, order.shop.members[0].user, lines={order.lines[0].id: 2}, restock=True)
    _balanced(variant.id, ledger)
    hand_over(order)
    assert _allocations(order) == [("0001", 4, 0, 0)]
    _balanced(variant.id, ledger)


# --- weighing at handover ----------------------------------------------------------------------------

def test_weighing_after_the_handover_moves_the_allocated_batch(traced_variant, record, buy, hand_over, ledger):
    from orders.weighing import record_weight

    short, early, order = _two_batches(traced_variant, record, buy, hand_over, qty=20)
    owner = order.shop.members[0].user
    assert _allocations(order) == [("0002", 10, 0, 0), ("0001", 10, 0, 0)]
    record_weight(order, order.lines[0].id, "19", owner)  # 1 kg less: back into the last batch taken
    assert _allocations(order) == [("0002", 10, 0, 0), ("0001", 10, 1, 0)]
    _balanced(short.id, ledger)

    more = traced_variant(order.shop, title="宁陵酥梨 特级")
    record(more, 30, days_to_expiry=700)
    big = buy(more, 20)
    hand_over(big)
    record_weight(big, big.lines[0].id, "21", owner)  # 1 kg more: from the same batch
    assert _allocations(big) == [("0003", 21, 0, 0)]
    assert db.session.scalars(sa.select(Batch.remaining).where(Batch.variant_id == more.id)).one() == 9
    _balanced(more.id, ledger)


def test_weighing_before_the_handover_makes_the_allocation_take_what_was_weighed(traced_variant, record, buy,
                                                                                 hand_over, ledger):
    from orders.weighing import record_weight

    variant = traced_variant()
    record(variant, 40, days_to_expiry=700)
    order = buy(variant, 20)
    record_weight(order, order.lines[0].id, "20.9", order.shop.members[0].user)  # 1 kg more, still accepted
    _balanced(variant.id, ledger)
    hand_over(order)
    assert _allocations(order) == [("0001", 21, 0, 0)]
    _balanced(variant.id, ledger)
