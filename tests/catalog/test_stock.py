"""Stock never goes negative: merchant adjustments, and stock given back by a refund.

Checkout takes stock through reserve_many in the same module; its races are tested in tests/orders."""

from __future__ import annotations

import pytest

from catalog.models import StockMovement, Variant
from catalog.services import CatalogError, adjust_stock, release_stock
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


def test_release_gives_stock_back(db, make_product, owner):
    v = make_product(variants=[variant_row(stock=10, moq=5, tiers=())]).variants[0]
    adjust_stock(v, -6, "线下售出", owner)
    assert v.stock == 4 and v.product.in_stock is False  # 4 < MOQ
    release_stock(v, 6, order_id=42)
    db.session.commit()
    db.session.expire_all()
    v = db.session.get(Variant, v.id)
    assert v.stock == 10 and v.product.in_stock is True
    kinds = [(m.delta, m.kind, m.order_id) for m in movements(db, v)][1:]
    assert kinds == [(-6, "adjust", None), (6, "order_cancelled", 42)]


def test_release_refuses_a_quantity_below_one(db, make_product):
    v = make_product().variants[0]
    with pytest.raises(CatalogError):
        release_stock(v, 0)
    db.session.expire_all()
    assert db.session.get(Variant, v.id).stock == 100 and len(movements(db, v)) == 1
