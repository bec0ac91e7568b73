"""Stock never goes negative: adjustments, reservations for orders, and two buyers racing."""

from __future__ import annotations

import threading

import pytest

from catalog.models import StockMovement, Variant
from catalog.services import CatalogError, OutOfStock, adjust_stock, release_stock, reserve_stock
from tests.catalog.catalog_helpers import variant_row


def movements(db, variant):
    return db.session.scalars(db.select(StockMovement).where(StockMovement.variant_id == variant.id)
                              .order_by(StockMovement.id)).all()


def test_initial_stock_is_a_recorded_movement(db, make_product):
    v = make_product().variants[0]
    assert [(m.delta, m.kind) for m in movements(db, v)] == [(100, "adjust")]


def test_adjust_up_and_down_records_reason_and_actor(db, make_product, owner):
    v = make_product().variants[0]
    adjust_stock(v, 20, "新到货", owner)
    adjust_stock(v, -120, "盘点", owner)
    assert v.stock == 0
    last = movements(db, v)[-1]
    assert (last.delta, last.reason, last.actor_id) == (-120, "盘点", owner.id)
    assert v.product.in_stock is False


@pytest.mark.parametrize(("delta", "reason", "field"), [(-101, "卖掉", "delta"), (0, "x", "delta"), (5, "  ", "reason")])
def test_bad_adjustments_change_nothing(db, make_product, owner, delta, reason, field):
    v = make_product().variants[0]
    before = len(movements(db, v))
    with pytest.raises(CatalogError) as exc:
        adjust_stock(v, delta, reason, owner)
    assert field in exc.value.errors
    db.session.expire_all()
    assert db.session.get(Variant, v.id).stock == 100
    assert len(movements(db, v)) == before


def test_reserve_and_release(db, make_product):
    v = make_product(variants=[variant_row(stock=10, moq=5, tiers=())]).variants[0]
    reserve_stock(v, 6, order_id=42)
    db.session.commit()
    assert v.stock == 4 and v.product.in_stock is False  # 4 < MOQ
    with pytest.raises(OutOfStock):
        reserve_stock(v, 5, order_id=43)
    db.session.rollback()
    release_stock(v, 6, order_id=42)
    db.session.commit()
    db.session.expire_all()
    v = db.session.get(Variant, v.id)
    assert v.stock == 10 and v.product.in_stock is True
    kinds = [(m.delta, m.kind, m.order_id) for m in movements(db, v)][1:]
    assert kinds == [(-6, "order", 42), (6, "order_cancelled", 42)]


def test_two_buyers_race_for_the_last_units(app, db, make_product):
    """Both threads read stock 5 and want 3: exactly one gets them; stock ends at 2, never -1."""
    vid = make_product(variants=[variant_row(stock=5, tiers=())]).variants[0].id
    db.session.remove()
    barrier = threading.Barrier(2)
    results = []

    def buyer(order_id):
        with app.app_context():
            try:
                variant = db.session.get(Variant, vid)
                assert variant.stock == 5
                barrier.wait(timeout=10)
                reserve_stock(variant, 3, order_id=order_id)
                db.session.commit()
                results.append("ok")
            except OutOfStock:
                db.session.rollback()
                results.append("out")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buyer, args=(i,)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["ok", "out"]
    db.session.expire_all()
    assert db.session.get(Variant, vid).stock == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(StockMovement)
                             .where(StockMovement.kind == "order")) == 1


def test_many_concurrent_reservations_never_oversell(app, db, make_product):
    vid = make_product(variants=[variant_row(stock=7, tiers=())]).variants[0].id
    db.session.remove()
    results = []
    lock = threading.Lock()

    def buyer():
        with app.app_context():
            try:
                reserve_stock(db.session.get(Variant, vid), 1)
                db.session.commit()
                outcome = "ok"
            except OutOfStock:
                db.session.rollback()
                outcome = "out"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=buyer) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results.count("ok") == 7 and results.count("out") == 3
    db.session.expire_all()
    assert db.session.get(Variant, vid).stock == 0
