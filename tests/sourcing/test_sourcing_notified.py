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


def test_the_buyer_talks_with_a_shop_that_quoted_about_his_request(post, veg_shop, send_quote, make_user, client,
                                                                    login):
    from messages.models import Conversation

    shop, _variant = veg_shop()
    silent, _v = veg_shop()
    req = post()
    send_quote(req, shop)
    login(req.buyer)
    compare = client.get(f"/sourcing/{req.id}/quotes").get_data(as_text=True)
    link = f"/messages/new?kind=request&amp;id={req.id}&amp;shop={shop.id}"
    assert link in compare
    page = client.get(link.replace("&amp;", "&"))
    assert page.status_code == 200 and req.title in page.get_data(as_text=True)  # the request's card
    r = client.post("/messages/new", data={"kind": "request", "id": req.id, "shop": shop.id, "text": "能否月底前送到？"})
    assert r.status_code in (302, 303)
    conversation = db.session.scalar(sa.select(Conversation))
    assert (conversation.subject_kind, conversation.subject_id, conversation.shop_id) == ("request", req.id, shop.id)
    # a shop that did not quote, or someone else than the buyer: not found
    assert client.get(f"/messages/new?kind=request&id={req.id}&shop={silent.id}").status_code == 404
    client.post("/account/logout")
    login(make_user())
    assert client.get(link.replace("&amp;", "&")).status_code == 404
