"""An open after-sales request keeps the order's transfer to a connected shop back: the refund comes
out of the shop's share, so the share waits until the request ends, and then goes reduced by it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from aftersales import services as aftersales
from marketplace.extensions import db
from orders import services as orders
from payments import ledger
from payments.models import Transfer, TransferReversal, TransferStatus
from tests.payments.test_refunds_payouts import _connect


@pytest.fixture
def stripe_keys():
    return True  # paid by card, the shop on Stripe Connect (the after-sales suite runs without Stripe)


def _delivered(order):
    owner = order.shop.members[0].user
    orders.accept(order, owner)
    orders.ready_for_pickup(order, owner)
    orders.mark_delivered(order, owner)
    return owner


def test_the_transfer_waits_for_an_open_request_and_then_pays_the_share_less_the_refund(
        paid_group, login, client, connect_fake, app):
    group, _payment = paid_group
    order = group.orders[1]  # 3 x 25.00
    _connect(order.shop, login, client, connect_fake)
    owner = _delivered(order)
    line = order.lines[0]
    case = aftersales.request_after_sale(order, order.buyer, kind="refund", reason="quality",
                                         lines={line.id: 1}, description="一箱坏了")
    orders.confirm_receipt(order, order.buyer)  # completed: the transfer job runs after the commit
    db.session.expire_all()
    transfer = db.session.scalar(sa.select(Transfer).where(Transfer.order_id == order.id))
    assert transfer.status == TransferStatus.PENDING and transfer.last_error == "售后处理中，结算暂缓"
    assert connect_fake.transfers == {}
    result = app.test_cli_runner().invoke(args=["payments", "payouts"])  # the retry holds it too
    assert "0 payouts sent" in result.output, result.output
    assert connect_fake.transfers == {}

    aftersales.approve(case, owner)  # refunded at once (仅退款)
    db.session.expire_all()
    share = order.total_cents - ledger.commission_for(order)
    owed = ledger.payable_for_order(order.id)
    assert 0 < owed < share  # the refund came out of the shop's share
    result = app.test_cli_runner().invoke(args=["payments", "payouts"])
    assert "1 payouts sent" in result.output, result.output
    db.session.expire_all()
    assert transfer.status == TransferStatus.PAID and transfer.amount_cents == owed and transfer.last_error == ""
    assert connect_fake.transfers[transfer.provider_ref]["amount"] == owed
    assert db.session.scalar(sa.select(sa.func.count(TransferReversal.id))) == 0  # nothing to take back
    assert ledger.payable_for_order(order.id) == 0


def test_a_withdrawn_request_releases_the_whole_share(paid_group, login, client, connect_fake, app):
    group, _payment = paid_group
    order = group.orders[1]
    _connect(order.shop, login, client, connect_fake)
    _delivered(order)
    case = aftersales.request_after_sale(order, order.buyer, kind="refund", reason="quality",
                                         lines={order.lines[0].id: 1})
    orders.confirm_receipt(order, order.buyer)
    aftersales.withdraw(case, order.buyer)
    assert "1 payouts sent" in app.test_cli_runner().invoke(args=["payments", "payouts"]).output
    db.session.expire_all()
    transfer = db.session.scalar(sa.select(Transfer).where(Transfer.order_id == order.id))
    assert transfer.status == TransferStatus.PAID
    assert transfer.amount_cents == order.total_cents - ledger.commission_for(order)
