"""The JSON API: cart, checkout, orders; token and session auth; errors with stable codes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog.models import ProductStatus, Variant
from marketplace.extensions import db
from orders.models import CartLine, Order, OrderGroup, OrderStatus


def lines() -> list[CartLine]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CartLine)))


def test_cart_crud_with_token(client, make_user, make_variant, token_for):
    user = make_user()
    auth = token_for(user)
    v = make_variant(price=1200, stock=100, tiers=((10, 1100),))
    r = client.post("/api/v1/cart", json={"variant_id": v.id, "quantity": 8}, headers=auth)
    assert r.status_code == 201, r.json
    body = r.json
    line = body["groups"][0]["lines"][0]
    assert line["unit_price_cents"] == 1200 and line["next_tier"]["more"] == 2
    r = client.patch("/api/v1/cart", json={"variant_id": v.id, "quantity": 10}, headers=auth)
    assert r.json["groups"][0]["lines"][0]["unit_price_cents"] == 1100
    assert r.json["subtotal_cents"] == 11_000
    r = client.patch("/api/v1/cart", json={"line_id": line["id"], "quantity": "12"}, headers=auth)
    assert r.json["groups"][0]["lines"][0]["quantity"] == 12
    assert client.get("/api/v1/cart", headers=auth).json["line_count"] == 1
    r = client.delete("/api/v1/cart", json={"line_id": line["id"]}, headers=auth)
    assert r.json["line_count"] == 0
    client.post("/api/v1/cart", json={"variant_id": v.id, "quantity": 1}, headers=auth)
    assert client.delete("/api/v1/cart", headers=auth).json["line_count"] == 0


@pytest.mark.parametrize("bad", [-1, 0, 1.5, 10**12, "abc", True, None, [], "1.5", 2.0, 10**7])
def test_bad_quantities_are_400_and_change_nothing(client, make_user, make_variant, token_for, bad):
    auth = token_for(make_user())
    v = make_variant(stock=100)
    r = client.post("/api/v1/cart", json={"variant_id": v.id, "quantity": bad}, headers=auth)
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_quantity"
    assert r.json["error"]["message"]
    assert lines() == []
    client.post("/api/v1/cart", json={"variant_id": v.id, "quantity": 3}, headers=auth)
    r = client.patch("/api/v1/cart", json={"variant_id": v.id, "quantity": bad}, headers=auth)
    assert r.status_code == 400 and lines()[0].quantity == 3


def test_errors_in_english_for_english_clients(client, make_user, make_variant, token_for):
    auth = token_for(make_user(locale="en"))
    v = make_variant(stock=100, moq=5)
    r = client.post("/api/v1/cart", json={"variant_id": v.id, "quantity": 1}, headers=auth)
    assert r.status_code == 400 and "5" in r.json["error"]["message"]


def test_foreign_line_and_missing_variant_are_404(client, make_user, make_variant, token_for, user_cart):
    other = make_user()
    v = make_variant()
    foreign = user_cart(other, [(v, 2)]).lines[0]
    auth = token_for(make_user())
    assert client.patch("/api/v1/cart", json={"line_id": foreign.id, "quantity": 1}, headers=auth).status_code == 404
    assert client.delete("/api/v1/cart", json={"line_id": foreign.id}, headers=auth).status_code == 404
    assert client.post("/api/v1/cart", json={"variant_id": 99999, "quantity": 1}, headers=auth).status_code == 404
    assert client.post("/api/v1/cart", json={"variant_id": "x", "quantity": 1}, headers=auth).status_code == 404
    assert lines()[0].quantity == 2
    assert client.post("/api/v1/cart", data="not json", headers=auth).status_code == 400


def test_checkout_defaults_to_pickup_and_is_idempotent(client, make_user, make_shop, make_variant, token_for):
    user = make_user()
    auth = token_for(user)
    a, b = make_variant(make_shop(), price=1000, stock=10), make_variant(make_shop(), price=500, stock=10)
    client.post("/api/v1/cart", json={"variant_id": a.id, "quantity": 2}, headers=auth)
    client.post("/api/v1/cart", json={"variant_id": b.id, "quantity": 1, "unit_price_cents": 1}, headers=auth)
    body = {"total_cents": 1, "status": "completed", "shop_id": 12345,
            "fulfilment": {"999999": "delivery"}}  # tampering has no effect
    headers = {**auth, "Idempotency-Key": "api-key-000001"}
    r = client.post("/api/v1/checkout", json=body, headers=headers)
    assert r.status_code == 201, r.json
    group = r.json
    assert group["total_cents"] == 2500
    assert {o["fulfilment"] for o in group["orders"]} == {"pickup"}
    assert {o["status"] for o in group["orders"]} == {"pending_payment"}
    again = client.post("/api/v1/checkout", json=body, headers=headers)
    assert again.status_code == 200 and again.json["id"] == group["id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 1
    listing = client.get("/api/v1/orders", headers=auth).json
    assert listing["total"] == 2
    detail = client.get(f"/api/v1/orders/{group['orders'][0]['id']}", headers=auth).json
    assert detail["lines"][0]["quantity"] in (1, 2) and detail["history"][0]["status"] == "pending_payment"


def test_checkout_errors(client, make_user, make_variant, token_for, make_address):
    user = make_user()
    auth = token_for(user)
    assert client.post("/api/v1/checkout", json={}, headers={**auth, "Idempotency-Key": "api-key-000002"}).json[
        "error"]["code"] == "empty_cart"
    v = make_variant(stock=10)
    client.post("/api/v1/cart", json={"variant_id": v.id, "quantity": 2}, headers=auth)
    r = client.post("/api/v1/checkout", json={"idempotency_key": "bad key!"}, headers=auth)
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_idempotency_key"
    r = client.post("/api/v1/checkout", json={"idempotency_key": 12345678}, headers=auth)
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_idempotency_key"
    r = client.post("/api/v1/checkout", json={"fulfilment": {str(v.product.shop_id): "teleport"}},
                    headers={**auth, "Idempotency-Key": "api-key-000003"})
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_fulfilment"
    r = client.post("/api/v1/checkout", json={"fulfilment": {str(v.product.shop_id): "delivery"}},
                    headers={**auth, "Idempotency-Key": "api-key-000004"})
    assert r.status_code == 422 and r.json["error"]["code"] == "cannot_fulfil"
    foreign = make_address(make_user())
    r = client.post("/api/v1/checkout", json={"fulfilment": {str(v.product.shop_id): "delivery"},
                                              "address_id": foreign.id},
                    headers={**auth, "Idempotency-Key": "api-key-000005"})
    assert r.status_code == 404
    v.product.status = ProductStatus.HIDDEN
    db.session.commit()
    r = client.post("/api/v1/checkout", json={}, headers={**auth, "Idempotency-Key": "api-key-000006"})
    assert r.status_code == 409 and r.json["error"]["code"] == "unavailable"
    assert db.session.get(Variant, v.id).stock == 10
    assert client.get("/api/v1/cart", headers=auth).json["groups"][0]["lines"][0]["problems"]


def test_checkout_needs_auth(client):
    r = client.post("/api/v1/checkout", json={})
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_refused_transition_is_409_with_code(client, make_user, token_for, placed_order):
    buyer, order, _v = placed_order()
    auth = token_for(buyer)
    r = client.post(f"/api/v1/orders/{order.id}/confirm", headers=auth)
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"
    r = client.post(f"/api/v1/orders/{order.id}/cancel", json={"reason": "不要了"}, headers=auth)
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    r = client.post(f"/api/v1/orders/{order.id}/cancel", headers=auth)
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"


def test_foreign_order_is_404(client, make_user, token_for, placed_order):
    _buyer, order, _v = placed_order()
    auth = token_for(make_user())
    assert client.get(f"/api/v1/orders/{order.id}", headers=auth).status_code == 404
    assert client.post(f"/api/v1/orders/{order.id}/cancel", headers=auth).status_code == 404
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PENDING_PAYMENT


def test_session_json_writes_need_csrf_header(csrf_app, make_variant):
    client = csrf_app.test_client()
    v = make_variant(stock=10)
    r = client.post("/api/v1/cart", json={"variant_id": v.id, "quantity": 1})
    assert r.status_code == 400 and r.json["error"]["code"] == "csrf_failed"
    assert lines() == []


def test_checkout_without_key_still_places_one_order(client, make_user, make_variant, token_for):
    auth = token_for(make_user())
    v = make_variant(stock=10)
    client.post("/api/v1/cart", json={"variant_id": v.id, "quantity": 2}, headers=auth)
    r = client.post("/api/v1/checkout", headers=auth)
    assert r.status_code == 201 and r.json["orders"][0]["fulfilment"] == "pickup"
    r = client.post("/api/v1/checkout", headers=auth)
    assert r.status_code == 400 and r.json["error"]["code"] == "empty_cart"
