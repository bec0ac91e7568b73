"""Sign-up and sign-in by mobile number: the pages, the one-time codes and their bad cases
(reused, expired, guessed, another purpose), the send limits, malformed and foreign numbers, and
control characters. Codes are read from the outbox, as a developer reads them."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.accounts import phone_auth
from marketplace.accounts.models import CodePurpose, PhoneCode, User
from marketplace.db import atomic, utcnow
from marketplace.mail.models import Channel, OutboxMessage, OutboxStatus
from marketplace.privacy.models import ConsentRecord

PHONE = "+8615603700003"
LOCAL = "156 0370 0003"


def last_code(db, phone: str = PHONE) -> str:
    """The code of the latest SMS to ``phone``, from the outbox (SMS_PROVIDER=outbox keeps it there)."""
    db.session.expire_all()
    message = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.channel == Channel.SMS, OutboxMessage.to_addr == phone).order_by(OutboxMessage.id.desc()))
    assert message is not None and message.status == OutboxStatus.HELD
    return json.loads(message.sms_params)["code"]


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def send(client, path="/account/phone/register", phone=LOCAL, **data):
    data = {"phone": phone, **({"consent": "y"} if path.endswith("register") else {}), **data}
    return client.post(path, data=data)


def verify(client, code):
    return client.post("/account/phone/verify", data={"code": code})


def signed_in_as(client) -> int | None:
    with client.session_transaction() as s:
        uid = s.get("_user_id")
    return int(uid.split(":")[0]) if uid else None


# --- numbers ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["15603700003", "156 0370 0003", "156-0370-0003", "+86 156 0370 0003",
                                   "0086 15603700003", "8615603700003", "１５６０３７００００３", " (+86) 156.0370.0003 "])
def test_a_mainland_mobile_number_is_stored_as_e164(app, typed):
    assert phone_auth.normalise_mobile(typed) == PHONE


@pytest.mark.parametrize(("typed", "message"), [
    ("", "请填写手机号"), ("12812345678", "有效的手机号"), ("1560370000", "有效的手机号"),
    ("156037000031", "有效的手机号"), ("0370-7123456", "有效的手机号"), ("+852 9123 4567", "中国大陆"),
    ("+1 415 555 0100", "中国大陆"), ("156o3700003", "有效的手机号"), ("156\t0370\n0003", "有效的手机号"),
    ("156\u200b03700003", "有效的手机号"), ("\u202e15603700003", "有效的手机号"), ("1" * 40, "有效的手机号"),
    ("156\x7f03700003", "有效的手机号"), ("١٥٦٠٣٧٠٠٠٠٣", "有效的手机号"),
])
def test_malformed_and_foreign_numbers_are_refused(app, typed, message):
    with pytest.raises(phone_auth.PhoneError, match=message) as refused:
        phone_auth.normalise_mobile(typed)
    assert refused.value.field == "phone"


@pytest.mark.parametrize("phone", ["12812345678", "+852 9123 4567", "156\t0370\n0003", "abc"])
def test_a_bad_number_on_the_form_sends_nothing_and_costs_no_send(client, db, phone):
    response = send(client, phone=phone)
    assert response.status_code == 200 and "has-error" in response.get_data(as_text=True)
    assert count(db, PhoneCode) == 0 and count(db, OutboxMessage) == 0
    assert send(client).status_code == 303, "a mistyped number does not start the cooldown"


def test_a_nul_in_the_number_is_refused_whole(client, db):
    assert send(client, phone="156\x0003700003").status_code == 400
    assert count(db, PhoneCode) == 0


# --- sign-up, sign-in ---------------------------------------------------------------------------------

def test_a_farmer_signs_up_with_his_mobile_number_and_no_email(client, db):
    response = send(client, name="马桂兰")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/phone/verify")
    page = client.get("/account/phone/verify").get_data(as_text=True)
    assert "156****0003" in page and PHONE not in page
    response = verify(client, last_code(db))
    assert response.headers["Location"].endswith("/account/phone/welcome")
    user = db.session.scalar(sa.select(User).where(User.mobile == PHONE))
    assert user.email is None and user.name == "马桂兰" and signed_in_as(client) == user.id
    assert db.session.scalar(sa.select(ConsentRecord.user_id)) == user.id
    assert "+86 156 0370 0003" in client.get("/account/phone/welcome").get_data(as_text=True)
    for page in ("/account/", "/account/privacy", "/account/tokens"):
        assert client.get(page).status_code == 200


def test_sign_up_needs_consent(client, db):
    response = client.post("/account/phone/register", data={"phone": LOCAL})
    assert response.status_code == 200 and count(db, PhoneCode) == 0


def test_sign_in_by_code_goes_to_the_next_page(client, db, make_user):
    user = make_user()
    with atomic():
        db.session.get(User, user.id).mobile = PHONE
    assert send(client, "/account/phone/login", next="/account/tokens").status_code == 303
    response = verify(client, last_code(db))
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/tokens")
    assert signed_in_as(client) == user.id
    assert db.session.get(User, user.id).last_login_at is not None


def test_no_enumeration_the_same_answer_and_the_same_sms_for_a_known_and_an_unknown_number(app, db, make_user):
    user = make_user()
    with atomic():
        db.session.get(User, user.id).mobile = "+8613903700001"
    answers = []
    for phone in ("139 0370 0001", "139 0370 0009"):
        client = app.test_client()
        response = send(client, "/account/phone/login", phone=phone)
        page = client.get("/account/phone/verify").get_data(as_text=True).replace(phone[-4:], "")
        answers.append((response.status_code, response.headers["Location"], page.count("verify")))
    assert answers[0] == answers[1]
    assert count(db, PhoneCode) == 2 and count(db, OutboxMessage) == 2


def test_a_proven_unknown_number_is_offered_sign_up_without_a_second_code(app, client, db):
    send(client, "/account/phone/login")
    response = verify(client, last_code(db))
    assert "/account/phone/register?phone=15603700003" in response.headers["Location"]
    assert signed_in_as(client) is None and count(db, User) == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "不用再收验证码" in page and ">注册</button>" in page
    assert send(app.test_client()).status_code == 429, "another session must wait for the cooldown and a code"
    response = send(client, name="马桂兰")  # within the cooldown: no code is needed, none is sent
    assert response.headers["Location"].endswith("/account/phone/welcome")
    user = db.session.scalar(sa.select(User).where(User.mobile == PHONE))
    assert signed_in_as(client) == user.id and count(db, PhoneCode) == 1
    assert db.session.scalar(sa.select(ConsentRecord.user_id)) == user.id


def test_the_proof_is_for_that_number_and_a_short_while(client, db):
    send(client, "/account/phone/login")
    verify(client, last_code(db))
    assert send(client, phone="139 0370 0009").status_code == 303, "another number needs its own code"
    with client.session_transaction() as s:
        s["phone_proven"] = {"phone": PHONE, "at": 0}
    assert send(client).status_code == 429 and count(db, User) == 0


def test_signing_up_with_a_registered_number_signs_its_account_in(client, db, make_user):
    user = make_user()
    with atomic():
        db.session.get(User, user.id).mobile = PHONE
    send(client)
    verify(client, last_code(db))
    assert signed_in_as(client) == user.id and count(db, User) == 1


def test_a_deactivated_account_cannot_sign_in_by_phone(client, db, make_user):
    user = make_user(active=False)
    with atomic():
        db.session.get(User, user.id).mobile = PHONE
    send(client, "/account/phone/login")
    verify(client, last_code(db))
    assert signed_in_as(client) is None


# --- bad codes ------------------------------------------------------------------------------------------

def test_a_code_works_once(app, db):
    phone_auth.send_code(PHONE, CodePurpose.LOGIN)
    code = last_code(db)
    row = phone_auth.check_code(PHONE, CodePurpose.LOGIN, code)
    with atomic():
        phone_auth._use(row)
    with pytest.raises(phone_auth.PhoneError, match="无效或已过期"):
        phone_auth.check_code(PHONE, CodePurpose.LOGIN, code)


def test_a_reused_code_does_not_sign_in_again(app, db, make_user):
    user = make_user()
    with atomic():
        db.session.get(User, user.id).mobile = PHONE
    first = app.test_client()
    send(first, "/account/phone/login")
    code = last_code(db)
    verify(first, code)
    assert signed_in_as(first) == user.id
    second = app.test_client()  # someone who saw the code, with his own pending step
    with second.session_transaction() as s:
        s["phone_code"] = {"purpose": "login", "phone": PHONE, "next": ""}
    response = verify(second, code)
    assert response.status_code == 200 and signed_in_as(second) is None


def test_an_expired_code_is_refused(client, db):
    send(client, "/account/phone/login")
    code = last_code(db)
    with atomic():
        db.session.execute(sa.update(PhoneCode).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    page = verify(client, code).get_data(as_text=True)
    assert "验证码无效或已过期" in page and signed_in_as(client) is None


def test_guessing_stops_at_the_attempt_limit_even_for_the_right_code(app, client, db, make_user):
    user = make_user()
    with atomic():
        db.session.get(User, user.id).mobile = PHONE
    send(client, "/account/phone/login")
    code = last_code(db)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    limit = app.config["SMS_CODE_MAX_ATTEMPTS"]
    for n in range(limit):
        page = verify(client, wrong).get_data(as_text=True)
        assert ("还可以再试" in page) if n < limit - 1 else ("错误次数太多" in page)
    assert "错误次数太多" in verify(client, code).get_data(as_text=True)
    assert signed_in_as(client) is None
    assert db.session.scalar(sa.select(PhoneCode.attempts)) == limit


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdef", "12 34 5x", ""])
def test_a_malformed_code_counts_no_attempt(client, db, typed):
    send(client, "/account/phone/login")
    assert verify(client, typed).status_code == 200
    assert db.session.scalar(sa.select(PhoneCode.attempts)) == 0


def test_a_code_is_bound_to_its_purpose_and_a_new_code_kills_the_old(app, db):
    phone_auth.send_code(PHONE, CodePurpose.REGISTER)
    code = last_code(db)
    with pytest.raises(phone_auth.PhoneError, match="无效或已过期"):
        phone_auth.check_code(PHONE, CodePurpose.LOGIN, code)
    phone_auth.send_code(PHONE, CodePurpose.REGISTER)
    with pytest.raises(phone_auth.PhoneError):
        phone_auth.check_code(PHONE, CodePurpose.REGISTER, code)
    assert phone_auth.check_code(PHONE, CodePurpose.REGISTER, last_code(db))


# --- send limits --------------------------------------------------------------------------------------------

def test_one_code_per_number_a_minute_whatever_the_purpose(app, client, db):
    assert send(client).status_code == 303
    again = send(client, "/account/phone/login")
    assert again.status_code == 429 and "60 秒内只能获取一次" in again.get_data(as_text=True)
    assert client.post("/account/phone/resend").status_code == 429
    assert count(db, PhoneCode) == 1
    assert send(client, phone="139 0370 0009").status_code == 303, "another number is not held up"


def test_the_daily_caps_per_number_and_per_address_hold(app, db):
    app.config.update(RATELIMIT_SMS_PHONE="3 per day", RATELIMIT_SMS_IP="4 per day")
    client = app.test_client()
    assert [send(client).status_code for _ in range(4)] == [303, 303, 303, 429]
    other = app.test_client()  # a fresh session from the same address
    assert send(other, phone="139 0370 0009").status_code == 303
    refused = send(other, phone="139 0370 0008")
    assert refused.status_code == 429 and "从您的网络" in refused.get_data(as_text=True)
    away = app.test_client()
    response = away.post("/account/phone/register", data={"phone": "139 0370 0007", "consent": "y"},
                         environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 303, "another address has its own cap"
    assert count(db, PhoneCode) == 5


# --- changing the number ------------------------------------------------------------------------------------

def test_a_user_with_an_email_adds_a_mobile_number_in_his_settings(client, db, make_user):
    user = make_user()
    client.post("/account/login", data={"email": user.email, "password": "correct horse 42"})
    assert send(client, "/account/phone/change").status_code == 303
    response = verify(client, last_code(db))
    assert response.headers["Location"].endswith("/account/")
    assert db.session.get(User, user.id).mobile == PHONE


def test_a_number_of_another_account_cannot_be_taken_and_a_change_code_is_the_asking_users(app, db, make_user):
    owner, other = make_user(), make_user()
    with atomic():
        db.session.get(User, owner.id).mobile = PHONE
    phone_auth.send_code(PHONE, CodePurpose.CHANGE_PHONE, user=other)
    with pytest.raises(phone_auth.PhoneError, match="无效或已过期"):
        phone_auth.change_mobile(owner, PHONE, last_code(db))  # not his code
    phone_auth.send_code(PHONE, CodePurpose.CHANGE_PHONE, user=other)
    with pytest.raises(phone_auth.PhoneError, match="另一个账号"):
        phone_auth.change_mobile(other, PHONE, last_code(db))
    assert db.session.get(User, other.id).mobile is None


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL=redis://127.0.0.1:6379/<n>")
def test_the_cooldown_holds_across_workers_sharing_redis(app_config, db):
    import redis

    prefix = f"t-{uuid.uuid4().hex}"
    app_config.update(RATELIMIT_STORAGE_URI=os.environ["TEST_REDIS_URL"], RATELIMIT_KEY_PREFIX=prefix)
    workers = [create_app(app_config), create_app(app_config)]  # two gunicorn workers, one Redis
    with workers[0].app_context():
        try:
            assert send(workers[0].test_client()).status_code == 303
            assert send(workers[1].test_client()).status_code == 429
            assert count(db, PhoneCode) == 1
            stored = redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).keys(f"*{prefix}*sms-phone*")
            assert stored, "the count is in Redis, where every worker sees it"
        finally:
            db.session.remove()


def test_codes_are_still_sent_and_limited_when_the_limit_store_is_down(app_config, db):
    app_config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"  # nothing listens there: memory fallback
    application = create_app(app_config)
    with application.app_context():
        try:
            client = application.test_client()
            assert send(client).status_code == 303
            assert send(client).status_code == 429
        finally:
            db.session.remove()


def test_old_code_rows_are_purged_by_their_job(app, db):
    from marketplace.jobs import run_job

    phone_auth.send_code(PHONE, CodePurpose.LOGIN)
    phone_auth.send_code("+8613903700009", CodePurpose.LOGIN)
    with atomic():
        db.session.execute(sa.update(PhoneCode).where(PhoneCode.phone == PHONE)
                           .values(expires_at=utcnow() - dt.timedelta(days=1, minutes=1)))
    assert run_job("accounts.purge_phone_codes") == 1
    assert db.session.scalars(sa.select(PhoneCode.phone)).all() == ["+8613903700009"]
