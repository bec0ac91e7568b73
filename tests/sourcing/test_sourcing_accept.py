"""Acceptance: the quote becomes an order at the stored prices (free lines without a variant,
listed variants reserving stock), the request is awarded, others are told; someone else's request
or quote is a 404; a tampered price changes nothing; two acceptances at once make one order."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from orders.models import Order, OrderLine, OrderStatus
from sourcing import accept
from sourcing.errors import SourcingError
from sourcing.models import QuoteStatus, RequestStatus, SourcingRequest


@pytest.fixture
def quoted(post, veg_shop, send_quote, make_address):
    """(request, winning quote with a variant line and a free line, other quote, variant, address)."""

    def make(stock: int = 100000):
        shop, variant = veg_shop(stock=stock)
        rival, _v = veg_shop()
        req = post()
        win = send_quote(req, shop, [{"variant": str(variant.id), "quantity": "5000", "unit_price": "11.50"},
                                     {"name": "冷链包装", "unit": "件", "quantity": "10", "unit_price": "20"}])
        lose = send_quote(req, rival)
        return req, win, lose, variant, make_address(req.buyer, "睢阳区")

    return make


def _orders() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Order))


def test_accepting_makes_an_order_at_the_quoted_prices(quoted):
    req, win, lose, variant, address = quoted()
    order = accept.accept_quote(req, req.buyer, win.id, address_id=address.id)
    assert order.shop_id == win.shop_id and order.status == OrderStatus.PENDING_PAYMENT
    assert order.subtotal_cents == 5_750_000 + 20_000 and order.fee_cents == 30_000
    assert order.total_cents == win.total_cents and order.ship_region_id == address.region_id
    lines = db.session.scalars(sa.select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)).all()
    assert [(ln.variant_id, ln.unit_price_cents, ln.quantity) for ln in lines] == [
        (variant.id, 1150, 5000), (None, 2000, 10)]
    db.session.refresh(variant)
    assert variant.stock == 100000 - 5000
    db.session.refresh(req), db.session.refresh(win), db.session.refresh(lose)
    assert req.status == RequestStatus.AWARDED and req.order_id == order.id
    assert win.status == QuoteStatus.ACCEPTED and win.order_id == order.id and lose.status == QuoteStatus.NOT_CHOSEN


def test_some_lines_only(quoted):
    req, win, _lose, _variant, address = quoted()
    order = accept.accept_quote(req, req.buyer, win.id, line_ids=[win.lines[1].id], address_id=address.id)
    assert order.subtotal_cents == 20_000 and len(order.lines) == 1 and order.lines[0].variant_id is None


def test_a_quote_of_another_request_or_line_or_address_is_a_404(quoted, post, veg_shop, send_quote, make_address,
                                                                make_user):
    req, win, _lose, _variant, address = quoted()
    other = post()
    shop, _v = veg_shop()
    foreign = send_quote(other, shop)
    for kwargs in ({"quote_id": foreign.id, "address_id": address.id},
                   {"quote_id": win.id, "address_id": make_address(make_user()).id},
                   {"quote_id": win.id, "address_id": address.id, "line_ids": [foreign.lines[0].id]}):
        with pytest.raises(SourcingError) as caught:
            accept.accept_quote(req, req.buyer, kwargs.pop("quote_id"), **kwargs)
        assert caught.value.status == 404
    assert _orders() == 0


def test_someone_elses_request_is_a_404_on_the_page(quoted, client, login, make_user):
    req, win, *_rest, address = quoted()
    login(make_user())
    assert client.post(f"/sourcing/{req.id}/accept", data={"quote": win.id, "address": address.id}).status_code == 404
    assert client.get(f"/sourcing/{req.id}/quotes").status_code == 404
    assert _orders() == 0


def test_a_tampered_price_changes_nothing(quoted, client, login):
    req, win, *_rest, address = quoted()
    login(req.buyer)
    response = client.post(f"/sourcing/{req.id}/accept", data={
        "quote": win.id, "address": address.id, "unit_price": "0.01", "price": "1", "total": "1",
        f"line-{win.lines[0].id}-unit_price": "0.01", "freight": "0"})
    assert response.status_code == 302
    order = db.session.scalar(sa.select(Order))
    assert order.total_cents == win.total_cents and order.lines[0].unit_price_cents == 1150


def test_out_of_stock_refuses_and_saves_nothing(quoted):
    req, win, _lose, _variant, address = quoted(stock=10)
    with pytest.raises(SourcingError) as caught:
        accept.accept_quote(req, req.buyer, win.id, address_id=address.id)
    assert caught.value.code == "out_of_stock" and _orders() == 0
    db.session.refresh(req)
    assert req.status == RequestStatus.OPEN


def test_an_expired_quote_or_an_awarded_request_cannot_be_accepted(quoted):
    import datetime as dt

    from marketplace.db import at_time

    req, win, lose, _variant, address = quoted()
    with at_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=30)), pytest.raises(SourcingError):
        accept.accept_quote(req, req.buyer, win.id, address_id=address.id)
    accept.accept_quote(req, req.buyer, win.id, address_id=address.id)
    with pytest.raises(SourcingError):
        accept.accept_quote(req, req.buyer, lose.id, address_id=address.id)
    assert _orders() == 1


def test_two_acceptances_at_once_make_one_order(app, quoted):
    req, win, lose, _variant, address = quoted()
    ids = (req.id, req.buyer_id, address.id)
    barrier, results = threading.Barrier(4), []

    def run(quote_id):
        with app.app_context():
            try:
                request_row = db.session.get(SourcingRequest, ids[0])
                buyer = request_row.buyer
                barrier.wait(timeout=30)
                accept.accept_quote(request_row, buyer, quote_id, address_id=ids[2])
                results.append("ok")
            except Exception as exc:  # noqa: BLE001 - a refusal, or SQLite's busy database: nothing saved then
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(q,)) for q in (win.id, win.id, lose.id, lose.id)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    db.session.remove()
    assert results.count("ok") == 1, results
    assert _orders() == 1
    req = db.session.get(SourcingRequest, ids[0])
    assert req.status == RequestStatus.AWARDED and req.order_id is not None


def test_the_order_is_paid_later_by_bank_transfer(quoted, client, login):
    """The accepted quote's order is paid like any other: the buyer picks bank transfer, the shop
    confirms the money arrived."""
    from payments.models import Payment, PaymentMethod, ShopPaymentSettings

    req, win, *_rest, address = quoted()
    db.session.add(ShopPaymentSettings(shop_id=win.shop_id, accepts_bank_transfer=True, bank_name="中国农业银行睢阳支行",
                                       account_name="睢阳辣椒合作社", account_number="6228480000000002"))
    db.session.commit()
    order = accept.accept_quote(req, req.buyer, win.id, address_id=address.id)
    login(req.buyer)
    response = client.post(f"/payments/group/{order.group_id}/offline", data={"method": "bank_transfer"})
    assert response.status_code == 302
    assert "6228480000000002" in client.get(response.headers["Location"]).get_data(as_text=True)
    payment = db.session.scalar(sa.select(Payment).where(Payment.order_id == order.id))
    assert payment.method == PaymentMethod.BANK_TRANSFER and payment.amount_cents == win.total_cents
    client.post("/account/logout")
    login(db.session.get(Order, order.id).shop.members[0].user)
    assert client.post(f"/merchant/orders/{order.id}/paid").status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID


def test_the_order_waits_days_for_payment_not_checkouts_minutes(quoted, app):
    import datetime as dt

    from marketplace.db import as_utc

    req, win, *_rest, address = quoted()
    order = accept.accept_quote(req, req.buyer, win.id, address_id=address.id)
    hours = app.config["SOURCING_ORDER_PAYMENT_HOURS"]
    assert as_utc(order.expires_at) - as_utc(order.created_at) == dt.timedelta(hours=hours)
