"""A new message is a notification of type "messages.new": in the other side's centre, linked to the
conversation, and mailed by default; never to the sender."""

from __future__ import annotations

import json

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.notifications.models import Notification
from messages import services


def test_a_new_message_reaches_the_shops_centre_and_not_the_sender(make_product, make_user):
    product = make_product()
    buyer = make_user(name="王老板")
    owner = product.shop.members[0].user
    conversation, _created = services.start(buyer, "product", product.id, None, text="有货吗？")
    rows = db.session.scalars(sa.select(Notification)).all()
    assert [(n.user_id, n.type_key) for n in rows] == [(owner.id, "messages.new")]
    note = rows[0]
    assert note.subject_kind == "conversation" and note.subject_id == conversation.id
    assert note.link == f"/messages/{conversation.id}"
    assert "王老板" in json.loads(note.params)["who"]
