"""Sourcing's notices are notification types: a matching shop's owner finds the new request in his
centre ("sourcing.shop"), the buyer the quote ("sourcing.buyer"), each linked to its page."""

from __future__ import annotations

import json

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.notifications.models import Notification


def _notes(user):
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def test_the_shop_hears_of_the_request_and_the_buyer_of_the_quote(post, veg_shop, send_quote):
    shop, _variant = veg_shop()
    owner = shop.members[0].user
    req = post()
    (to_shop,) = _notes(owner)
    assert to_shop.type_key == "sourcing.shop" and json.loads(to_shop.params)["event"] == "new_request"
    assert (to_shop.subject_kind, to_shop.subject_id) == ("request", req.id)
    assert to_shop.link == f"/sourcing/{req.id}"
    send_quote(req, shop)
    (to_buyer,) = _notes(req.buyer)
    assert to_buyer.type_key == "sourcing.buyer" and json.loads(to_buyer.params)["event"] == "new_quote"
    assert to_buyer.link == f"/sourcing/{req.id}/quotes"
