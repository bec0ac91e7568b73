"""Order e-mails at checkout: queued unrendered in the request (template + row ids), rendered when
delivered or read, with exactly the text an immediate rendering gives, in each recipient's language."""

from __future__ import annotations

import email
import email.policy
import json
import socket

import pytest
import sqlalchemy as sa
from flask import url_for

from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage, OutboxStatus
from marketplace.mail.services import _render, render_pending, send_pending
from marketplace.shops.models import MemberRole, ShopMember
from orders.models import OrderGroup


class _Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_inbox(app):
    """A real SMTP server (aiosmtpd) on a free local port, configured as the app's mail server."""
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                      MAIL_USERNAME=None, MAIL_PASSWORD=None)
    yield inbox
    controller.stop()


def _checkout(client, login, make_user, make_shop, make_variant, user_cart):
    buyer = make_user(locale="en")
    shop_a = make_shop(owner=make_user(locale="zh_CN"))
    shop_b = make_shop(owner=make_user(locale="en"))
    user_cart(buyer, [(make_variant(shop_a, price=1200, stock=50), 3), (make_variant(shop_b, price=800, stock=50), 2)])
    login(buyer)
    response = client.post("/checkout", data={"idempotency_key": "mail-key-0001"})
    assert response.status_code == 302
    return db.session.scalar(sa.select(OrderGroup))


def _outbox():
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _expected(app, group) -> list[tuple[str, str, str, str | None]]:
    """(to, subject, text, html) as notify_placed rendered them in the request before."""
    out = []
    with app.test_request_context():
        buyer = group.buyer
        out.append((buyer.email, *_render("order_placed", buyer.locale, {
            "group": group, "recipient": buyer, "link": url_for("orders.my_orders", _external=True)})))
        for order in group.orders:
            owner = db.session.scalar(sa.select(ShopMember).where(ShopMember.shop_id == order.shop_id,
                                                                  ShopMember.role == MemberRole.OWNER)).user
            out.append((owner.email, *_render("order_new", owner.locale, {
                "order": order, "recipient": owner, "for_merchant": True,
                "link": url_for("orders.merchant_order", order_id=order.id, _external=True)})))
    return out


def test_checkout_queues_order_mail_unrendered_and_rendering_gives_the_same_text(
        app, client, login, make_user, make_shop, make_variant, user_cart):
    group = _checkout(client, login, make_user, make_shop, make_variant, user_cart)
    mails = _outbox()
    assert [m.template for m in mails] == ["order_placed", "order_new", "order_new"]
    # nothing was rendered in the request
    assert all(m.render_context and m.subject == "" and m.body_text == "" for m in mails)
    db.session.expire_all()
    expected = _expected(app, group)

    assert render_pending(mails) == 3
    db.session.commit()
    db.session.expire_all()
    got = [(m.to_addr, m.subject, m.body_text, m.body_html) for m in _outbox()]
    assert got == expected
    assert all(m.render_context is None for m in _outbox())
    # meaningful text, each in the recipient's language
    placed, new_a, new_b = got
    assert group.orders[0].number in placed[2] and "http://localhost/orders" in placed[2]
    assert "order" in placed[1].lower() and group.orders[0].lines[0].product_title in placed[2]
    assert "新订单" in new_a[1] and group.orders[0].number in new_a[1]
    assert group.orders[1].number in new_b[1] and "新订单" not in new_b[1]


def test_unrendered_order_mail_is_rendered_for_the_admin_and_for_delivery(
        app, client, login, make_user, make_shop, make_variant, user_cart, request):
    group = _checkout(client, login, make_user, make_shop, make_variant, user_cart)
    client.post("/account/logout")
    first = _outbox()[0]
    context = first.render_context
    db.session.expire_all()
    expected = _expected(app, group)

    # the admin's outbox list shows the subject (rendered on first read, and kept)
    login(make_user(email="mailadmin2@example.com", roles=("admin",)))
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert expected[0][1] in listing and expected[1][1] in listing
    db.session.expire_all()
    assert db.session.get(OutboxMessage, first.id).render_context is None

    # delivery renders what is still unrendered, then sends exactly that
    db.session.execute(sa.update(OutboxMessage).values(subject="", body_text="", body_html=None,
                                                       render_context=context)
                       .where(OutboxMessage.id == first.id))
    db.session.commit()
    inbox = request.getfixturevalue("smtp_inbox")
    assert send_pending()[:2] == (3, 0)
    assert sorted(m["Subject"] for m in inbox.messages) == sorted(e[1] for e in expected)
    body = next(m for m in inbox.messages if m["To"] == expected[0][0]).get_body(("plain",)).get_content()
    assert body.strip() == expected[0][2].strip()
    assert all(m.status == OutboxStatus.SENT for m in _outbox())


def test_unrenderable_mail_is_marked_failed_not_sent(app, smtp_inbox):
    """A message whose rows are gone cannot be rendered: it is marked failed with the reason, and
    the others of the batch still go out."""
    db.session.add(OutboxMessage(to_addr="x@example.com", subject="", body_text="", locale="zh_CN",
                                 template="order_placed",
                                 render_context=json.dumps({"group": {"$model": "OrderGroup", "id": 987654},
                                                            "link": ""})))
    db.session.add(OutboxMessage(to_addr="y@example.com", subject="已渲染", body_text="你好", locale="zh_CN"))
    db.session.commit()
    assert send_pending()[:2] == (1, 1)
    failed, sent = _outbox()
    assert failed.status == OutboxStatus.FAILED and failed.last_error.startswith("render:")
    assert sent.status == OutboxStatus.SENT
    assert [m["To"] for m in smtp_inbox.messages] == ["y@example.com"]
