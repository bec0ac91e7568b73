"""One bad message never stops the outbox (issue 12, finding 5).

A message the mail library refuses (a line break in a header) or the server refuses for good (5xx)
is marked failed with its reason, shown to the admin and by the CLI, and the others go out; a
transient refusal (4xx, the server down) is retried after a growing delay, a bounded number of
times. User text reaches a header only through ``marketplace.text.single_line``. Delivery runs
against a real SMTP server (aiosmtpd) on a free local port.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
import sqlalchemy as sa

from marketplace.db import as_utc, utcnow
from marketplace.mail.models import OutboxMessage, OutboxStatus
from marketplace.mail.services import MAX_ATTEMPTS, deliver, queue_mail, retry_delay
from marketplace.text import single_line
from tests.marketplace.test_mail import free_port, messages, queue, use_smtp

REFUSED = "nobody@example.com"   # the server answers 550: refused for good
GREYLISTED = "later@example.com"  # the server answers 451: try again later


class PickyInbox:
    """An aiosmtpd handler that refuses some recipients, for good or for now, and keeps the rest."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 no such user"
        if address == GREYLISTED:
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def inbox(app):
    from aiosmtpd.controller import Controller

    handler = PickyInbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(app, controller.port)
    app.config["MAIL_SEND_AFTER_REQUEST"] = False  # the test says when delivery runs
    yield handler
    controller.stop()


def _shop_mail_as_written_before_the_fix(make_shop, db) -> OutboxMessage:
    """The shop-approved mail of a shop whose name has a line break, with the subject built from the
    name as it was before subjects were cleaned (rows like it may sit in an outbox)."""
    shop = make_shop(name="好店\r\nBcc: victim@example.com")
    row = OutboxMessage(to_addr="owner@example.com", subject=f"您的店铺已开通：{shop.name}", locale="zh_CN",
                        body_text="您的店铺已开通。", template="shop_status")
    db.session.add(row)
    db.session.commit()
    return row


def test_a_message_with_a_line_break_in_its_subject_fails_alone_and_the_others_go_out(
        app, db, client, inbox, make_shop, make_user, login):
    [first] = queue(db, 1, to="first@example.com")
    bad = _shop_mail_as_written_before_the_fix(make_shop, db)
    [last] = queue(db, 1, to="last@example.com")

    result = app.test_cli_runner().invoke(args=["mail", "send"])

    assert [m["To"] for m in inbox.messages] == ["first@example.com", "last@example.com"]
    assert "Sent 2 message(s)" in result.output
    assert result.exit_code == 1  # something was given up: cron's mail says so
    assert f"#{bad.id}: invalid message: ValueError" in result.output and "Failed 1 message(s)" in result.output
    assert "Check next" not in result.output  # not an SMTP problem: no advice about the server
    by_id = {m.id: m for m in messages(db)}
    assert by_id[first.id].status == by_id[last.id].status == OutboxStatus.SENT
    failed = by_id[bad.id]
    assert failed.status == OutboxStatus.FAILED and failed.attempts == 1 and failed.next_attempt_at is None
    assert failed.last_error.startswith("invalid message: ValueError") and "linefeed" in failed.last_error

    again = app.test_cli_runner().invoke(args=["mail", "send"])
    assert again.exit_code == 0 and "No queued mail" in again.output and len(inbox.messages) == 2

    # the admin sees the failure and its reason where the outbox is shown
    login(make_user(email="outbox-admin@example.com", roles=("admin",)))
    listing = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "invalid message: ValueError" in listing and "first@example.com" not in listing
    page = client.get(f"/admin/outbox/{bad.id}").get_data(as_text=True)
    assert "invalid message: ValueError" in page
    listed = app.test_cli_runner().invoke(args=["mail", "list", "--status", "failed"])
    assert "error: invalid message: ValueError" in listed.output


def test_the_delivery_job_goes_past_a_bad_message_too(app, db, inbox, make_shop):
    queue(db, 1, to="a@example.com")
    bad = _shop_mail_as_written_before_the_fix(make_shop, db)
    queue(db, 2, to="b@example.com")
    assert deliver(limit=2) == (3, 1)  # batches of two: the bad one does not end the run
    assert len(inbox.messages) == 3
    assert db.session.get(OutboxMessage, bad.id).status == OutboxStatus.FAILED


def test_a_shop_name_with_control_characters_gives_a_one_line_subject(app, db, inbox, make_shop):
    shop = make_shop(name="好店\r\nBcc: victim@example.com\x1b[31m\u2028" + "长" * 40)
    queue_mail("owner@example.com", "shop_status", shop=shop, status="approved", reason=None, user=None,
               application_url="http://x/a", shop_url="http://x/s")
    db.session.commit()
    [message] = messages(db)
    assert "\r" not in message.subject and "\n" not in message.subject and "\x1b" not in message.subject
    assert message.subject.startswith("您的店铺已开通：好店 Bcc: victim@example.com [31m 长长")
    assert message.subject.endswith("长" * 40)
    app.config["SITE_NAME"] = "集市\r\nX-Injected: 1"
    assert deliver() == (1, 0)
    [received] = inbox.messages
    assert received["Subject"] == message.subject and received["X-Injected"] is None
    assert received["Bcc"] is None and received["To"] == "owner@example.com"
    assert str(received["From"]).startswith("集市 X-Injected: 1 <")


def test_single_line():
    assert single_line("a\r\nb\tc\x00d\x7fe\x85f\u2028g") == "a b c d e f g"
    assert single_line("  many   spaces\n\n ") == "many spaces"
    assert single_line("x" * 50, 10) == "x" * 9 + "…"
    assert single_line(None) == ""


def test_refused_for_good_is_not_retried_and_a_transient_refusal_is_retried_with_backoff(app, db, inbox):
    queue(db, 1, to=REFUSED)
    queue(db, 1, to=GREYLISTED)
    queue(db, 1, to="ok@example.com")
    before = utcnow()

    assert deliver() == (1, 1)

    refused, greylisted, ok = messages(db)
    assert ok.status == OutboxStatus.SENT and [m["To"] for m in inbox.messages] == ["ok@example.com"]
    assert refused.status == OutboxStatus.FAILED and refused.attempts == 1
    assert refused.last_error.startswith("refused: SMTPRecipientsRefused") and "550" in refused.last_error
    assert greylisted.status == OutboxStatus.QUEUED and greylisted.attempts == 1
    assert greylisted.last_error.startswith("transient: SMTPRecipientsRefused") and "451" in greylisted.last_error
    first_wait = as_utc(greylisted.next_attempt_at) - before
    assert dt.timedelta(seconds=55) < first_wait <= retry_delay(1) + dt.timedelta(seconds=5)

    assert deliver() == (0, 0)  # not due yet: nothing is tried
    assert messages(db)[1].attempts == 1

    delays = []
    for attempt in range(2, MAX_ATTEMPTS + 1):
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == greylisted.id)
                           .values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
        started = utcnow()
        deliver()
        row = messages(db)[1]
        assert row.attempts == attempt
        if row.next_attempt_at is not None:
            delays.append(as_utc(row.next_attempt_at) - started)
    assert delays == sorted(delays) and delays[-1] > delays[0]  # the delay grows
    assert max(delays) <= dt.timedelta(hours=4, seconds=5)  # and is capped
    assert row.status == OutboxStatus.FAILED and row.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")
    assert refused.attempts == 1 and len(inbox.messages) == 1  # the refused one was never tried again
