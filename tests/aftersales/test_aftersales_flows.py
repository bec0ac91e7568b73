"""After-sales through the real services: a refund, a return with restock, a refusal disputed and
ruled, and every step told to the other side and shown on both order pages."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from aftersales import services
from aftersales.models import AfterSale, AfterSaleStatus
from catalog.models import Variant
from marketplace.admin.models import AuditEntry
from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from marketplace.states import InvalidTransition
from payments.models import Refund
from tests.aftersales.conftest import photo_bytes
from tests.payments.conftest import movements_of

S = AfterSaleStatus


def _mails(template: str, to: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).where(OutboxMessage.template == template)
    if to:
        query = query.where(OutboxMessage.to_addr == to)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def _upload(data: bytes, name: str = "坏果.jpg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def _stock(variant_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Variant, variant_id).stock


def test_a_refund_request_is_approved_refunded_and_told(received):
    order = received()
    owner = order.shop.members[0].user
    case = services.request_after_sale(order, order.buyer, kind="refund", reason="short_weight",
                                       lines={order.lines[0].id: 1}, description="少了半箱",
                                       uploads=[_upload(photo_bytes())])
    assert case.status == S.REQUESTED and case.amount_cents == 1000 and len(case.photos) == 1
    (to_shop,) = _mails("after_sale", owner.email)
    assert order.number in to_shop.subject and "少了半箱" in to_shop.body_text and "缺斤少两" in to_shop.body_text

    services.approve(case, owner)
    db.session.expire_all()
    case = db.session.get(AfterSale, case.id)
    refund = db.session.get(Refund, case.refund_id)
    assert case.status == S.REFUNDED and case.closed_at is not None
    assert refund.amount_cents == 1000 and refund.status.value == "succeeded" and not refund.restock
    assert [m.to_addr for m in _mails("order_refunded")] == [order.buyer.email]  # told once, by the refund
    assert _mails("after_sale", order.buyer.email) == []
    assert services.refusal(order) is None  # 4 boxes are still refundable: a second request may follow


def test_a_return_is_sent_back_received_and_restocked_once(received):
    order = received(qty=5, stock=20)
    owner = order.shop.members[0].user
    variant_id = order.lines[0].variant_id
    assert _stock(variant_id) == 15
    case = services.request_after_sale(order, order.buyer, kind="return", reason="quality", lines={order.lines[0].id: 2})
    services.approve(case, owner, return_shipping="shop", return_address="睢阳区 农产品批发市场 A-12 王老板 13800000000")
    assert case.status == S.AWAITING_RETURN
    (approved,) = _mails("after_sale", order.buyer.email)
    assert "A-12" in approved.body_text and "商家承担" in approved.body_text

    with pytest.raises(services.AfterSaleError):  # a parcel needs its tracking number
        services.mark_returned(case, order.buyer, carrier="顺丰", tracking="")
    services.mark_returned(case, order.buyer, carrier="顺丰", tracking="SF1234567890")
    assert case.status == S.RETURNED and "SF1234567890" in _mails("after_sale", owner.email)[-1].body_text
    services.confirm_received(case, owner, restock=True)
    assert case.status == S.REFUNDED
    assert _stock(variant_id) == 17 == movements_of(variant_id)
    # the refund restocked them: nothing can restock them again
    with pytest.raises(InvalidTransition):
        services.confirm_received(case, owner, restock=True)
    assert _stock(variant_id) == 17


def test_a_refusal_disputed_and_ruled_for_the_buyer(received, make_user):
    order = received()
    owner = order.shop.members[0].user
    admin = make_user(roles=("admin",))
    case = services.request_after_sale(order, order.buyer, kind="refund", reason="damaged",
                                       lines={order.lines[0].id: 2})
    with pytest.raises(services.AfterSaleError):
        services.refuse(case, owner, note="  ")  # a refusal needs its reason
    services.refuse(case, owner, note="照片看不出破损")
    assert "照片看不出破损" in _mails("after_sale", order.buyer.email)[-1].body_text
    with pytest.raises(services.AfterSaleError):
        services.dispute(case, order.buyer, note="")
    services.dispute(case, order.buyer, note="到货时两箱压坏了", uploads=[_upload(photo_bytes((10, 200, 10)))])
    assert case.status == S.DISPUTED and len(case.photos) == 1
    with pytest.raises(services.AfterSaleError):  # above what was asked
        services.rule(case, admin, decision="refund", amount="20.01", note="支持买家")
    services.rule(case, admin, decision="refund", amount="15.00", note="双方各担一半", restock=False)
    db.session.expire_all()
    case = db.session.get(AfterSale, case.id)
    assert case.status == S.REFUNDED and case.ruling_note == "双方各担一半"
    assert db.session.get(Refund, case.refund_id).amount_cents == 1500
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "after_sale.rule"))
    assert entry.actor_id == admin.id and entry.after["status"] == "refunded"
    assert "双方各担一半" in _mails("after_sale", owner.email)[-1].body_text


def test_a_dispute_ruled_for_the_shop_closes_it_and_a_new_request_may_follow(received, make_user):
    order = received()
    owner = order.shop.members[0].user
    case = services.request_after_sale(order, order.buyer, kind="refund", reason="other", lines={order.lines[0].id: 1})
    services.refuse(case, owner, note="不符合售后条件")
    services.dispute(case, order.buyer, note="我不同意")
    services.rule(case, make_user(roles=("admin",)), decision="reject", note="证据不足")
    assert case.status == S.CLOSED and case.refund_id is None
    assert db.session.scalar(sa.select(sa.func.count(Refund.id)).where(Refund.order_id == order.id)) == 0
    assert services.refusal(order) is None


def test_the_buyer_may_withdraw(received):
    order = received()
    case = services.request_after_sale(order, order.buyer, kind="return", reason="wrong_item",
                                       lines={order.lines[0].id: 1})
    services.withdraw(case, order.buyer)
    assert case.status == S.WITHDRAWN and services.refusal(order) is None
    with pytest.raises(InvalidTransition):
        services.approve(case, order.shop.members[0].user)
