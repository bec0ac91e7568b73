"""Scopes of personal API tokens: chosen at creation (page and API), never above the user, enforced
on every API route; session requests are not limited by them."""

from __future__ import annotations

import re

import pytest

from marketplace.accounts import services as svc
from marketplace.accounts.models import ApiToken
from marketplace.accounts.scopes import DEFAULT_SCOPES, ScopeError, token_allows


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("granted, needed, method, allowed", [
    ({"read"}, None, "GET", True),
    ({"read"}, ("buyer",), "GET", True),
    ({"read"}, ("buyer",), "POST", False),
    ({"read"}, None, "POST", False),  # a write that declares nothing is closed to tokens
    ({"buyer"}, ("buyer",), "POST", True),
    ({"buyer"}, ("buyer",), "GET", True),
    ({"buyer"}, ("read",), "GET", False),
    ({"buyer"}, None, "GET", True),  # public data and /me
    ({"merchant"}, ("buyer",), "GET", False),
    ({"merchant"}, ("buyer", "merchant"), "DELETE", True),
    ({"merchant"}, (), "POST", True),
])
def test_the_rule(granted, needed, method, allowed):
    assert token_allows(frozenset(granted), needed, method) is allowed


def test_default_scopes_are_read_and_buyer_as_before(app, db, make_user):
    user = make_user()
    row, token = svc.create_token(user, "old client")
    assert row.scopes == "read buyer" and DEFAULT_SCOPES == ("read", "buyer")
    client = app.test_client()
    assert client.get("/api/v1/orders", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/cart", headers=bearer(token)).status_code == 200


def test_api_creates_tokens_with_scopes_and_refuses_bad_ones(client, db, make_user, login):
    user = make_user()
    login(user)
    made = client.post("/api/v1/tokens", json={"name": "只读", "scopes": ["read"]})
    assert made.status_code == 201 and made.get_json()["scopes"] == ["read"]
    default = client.post("/api/v1/tokens", json={"name": "默认"}).get_json()
    assert default["scopes"] == ["buyer", "read"]
    assert {t["name"]: t["scopes"] for t in client.get("/api/v1/tokens").get_json()["tokens"]} == {
        "只读": ["read"], "默认": ["buyer", "read"]}
    for scopes, status in ((["admin"], 422), ([], 422), ("read", 422), ([1], 422), (["read", None], 422),
                           (["merchant"], 403), (["read", "merchant"], 403)):
        refused = client.post("/api/v1/tokens", json={"name": "x", "scopes": scopes})
        error = refused.get_json()["error"]
        assert refused.status_code == status and error["field"] == "scopes" and error["message"], scopes
    assert refused.get_json()["error"]["code"] == "scope_not_allowed"
    assert len(svc.list_tokens(user)) == 2


def test_shop_member_may_take_the_merchant_scope(make_user, make_shop):
    owner = make_user()
    make_shop(owner=owner)
    row, _token = svc.create_token(owner, "erp", ["merchant", "read"])
    assert row.scope_set == {"merchant", "read"} and row.scopes == "read merchant"
    with pytest.raises(ScopeError):
        svc.create_token(make_user(), "erp", ["merchant"])


def test_read_token_reads_but_never_writes(app, db, make_user, make_variant):
    user = make_user()
    other_row, _other = svc.create_token(user, "other")
    _row, token = svc.create_token(user, "read", ["read"])
    client = app.test_client()
    variant = make_variant()
    for path in ("/api/v1/me", "/api/v1/orders", "/api/v1/cart", "/api/v1/tokens", "/api/v1/products"):
        assert client.get(path, headers=bearer(token)).status_code == 200, path
    for method, path, body in (("post", "/api/v1/cart", {"variant_id": variant.id, "quantity": 1}),
                               ("post", "/api/v1/checkout", {}), ("post", "/api/v1/orders/1/cancel", {}),
                               ("delete", f"/api/v1/tokens/{other_row.id}", None)):
        refused = getattr(client, method)(path, json=body, headers=bearer(token))
        assert refused.status_code == 403, path
        error = refused.get_json()["error"]
        assert error["code"] == "insufficient_scope" and error["message"] and error["required_scopes"]
    assert db.session.get(ApiToken, other_row.id).revoked_at is None


def test_buyer_token_without_read(app, make_user, make_variant):
    user = make_user()
    _row, token = svc.create_token(user, "shop", ["buyer"])
    client = app.test_client()
    variant = make_variant()
    added = client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 1}, headers=bearer(token))
    assert added.status_code == 201
    assert client.get("/api/v1/orders", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    listed = client.get("/api/v1/tokens", headers=bearer(token))
    assert listed.status_code == 403 and listed.get_json()["error"]["required_scopes"] == ["read"]


def test_merchant_only_token_cannot_shop(app, make_user, make_shop, make_variant):
    owner = make_user()
    make_shop(owner=owner)
    _row, token = svc.create_token(owner, "erp", ["merchant"])
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["shop"]["role"] == "owner"
    assert client.get("/api/v1/orders", headers=bearer(token)).status_code == 403
    variant = make_variant()
    refused = client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 1}, headers=bearer(token))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_scope"


def test_sessions_are_not_limited_by_scopes(client, make_user, login, make_variant):
    user = make_user()
    login(user)
    variant = make_variant()
    assert client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 1}).status_code == 201
    assert client.get("/api/v1/tokens").status_code == 200


def test_token_page_offers_scopes_by_checkbox(client, db, make_user, make_shop, login):
    user = make_user()
    login(user)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert re.search(r'checked[^>]*value="read"', page) and re.search(r'checked[^>]*value="buyer"', page)
    assert 'value="merchant"' not in page
    created = client.post("/account/tokens", data={"name": "只读脚本", "scopes": ["read"]}).get_data(as_text=True)
    assert re.search(r'value="(mkt_[^"]+)"', created)
    assert svc.list_tokens(user)[0].scopes == "read"
    none = client.post("/account/tokens", data={"name": "空"}).get_data(as_text=True)
    assert "请至少选择一个权限范围" in none
    forged = client.post("/account/tokens", data={"name": "伪造", "scopes": ["merchant"]}).get_data(as_text=True)
    assert "只有店铺的店主或店员才能创建商家权限的令牌" in forged
    assert [t.name for t in svc.list_tokens(user)] == ["只读脚本"]
    make_shop(owner=user)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="merchant"' in page


def test_token_page_in_english(client, make_user, login):
    user = make_user(locale="en")
    login(user)
    client.post("/account/tokens", data={"name": "erp", "scopes": ["read", "buyer"]})
    page = client.get("/account/tokens", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Read: look up data (GET requests only)" in page and "Merchant" not in page
    assert ">Read</span>" in page and ">Buyer</span>" in page
