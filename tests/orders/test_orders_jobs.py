"""Order expiry and auto-completion as periodic jobs (``flask jobs run-due``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from orders.models import Order, OrderStatus


def _stock_back(order_id: int) -> list[int]:
    from catalog.models import StockMovement

    return list(db.session.scalars(sa.select(StockMovement.delta).where(
        StockMovement.kind == "order_expired", StockMovement.order_id == order_id)))


def test_expiry_job_expires_an_overdue_order_and_gives_its_stock_back_once(app, placed_order):
    from catalog.models import Variant

    _b, order, variant = placed_order(qty=3, stock=10)
    _b2, on_time, _v2 = placed_order(qty=1, stock=5)
    order.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    assert db.session.get(Variant, variant.id).stock == 7
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0 and "orders.expire_overdue: ok" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.EXPIRED
    assert db.session.get(Order, on_time.id).status == OrderStatus.PENDING_PAYMENT
    assert db.session.get(Variant, variant.id).stock == 10
    # run again, by name (not due yet) and by the deprecated alias: the stock comes back only once
    assert "orders.expire_overdue" not in runner.invoke(args=["jobs", "run-due"]).output
    assert runner.invoke(args=["jobs", "run", "orders.expire_overdue"]).output.strip() == "orders.expire_overdue: ok (0)"
    alias = runner.invoke(args=["orders", "expire"])
    assert "0 orders expired" in alias.output and "Deprecated" in alias.output
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 10 and _stock_back(order.id) == [3]


def test_auto_complete_job_completes_orders_delivered_long_ago(app, placed_order):
    from orders import services

    _b, order, _v = placed_order()
    actor = order.shop.members[0].user
    services.mark_paid(order, actor)
    services.accept(order, actor)
    services.ready_for_pickup(order, actor)
    services.mark_delivered(order, actor)
    order.delivered_at = utcnow() - dt.timedelta(days=app.config["ORDER_AUTO_COMPLETE_DAYS"] + 1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "run", "orders.auto_complete"])
    assert result.exit_code == 0 and "(1)" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.COMPLETED
