"""Two submits of one request at once make one request; four approvals at once make one refund."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from aftersales import services
from aftersales.models import AfterSale
from marketplace.extensions import db
from orders.models import Order
from payments.models import Refund


def _at_once(app, n: int, work) -> list[str]:
    barrier, results = threading.Barrier(n), []

    def run():
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                work()
                results.append("ok")
            except Exception as exc:  # noqa: BLE001 - a refusal, or SQLite's busy database: nothing saved then
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_double_submits_and_concurrent_approvals_have_one_effect(app, received):
    order = received()
    order_id, line_id, buyer_id, owner_id = order.id, order.lines[0].id, order.buyer_id, order.shop.members[0].user_id

    def ask():
        from marketplace.accounts.models import User

        services.request_after_sale(db.session.get(Order, order_id), db.session.get(User, buyer_id), kind="refund",
                                    reason="quality", lines={line_id: 2})

    results = _at_once(app, 4, ask)
    assert results.count("ok") == 1, results
    db.session.expire_all()
    (case,) = db.session.scalars(sa.select(AfterSale).where(AfterSale.order_id == order_id))

    def approve():
        from marketplace.accounts.models import User

        services.approve(db.session.get(AfterSale, case.id), db.session.get(User, owner_id))

    results = _at_once(app, 4, approve)
    assert results.count("ok") == 1, results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Refund.id)).where(Refund.order_id == order_id)) == 1
    assert db.session.get(AfterSale, case.id).status.value == "refunded"
