"""The sourcing JSON API: the same rules as the pages (every answer checked against the OpenAPI
document by tests/api_conformance.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.extensions import db
from orders.models import Order
from sourcing.models import Quote, SourcingRequest
from tests.sourcing.conftest import category, county


def _token(user, scope: str) -> dict:
    _row, token = accounts.create_token(user, "api", [scope])
    return {"Authorization": f"Bearer {token}"}


def _body(**over) -> dict:
    today = dt.date.today()
    body = {"category": category("农产品/蔬菜").id, "title": "朝天椒", "quantity": 5, "unit": "吨",
            "target_price_cents": 1_200_000, "region": county("睢阳区").id,
            "quote_deadline": (today + dt.timedelta(days=7)).isoformat()}
    body.update(over)
    return body


def _quote_body(variant_id=None, price=1150, **over) -> dict:
    today = dt.date.today()
    line = {"variant_id": variant_id, "quantity": 5000, "unit_price_cents": price} if variant_id else {
        "name": "朝天椒", "unit": "吨", "quantity": 5, "unit_price_cents": price}
    body = {"lines": [line], "delivery_date": (today + dt.timedelta(days=10)).isoformat(),
            "valid_until": (today + dt.timedelta(days=14)).isoformat(), "freight_cents": 30_000}
    body.update(over)
    return body


def test_post_quote_revise_compare_accept(app, regions, make_user, veg_shop, make_address):
    client = app.test_client()
    buyer = make_user(name="李四")
    shop, variant = veg_shop()
    buyer_h, shop_h = _token(buyer, "buyer"), _token(shop.members[0].user, "merchant")
    created = client.post("/api/v1/sourcing/requests", json=_body(), headers=buyer_h)
    assert created.status_code == 201, created.get_json()
    req_id = created.get_json()["id"]
    assert created.get_json()["buyer"] == "李四" and created.get_json()["status"] == "open"
    board = client.get("/api/v1/sourcing/requests").get_json()
    assert board["total"] == 1 and board["items"][0]["buyer"] == "李**"
    assert client.get(f"/api/v1/shops/{shop.id}/sourcing/requests", headers=shop_h).get_json()["total"] == 1
    url = f"/api/v1/shops/{shop.id}/sourcing/requests/{req_id}/quote"
    first = client.post(url, json=_quote_body(variant.id), headers=shop_h)
    assert first.status_code == 201, first.get_json()
    again = client.post(url, json=_quote_body(variant.id, price=1100), headers=shop_h)
    assert again.status_code == 200 and again.get_json()["revision"] == 2
    assert client.get(f"/api/v1/shops/{shop.id}/sourcing/quotes", headers=shop_h).get_json()["total"] == 1
    compared = client.get(f"/api/v1/sourcing/requests/{req_id}/quotes", headers=buyer_h).get_json()["items"]
    assert compared[0]["lines"][0]["price_per_kg_cents"] == 1100 and compared[0]["total_cents"] == 5_530_000
    address = make_address(buyer)
    tampered = {"quote_id": compared[0]["id"], "address_id": address.id, "unit_price_cents": 1, "total_cents": 1}
    assert client.post(f"/api/v1/sourcing/requests/{req_id}/accept", json=tampered, headers=buyer_h).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    body = {"quote_id": compared[0]["id"], "address_id": address.id}
    accepted = client.post(f"/api/v1/sourcing/requests/{req_id}/accept", json=body, headers=buyer_h)
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["total_cents"] == 5_530_000
    assert db.session.get(Order, accepted.get_json()["order_id"]).shop_id == shop.id
    twice = client.post(f"/api/v1/sourcing/requests/{req_id}/accept", json=body, headers=buyer_h)
    assert twice.status_code == 409


def test_api_refusals(app, regions, make_user, veg_shop, post, send_quote, make_address):
    client = app.test_client()
    far, _v = veg_shop("柘城县")
    near, _v2 = veg_shop()
    req = post(visibility="region")
    stranger = make_user()
    stranger_h = _token(stranger, "buyer")
    assert client.get(f"/api/v1/sourcing/requests/{req.id}").status_code == 404
    assert client.get(f"/api/v1/sourcing/requests/{req.id}/quotes", headers=stranger_h).status_code == 404
    assert client.post(f"/api/v1/sourcing/requests/{req.id}/cancel", headers=stranger_h).status_code == 404
    quote = send_quote(req, near)
    body = {"quote_id": quote.id, "address_id": make_address(stranger).id}
    assert client.post(f"/api/v1/sourcing/requests/{req.id}/accept", json=body, headers=stranger_h).status_code == 404
    far_h = _token(far.members[0].user, "merchant")
    outside = client.post(f"/api/v1/shops/{far.id}/sourcing/requests/{req.id}/quote", json=_quote_body(), headers=far_h)
    assert outside.status_code == 404
    near_h = _token(near.members[0].user, "merchant")
    for bad in (_quote_body(price=-5), _quote_body(freight_cents=-1), _quote_body(price=10**15),
                _quote_body(lines=[]), _quote_body(message="\u0000")):
        response = client.post(f"/api/v1/shops/{near.id}/sourcing/requests/{req.id}/quote", json=bad, headers=near_h)
        assert response.status_code == 400, (bad, response.get_json())
    buyer_h = _token(make_user(), "buyer")
    for bad in (_body(quantity=-1), _body(quantity=10**12), _body(title="朝天\u0000椒"), _body(unit="x"),
                _body(target_price_cents=-1), _body(region=2**40)):
        assert client.post("/api/v1/sourcing/requests", json=bad, headers=buyer_h).status_code == 400, bad
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourcingRequest)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quote)) == 1


def test_posting_limit_is_a_429(app, regions, make_user):
    app.config["SOURCING_MAX_PER_DAY"] = 1
    client = app.test_client()
    headers = _token(make_user(), "buyer")
    assert client.post("/api/v1/sourcing/requests", json=_body(), headers=headers).status_code == 201
    assert client.post("/api/v1/sourcing/requests", json=_body(), headers=headers).status_code == 429


@pytest.mark.parametrize("path", ["/api/v1/sourcing/requests?category=999999", "/api/v1/sourcing/requests?county=5"])
def test_board_filters_that_match_nothing(app, regions, post, path):
    post()
    assert app.test_client().get(path).get_json()["total"] == 0


def test_a_draft_published_then_edited_into_a_new_revision(app, regions, make_user):
    client = app.test_client()
    buyer = make_user()
    headers = _token(buyer, "buyer")
    draft = client.post("/api/v1/sourcing/requests", json=_body(publish=False), headers=headers).get_json()
    assert draft["status"] == "draft"
    url = f"/api/v1/sourcing/requests/{draft['id']}"
    assert client.post(f"{url}/publish", headers=headers).get_json()["status"] == "open"
    assert client.post(f"{url}/publish", headers=headers).status_code == 409
    edited = client.put(url, json=_body(quantity=8), headers=headers)
    assert edited.status_code == 200 and edited.get_json()["revision"] == 2 and edited.get_json()["quantity"] == 8
    other = _token(make_user(), "buyer")
    assert client.put(url, json=_body(quantity=9), headers=other).status_code == 404
    assert client.post(f"{url}/cancel", headers=headers).get_json()["status"] == "cancelled"
    assert client.put(url, json=_body(quantity=9), headers=headers).status_code == 409
