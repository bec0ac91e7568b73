"""Handing an order over allocates its lines to batches: first-expiring first, or the batch the
merchant chose; the invariant sum(remaining) == stock + reserved holds throughout; recalled
batches are never shipped; a shortfall refuses the handover (nothing moves)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.states import InvalidTransition
from orders import services
from orders.models import OrderStatus
from trace.errors import TraceError
from trace.models import Allocation, Batch, BatchStatus
from trace.status import BATCH_MACHINE


def _allocations(order) -> list[tuple[str, int]]:
    return [(a.batch.code[-4:], a.quantity) for a in db.session.scalars(
        sa.select(Allocation).where(Allocation.order_id == order.id).order_by(Allocation.id))]


def test_fefo_takes_the_first_expiring_batch_first(traced_variant, record, buy, hand_over, ledger):
    variant = traced_variant()
    late = record(variant, 10, days_to_expiry=60)    # 0001
    early = record(variant, 6, days_to_expiry=10)    # 0002: expires first
    order = buy(variant, 8)
    assert ledger(variant.id) == (16, 16)  # reserved, not shipped: the batches still hold it
    hand_over(order)
    assert _allocations(order) == [("0002", 6), ("0001", 2)]
    db.session.refresh(late)
    db.session.refresh(early)
    assert (early.remaining, late.remaining) == (0, 8)
    assert ledger(variant.id) == (8, 8)
    assert all(a.buyer_id == order.buyer_id for a in db.session.scalars(sa.select(Allocation)))


def test_the_merchants_choice_wins_over_fefo(traced_variant, record, buy, hand_over, ledger):
    variant = traced_variant()
    late = record(variant, 10, days_to_expiry=60)
    record(variant, 10, days_to_expiry=10)
    order = buy(variant, 4)
    hand_over(order, {order.lines[0].id: late.id})
    assert _allocations(order) == [("0001", 4)]
    assert ledger(variant.id) == (16, 16)


def test_a_chosen_batch_too_small_refuses_the_handover(traced_variant, record, buy, hand_over):
    variant = traced_variant()
    small = record(variant, 3, days_to_expiry=60)
    record(variant, 10, days_to_expiry=10)
    order = buy(variant, 4)
    with pytest.raises(TraceError) as err:
        hand_over(order, {order.lines[0].id: small.id})
    assert err.value.status == 409
    db.session.refresh(order)
    assert order.status == OrderStatus.ACCEPTED  # the status move was rolled back with the allocation
    assert _allocations(order) == []


def test_recalled_batches_are_never_shipped(traced_variant, record, buy, hand_over, ledger):
    variant = traced_variant()
    early = record(variant, 10, days_to_expiry=5)
    record(variant, 10, days_to_expiry=50)
    order = buy(variant, 6)
    BATCH_MACHINE.move(early, BatchStatus.RECALLED, note="农残超标")
    db.session.commit()
    hand_over(order)
    assert _allocations(order) == [("0002", 6)]


def test_untracked_variants_ship_as_before(make_variant, buy, hand_over):
    variant = make_variant(stock=10)
    order = buy(variant, 2)
    hand_over(order)
    assert order.status == OrderStatus.READY_FOR_PICKUP
    assert _allocations(order) == []


def test_a_shortfall_refuses_the_handover(traced_variant, record, buy, hand_over, ledger):
    """Units reserved from a batch recalled since cannot be shipped from the other batches."""
    from trace.recalls import recall_batch

    variant = traced_variant()
    record(variant, 2)
    recalled = record(variant, 5)
    order = buy(variant, 6)
    recall_batch(recalled, variant.product.shop.members[0].user, "农残超标")
    with pytest.raises(TraceError, match="可发货批次数量不足"):
        hand_over(order)
    db.session.refresh(order)
    assert order.status == OrderStatus.ACCEPTED


def test_cancelling_before_handover_keeps_the_invariant(traced_variant, record, buy, ledger):
    variant = traced_variant()
    record(variant, 10)
    order = buy(variant, 4)
    services.cancel_by_merchant(order, order.shop.members[0].user, "缺货")
    assert ledger(variant.id) == (10, 10)
    with pytest.raises(InvalidTransition):
        services.ready_for_pickup(order, order.shop.members[0].user)


def test_two_lines_of_one_order_share_the_batches(traced_variant, record, buy, hand_over, ledger, make_user):
    variant = traced_variant()
    other = traced_variant(variant.product.shop, title="柘城三樱椒")
    record(variant, 5, days_to_expiry=5)
    record(other, 7)
    buyer = make_user()
    first = buy(variant, 3, buyer)
    second = buy(other, 7, buyer)
    hand_over(first)
    hand_over(second)
    assert ledger(variant.id) == (2, 2)
    assert ledger(other.id) == (0, 0)
    assert db.session.scalar(sa.select(sa.func.sum(Batch.remaining))) == 2


def test_a_write_off_takes_from_the_batch_and_the_stock_together(traced_variant, record, buy, ledger, client, login):
    from trace.batches import write_off

    variant = traced_variant()
    batch = record(variant, 10)
    buy(variant, 6)  # 4 left free
    write_off(batch, None, "3", "运输磕碰")
    assert ledger(variant.id) == (7, 7)
    with pytest.raises(TraceError):  # more than the free stock: reserved units are not written off
        write_off(batch, None, "2", "变质")
    db.session.rollback()
    with pytest.raises(TraceError) as err:
        write_off(batch, None, "1", "")
    assert "reason" in err.value.errors
    db.session.rollback()
    assert ledger(variant.id) == (7, 7)
    login(variant.product.shop.members[0].user)
    assert client.post(f"/merchant/trace/{batch.id}/write-off", data={"quantity": "1", "reason": "抽样"}).status_code == 302
    assert ledger(variant.id) == (6, 6)
