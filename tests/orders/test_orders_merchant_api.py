"""The merchant's orders API (/api/v1/shops/<id>/orders...): list and read the shop's orders, confirm
an offline payment, accept, ship with tracking, ready for pickup; the same verbs and state machine
as the merchant pages (a repeat is a 409 that changes nothing), another shop's order is a 404."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.shops.models import ShopStatus
from orders import services
from orders.models import Order, OrderStatus, OrderStatusChange
from payments.models import Payment, PaymentStatus


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def merchant(app, make_user, make_shop):
    """(shop, client calling with the owner's merchant token)."""
    owner = make_user()
    shop = make_shop(owner=owner)
    _row, token = accounts.create_token(owner, "ERP", ["merchant"])
    client = app.test_client()

    class Erp:
        base = f"/api/v1/shops/{shop.id}/orders"

        def __getattr__(self, method):
            call = getattr(client, method)
            return lambda path, **kw: call(path, headers=bearer(token), **kw)

    return shop, Erp()


@pytest.fixture
def delivery_order(make_user, make_variant, user_cart, place, make_address):
    def make(shop):
        buyer = make_user()
        variant = make_variant(shop, stock=10)
        group = place(buyer, user_cart(buyer, [(variant, 2)]), choices={shop.id: "delivery"},
                      address=make_address(buyer))
        return group.orders[0]

    return make


def _history(order_id: int) -> list[OrderStatus]:
    return list(db.session.scalars(sa.select(OrderStatusChange.to_status).where(OrderStatusChange.order_id == order_id)
                                   .order_by(OrderStatusChange.id)))


def test_offline_payment_accept_and_ship_once(merchant, delivery_order):
    shop, erp = merchant
    order = delivery_order(shop)
    listed = erp.get(erp.base).get_json()
    assert [o["id"] for o in listed["items"]] == [order.id] and listed["items"][0]["address"]["recipient"]
    assert erp.get(erp.base, query_string={"status": "paid"}).get_json()["total"] == 0
    early = erp.post(f"{erp.base}/{order.id}/accept")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "invalid_transition"
    paid = erp.post(f"{erp.base}/{order.id}/paid")
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    payment = db.session.scalar(sa.select(Payment).where(Payment.order_id == order.id))
    assert payment.status == PaymentStatus.SUCCEEDED  # booked by payments, as from the page
    assert erp.post(f"{erp.base}/{order.id}/paid").status_code == 409
    assert erp.post(f"{erp.base}/{order.id}/accept").get_json()["status"] == "accepted"
    assert erp.post(f"{erp.base}/{order.id}/accept").status_code == 409  # a double submit changes nothing
    not_pickup = erp.post(f"{erp.base}/{order.id}/ready")
    assert not_pickup.status_code == 409 and not_pickup.get_json()["error"]["code"] == "wrong_fulfilment"
    shipped = erp.post(f"{erp.base}/{order.id}/ship", json={"carrier": "顺丰", "tracking_number": "SF1001"})
    body = shipped.get_json()
    assert shipped.status_code == 200 and (body["status"], body["carrier"], body["tracking_number"]) == (
        "shipped", "顺丰", "SF1001")
    again = erp.post(f"{erp.base}/{order.id}/ship", json={"carrier": "中通", "tracking_number": "ZT2"})
    assert again.status_code == 409
    db.session.expire_all()
    assert db.session.get(Order, order.id).tracking_number == "SF1001"
    assert _history(order.id) == [OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.ACCEPTED,
                                  OrderStatus.SHIPPED]
    assert erp.get(f"{erp.base}/{order.id}").get_json()["history"][-1]["status"] == "shipped"


def test_pickup_order_ready_with_or_without_a_code(merchant, placed_order):
    shop, erp = merchant
    _buyer, order, _v = placed_order(shop=shop)
    services.mark_paid(order, None)
    services.accept(order, None)
    refused = erp.post(f"{erp.base}/{order.id}/ship", json={"carrier": "顺丰", "tracking_number": "SF1"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "wrong_fulfilment"
    bad = erp.post(f"{erp.base}/{order.id}/ready", json={"pickup_code": "有字"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "pickup_code"
    ready = erp.post(f"{erp.base}/{order.id}/ready", json={"pickup_code": "A1B2"})
    assert ready.status_code == 200 and ready.get_json()["pickup"]["code"] == "A1B2"
    _b, other, _v = placed_order(shop=shop)
    services.mark_paid(other, None)
    services.accept(other, None)
    made = erp.post(f"{erp.base}/{other.id}/ready").get_json()["pickup"]["code"]
    assert len(made) == 6 and made.isdigit()


@pytest.mark.parametrize("body, field", [
    ({}, "carrier"), ({"carrier": "顺丰"}, "tracking_number"), ({"carrier": "", "tracking_number": "1"}, "carrier"),
    ({"carrier": "顺丰", "tracking_number": "x" * 61}, "tracking_number"),
    ({"carrier": 5, "tracking_number": "1"}, "carrier"), ({"carrier": "顺丰", "tracking_number": "1", "x": 1}, "x"),
])
def test_ship_needs_carrier_and_tracking(merchant, delivery_order, body, field):
    shop, erp = merchant
    order = delivery_order(shop)
    services.mark_paid(order, None)
    services.accept(order, None)
    refused = erp.post(f"{erp.base}/{order.id}/ship", json=body)
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == field
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.ACCEPTED


def test_bad_filters_and_paging(merchant):
    _shop, erp = merchant
    bad = erp.get(erp.base, query_string={"status": "lost"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "status"
    assert erp.get(erp.base, query_string={"page": "x"}).status_code == 400
    assert erp.get(erp.base, query_string={"page": "0", "per_page": "100000"}).get_json()["per_page"] == 100


def test_another_shops_orders_are_404(merchant, make_shop, delivery_order):
    shop, erp = merchant
    other = make_shop()
    foreign = delivery_order(other)
    for method, path in (("get", f"/api/v1/shops/{other.id}/orders"), ("get", f"{erp.base}/{foreign.id}"),
                         ("post", f"{erp.base}/{foreign.id}/paid"), ("post", f"{erp.base}/{foreign.id}/accept"),
                         ("post", f"/api/v1/shops/{other.id}/orders/{foreign.id}/paid")):
        assert getattr(erp, method)(path).status_code == 404, path
    db.session.expire_all()
    assert db.session.get(Order, foreign.id).status == OrderStatus.PENDING_PAYMENT
    assert erp.get(erp.base).get_json()["items"] == []


def test_buyer_token_and_suspended_shop(app, merchant, delivery_order, make_user):
    shop, erp = merchant
    order = delivery_order(shop)
    owner = shop.members[0].user
    _r, buyer_token = accounts.create_token(owner, "b", ["buyer"])
    client = app.test_client()
    refused = client.post(f"{erp.base}/{order.id}/paid", headers=bearer(buyer_token))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_scope"
    shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    assert erp.get(f"{erp.base}/{order.id}").status_code == 200
    # a suspended shop still serves the orders it has (as its pages do): the payment is confirmed
    suspended = erp.post(f"{erp.base}/{order.id}/paid")
    assert suspended.status_code == 200, suspended.get_json()
    db.session.expire_all()
    assert db.session.get(Order, order.id).status != OrderStatus.PENDING_PAYMENT
    # the buyer's own token never reaches the shop's orders
    _r, his = accounts.create_token(order.buyer, "mine", ["read", "buyer"])
    assert client.get(erp.base, headers=bearer(his)).status_code == 403
