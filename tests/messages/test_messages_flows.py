"""Conversations: start and reuse, send, unread counts per side, reading rules (404 for strangers),
the admin and reported ones, a subject the buyer may not discuss."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.extensions import db
from messages import services
from messages.models import Conversation, ConversationReport, Message, Side
from tests.messages.conftest import photo_bytes


def _start(client, kind="product", ident=None, shop=None, text="您好，有货吗？", **extra):
    data = {"kind": kind, "text": text, "token": extra.pop("token", None) or "tok-" + "x" * 12, **extra}
    if ident is not None:
        data["id"] = ident
    if shop is not None:
        data["shop"] = shop
    return client.post("/messages/new", data={k: v for k, v in data.items() if v is not None},
                       content_type="multipart/form-data")


def test_contact_shop_from_a_product_opens_then_reuses_one_conversation(scene, as_user):
    buyer = as_user(scene.buyer)
    page = buyer.get(f"/messages/new?kind=product&id={scene.product.id}")
    assert page.status_code == 200
    assert "朝天椒" in page.get_data(as_text=True)  # the subject's card
    response = _start(buyer, ident=scene.product.id)
    assert response.status_code == 303
    conversation = db.session.scalar(sa.select(Conversation))
    assert (conversation.buyer_id, conversation.shop_id, conversation.subject_kind, conversation.subject_id) == (
        scene.buyer.id, scene.shop.id, "product", scene.product.id)
    # the button again: straight to the same conversation; a second message goes there
    again = buyer.get(f"/messages/new?kind=product&id={scene.product.id}")
    assert again.status_code == 302 and f"/messages/{conversation.id}" in again.location
    assert _start(buyer, ident=scene.product.id, text="还有一个问题", token="tok-second-one").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Conversation.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 2


def test_the_product_shop_and_order_pages_show_the_button(scene, as_user, placed_order, client):
    buyer = as_user(scene.buyer)
    assert "/messages/new?kind=product" in buyer.get(f"/p/{scene.product.id}").get_data(as_text=True)
    assert f"shop={scene.shop.id}" in buyer.get(f"/shops/{scene.shop.slug}").get_data(as_text=True)
    order_buyer, order, _variant = placed_order()
    html = as_user(order_buyer).get(f"/orders/{order.id}").get_data(as_text=True)
    assert f"/messages/new?kind=order&amp;id={order.id}" in html
    # the shop's own members are not offered to write to themselves
    assert "/messages/new?kind=product" not in as_user(scene.owner).get(f"/p/{scene.product.id}").get_data(as_text=True)


def test_send_and_unread_counts_per_side(scene, as_user):
    buyer, owner, staff = as_user(scene.buyer), as_user(scene.owner), as_user(scene.staff)
    _start(buyer, ident=scene.product.id)
    conversation = db.session.scalar(sa.select(Conversation))
    _start(buyer, ident=scene.product.id, text="第二条", token="tok-another-1")
    inbox = owner.get("/merchant/messages").get_data(as_text=True)
    assert 'data-unread="2"' in inbox and "买家老李" in inbox
    assert 'data-unread="0"' in buyer.get("/messages").get_data(as_text=True)
    # staff reads it: the shop side has read it (one read state per side)
    assert staff.get(f"/messages/{conversation.id}").status_code == 200
    assert 'data-unread="0"' in owner.get("/merchant/messages").get_data(as_text=True)
    reply = staff.post(f"/messages/{conversation.id}", data={"text": "有货，欢迎下单", "token": "tok-reply-001"})
    assert reply.status_code == 303
    inbox = buyer.get("/messages").get_data(as_text=True)
    assert 'data-unread="1"' in inbox and "有货，欢迎下单" in inbox
    page = buyer.get(f"/messages/{conversation.id}").get_data(as_text=True)
    # oldest first, the reply at the bottom
    assert page.index("您好，有货吗？") < page.index("第二条") < page.index("有货，欢迎下单")
    assert 'data-unread="0"' in buyer.get("/messages").get_data(as_text=True)


def test_strangers_get_404_on_page_image_and_api(scene, as_user, make_user, make_shop):
    buyer = as_user(scene.buyer)
    buyer.post("/messages/new", data={"kind": "product", "id": scene.product.id, "text": "看图",
                                      "token": "tok-image-0001", "images": [(__import__("io").BytesIO(photo_bytes()), "a.jpg")]},
               content_type="multipart/form-data")
    conversation = db.session.scalar(sa.select(Conversation))
    image = db.session.scalar(sa.select(Message)).images[0]
    image_url = f"/messages/{conversation.id}/images/{image.id}"
    ok = buyer.get(image_url)
    assert ok.status_code == 200 and ok.headers["Content-Type"] == "image/webp"
    assert "no-store" in ok.headers["Cache-Control"] and ok.headers["X-Content-Type-Options"] == "nosniff"
    assert as_user(scene.staff).get(image_url + "?thumb=1").status_code == 200
    other_shop_owner = make_shop().members[0].user
    for stranger in (make_user(), other_shop_owner, make_user(roles=("admin",))):
        c = as_user(stranger)
        assert c.get(f"/messages/{conversation.id}").status_code == 404
        assert c.get(image_url).status_code == 404
        assert c.post(f"/messages/{conversation.id}", data={"text": "hi", "token": "tok-stranger-1"}).status_code == 404
        assert c.get(f"/api/v1/conversations/{conversation.id}").status_code == 404
        assert c.post(f"/api/v1/conversations/{conversation.id}/messages", json={"text": "hi"}).status_code == 404
        assert c.post(f"/messages/{conversation.id}/report", data={"reason": "spam"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 1
    # the image of another conversation under this one's id is a 404 too
    assert buyer.get(f"/messages/{conversation.id}/images/{image.id + 999}").status_code == 404


def test_the_admin_reads_only_reported_conversations(scene, as_user, make_user):
    admin = as_user(make_user(roles=("admin",)))
    buyer = as_user(scene.buyer)
    _start(buyer, ident=scene.product.id)
    _start(buyer, kind="", shop=scene.shop.id, text="一般问题", token="tok-general-01")
    product_chat, general = db.session.scalars(sa.select(Conversation).order_by(Conversation.id)).all()
    assert general.subject_kind == "" and general.subject_id == 0
    assert admin.get(f"/messages/{general.id}").status_code == 404
    reported = as_user(scene.owner).post(f"/messages/{general.id}/report", data={"reason": "fraud", "text": "要求私下转账"})
    assert reported.status_code == 303
    listing = admin.get("/admin/messages").get_data(as_text=True)
    assert "要求私下转账" in listing
    page = admin.get(f"/messages/{general.id}")
    assert page.status_code == 200 and "一般问题" in page.get_data(as_text=True)
    assert 'name="text"' not in page.get_data(as_text=True).split("<h1")[1]  # no form to write
    assert admin.post(f"/messages/{general.id}", data={"text": "x", "token": "tok-admin-0001"}).status_code == 404
    assert admin.get(f"/messages/{product_chat.id}").status_code == 404
    # the resolution: closed, and no one writes in it any more
    report = db.session.scalar(sa.select(ConversationReport))
    assert admin.post(f"/admin/messages/reports/{report.id}/resolve",
                      data={"resolution": "closed", "note": "已核实"}).status_code == 303
    db.session.expire_all()
    assert report.resolution.value == "closed" and general.closed_at is not None
    refused = buyer.post(f"/messages/{general.id}", data={"text": "还在吗", "token": "tok-closed-001"})
    assert refused.status_code in (303, 409)
    assert db.session.scalar(sa.select(sa.func.count(Message.id)).where(Message.conversation_id == general.id)) == 1
    # a second resolution is refused
    admin.post(f"/admin/messages/reports/{report.id}/resolve", data={"resolution": "no_action"})
    db.session.expire_all()
    assert report.resolution.value == "closed"


def test_someone_elses_order_is_not_his_to_discuss(scene, as_user, placed_order):
    order_buyer, order, _variant = placed_order()
    stranger = as_user(scene.buyer)
    assert stranger.get(f"/messages/new?kind=order&id={order.id}").status_code == 404
    assert _start(stranger, kind="order", ident=order.id).status_code == 404
    assert stranger.post("/api/v1/conversations", json={"kind": "order", "id": order.id, "text": "?"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Conversation.id))) == 0
    # the order's own buyer may, with its shop
    own = as_user(order_buyer)
    assert _start(own, kind="order", ident=order.id, text="什么时候发货？").status_code == 303
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation.shop_id == order.shop_id
    owner = as_user(order.shop.members[0].user)
    html = owner.get("/merchant/messages").get_data(as_text=True)
    assert order.number in html and f"/merchant/orders/{order.id}" in html


def test_unknown_subjects_hidden_products_and_own_shop(scene, as_user, make_product):
    from catalog.models import ProductStatus

    buyer = as_user(scene.buyer)
    hidden = make_product(scene.shop, status=ProductStatus.DRAFT)
    assert buyer.get(f"/messages/new?kind=product&id={hidden.id}").status_code == 404
    assert buyer.get("/messages/new?kind=spaceship&id=1").status_code == 404
    assert buyer.get("/messages/new?kind=product&id=abc").status_code == 404
    assert buyer.get("/messages/new?kind=&shop=999999").status_code == 404
    assert as_user(scene.owner).get(f"/messages/new?kind=product&id={scene.product.id}").status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Conversation.id))) == 0


def test_visitors_are_sent_to_sign_in(scene, client):
    response = client.get(f"/messages/new?kind=product&id={scene.product.id}")
    assert response.status_code == 302 and "login" in response.location


def test_services_notify_the_other_side_once_per_turn(scene, app):
    from marketplace.mail.models import OutboxMessage

    conversation, created = services.start(scene.buyer, "product", scene.product.id, None, text="第一条")
    services.send(conversation, scene.buyer, Side.BUYER, text="第二条")
    to_shop = db.session.scalars(sa.select(OutboxMessage.to_addr)).all()
    assert created and sorted(to_shop) == sorted([scene.owner.email, scene.staff.email])
    services.send(conversation, scene.owner, Side.SHOP, text="明天发货")
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.to_addr == scene.buyer.email)) == 1
    body = db.session.scalar(sa.select(OutboxMessage.body_text).where(OutboxMessage.to_addr == scene.buyer.email))
    assert "明天发货" not in body and re.search(rf"/messages/{conversation.id}\b", body)


def test_his_export_and_deletion(scene, app, as_user):
    import io

    from marketplace.media import get_storage
    from marketplace.privacy.erasure import delete_account
    from messages.models import MessageImage
    from messages.privacy import export_conversations

    buyer = as_user(scene.buyer)
    buyer.post("/messages/new", data={"kind": "product", "id": scene.product.id, "text": "看图",
                                      "token": "tok-export-001", "images": [(io.BytesIO(photo_bytes()), "a.jpg")]},
               content_type="multipart/form-data")
    conversation = db.session.scalar(sa.select(Conversation))
    services.send(conversation, scene.owner, Side.SHOP, text="收到")
    exported = export_conversations(scene.buyer, 100)
    assert exported[0]["shop"] == scene.shop.name
    assert [(m["from"], m["text"], m["images"]) for m in exported[0]["messages"]] == [
        ("buyer", "看图", 1), ("shop", "收到", 0)]
    key = db.session.scalar(sa.select(MessageImage.key))
    assert get_storage().exists(key)
    delete_account(scene.buyer, actor=scene.buyer, password="correct horse 42")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Conversation.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0
    assert not get_storage().exists(key)


def test_the_merchant_dashboard_counts_unread_messages(scene, as_user):
    services.start(scene.buyer, "product", scene.product.id, None, text="在吗")
    html = as_user(scene.staff).get("/merchant").get_data(as_text=True)
    assert "未读客户消息" in html and "/merchant/messages" in html
