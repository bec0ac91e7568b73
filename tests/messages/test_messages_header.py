"""The header's messages link: the number of conversations with unread messages (not a raw 0), for
the buyer and for his shop's owner and staff, with a translated aria-label; it costs no statement
of its own whatever the count (loaded with the signed-in user, as the bell's)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.extensions import db
from messages.models import Conversation
from tests.marketplace.perf_helpers import count_statements
from tests.messages.test_messages_flows import _start


def _link(html: str) -> str:
    found = re.search(r'<a class="bell message-link[^"]*" id="message-link"[^>]*>.*?</a>', html, re.S)
    assert found, "no messages link"
    return found.group(0)


def test_a_message_shows_on_the_other_sides_link_until_read(scene, as_user):
    buyer, owner, staff = as_user(scene.buyer), as_user(scene.owner), as_user(scene.staff)
    link = _link(buyer.get("/account/").get_data(as_text=True))
    assert 'aria-label="站内消息：没有未读"' in link and "message-count" not in link and ">0<" not in link
    _start(buyer, ident=scene.product.id)
    conversation = db.session.scalar(sa.select(Conversation))
    for client in (owner, staff):
        link = _link(client.get("/account/").get_data(as_text=True))
        assert 'aria-label="站内消息：1 个会话有未读消息"' in link and 'href="/merchant/messages"' in link
        assert '<span class="bell-count message-count" aria-hidden="true">1</span>' in link
    assert "message-count" not in _link(buyer.get("/account/").get_data(as_text=True))  # his own message
    staff.get(f"/messages/{conversation.id}")  # the shop side has read it
    assert "message-count" not in _link(owner.get("/account/").get_data(as_text=True))
    staff.post(f"/messages/{conversation.id}", data={"text": "有货", "token": "tok-reply-header"})
    link = _link(buyer.get("/account/").get_data(as_text=True))
    assert 'href="/messages"' in link and ">1</span>" in link
    buyer.get(f"/messages/{conversation.id}")
    assert "message-count" not in _link(buyer.get("/account/").get_data(as_text=True))


def test_the_link_in_english(scene, as_user):
    scene.owner.locale = "en"
    db.session.commit()
    _start(as_user(scene.buyer), ident=scene.product.id)
    link = _link(as_user(scene.owner).get("/account/").get_data(as_text=True))
    assert 'aria-label="Messages: 1 conversation with unread messages"' in link


def test_visitors_have_no_link(client, app):
    assert 'id="message-link"' not in client.get("/").get_data(as_text=True)


def test_the_link_costs_no_statement_whatever_the_count(scene, as_user):
    owner, buyer = as_user(scene.owner), as_user(scene.buyer)
    product_id, shop_id = scene.product.id, scene.shop.id
    owner.get("/account/")  # warm the templates

    def measure():
        db.session.remove()
        with count_statements(db.engine) as sql:
            page = owner.get("/account/")
        assert page.status_code == 200
        return len(sql), _link(page.get_data(as_text=True))

    none, _link_html = measure()
    _start(buyer, ident=product_id)
    _start(buyer, shop=shop_id, kind="", ident=None, text="店铺在哪里？", token="tok-general-01")
    many, link = measure()
    assert many == none and ">2</span>" in link


def test_another_shops_unread_messages_are_not_counted(scene, as_user, make_shop):
    """A merchant's link counts his own shop's conversations only: the shop side's count was once not
    correlated to the signed-in user, and every shop member saw every shop's unread conversations."""
    other = make_shop(name="夏邑面粉厂")
    other_owner = other.members[0].user
    _start(as_user(scene.buyer), ident=scene.product.id)  # unread by 柘城辣椒合作社
    link = _link(as_user(other_owner).get("/account/").get_data(as_text=True))
    assert 'aria-label="站内消息：没有未读"' in link and "message-count" not in link
    assert ">1</span>" in _link(as_user(scene.owner).get("/account/").get_data(as_text=True))
