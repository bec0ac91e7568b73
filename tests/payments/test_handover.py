"""Offline methods as they work in China: 货到付款 / 到店自提付款 (the merchant accepts and hands over
before the money, then confirms it), 对公转账 with a remittance slip, each chosen per order; a
cancelled order voids its payment; a double confirmation is one effect; the ledger balances."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from marketplace.extensions import db
from orders.models import OrderStatus
from payments import ledger
from payments.models import LedgerEntry, Payment, PaymentMethod, PaymentStatus, ShopPaymentSettings

S = OrderStatus


@pytest.fixture
def stripe_keys():
    return False


def _bank(shop):
    db.session.add(ShopPaymentSettings(shop_id=shop.id, accepts_bank_transfer=True, accepts_cash=True,
                                       bank_name="中国银行商丘分行", account_name="虞城县钢卷尺厂",
                                       account_number="6216600000000002"))
    db.session.commit()


def _owner(order):
    return order.shop.members[0].user


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _payments(order_id):
    return list(db.session.scalars(sa.select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)))


def test_cash_at_handover_accept_ship_then_confirm_once(make_group, login, client):
    group = make_group()
    cash_order, other = group.orders
    _bank(other.shop)
    login(group.buyer)
    page = client.get(f"/payments/group/{group.id}").get_data(as_text=True)
    assert "到店自提付款" in page and "对公转账" in page
    # Per order: cash for one shop, transfer for the other.
    assert client.post(f"/payments/group/{group.id}/offline",
                       data={"method": "cash", "order_id": cash_order.id}).status_code == 302
    client.post(f"/payments/group/{group.id}/offline", data={"method": "bank_transfer", "order_id": other.id})
    assert [p.method for p in _payments(cash_order.id)] == [PaymentMethod.CASH]
    assert [p.method for p in _payments(other.id)] == [PaymentMethod.BANK_TRANSFER]
    client.post("/account/logout")

    login(_owner(cash_order))
    html = client.get(f"/merchant/orders/{cash_order.id}").get_data(as_text=True)
    assert 'id="accept-order"' in html and 'id="confirm-payment"' not in html
    assert client.post(f"/merchant/orders/{cash_order.id}/accept").status_code == 302
    db.session.expire_all()
    assert cash_order.status == S.ACCEPTED and cash_order.paid_at is None
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0  # nothing booked before the money
    client.post(f"/merchant/orders/{cash_order.id}/ready", data={"pickup_code": "8866"})
    html = client.get(f"/merchant/orders/{cash_order.id}").get_data(as_text=True)
    assert 'id="confirm-payment"' in html
    for _ in range(2):  # a double click: one booking
        assert client.post(f"/merchant/orders/{cash_order.id}/payment/confirm").status_code == 302
    db.session.expire_all()
    (payment,) = _payments(cash_order.id)
    assert payment.status == PaymentStatus.SUCCEEDED and cash_order.paid_at is not None
    assert cash_order.status == S.READY_FOR_PICKUP
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(LedgerEntry.txn)))
                             .where(LedgerEntry.order_id == cash_order.id)) == 2  # payment + kept by shop
    assert ledger.shop_balance(cash_order.shop_id) == -ledger.commission_for(cash_order)
    # Through the API, a third confirmation answers the booked payment and changes nothing.
    body = client.post(f"/api/v1/shops/{cash_order.shop_id}/orders/{cash_order.id}/payment/confirm").get_json()
    assert body["paid"] is True and body["method"] == "cash"
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(LedgerEntry.order_id == cash_order.id)) == 5
    # The other shop's order is not his.
    assert client.post(f"/merchant/orders/{other.id}/payment/confirm").status_code == 404
    assert client.get(f"/api/v1/shops/{cash_order.shop_id}/orders/{other.id}/payment").status_code == 404


def test_transfer_order_cannot_be_accepted_unpaid(make_group, login, client):
    group = make_group()
    order = group.orders[0]
    _bank(order.shop)
    login(group.buyer)
    client.post(f"/payments/group/{group.id}/offline", data={"method": "bank_transfer", "order_id": order.id})
    client.post("/account/logout")
    login(_owner(order))
    client.post(f"/merchant/orders/{order.id}/accept")
    r = client.post(f"/api/v1/shops/{order.shop_id}/orders/{order.id}/accept")
    assert r.status_code == 409
    db.session.expire_all()
    assert order.status == S.PENDING_PAYMENT


def test_slip_upload_private_and_checked_then_merchant_confirms(make_group, login, client, make_user):
    group = make_group()
    order = group.orders[0]
    _bank(order.shop)
    login(group.buyer)
    client.post(f"/payments/group/{group.id}/offline", data={"method": "bank_transfer", "order_id": order.id})
    (payment,) = _payments(order.id)
    html = client.get(f"/payments/group/{group.id}/offline").get_data(as_text=True)
    assert payment.reference_code in html and "6216600000000002" in html
    # Not an image or a PDF; a PDF with a script: refused, nothing changes.
    for name, data in (("slip.txt", b"hello, I paid"), ("slip.pdf", b"%PDF-1.4\n/JavaScript (app.alert(1))\n%%EOF"),
                       ("slip.png", b"\x89PNG\r\n\x1a\nbroken")):
        r = client.post(f"/payments/{payment.id}/slip", data={"slip": (io.BytesIO(data), name)},
                        content_type="multipart/form-data", follow_redirects=True)
        assert r.status_code == 200
        db.session.expire_all()
        assert payment.status == PaymentStatus.PENDING and payment.slip_key is None
    r = client.post(f"/payments/{payment.id}/slip", data={"slip": (io.BytesIO(_png()), "回单.png")},
                    content_type="multipart/form-data")
    db.session.expire_all()
    assert payment.status == PaymentStatus.PROCESSING and payment.slip_key.startswith("private/slips/")
    slip = client.get(f"/payments/{payment.id}/slip")
    assert slip.status_code == 200 and slip.headers["X-Content-Type-Options"] == "nosniff"
    assert slip.mimetype == "image/webp" and "no-store" in slip.headers["Cache-Control"]
    slip.close()
    # Choosing another way once a slip is up is refused.
    client.post(f"/payments/group/{group.id}/offline", data={"method": "cash", "order_id": order.id})
    assert [p.method for p in _payments(order.id)] == [PaymentMethod.BANK_TRANSFER]
    client.post("/account/logout")
    # Another user, another shop's merchant: 404.
    stranger = make_user()
    login(stranger)
    assert client.get(f"/payments/{payment.id}/slip").status_code == 404
    client.post("/account/logout")
    login(_owner(group.orders[1]))
    assert client.get(f"/merchant/orders/{order.id}/slip/{payment.id}").status_code == 404
    client.post("/account/logout")
    login(_owner(order))
    api = client.get(f"/api/v1/shops/{order.shop_id}/orders/{order.id}/payment").get_json()
    assert api["status"] == "processing" and api["confirmable"] and api["slip_url"]
    merchant_view = client.get(api["slip_url"])
    assert merchant_view.status_code == 200
    merchant_view.close()
    assert client.post(f"/merchant/orders/{order.id}/payment/confirm").status_code == 302
    db.session.expire_all()
    assert order.status == S.PAID and payment.status == PaymentStatus.SUCCEEDED


def test_pdf_slip_is_kept_and_served_as_a_download(make_group, login, client):
    group = make_group()
    order = group.orders[0]
    _bank(order.shop)
    login(group.buyer)
    client.post(f"/payments/group/{group.id}/offline", data={"method": "bank_transfer", "order_id": order.id})
    (payment,) = _payments(order.id)
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    client.post(f"/payments/{payment.id}/slip", data={"slip": (io.BytesIO(pdf), "回单.pdf")},
                content_type="multipart/form-data")
    r = client.get(f"/payments/{payment.id}/slip")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment")
    r.close()


@pytest.mark.parametrize("who", ["buyer", "merchant", "expiry"])
def test_cancelling_voids_the_payment(make_group, login, client, who):
    group = make_group()
    order = group.orders[0]
    login(group.buyer)
    client.post(f"/payments/group/{group.id}/offline", data={"method": "cash", "order_id": order.id})
    if who == "buyer":
        client.post(f"/orders/{order.id}/cancel", data={"reason": "买错了"})
    elif who == "merchant":
        client.post("/account/logout")
        login(_owner(order))
        client.post(f"/merchant/orders/{order.id}/accept")  # accepted unpaid, then cancelled
        client.post(f"/merchant/orders/{order.id}/cancel", data={"reason": "缺货"})
    else:
        import datetime as dt

        from marketplace.db import utcnow
        from orders import services as orders

        orders.expire_overdue(now=utcnow() + dt.timedelta(days=30))
    db.session.expire_all()
    assert order.status in (S.CANCELLED, S.EXPIRED)
    assert [p.status for p in _payments(order.id)] == [PaymentStatus.CANCELED]
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0


def test_concurrent_confirmations_book_the_money_once(make_group, login, client, app):
    import threading

    from orders import services as orders
    from orders.models import Order
    from payments import offline

    group = make_group()
    order = group.orders[0]
    login(group.buyer)
    client.post(f"/payments/group/{group.id}/offline", data={"method": "cash", "order_id": order.id})
    orders.accept(order, _owner(order))
    barrier, results = threading.Barrier(4), []

    def confirm():
        with app.app_context():
            mine = db.session.get(Order, order.id)
            barrier.wait(timeout=30)
            try:
                offline.confirm_received(mine, None)
                results.append("ok")
            except Exception as exc:  # noqa: BLE001 - SQLite may report a busy database: nothing booked then
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert "ok" in results, results
    db.session.expire_all()
    assert [p.status for p in _payments(order.id)] == [PaymentStatus.SUCCEEDED]
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(LedgerEntry.order_id == order.id)) == 5
