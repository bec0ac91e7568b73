"""Issue 12, finding 2: logging out, changing or resetting the password and deactivation end every
copy of the user's session: a copied session cookie and the remember-me cookie are dead afterwards.
Personal API tokens outlive a logout (they are revoked on their own) but not a deactivation."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as svc
from marketplace.accounts.models import User
from marketplace.mail.models import OutboxMessage

PASSWORD = "correct horse 42"
NEW_PASSWORD = "a brand new secret 7"


def _signed_in_copies(app, user) -> tuple:
    """Log ``user`` in with remember-me in one browser; return it and the two cookies an attacker
    could have copied from it."""
    browser = app.test_client()
    response = browser.post("/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    session, remember = browser.get_cookie("session"), browser.get_cookie("remember_token")
    assert session is not None and remember is not None
    return browser, session.value, remember.value


def _signed_in_with(app, *, session: str | None = None, remember: str | None = None) -> bool:
    replay = app.test_client()
    if session is not None:
        replay.set_cookie("session", session)
    if remember is not None:
        replay.set_cookie("remember_token", remember)
    return replay.get("/account/").status_code == 200


def _assert_copies_work(app, session, remember) -> None:
    assert _signed_in_with(app, session=session)
    assert _signed_in_with(app, remember=remember)


def _assert_copies_dead(app, session, remember) -> None:
    assert not _signed_in_with(app, session=session)
    assert not _signed_in_with(app, remember=remember)
    assert not _signed_in_with(app, session=session, remember=remember)


def test_logout_ends_every_copy_of_the_session_and_the_remember_cookie(app, make_user):
    user = make_user()
    browser, session, remember = _signed_in_copies(app, user)
    _other, other_session, other_remember = _signed_in_copies(app, user)  # another device
    _assert_copies_work(app, session, remember)
    assert "所有设备" in browser.get("/account/").get_data(as_text=True)  # the button says so beforehand
    response = browser.post("/account/logout", follow_redirects=True)
    _assert_copies_dead(app, session, remember)
    _assert_copies_dead(app, other_session, other_remember)  # "log out" is "log out everywhere"
    assert "所有设备" in response.get_data(as_text=True)  # and the page says so
    assert browser.post("/account/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert browser.get("/account/").status_code == 200  # signing in again works


def test_logout_without_a_session_changes_nothing(app, db, make_user):
    user = make_user()
    version = user.auth_version
    assert app.test_client().post("/account/logout").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).auth_version == version


def test_a_password_change_elsewhere_ends_the_copied_cookies(app, make_user):
    user = make_user()
    _browser, session, remember = _signed_in_copies(app, user)
    owner = app.test_client()
    owner.post("/account/login", data={"email": user.email, "password": PASSWORD})
    response = owner.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    _assert_copies_dead(app, session, remember)
    assert owner.get("/account/").status_code == 200  # the session that changed it goes on


def test_a_password_reset_ends_the_copied_cookies(app, db, make_user):
    user = make_user()
    _browser, session, remember = _signed_in_copies(app, user)
    other = app.test_client()
    other.post("/account/reset", data={"email": user.email})
    body = db.session.scalar(sa.select(OutboxMessage.body_text).where(OutboxMessage.template == "password_reset"))
    link = re.search(r"https?://[^/\s]+(/account/reset/\S+)", body).group(1)
    assert other.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    _assert_copies_dead(app, session, remember)


def test_deactivation_by_an_admin_ends_the_copied_cookies(app, make_user):
    user = make_user()
    admin = make_user(roles=["admin"])
    _browser, session, remember = _signed_in_copies(app, user)
    console = app.test_client()
    console.post("/account/login", data={"email": admin.email, "password": PASSWORD})
    assert console.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code in (302, 303)
    _assert_copies_dead(app, session, remember)
    # reactivation does not bring the old cookies back
    assert console.post(f"/admin/users/{user.id}/active", data={"active": "1"}).status_code in (302, 303)
    _assert_copies_dead(app, session, remember)


@pytest.mark.parametrize("session_ends", ["logout", "password"])
def test_api_tokens_outlive_a_logout_or_password_change(app, make_user, session_ends):
    user = make_user()
    browser, _session, _remember = _signed_in_copies(app, user)
    _row, token = svc.create_token(user, "进货系统")
    if session_ends == "logout":
        browser.post("/account/logout")
    else:
        browser.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    api = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.get_json()["id"] == user.id


def test_api_tokens_stop_working_when_the_user_is_deactivated(app, db, make_user):
    user = make_user()
    admin = make_user(roles=["admin"])
    _row, token = svc.create_token(user, "进货系统")
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    console = app.test_client()
    console.post("/account/login", data={"email": admin.email, "password": PASSWORD})
    console.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
