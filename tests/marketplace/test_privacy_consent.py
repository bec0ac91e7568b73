"""Consent at sign-up (no consent, no account), the policy pages, and a new policy version asked again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.mail.models import OutboxMessage
from marketplace.privacy.models import ConsentRecord

FORM = {"email": "new.buyer@example.com", "name": "王老板", "password": "brave new pass 9",
        "confirm": "brave new pass 9"}


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.mark.parametrize("consent", [None, ""])
def test_registration_without_consent_is_refused_and_creates_nothing(client, db, consent):
    data = dict(FORM) if consent is None else {**FORM, "consent": consent}
    response = client.post("/account/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请阅读并勾选同意《隐私政策》和《用户协议》后再注册。" in html
    assert 'aria-invalid="true"' in html and 'id="consent-error"' in html
    assert (_count(db, User), _count(db, ConsentRecord), _count(db, OutboxMessage)) == (0, 0, 0)


def test_registration_without_consent_is_refused_in_english(client, db):
    client.post("/language", data={"locale": "en", "next": "/"})
    html = client.post("/account/register", data=FORM).get_data(as_text=True)
    assert "Please read and tick your agreement to the Privacy Policy and the User Agreement" in html
    assert _count(db, User) == 0


def test_the_service_refuses_too(app, db):
    from marketplace.accounts.services import AccountError, register_user

    with pytest.raises(AccountError) as refused, app.test_request_context():
        register_user("svc@example.com", "brave new pass 9")
    assert refused.value.field == "consent"
    assert _count(db, User) == 0


def test_register_form_links_both_documents(client):
    html = client.get("/account/register").get_data(as_text=True)
    assert 'type="checkbox" id="consent" name="consent"' in html
    assert '我已阅读并同意《<a href="/privacy"' in html and '》和《<a href="/terms"' in html


def test_consent_is_recorded_with_version_time_and_a_hashed_address(app, client, db):
    response = client.post("/account/register", data={**FORM, "consent": "y"},
                           environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    record = db.session.scalar(sa.select(ConsentRecord))
    assert (record.user_id, record.policy_version, record.source) == (user.id, app.config["POLICY_VERSION"], "register")
    assert record.accepted_at is not None and record.ip_hash and len(record.ip_hash) == 32
    assert "203.0.113" not in record.ip_hash
    # signed in at once: no banner asking for the consent he just gave
    assert "consent-banner" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path, texts", [
    ("/privacy", ["隐私政策", "个人信息保护法", "我们收集哪些信息", "保存多久", "您的权利", "privacy@"]),
    ("/terms", ["用户协议", "中华人民共和国法律"]),
])
def test_policy_pages_in_chinese_and_english(app, client, path, texts):
    html = client.get(path).get_data(as_text=True)
    for text in texts:
        assert text in html, text
    assert app.config["POLICY_VERSION"] in html
    client.post("/language", data={"locale": "en", "next": "/"})
    english = client.get(path).get_data(as_text=True)
    assert "Personal Information Protection Law" in english or "laws of the People" in english
    from tests.marketplace.test_i18n import chinese_in

    assert chinese_in(english.replace(app.config["SITE_NAME"], "")) == []


def test_a_new_version_is_asked_for_and_accepted_once(app, client, db, make_user, login):
    user = make_user()
    db.session.add(ConsentRecord(user_id=user.id, policy_version="2020-01", source="register"))
    db.session.commit()
    app.config["POLICY_VERSION"] = "2099-01"
    login(user)
    home = client.get("/").get_data(as_text=True)
    assert 'class="consent-banner"' in home and "/privacy?next=" in home
    policy = client.get("/privacy?next=/categories").get_data(as_text=True)
    assert 'id="accept-policy"' in policy and "consent-banner" not in policy
    response = client.post("/privacy/accept", data={"next": "/categories"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/categories")
    client.post("/privacy/accept", data={"next": "//evil.example"})  # twice: one record; no open redirect
    records = list(db.session.scalars(sa.select(ConsentRecord).where(ConsentRecord.policy_version == "2099-01")))
    assert [(r.user_id, r.source) for r in records] == [(user.id, "renewal")]
    assert "consent-banner" not in client.get("/").get_data(as_text=True)
    assert 'id="accept-policy"' not in client.get("/privacy").get_data(as_text=True)


def test_accept_needs_a_signed_in_user(client, db):
    assert client.post("/privacy/accept").status_code == 302
    assert _count(db, ConsentRecord) == 0


def test_privacy_page_lists_the_users_consents(client, db, make_user, login, app):
    user = make_user()
    db.session.add(ConsentRecord(user_id=user.id, policy_version=app.config["POLICY_VERSION"], source="register"))
    db.session.commit()
    login(user)
    html = client.get("/account/privacy").get_data(as_text=True)
    assert f"版本 {app.config['POLICY_VERSION']}" in html and "注册时" in html
