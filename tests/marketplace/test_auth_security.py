"""Authentication security: CSRF, open redirects, session fixation, brute force, inactive users."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.accounts import services as svc
from marketplace.accounts.models import User
from marketplace.extensions import db as _db
from tests.conftest import csrf_token_from, empty_tables

PASSWORD = "correct horse 42"


def _user(email="csrf@example.com", password=PASSWORD, active=True) -> User:
    user = User(email=email, name="测试", password_hash=svc.hash_password(password), active=active)
    _db.session.add(user)
    _db.session.commit()
    return user


def _post_login(client, email, password=PASSWORD, ip="127.0.0.1", **extra):
    return client.post("/account/login", data={"email": email, "password": password, **extra},
                       environ_base={"REMOTE_ADDR": ip})


# --- CSRF -----------------------------------------------------------------------------------------------

def test_forged_login_and_register_are_refused(csrf_app):
    client = csrf_app.test_client()
    _user()
    response = client.post("/account/login", data={"email": "csrf@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/account/").status_code == 302
    response = client.post("/account/register", data={"email": "forged@example.com", "password": "forged pass 123",
                                                      "confirm": "forged pass 123", "consent": "y"})
    assert response.status_code == 400
    assert _db.session.scalar(sa.select(User).where(User.email == "forged@example.com")) is None


def test_forged_password_change_and_logout_change_nothing(csrf_app):
    client = csrf_app.test_client()
    user = _user()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    assert client.post("/account/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": token}).status_code == 302
    before = user.password_hash
    forged = client.post("/account/password", data={"current": PASSWORD, "password": "evil new pass 66",
                                                     "confirm": "evil new pass 66"})
    assert forged.status_code == 400
    forged = client.post("/account/password", data={"current": PASSWORD, "password": "evil new pass 66",
                                                     "confirm": "evil new pass 66", "csrf_token": "bogus"})
    assert forged.status_code == 400
    _db.session.expire_all()
    assert _db.session.get(User, user.id).password_hash == before
    assert client.post("/account/logout").status_code == 400
    assert client.get("/account/").status_code == 200  # still logged in
    page_token = csrf_token_from(client.get("/account/").get_data(as_text=True))
    assert client.post("/account/logout", data={"csrf_token": page_token}).status_code == 302
    assert client.get("/account/").status_code == 302


def test_forged_token_creation_is_refused(csrf_app):
    client = csrf_app.test_client()
    user = _user()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    client.post("/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/account/tokens", data={"name": "evil"}).status_code == 400
    assert svc.list_tokens(user) == []


# --- open redirects ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "//evil.com", "/\\evil.com", "https://evil.com", "http://evil.com/path", "javascript:alert(1)",
    "%2F%2Fevil.com", "///evil.com", " //evil.com", "/\tevil.com",
    "\\\\evil.com", "https:/evil.com",
])
def test_login_refuses_open_redirects(client, make_user, target):
    user = make_user()
    page = client.get("/account/login", query_string={"next": target}).get_data(as_text=True)
    assert hidden_next(page) == ""
    response = _post_login(client, user.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_refuses_url_encoded_scheme_relative_next(client, make_user):
    user = make_user()
    # ?next=%2F%2Fevil.com decodes to //evil.com
    page = client.get("/account/login?next=%2F%2Fevil.com").get_data(as_text=True)
    assert hidden_next(page) == ""
    assert _post_login(client, user.email, next="%2F%2Fevil.com").headers["Location"] == "/"


def test_login_honours_a_local_next(client, make_user):
    user = make_user()
    page = client.get("/account/login", query_string={"next": "/account/tokens?x=1"}).get_data(as_text=True)
    assert 'value="/account/tokens?x=1"' in page
    response = _post_login(client, user.email, next="/account/tokens?x=1")
    assert response.headers["Location"] == "/account/tokens?x=1"


def test_login_required_redirect_round_trip(client, make_user):
    user = make_user()
    response = client.get("/account/tokens")
    assert response.status_code == 302 and "next=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    next_value = hidden_next(page)
    assert _post_login(client, user.email, next=next_value).headers["Location"] == "/account/tokens"


def hidden_next(html: str) -> str:
    import re

    return re.search(r'<input id="next"[^>]*value="([^"]*)"', html).group(1)


# --- session fixation -------------------------------------------------------------------------------------

def test_login_starts_a_fresh_session(client, make_user):
    user = make_user()
    with client.session_transaction() as s:
        s["planted"] = "by attacker"
        s["locale"] = "en"
    assert _post_login(client, user.email).status_code == 302
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["locale"] == "en"  # the language choice survives


# --- inactive users ------------------------------------------------------------------------------------------

def test_inactive_user_cannot_log_in_and_gets_the_generic_message(client, make_user):
    user = make_user(active=False)
    response = _post_login(client, user.email)
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


# --- brute force -----------------------------------------------------------------------------------------------

def test_login_limit_per_account_across_ips(app, client, make_user):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    user = make_user()
    for i in range(3):
        assert _post_login(client, user.email, "wrong guess 000", ip=f"10.0.0.{i + 1}").status_code == 200
    blocked = _post_login(client, user.email, ip="10.0.0.99")  # right password, new IP: still locked
    assert blocked.status_code == 429
    assert "操作太频繁" in blocked.get_data(as_text=True)
    assert client.get("/account/").status_code == 302
    # the limit is per account: another account from a fresh IP is fine
    other = make_user()
    assert _post_login(client, other.email, ip="10.0.1.1").status_code == 302


def test_account_limit_counts_by_normalised_email(app, client, make_user):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    user = make_user(email="victim@example.com")
    for i, variant in enumerate(["victim@example.com", "VICTIM@example.com", " Victim@Example.com"]):
        _post_login(client, variant, "wrong guess 000", ip=f"10.0.2.{i + 1}")
    assert _post_login(client, user.email, ip="10.0.2.50").status_code == 429


def test_login_limit_per_ip(app, client, make_user):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    for i in range(3):
        assert _post_login(client, f"spray{i}@example.com", "wrong guess 000", ip="10.9.9.9").status_code == 200
    assert _post_login(client, "spray9@example.com", "wrong guess 000", ip="10.9.9.9").status_code == 429
    user = make_user()
    assert _post_login(client, user.email, ip="10.9.9.10").status_code == 302


def test_successful_logins_do_not_lock_the_account(app, make_user):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    user = make_user()
    for i in range(5):
        assert _post_login(app.test_client(), user.email, ip=f"10.3.0.{i + 1}").status_code == 302


def test_login_page_get_is_not_limited(app, client):
    app.config["RATELIMIT_LOGIN"] = "2 per minute"
    for _ in range(5):
        assert client.get("/account/login").status_code == 200


def test_429_page_in_the_users_language(app, client):
    app.config["RATELIMIT_LOGIN"] = "1 per minute"
    client.post("/language", data={"locale": "en", "next": "/"})
    _post_login(client, "x@example.com", "wrong guess 000")
    blocked = _post_login(client, "x@example.com", "wrong guess 000")
    assert blocked.status_code == 429
    assert '<html lang="en">' in blocked.get_data(as_text=True)


def test_register_and_reset_requests_are_limited_per_ip(app, client, db):
    app.config["RATELIMIT_REGISTER"] = "2 per minute"
    app.config["RATELIMIT_RESET"] = "2 per minute"
    for i in range(2):
        client.post("/account/register", data={"email": f"r{i}@example.com", "password": "brave new pass 9",
                                               "confirm": "brave new pass 9", "consent": "y"}, environ_base={"REMOTE_ADDR": "10.5.0.1"})
        client.post("/account/logout", environ_base={"REMOTE_ADDR": "10.5.0.1"})
    third = client.post("/account/register", data={"email": "r3@example.com", "password": "brave new pass 9",
                                                   "confirm": "brave new pass 9", "consent": "y"}, environ_base={"REMOTE_ADDR": "10.5.0.1"})
    assert third.status_code == 429
    assert db.session.scalar(sa.select(User).where(User.email == "r3@example.com")) is None
    for _ in range(2):
        assert client.post("/account/reset", data={"email": "r0@example.com"},
                           environ_base={"REMOTE_ADDR": "10.5.0.2"}).status_code == 302
    assert client.post("/account/reset", data={"email": "r0@example.com"},
                       environ_base={"REMOTE_ADDR": "10.5.0.2"}).status_code == 429


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL=redis://127.0.0.1:6379/15")
def test_login_limit_with_redis_storage(app_config):
    app_config.update(RATELIMIT_STORAGE_URI=os.environ["TEST_REDIS_URL"], RATELIMIT_LOGIN="2 per minute",
                      RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    application = create_app(app_config)
    with application.app_context():
        try:
            user = _user(email="redis@example.com")
            client = application.test_client()
            for i in range(2):
                assert _post_login(client, user.email, "wrong guess 000", ip=f"10.7.0.{i}").status_code == 200
            assert _post_login(client, user.email, ip="10.7.0.9").status_code == 429
        finally:
            _db.session.remove()
    empty_tables(application)


def test_forms_stay_up_when_the_rate_limit_store_is_down(app_config, make_user):
    """Issue 12 finding 6: with Redis stopped the limiter falls back to memory, never a 500."""
    from marketplace import create_app

    app_config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"  # nothing listens there
    application = create_app(app_config)
    with application.app_context():
        user = make_user(email="down@example.com")
        client = application.test_client()
        for _ in range(3):
            response = _post_login(client, user.email, "wrong password 1", ip="10.7.7.7")
            assert response.status_code == 200  # the form again, with its message
        assert client.post("/account/register", data={"email": "new@example.com"}).status_code < 500
        assert _post_login(client, user.email, ip="10.7.7.8").status_code == 302


def test_production_answers_with_strict_transport_security(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["ENV"] = "production"
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
