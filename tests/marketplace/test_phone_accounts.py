"""An account made with a mobile number has no e-mail and no password: every place that assumed
one (mail, admin pages, export, deletion, staff invitations, the API, the CLI) behaves."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from marketplace.accounts import phone_auth
from marketplace.accounts.models import CodePurpose, PhoneCode, User
from marketplace.accounts.passwords import UNUSABLE_PASSWORD
from marketplace.db import atomic, utcnow
from marketplace.extensions import limiter
from marketplace.mail.models import OutboxMessage
from marketplace.mail.services import LaterMail, queue_mail, queue_mail_later
from marketplace.shops.staff import invite_problem, invite_staff

PHONE = "+8615603700004"


@pytest.fixture
def farmer(db):
    """A phone-only account, made as the sign-up page makes it."""
    user = User(email=None, mobile=PHONE, name="郭老五", password_hash=UNUSABLE_PASSWORD, locale="zh_CN")
    db.session.add(user)
    db.session.commit()
    return user


def sign_in(client, db, user) -> None:
    """Through the real pages, with the code from the outbox."""
    assert client.post("/account/phone/login", data={"phone": user.mobile}).status_code == 303
    message = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    code = json.loads(message.sms_params)["code"]
    assert client.post("/account/phone/verify", data={"code": code}).status_code == 302


def test_no_mail_is_queued_for_an_account_without_an_address(app, db, farmer):
    with app.test_request_context(), atomic():
        assert queue_mail(farmer.email, "welcome", user=farmer, login_url="http://x/") is None
        queue_mail_later([LaterMail(farmer.email, "welcome", "zh_CN", {"user": farmer, "login_url": "x"})])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_his_pages_the_api_and_the_admins_pages_work(app, client, db, login, make_user, farmer):
    sign_in(client, db, farmer)
    profile = client.get("/account/").get_data(as_text=True)
    assert "+86 156 0370 0004" in profile and "/account/password" not in profile
    token = client.post("/api/v1/tokens", json={"name": "手机"}).get_json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["email"] is None and me["mobile"] == PHONE and me["display_name"] == "郭老五"
    client.post("/account/logout")

    admin = make_user(roles=("admin",))
    login(admin)
    listing = client.get("/admin/users?q=1560370").get_data(as_text=True)
    assert "156****0004" in listing and PHONE not in listing
    page = client.get(f"/admin/users/{farmer.id}").get_data(as_text=True)
    assert "+86 156 0370 0004" in page


def test_display_name_without_name_or_email_is_the_masked_number(farmer):
    farmer.name = ""
    assert farmer.display_name == "+86 156****0004"


def test_he_cannot_accept_a_staff_invitation_sent_to_an_address(app, db, make_shop, farmer):
    shop = make_shop()
    owner = shop.members[0].user
    with app.test_request_context():
        invite, _token = invite_staff(shop, "worker@example.com", owner)
    assert "worker@example.com" not in (invite_problem(invite, farmer) or "") and invite_problem(invite, farmer)


def test_his_export_holds_his_mobile_number(client, db, farmer):
    sign_in(client, db, farmer)
    response = client.post("/account/privacy/export")
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("data.json"))
    account = json.dumps(data, ensure_ascii=False)
    assert PHONE in account and '"email": null' in account


def test_he_deletes_his_account_after_a_fresh_sign_in_without_a_password(client, db, farmer):
    sign_in(client, db, farmer)
    page = client.get("/account/privacy").get_data(as_text=True)
    assert 'name="password"' not in page
    with atomic():
        db.session.get(User, farmer.id).last_login_at = utcnow() - dt.timedelta(minutes=30)
    refused = client.post("/account/delete", data={"confirm": "y"})
    assert refused.status_code == 422 and "重新登录" in refused.get_data(as_text=True)
    assert db.session.get(User, farmer.id).deleted_at is None

    limiter.reset()  # past the resend cooldown
    sign_in(client, db, farmer)
    response = client.post("/account/delete", data={"confirm": "y"})
    assert response.headers["Location"].endswith("/account/deleted")
    db.session.expire_all()
    user = db.session.get(User, farmer.id)
    assert user.deleted_at is not None and user.mobile is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PhoneCode)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.to_addr == PHONE)) == 0
    # the number is free again: a new account can be made with it
    phone_auth.send_code(PHONE, CodePurpose.REGISTER)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PhoneCode)) == 1


def test_the_cli_lists_him_by_his_number(app, farmer):
    result = app.test_cli_runner().invoke(args=["users", "list"])
    assert result.exit_code == 0 and PHONE in result.output


def test_the_demo_has_buyers_and_a_farmer_who_sign_in_by_phone(app, db):
    from marketplace.seed_data import DEMO_MOBILES, PHONE_ONLY_USERS

    result = app.test_cli_runner().invoke(args=["seed-demo", "--without", "catalog", "--without", "investment"])
    assert result.exit_code == 0, result.output
    assert "/account/phone/login" in result.output and "/admin/outbox" in result.output
    farmer_mobile = DEMO_MOBILES["suli@demo.example"]
    assert farmer_mobile.removeprefix("+86") in result.output
    for mobile in [farmer_mobile, DEMO_MOBILES["buyer@demo.example"], PHONE_ONLY_USERS[0][0]]:
        limiter.reset()
        client = app.test_client()
        user = db.session.scalar(sa.select(User).where(User.mobile == mobile))
        sign_in(client, db, user)
        with client.session_transaction() as s:
            assert s["_user_id"].startswith(f"{user.id}:")
    assert db.session.scalar(sa.select(User).where(User.mobile == farmer_mobile)).email == "suli@demo.example"
    # seeding again changes nothing
    assert app.test_cli_runner().invoke(args=["seed-demo", "--without", "catalog", "--without", "investment"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.mobile.is_not(None))) == 5
