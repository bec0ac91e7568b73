"""The outbox: admin pages (safe display of HTML mail) and delivery with `flask mail send`.

Delivery runs against a real SMTP server (aiosmtpd) on a free local port.
"""

from __future__ import annotations

import email
import email.policy
import socket
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marketplace.mail.models import OutboxMessage, OutboxStatus
from marketplace.mail.services import queue_mail


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps every received message."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def use_smtp(app, port: int) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                      MAIL_USERNAME=None, MAIL_PASSWORD=None)


@pytest.fixture
def admin(make_user, login):
    user = make_user(email="mailadmin@example.com", roles=("admin",))
    login(user)
    return user


def messages(db):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def reset_mail(db, make_user, email_addr="forgot@example.com"):
    from flask import current_app

    from marketplace.accounts.services import request_password_reset

    make_user(email=email_addr)
    with current_app.test_request_context("/account/reset"):  # as the reset form does: the link is absolute
        request_password_reset(email_addr)
    [message] = [m for m in messages(db) if m.template == "password_reset"]
    return message


# --- admin pages ------------------------------------------------------------------------------------

def test_outbox_lists_a_queued_reset_mail(client, db, admin, make_user):
    message = reset_mail(db, make_user)
    html = client.get("/admin/outbox").get_data(as_text=True)
    # the list shows the recipient masked (the message's own page shows it in full)
    assert "f***@example.com" in html and "forgot@example.com" not in html and message.subject in html
    assert f"/admin/outbox/{message.id}" in html
    assert message.subject in client.get("/admin/outbox?status=queued").get_data(as_text=True)
    assert message.subject not in client.get("/admin/outbox?status=sent").get_data(as_text=True)
    assert message.subject in client.get("/admin/outbox?to=Forgot@example.com").get_data(as_text=True)
    assert client.get("/admin/outbox?status=lost").status_code == 404


def test_message_page_shows_text_and_frames_html_in_a_sandbox(client, db, admin, make_user):
    message = reset_mail(db, make_user)
    assert message.body_html, "the reset mail has an HTML version"
    page = client.get(f"/admin/outbox/{message.id}")
    html = page.get_data(as_text=True)
    assert message.subject in html
    assert "/account/reset/" in html  # the text body with the reset link
    assert '<iframe class="mail-html" sandbox=""' in html
    assert f'src="/admin/outbox/{message.id}/html"' in html
    framed = client.get(f"/admin/outbox/{message.id}/html")
    assert framed.status_code == 200 and framed.mimetype == "text/html"
    csp = framed.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "script-src" not in csp
    assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_hostile_mail_content_is_escaped_and_sandboxed(client, db, admin):
    hostile = OutboxMessage(to_addr="x@example.com", subject="<img src=x onerror=alert(1)>", locale="zh_CN",
                            body_text="</pre><script>alert('text')</script>",
                            body_html="<h1>Hi</h1><script>alert('html')</script>", template="evil")
    db.session.add(hostile)
    db.session.commit()
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "<img src=x" not in listing and "&lt;img src=x" in listing
    page = client.get(f"/admin/outbox/{hostile.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;text&#39;)" in page
    assert "alert('html')" not in page  # the HTML body is never inlined into the admin page
    framed = client.get(f"/admin/outbox/{hostile.id}/html")
    assert framed.headers["Content-Security-Policy"].startswith("sandbox")


def test_text_only_message_has_no_html_view(client, db, admin):
    plain = OutboxMessage(to_addr="p@example.com", subject="纯文本", body_text="你好", locale="zh_CN")
    db.session.add(plain)
    db.session.commit()
    assert "<iframe" not in client.get(f"/admin/outbox/{plain.id}").get_data(as_text=True)
    assert client.get(f"/admin/outbox/{plain.id}/html").status_code == 404
    assert client.get("/admin/outbox/987654").status_code == 404


# --- delivery -----------------------------------------------------------------------------------

def queue(db, n=1, to="buyer@example.com"):
    out = [queue_mail(to, "password_reset", user=SimpleNamespace(display_name="买家"), minutes=60, reset_url=f"http://x/reset/{i}")
           for i in range(n)]
    db.session.commit()
    return out


def test_mail_send_delivers_over_smtp(app, db, smtp_server):
    queue(db, 3)
    use_smtp(app, smtp_server.port)
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 3 message(s)" in result.output
    assert len(smtp_server.messages) == 3 and smtp_server.recipients == ["buyer@example.com"] * 3
    received = smtp_server.messages[0]
    assert received["To"] == "buyer@example.com"
    assert received["Subject"] == messages(db)[0].subject
    assert received.get_body(("plain",)).get_content().strip()
    for m in messages(db):
        assert m.status == OutboxStatus.SENT and m.sent_at is not None and m.last_error is None
    again = app.test_cli_runner().invoke(args=["mail", "send"])
    assert again.exit_code == 0 and "No queued mail" in again.output
    assert len(smtp_server.messages) == 3


def test_mail_send_unreachable_server_counts_attempts_and_exits_nonzero(app, db):
    queue(db, 2)
    use_smtp(app, free_port())  # nothing listens there
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 1
    assert "Check next" in result.output and "MAIL_SERVER" in result.output
    for m in messages(db):
        assert m.status == OutboxStatus.QUEUED and m.attempts == 1 and m.last_error.startswith("connect:")
        assert m.next_attempt_at is not None  # retried after a backoff, not at the next run
    again = app.test_cli_runner().invoke(args=["mail", "send"])
    assert again.exit_code == 0 and "No mail is due: 2 message(s) wait for a retry" in again.output
    assert {m.attempts for m in messages(db)} == {1}
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=None))  # the backoff has passed
    db.session.commit()
    app.test_cli_runner().invoke(args=["mail", "send"])
    assert {m.attempts for m in messages(db)} == {2}


def test_mail_send_without_smtp_explains_where_mail_is(app, db):
    queue(db, 1)
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0
    assert "SMTP is not configured" in result.output and "/admin/outbox" in result.output
    assert "1 message(s) stay in the outbox" in result.output
    assert [m.status for m in messages(db)] == [OutboxStatus.QUEUED]


def test_mail_list(app, db):
    runner = app.test_cli_runner()
    assert "The outbox is empty" in runner.invoke(args=["mail", "list"]).output
    queue(db, 2, to="list@example.com")
    result = runner.invoke(args=["mail", "list"])
    assert result.exit_code == 0
    assert result.output.count("list@example.com") == 2 and "queued 2" in result.output
    assert "No sent messages" in runner.invoke(args=["mail", "list", "--status", "sent"]).output


def test_mail_queued_in_a_request_is_delivered_after_it(app, db, client, make_user, smtp_server):
    """The "mail.deliver" job runs once the request's transaction has committed."""
    make_user(email="after@example.com")
    use_smtp(app, smtp_server.port)
    response = client.post("/account/reset", data={"email": "after@example.com"})
    assert response.status_code == 302
    assert smtp_server.recipients == ["after@example.com"]
    [message] = messages(db)
    assert message.status == OutboxStatus.SENT and message.template == "password_reset"
    assert smtp_server.messages[0]["Subject"] == message.subject


def test_mail_is_not_delivered_after_a_request_when_turned_off(app, db, client, make_user, smtp_server):
    app.config["MAIL_SEND_AFTER_REQUEST"] = False
    make_user(email="later@example.com")
    use_smtp(app, smtp_server.port)
    client.post("/account/reset", data={"email": "later@example.com"})
    assert smtp_server.messages == [] and [m.status for m in messages(db)] == [OutboxStatus.QUEUED]
    result = app.test_cli_runner().invoke(args=["jobs", "run", "mail.deliver"])  # cron's periodic run
    assert result.exit_code == 0, result.output
    assert smtp_server.recipients == ["later@example.com"]
    assert [m.status for m in messages(db)] == [OutboxStatus.SENT]
