"""Personal API tokens: the account page, bearer auth, revocation, hashed storage, JSON errors, CSRF."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as svc
from marketplace.accounts.models import ApiToken, User
from marketplace.extensions import db as _db
from marketplace.security import hash_token
from tests.conftest import csrf_token_from

PASSWORD = "correct horse 42"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_token_page_shows_plaintext_once_and_stores_only_the_hash(client, db, make_user, login):
    user = make_user()
    login(user)
    page = client.post("/account/tokens", data={"name": "进货系统", "scopes": ["read", "buyer"]}).get_data(as_text=True)
    token = re.search(r'value="(mkt_[^"]+)"', page).group(1)
    [row] = db.session.scalars(sa.select(ApiToken))
    assert row.token_hash == hash_token(token) and row.user_id == user.id
    assert row.prefix == token[:12]
    stored = [str(getattr(row, c.key)) for c in ApiToken.__table__.columns]
    assert not any(token in value for value in stored)
    later = client.get("/account/tokens").get_data(as_text=True)
    assert token not in later and row.prefix in later and "进货系统" in later


def test_bearer_token_authenticates_the_api_and_records_use(app, db, make_user):
    user = make_user()
    row, token = svc.create_token(user, "script")
    client = app.test_client()
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["email"], body["locale"], body["roles"], body["shop"]) == (
        user.id, user.email, "zh_CN", [], None)
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None
    # the token is for the API only: it does not open HTML pages
    assert client.get("/account/", headers=bearer(token)).status_code == 302


def test_me_includes_roles_and_shop_membership(app, make_user, make_shop):
    user = make_user(roles=["officer"])
    shop = make_shop(owner=user, name="柘城辣椒合作社")
    _row, token = svc.create_token(user, "x")
    body = app.test_client().get("/api/v1/me", headers=bearer(token)).get_json()
    assert body["roles"] == ["officer"]
    assert body["shop"] == {"id": shop.id, "slug": shop.slug, "name": "柘城辣椒合作社", "status": "approved",
                            "role": "owner"}


def test_revoked_unknown_and_inactive_tokens_get_401_json(app, db, make_user):
    user = make_user()
    row, token = svc.create_token(user, "old")
    client = app.test_client()
    assert svc.revoke_token(user, row.id) is not None
    for headers in (bearer(token), bearer("mkt_not-a-real-token"), {"Authorization": "Basic abc"}, {}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.get_json() == {"error": {"code": "unauthorized", "message": "需要登录或有效的 API 令牌"}}
    _row, live = svc.create_token(user, "live")
    svc.set_active(user, False)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(live)).status_code == 401


def test_api_create_list_revoke(app, client, make_user, login):
    user = make_user()
    _row, token = svc.create_token(user, "admin script")
    login(user)  # new tokens come from a signed-in session, never from a token
    created = client.post("/api/v1/tokens", json={"name": "库存同步"})
    assert created.status_code == 201
    client = app.test_client()
    new = created.get_json()
    assert new["token"].startswith("mkt_") and new["name"] == "库存同步" and new["prefix"] == new["token"][:12]
    listed = client.get("/api/v1/tokens", headers=bearer(token)).get_json()["tokens"]
    assert {t["name"] for t in listed} == {"admin script", "库存同步"}
    assert all("token" not in t for t in listed)
    assert client.delete(f"/api/v1/tokens/{new['id']}", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(new["token"])).status_code == 401
    assert client.delete(f"/api/v1/tokens/{new['id']}", headers=bearer(token)).status_code == 404


def test_a_token_cannot_create_a_token_that_would_outlive_it(app, db, make_user):
    """Issue 12 finding 3: a child token survived its parent's revocation. A token makes none."""
    user = make_user()
    _row, token = svc.create_token(user, "erp")
    refused = app.test_client().post("/api/v1/tokens", json={"name": "child"}, headers=bearer(token))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "token_cannot_create_tokens"
    assert [t.name for t in svc.list_tokens(user)] == ["erp"]


def test_foreign_token_cannot_be_revoked(app, client, db, make_user, login):
    owner, other = make_user(), make_user()
    row, token = svc.create_token(owner, "mine")
    _r, other_token = svc.create_token(other, "theirs")
    response = app.test_client().delete(f"/api/v1/tokens/{row.id}", headers=bearer(other_token))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    login(other)
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is None
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_token_page_revoke(client, db, make_user, login):
    user = make_user()
    row, _token = svc.create_token(user, "to revoke")
    login(user)
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert "to revoke" not in client.get("/account/tokens").get_data(as_text=True)


def test_json_errors_for_bad_bodies(app, client, make_user, login):
    user = make_user()
    _row, token = svc.create_token(user, "x")
    login(user)
    bad = client.post("/api/v1/tokens", data="not json", content_type="application/json")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_json"
    for body in ({}, {"name": ""}, {"name": 5}, {"name": "x" * 81}):
        response = client.post("/api/v1/tokens", json=body)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "invalid" and error["field"] == "name" and error["message"]
    assert len(svc.list_tokens(user)) == 1
    assert client.get("/api/v1/tokens/1", headers=bearer(token)).status_code == 405
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_session_json_write_needs_the_csrf_header(csrf_app):
    client = csrf_app.test_client()
    user = User(email="api@example.com", name="接口", password_hash=svc.hash_password(PASSWORD))
    _db.session.add(user)
    _db.session.commit()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    assert client.post("/account/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": token}).status_code == 302
    assert client.get("/api/v1/me").status_code == 200  # reads need no header
    refused = client.post("/api/v1/tokens", json={"name": "via session"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    assert svc.list_tokens(user) == []
    page_token = csrf_token_from(client.get("/account/tokens").get_data(as_text=True))
    ok = client.post("/api/v1/tokens", json={"name": "via session"}, headers={"X-CSRFToken": page_token})
    assert ok.status_code == 201
    # a bearer request carries no ambient credentials: no CSRF header needed
    other = csrf_app.test_client()
    first = _db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "via session"))
    listed = other.get("/api/v1/tokens", headers=bearer(ok.get_json()["token"]))
    assert listed.status_code == 200
    revoke = client.delete(f"/api/v1/tokens/{first.id}")  # the session still needs the header
    assert revoke.status_code == 400
    assert other.delete(f"/api/v1/tokens/{first.id}", headers=bearer(ok.get_json()["token"])).status_code == 204


def test_active_tokens_are_capped(make_user):
    user = make_user()
    rows = [svc.create_token(user, f"t{i}")[0] for i in range(svc.MAX_TOKENS)]
    with pytest.raises(svc.AccountError):
        svc.create_token(user, "one too many")
    svc.revoke_token(user, rows[0].id)
    assert svc.create_token(user, "room again")[0].id
