"""The order status machine: every move allowed by the table works, every other one is refused."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from marketplace.states import InvalidTransition
from orders import services
from orders.models import Order, OrderStatus, OrderStatusChange
from orders.status import ORDER_MACHINE, set_status

S = OrderStatus

ALLOWED = {
    (S.PENDING_PAYMENT, S.PAID), (S.PENDING_PAYMENT, S.CANCELLED), (S.PENDING_PAYMENT, S.EXPIRED),
    # only when the buyer pays at handover (orders.fulfilment.accept checks; tests/payments/test_handover.py)
    (S.PENDING_PAYMENT, S.ACCEPTED),
    (S.PAID, S.ACCEPTED), (S.PAID, S.CANCELLED),
    (S.ACCEPTED, S.SHIPPED), (S.ACCEPTED, S.READY_FOR_PICKUP), (S.ACCEPTED, S.CANCELLED),
    (S.SHIPPED, S.DELIVERED), (S.READY_FOR_PICKUP, S.DELIVERED),
    (S.DELIVERED, S.COMPLETED),
}
ALL_PAIRS = list(itertools.product(list(S), list(S)))


def test_table_is_exactly_the_issue():
    assert {(a, b) for a, b in ALL_PAIRS if ORDER_MACHINE.can(a, b)} == ALLOWED


def _force(order: Order, status: OrderStatus) -> None:
    db.session.execute(sa.update(Order).where(Order.id == order.id).values(status=status))
    db.session.commit()
    db.session.expire_all()


@pytest.mark.parametrize("current,target", ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
def test_every_transition(app, placed_order, make_user, current, target):
    buyer, order, _variant = placed_order()
    actor = make_user()
    _force(order, current)
    order = db.session.get(Order, order.id)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OrderStatusChange))
    if (current, target) in ALLOWED:
        set_status(order, target, actor=actor, note="test")
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Order, order.id).status == target
        last = db.session.scalars(sa.select(OrderStatusChange).order_by(OrderStatusChange.id.desc())).first()
        assert (last.from_status, last.to_status, last.actor_id, last.note) == (current, target, actor.id, "test")
    else:
        with pytest.raises(InvalidTransition):
            set_status(order, target, actor=actor)
        db.session.rollback()
        db.session.expire_all()
        assert db.session.get(Order, order.id).status == current
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderStatusChange)) == before


def test_stale_object_cannot_move_twice(app, placed_order):
    """Two sessions that both read pending_payment: the conditional UPDATE lets one win."""
    _buyer, order, variant = placed_order(qty=2, stock=10)
    set_status(order, S.CANCELLED)
    db.session.commit()
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(order, "status", S.PENDING_PAYMENT)  # what a concurrent reader still believes
    with pytest.raises(InvalidTransition):
        set_status(order, S.EXPIRED)
    db.session.rollback()
    from catalog.models import Variant

    assert db.session.get(Variant, variant.id).stock == 10  # returned once, not twice


def test_mark_paid_group_and_mails(app, make_user, make_shop, make_variant, user_cart, place):
    buyer = make_user(locale="en")
    a, b = make_variant(make_shop(), stock=5), make_variant(make_shop(), stock=5)
    group = place(buyer, user_cart(buyer, [(a, 1), (b, 1)]))
    paid = services.mark_paid(group, actor=None, note="stripe pi_123")
    assert len(paid) == 2 and all(o.status == S.PAID and o.paid_at for o in group.orders)
    with pytest.raises(InvalidTransition):
        services.mark_paid(group, actor=None)
    mails = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "order_paid")))
    assert len(mails) == 4  # buyer + owner, for each of the two orders
    buyer_mails = [m for m in mails if m.to_addr == buyer.email]
    assert all(m.locale == "en" for m in buyer_mails)


def _history(order) -> list[OrderStatus]:
    return [h.to_status for h in db.session.scalars(sa.select(OrderStatusChange)
                                                     .where(OrderStatusChange.order_id == order.id)
                                                     .order_by(OrderStatusChange.id))]


def test_confirm_receipt_from_shipped_records_both_moves(app, make_user, make_variant, user_cart, place,
                                                         make_address):
    buyer = make_user()
    variant = make_variant(stock=10)
    group = place(buyer, user_cart(buyer, [(variant, 2)]), choices={variant.product.shop_id: "delivery"},
                  address=make_address(buyer))
    order = group.orders[0]
    assert order.fulfilment.value == "delivery"
    services.mark_paid(order, None)
    services.accept(order, None)
    services.ship(order, None, "顺丰", "SF1")
    assert order.status == S.SHIPPED
    services.confirm_receipt(order, buyer)
    assert _history(order) == [S.PENDING_PAYMENT, S.PAID, S.ACCEPTED, S.SHIPPED, S.DELIVERED, S.COMPLETED]
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == S.COMPLETED


def test_confirm_receipt_from_ready_for_pickup_records_both_moves(app, placed_order, make_user):
    buyer, order, _v = placed_order()
    services.mark_paid(order, None)
    services.accept(order, None)
    services.ready_for_pickup(order, None, pickup_code="A1B2")
    services.confirm_receipt(order, buyer)
    assert _history(order)[-3:] == [S.READY_FOR_PICKUP, S.DELIVERED, S.COMPLETED]
    assert order.pickup_code == "A1B2"


def test_shipping_a_pickup_order_is_refused(app, placed_order):
    _b, order, _v = placed_order(fulfilment="pickup")
    services.mark_paid(order, None)
    services.accept(order, None)
    with pytest.raises(services.CartError):
        services.ship(order, None, "顺丰", "SF1")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == S.ACCEPTED


def test_cancel_returns_stock_and_mails(app, placed_order):
    _b, order, variant = placed_order(qty=3, stock=10)
    services.mark_paid(order, None)
    services.cancel_by_merchant(order, None, "缺货")
    from catalog.models import StockMovement, Variant

    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 10
    assert db.session.scalar(sa.select(StockMovement.kind).order_by(StockMovement.id.desc()).limit(1)) == \
        "order_cancelled"
    templates = [m.template for m in db.session.scalars(sa.select(OutboxMessage))]
    assert templates.count("order_cancelled") == 2


def test_merchant_cancel_needs_a_reason(app, placed_order):
    _b, order, _v = placed_order()
    with pytest.raises(services.CartError):
        services.cancel_by_merchant(order, None, "  ")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == S.PENDING_PAYMENT


def test_cli_expire_and_complete(app, placed_order):
    import datetime as dt

    from marketplace.db import utcnow

    _b, order, variant = placed_order(qty=2, stock=10)
    order.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert "1 orders expired" in result.output
    result = runner.invoke(args=["orders", "complete-delivered"])
    assert result.exit_code == 0 and "0 orders completed" in result.output
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == S.EXPIRED


def test_status_signal_is_sent(app, placed_order):
    from orders.status import order_status_changed

    seen = []

    def receiver(sender, **kw):
        seen.append((kw["from_status"], kw["to_status"], kw["order"].id))

    _b, order, _v = placed_order()
    with order_status_changed.connected_to(receiver, app):
        services.mark_paid(order, None)
        services.cancel_by_buyer(order, order.buyer)
    assert seen == [(S.PENDING_PAYMENT, S.PAID, order.id), (S.PAID, S.CANCELLED, order.id)]
