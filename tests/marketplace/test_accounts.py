"""Accounts: register, log in/out, remember me, profile, password change and reset."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as svc
from marketplace.accounts.models import Role, User
from marketplace.mail.models import OutboxMessage

PASSWORD = "correct horse 42"


def outbox(db, template=None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return list(db.session.scalars(query))


def users(db):
    return list(db.session.scalars(sa.select(User)))


def register(client, email="new@example.com", password="brave new pass 9", confirm=None, name="王老板", consent="y"):
    return client.post("/account/register", data={"email": email, "name": name, "password": password,
                                                   "confirm": confirm or password, "consent": consent})


def flashes(client):
    with client.session_transaction() as s:
        return [m for _c, m in s.get("_flashes", [])]


# --- registration ---------------------------------------------------------------------------------

def test_register_creates_user_logs_in_and_sends_welcome(client, db):
    response = register(client, email="  New.Buyer@Example.COM ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/registered")
    [user] = users(db)
    assert user.email == "new.buyer@example.com"
    assert user.name == "王老板"
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/account/").status_code == 200
    [mail] = outbox(db, "welcome")
    assert mail.to_addr == "new.buyer@example.com"


def test_duplicate_email_gives_identical_answer_and_warns_owner(app, db, make_user):
    owner = make_user(email="taken@example.com", locale="en")
    fresh_client, dup_client = app.test_client(), app.test_client()
    fresh = register(fresh_client, email="free@example.com")
    dup = register(dup_client, email="TAKEN@example.com")
    assert (fresh.status_code, fresh.headers["Location"]) == (dup.status_code, dup.headers["Location"])
    fresh_flash, dup_flash = flashes(fresh_client), flashes(dup_client)
    assert [f.replace("free@", "X@") for f in fresh_flash] == [f.replace("taken@", "X@") for f in dup_flash]
    # the taken account is unchanged; nobody was logged in as its owner
    db.session.expire_all()
    assert db.session.get(User, owner.id).password_hash == owner.password_hash
    assert len(users(db)) == 2
    assert dup_client.get("/account/").status_code == 302
    [warning] = outbox(db, "register_exists")
    assert warning.to_addr == "taken@example.com" and warning.locale == "en"
    assert [m.to_addr for m in outbox(db, "welcome")] == ["free@example.com"]


@pytest.mark.parametrize("password, email, fragment", [
    ("short1", "a@example.com", "至少 10 个字符"),
    ("12345678901234", "a@example.com", "不能全是数字"),
    ("longname@example.com", "longname@example.com", "不能与邮箱地址相同"),
    ("longname123", "longname123@example.com", "不能与邮箱地址相同"),
    ("Password123", "a@example.com", "太常见"),
    ("qwertyuiop", "a@example.com", "太常见"),
])
def test_weak_passwords_are_refused(client, db, password, email, fragment):
    response = register(client, email=email, password=password)
    assert response.status_code == 200
    assert fragment in response.get_data(as_text=True)
    assert users(db) == []


def test_register_refuses_mismatched_confirmation_and_bad_email(client, db):
    assert "两次输入的密码不一致" in register(client, confirm="something else 1").get_data(as_text=True)
    assert "有效的邮箱地址" in register(client, email="not-an-email").get_data(as_text=True)
    assert users(db) == []


# --- login, logout, remember me ----------------------------------------------------------------------

def test_login_and_logout(client, make_user, login):
    user = make_user()
    login(user)
    assert client.get("/account/").status_code == 200
    assert client.get("/account/logout").status_code == 405  # GET cannot log anyone out
    response = client.post("/account/logout")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302


def test_login_is_case_insensitive_and_records_time(client, db, make_user):
    user = make_user(email="mixed@example.com")
    response = client.post("/account/login", data={"email": "MIXED@Example.com ", "password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user):
    user = make_user()
    wrong = client.post("/account/login", data={"email": user.email, "password": "wrong password 1"})
    unknown = client.post("/account/login", data={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "邮箱或密码不正确" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


def test_remember_me_cookie_logs_in_a_new_browser(app, client, make_user, login):
    user = make_user()
    login(user, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only
    other = app.test_client()
    other.set_cookie("remember_token", cookie.value)
    assert other.get("/account/").status_code == 200
    # without remember me there is no such cookie
    third = app.test_client()
    third.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert third.get_cookie("remember_token") is None


def test_rehash_on_login_when_cost_changes(app, client, db, make_user):
    user = make_user()
    assert "t=1" in user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    assert client.post("/account/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    db.session.expire_all()
    new_hash = db.session.get(User, user.id).password_hash
    assert "t=2" in new_hash and svc.verify_password(new_hash, PASSWORD)


# --- password change -------------------------------------------------------------------------------------

def test_change_password_ends_other_sessions_and_remember_cookies(app, client, db, make_user, login):
    user = make_user()
    login(user, remember=True)
    old_cookie = client.get_cookie("remember_token").value
    other = app.test_client()
    other.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/account/").status_code == 200

    response = client.post("/account/password", data={"current": PASSWORD, "password": "a brand new secret 7",
                                                      "confirm": "a brand new secret 7"})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200  # this session survives
    assert other.get("/account/").status_code == 302  # the other one is gone
    stale = app.test_client()
    stale.set_cookie("remember_token", old_cookie)
    assert stale.get("/account/").status_code == 302
    assert client.get_cookie("remember_token").value != old_cookie  # re-issued for the new version
    db.session.expire_all()
    assert svc.verify_password(db.session.get(User, user.id).password_hash, "a brand new secret 7")
    [notice] = outbox(db, "password_changed")
    assert notice.to_addr == user.email and "/account/reset" in notice.body_text


def test_change_password_needs_current_password_and_policy(client, db, make_user, login):
    user = make_user()
    login(user)
    before = user.password_hash
    wrong = client.post("/account/password", data={"current": "not it at all", "password": "a brand new secret 7",
                                                   "confirm": "a brand new secret 7"})
    assert "当前密码不正确" in wrong.get_data(as_text=True)
    weak = client.post("/account/password", data={"current": PASSWORD, "password": "1234567890",
                                                  "confirm": "1234567890"})
    assert weak.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


# --- profile -----------------------------------------------------------------------------------------------

def test_profile_update(client, db, make_user, login):
    user = make_user()
    login(user)
    response = client.post("/account/", data={"name": "李经理", "phone": "0370-1234567", "locale": "en"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(User, user.id)
    assert (saved.name, saved.phone, saved.locale) == ("李经理", "0370-1234567", "en")
    bad = client.post("/account/", data={"name": "x", "phone": "<script>", "locale": "fr"})
    assert bad.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_profile_needs_login(client):
    response = client.get("/account/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# --- password reset ----------------------------------------------------------------------------------------

def _reset_link(db) -> str:
    [mail] = outbox(db, "password_reset")
    return re.search(r"http://localhost(/account/reset/\S+)", mail.body_text).group(1)


def test_reset_request_answers_the_same_for_unknown_addresses(client, db, make_user):
    user = make_user(locale="en")
    known = client.post("/account/reset", data={"email": user.email.upper()})
    unknown = client.post("/account/reset", data={"email": "ghost@example.com"})
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    [mail] = outbox(db, "password_reset")
    assert mail.to_addr == user.email and mail.locale == "en"


def test_reset_flow_and_token_is_single_use(client, db, make_user):
    user = make_user()
    client.post("/account/reset", data={"email": user.email})
    link = _reset_link(db)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "fresh start pass 3", "confirm": "fresh start pass 3"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/login")
    assert client.post("/account/login", data={"email": user.email, "password": "fresh start pass 3"}).status_code == 302
    # the same link again: the password changed, so the token is dead
    client.post("/account/logout")
    again = client.get(link)
    assert again.status_code == 302 and again.headers["Location"].endswith("/account/reset")
    again = client.post(link, data={"password": "another pass 44", "confirm": "another pass 44"})
    assert again.status_code == 302
    db.session.expire_all()
    assert svc.verify_password(db.session.get(User, user.id).password_hash, "fresh start pass 3")


def test_reset_token_dies_after_password_change(app, db, make_user):
    user = make_user()
    with app.test_request_context():
        token = svc.make_reset_token(user)
        assert svc.user_from_reset_token(token).id == user.id
        svc.set_password(user, "changed elsewhere 5")
        assert svc.user_from_reset_token(token) is None


def test_expired_and_tampered_reset_tokens(app, client, db, make_user):
    user = make_user()
    with app.test_request_context():
        token = svc.make_reset_token(user)
    assert svc.user_from_reset_token(token, max_age=-1) is None
    with pytest.raises(svc.AccountError):
        svc.reset_password(token, "never applied 99", max_age=-1)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(f"/account/reset/{token}").headers["Location"].endswith("/account/reset")
    app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert svc.user_from_reset_token(tampered) is None
    assert svc.user_from_reset_token("garbage") is None
    response = client.post(f"/account/reset/{tampered}", data={"password": "hacked pass 123",
                                                               "confirm": "hacked pass 123"})
    assert response.status_code == 302
    db.session.expire_all()
    assert svc.verify_password(db.session.get(User, user.id).password_hash, PASSWORD)


def test_reset_refused_for_inactive_user(client, db, make_user):
    user = make_user(active=False)
    client.post("/account/reset", data={"email": user.email})
    assert outbox(db, "password_reset") == []


# --- roles and deactivation helpers (the admin module audits) ------------------------------------------------

def test_grant_and_revoke_role(db, make_user):
    admin, user = make_user(roles=[Role.ADMIN]), make_user()
    assert svc.grant_role(user, Role.OFFICER, actor=admin) is True
    assert svc.grant_role(user, "officer", actor=admin) is False
    db.session.commit()
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.has_role(Role.OFFICER) and user.roles[0].granted_by_id == admin.id
    assert svc.revoke_role(user, Role.OFFICER) is True
    assert svc.revoke_role(user, Role.OFFICER) is False
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == []


def test_deactivation_ends_sessions(client, db, make_user, login):
    user = make_user()
    login(user)
    assert svc.set_active(user, False) is True
    db.session.commit()
    assert client.get("/account/").status_code == 302
