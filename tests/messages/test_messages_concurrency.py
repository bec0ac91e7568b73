"""Real commits from several threads at once: the same conversation opened four times is one
conversation; the same message (one token) sent four times is stored once."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from messages import services
from messages.models import Conversation, Message, Side
from tests.aftersales.test_aftersales_concurrency import _at_once


def test_four_starts_at_once_make_one_conversation_and_one_token_one_message(app, scene):
    buyer_id, product_id = scene.buyer.id, scene.product.id

    def start():
        from marketplace.accounts.models import User

        services.start(db.session.get(User, buyer_id), "product", product_id, None, text="同时打开", token="same-start-01")

    results = _at_once(app, 4, start)
    assert results == ["ok"] * 4, results  # the latecomers reuse it
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Conversation.id))) == 1, results
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 1, results
    conversation_id = db.session.scalar(sa.select(Conversation.id))

    def send():
        from marketplace.accounts.models import User

        services.send(db.session.get(Conversation, conversation_id), db.session.get(User, buyer_id), Side.BUYER,
                      text="只存一次", token="same-send-001")

    results = _at_once(app, 4, send)
    assert results == ["ok"] * 4, results  # each gets the one stored message
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 2, results
