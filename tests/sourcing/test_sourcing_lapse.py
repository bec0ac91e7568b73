"""An awarded request whose order lapses before payment (expired unpaid, or cancelled) takes quotes
again: open (deadline ahead, below its maximum), closed (at its maximum) or expired (deadline
passed); its quotes stand again; a history row with a translated note; buyer and shops notified;
exactly once however often the order's signal fires or however many workers race. A paid order
keeps its request awarded."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.db import at_time, atomic
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from orders import fulfilment
from orders.models import Order, OrderStatus
from orders.status import order_status_changed, set_status
from sourcing import accept, lapse
from sourcing.models import Quote, QuoteStatus, RequestStatus, SourcingRequest, SourcingRequestChange
from tests.at_once import at_once
from tests.orders.conftest import place, placed_order, user_cart  # noqa: F401  (shared fixtures)


@pytest.fixture
def awarded(post, veg_shop, send_quote, make_address):
    """awarded(**request form overrides) -> (request, won quote, other quote, order, variant)."""

    def make(**over):
        shop, variant = veg_shop()
        rival, _v = veg_shop()
        req = post(**over)
        win = send_quote(req, shop, [{"variant": str(variant.id), "quantity": "500", "unit_price": "11.50"}])
        lose = send_quote(req, rival)
        order = accept.accept_quote(req, req.buyer, win.id, address_id=make_address(req.buyer).id)
        return req, win, lose, order, variant

    return make


def _changes(req) -> list[SourcingRequestChange]:
    return list(db.session.scalars(sa.select(SourcingRequestChange).where(SourcingRequestChange.request_id == req.id)
                                   .order_by(SourcingRequestChange.id)))


def _lapse_notices(*users) -> int:
    ids = [u.id for u in users]
    rows = db.session.scalars(sa.select(Notification).where(Notification.user_id.in_(ids),
                                                            Notification.type_key.like("sourcing.%")))
    return sum(1 for n in rows if "order_lapsed" in (n.params or ""))


def _in_days(days: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def test_an_order_expiring_unpaid_reopens_the_request(awarded):
    req, win, lose, order, variant = awarded()
    owners = [win.shop.members[0].user, lose.shop.members[0].user]
    with at_time(_in_days(4)):  # past the 72 hours to pay, before the request's 7-day deadline
        assert fulfilment.expire_overdue() == 1
    db.session.expire_all()
    req = db.session.get(SourcingRequest, req.id)
    assert req.status == RequestStatus.OPEN and req.order_id is None and req.ended_at is None
    assert {q.status for q in db.session.scalars(sa.select(Quote))} == {QuoteStatus.SUBMITTED}
    assert db.session.get(Quote, win.id).order_id is None
    last = _changes(req)[-1]
    assert (last.from_status, last.to_status) == (RequestStatus.AWARDED, RequestStatus.OPEN)
    assert order.number in last.note and "超时未付款" in last.note and "重新开放" in last.note
    assert _lapse_notices(req.buyer) == 1 and _lapse_notices(*owners) == 2
    assert db.session.get(type(variant), variant.id).stock == 100000  # the order's stock is back
    # the buyer may accept again: a new order
    again = accept.accept_quote(req, req.buyer, win.id, address_id=_address_of(req.buyer))
    assert again.id != order.id and db.session.get(SourcingRequest, req.id).status == RequestStatus.AWARDED


def _address_of(user) -> int:
    from orders.models import Address

    return db.session.scalar(sa.select(Address.id).where(Address.user_id == user.id))


def test_a_cancellation_before_payment_after_the_deadline_leaves_it_expired(awarded):
    req, _win, _lose, order, _variant = awarded()
    with at_time(_in_days(8)):
        fulfilment.cancel_by_buyer(db.session.get(Order, order.id), req.buyer, "不需要了")
    db.session.expire_all()
    req = db.session.get(SourcingRequest, req.id)
    assert req.status == RequestStatus.EXPIRED and req.order_id is None
    assert "在付款前取消" in _changes(req)[-1].note
    assert {q.status for q in db.session.scalars(sa.select(Quote))} == {QuoteStatus.SUBMITTED}


def test_at_its_maximum_it_goes_back_to_closed(awarded):
    req, _win, _lose, order, _variant = awarded(max_quotes="2")
    assert [c.to_status for c in _changes(req)][-2:] == [RequestStatus.CLOSED, RequestStatus.AWARDED]
    fulfilment.cancel_by_merchant(db.session.get(Order, order.id), req.buyer, "缺货")
    db.session.expire_all()
    assert db.session.get(SourcingRequest, req.id).status == RequestStatus.CLOSED


def test_in_english_the_note_is_translated(awarded, app):
    from flask_babel import force_locale

    req, _win, _lose, order, _variant = awarded()
    with force_locale("en"), at_time(_in_days(4)):
        fulfilment.expire_overdue()
    note = _changes(db.session.get(SourcingRequest, req.id))[-1].note
    assert order.number in note and note.endswith("was not paid in time; the request takes quotes again")


def test_a_paid_order_keeps_the_request_awarded(awarded, client, login):
    from payments.models import ShopPaymentSettings

    req, win, _lose, order, _variant = awarded()
    db.session.add(ShopPaymentSettings(shop_id=win.shop_id, accepts_bank_transfer=True, bank_name="中国农业银行",
                                       account_name="合作社", account_number="6228480000000002"))
    db.session.commit()
    login(req.buyer)
    assert client.post(f"/payments/group/{order.group_id}/offline", data={"method": "bank_transfer"}).status_code == 302
    client.post("/account/logout")
    login(win.shop.members[0].user)
    assert client.post(f"/merchant/orders/{order.id}/paid").status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID
    with at_time(_in_days(4)):
        assert fulfilment.expire_overdue() == 0
    fulfilment.cancel_by_buyer(db.session.get(Order, order.id), req.buyer, "改主意了")  # paid: refunded instead
    db.session.expire_all()
    req = db.session.get(SourcingRequest, req.id)
    assert req.status == RequestStatus.AWARDED and req.order_id == order.id
    assert db.session.get(Quote, win.id).status == QuoteStatus.ACCEPTED


def test_the_signal_firing_twice_reopens_once(awarded, app):
    req, _win, _lose, order, _variant = awarded()
    order = db.session.get(Order, order.id)
    with atomic():
        set_status(order, OrderStatus.EXPIRED, note="test")
        order_status_changed.send(app, order=order, from_status=OrderStatus.PENDING_PAYMENT,
                                  to_status=OrderStatus.EXPIRED)
    with atomic():
        assert lapse.reopen_for(order, expired=True) is None
    req = db.session.get(SourcingRequest, req.id)
    assert [c.to_status for c in _changes(req)].count(RequestStatus.OPEN) == 2  # published, then reopened once
    assert _lapse_notices(req.buyer) == 1


def test_two_workers_at_once_reopen_once(app, awarded):
    req, _win, _lose, order, _variant = awarded()
    ids = (req.id, order.id)

    def reopen(found):
        with atomic():
            return "ok" if lapse.reopen_for(found, expired=True) is not None else "none"

    results = at_once(app, reopen, prepare=lambda: db.session.get(Order, ids[1]))
    db.session.remove()
    assert results.count("ok") == 1, results
    req = db.session.get(SourcingRequest, ids[0])
    assert req.status == RequestStatus.OPEN
    assert [c.to_status for c in _changes(req)].count(RequestStatus.OPEN) == 2
    assert _lapse_notices(req.buyer) == 1


def test_an_ordinary_order_is_left_alone(app, placed_order):  # noqa: F811 (the shared fixture)
    _buyer, order, _variant = placed_order()
    with atomic():
        assert lapse.reopen_for(order, expired=True) is None
