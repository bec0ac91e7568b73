"""SMS through the outbox: the aliyun provider (the real SDK against a local SendSms stand-in), its
failures and retries, and the outbox provider of development (kept and logged, never "sent")."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.accounts import phone_auth
from marketplace.accounts.models import CodePurpose, PhoneCode
from marketplace.config import ConfigError
from marketplace.db import atomic, utcnow
from marketplace.mail.models import Channel, OutboxMessage, OutboxStatus
from marketplace.mail.sms import REDACTED, deliver_sms
from tests.marketplace.aliyun_fake import ACCESS_KEY_ID, ACCESS_KEY_SECRET, FakeAliyunSms

PHONE = "+8613903701234"


@pytest.fixture
def aliyun():
    with FakeAliyunSms() as fake:
        yield fake


@pytest.fixture
def app_config(app_config, aliyun):
    """Every app of this module sends through the aliyun provider, to the local stand-in."""
    app_config.update(SMS_PROVIDER="aliyun", SMS_ACCESS_KEY_ID=ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
                      SMS_SIGN_NAME="商丘集市", SMS_TEMPLATE_CODE="SMS_465812345", SMS_ENDPOINT=aliyun.endpoint,
                      SMS_TIMEOUT_SECONDS=3)
    return app_config


def sms_rows(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == Channel.SMS)
                                   .order_by(OutboxMessage.id)))


def test_a_code_is_sent_through_the_aliyun_sdk_and_blanked_in_the_outbox(app, db, aliyun):
    phone_auth.send_code("139 0370 1234", CodePurpose.LOGIN)

    assert len(aliyun.requests) == 1, "sent once, right after the commit"
    sent = aliyun.requests[0]
    assert sent["PhoneNumbers"] == "13903701234"  # a mainland number goes without +86
    assert sent["SignName"] == "商丘集市" and sent["TemplateCode"] == "SMS_465812345"
    code = json.loads(sent["TemplateParam"])["code"]
    assert len(code) == 6 and code.isdigit()

    (message,) = sms_rows(db)
    assert message.status == OutboxStatus.SENT and message.to_addr == PHONE and message.attempts == 0
    assert code not in message.body_text and REDACTED in message.body_text
    assert message.sms_params is None, "the code leaves the outbox once sent"
    row = db.session.scalar(sa.select(PhoneCode))
    assert code not in (row.code_hash, str(row.id)) and len(row.code_hash) == 64
    # and the code works
    assert phone_auth.check_code(PHONE, CodePurpose.LOGIN, code).id == row.id


def test_a_refused_number_is_failed_with_aliyuns_reason_and_not_retried(app, db, aliyun):
    aliyun.answers.append((200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}))
    phone_auth.send_code(PHONE, CodePurpose.REGISTER)
    (message,) = sms_rows(db)
    assert message.status == OutboxStatus.FAILED and message.next_attempt_at is None
    assert "isv.MOBILE_NUMBER_ILLEGAL" in message.last_error and message.last_error.startswith("refused")
    assert message.sms_params is None and REDACTED in message.body_text, "a given-up code leaves the outbox too"
    assert deliver_sms() == {} and len(aliyun.requests) == 1


@pytest.mark.parametrize("answer", [
    (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}),
    (503, {"Code": "ServiceUnavailable", "Message": "The request has failed due to a temporary failure."}),
    (400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control."}),
])
def test_a_transient_failure_is_retried_until_it_is_sent(app, db, aliyun, answer):
    aliyun.answers.append(answer)
    phone_auth.send_code(PHONE, CodePurpose.LOGIN)
    (message,) = sms_rows(db)
    assert message.status == OutboxStatus.QUEUED and message.attempts == 1
    assert message.last_error.startswith("transient") and message.next_attempt_at is not None

    assert deliver_sms() == {}, "not due before its backoff"
    with atomic():
        message.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
    assert deliver_sms() == {"sent": 1}
    (message,) = sms_rows(db)
    assert message.status == OutboxStatus.SENT and len(aliyun.requests) == 2
    assert aliyun.requests[0]["TemplateParam"] == aliyun.requests[1]["TemplateParam"], "the same code, not lost"


def test_wrong_keys_are_a_refusal_not_a_retry(app_config, db, aliyun):
    app_config["SMS_ACCESS_KEY_SECRET"] = "not-the-secret"
    app = create_app(app_config)
    with app.app_context():
        phone_auth.send_code(PHONE, CodePurpose.LOGIN)
        (message,) = sms_rows(db)
        assert message.status == OutboxStatus.FAILED and "SignatureDoesNotMatch" in message.last_error
        assert aliyun.requests == []
        db.session.remove()


def test_an_unreachable_provider_is_retried_and_given_up_once_the_code_has_expired(app, db, aliyun):
    aliyun.__exit__()  # nobody answers on that port any more
    phone_auth.send_code(PHONE, CodePurpose.LOGIN)
    (message,) = sms_rows(db)
    assert message.status == OutboxStatus.QUEUED and message.attempts == 1 and "transient" in message.last_error
    with atomic():
        message.created_at = utcnow() - dt.timedelta(seconds=app.config["SMS_MAX_AGE_SECONDS"] + 1)
        message.next_attempt_at = None
    assert deliver_sms() == {"failed": 1}
    (message,) = sms_rows(db)
    assert message.status == OutboxStatus.FAILED and message.last_error == "expired before it could be sent"


def test_nothing_is_sent_when_the_transaction_rolls_back(app, db, aliyun):
    with pytest.raises(RuntimeError), atomic():
        phone_auth.send_code(PHONE, CodePurpose.LOGIN)
        raise RuntimeError("the surrounding action failed")
    assert aliyun.requests == [] and sms_rows(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PhoneCode)) == 0


@pytest.mark.parametrize(("settings", "message"), [
    ({"SMS_PROVIDER": "carrier-pigeon"}, "is not one of aliyun, outbox"),
    ({"SMS_PROVIDER": "aliyun", "SMS_SIGN_NAME": None}, "needs SMS_SIGN_NAME"),
])
def test_a_wrong_provider_setting_stops_the_app_at_start(app_config, settings, message):
    app_config.update(settings)
    with pytest.raises(ConfigError, match=message):
        create_app(app_config)


def test_the_outbox_provider_keeps_and_logs_the_message_and_never_calls_it_sent(app_config, db, aliyun, caplog):
    app_config["SMS_PROVIDER"] = "outbox"
    app = create_app(app_config)
    with app.app_context(), caplog.at_level(logging.INFO, logger="marketplace.sms"):
        phone_auth.send_code(PHONE, CodePurpose.REGISTER, locale="en")
        (message,) = sms_rows(db)
        code = json.loads(message.sms_params)["code"]
        assert message.status == OutboxStatus.HELD and message.sent_at is None
        assert message.subject == "SMS: verification code (sign up)"
        assert code in message.body_text and "valid for 5 minutes" in message.body_text
        logged = [r.getMessage() for r in caplog.records if "NOT SENT" in r.getMessage()]
        assert len(logged) == 1 and code in logged[0] and "139****1234" in logged[0] and PHONE not in logged[0]
        assert deliver_sms() == {}, "a held message is not handed over again"
        assert aliyun.requests == []
        db.session.remove()


def test_notices_go_by_the_approved_template_of_each_and_keep_their_text(app_config, db, aliyun, make_user):
    """An account with a mobile number only gets its notices by SMS, each through the provider
    template approved for it (SMS_NOTICE_TEMPLATES); a notice without one is not sent."""
    from marketplace.mail.notices import notify

    app_config.update(SMS_NOTICE_TEMPLATES={"order_shipped": "SMS_470000001"})
    application = create_app(app_config)
    with application.app_context():
        user = make_user(mobile=PHONE)
        with atomic():
            notify(user, "order_shipped", sms={"order": "20261205-000001-1", "shop": "宁陵酥梨合作社"})
            notify(user, "order_ready", sms={"order": "20261205-000001-2", "shop": "宁陵酥梨合作社"})
        sent = [r for r in aliyun.requests if r["TemplateCode"] == "SMS_470000001"]
        assert len(sent) == 1 and json.loads(sent[0]["TemplateParam"]) == {"order": "20261205-000001-1",
                                                                            "shop": "宁陵酥梨合作社"}
        shipped, ready = sms_rows(db)
        assert shipped.status == OutboxStatus.SENT and "20261205-000001-1" in shipped.body_text  # no secret: kept
        assert ready.status == OutboxStatus.FAILED and "SMS_NOTICE_TEMPLATES" in ready.last_error
        assert not [r for r in aliyun.requests if "20261205-000001-2" in r.get("TemplateParam", "")]
