"""The conversations API (validated against the OpenAPI document by tests/api_conformance.py) and the
statement budgets of the inbox and conversation pages."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.extensions import db
from messages import services
from messages.models import Conversation, ConversationReport, Side


def _token(user, scopes) -> dict:
    _row, token = accounts.create_token(user, "app", scopes)
    return {"Authorization": f"Bearer {token}"}


def test_buyer_starts_reads_and_the_shop_answers(scene, app):
    client = app.test_client()
    buyer = _token(scene.buyer, ["buyer"])
    created = client.post("/api/v1/conversations", headers=buyer,
                          json={"kind": "product", "id": scene.product.id, "text": "有货吗？"})
    assert created.status_code == 201
    body = created.get_json()
    cid = body["conversation"]["id"]
    assert body["conversation"]["subject"]["title"] == "朝天椒" and body["messages"][0]["mine"] is True
    reused = client.post("/api/v1/conversations", headers=buyer,
                         json={"kind": "product", "id": scene.product.id, "text": "还有一个问题"})
    assert reused.status_code == 200 and reused.get_json()["conversation"]["id"] == cid
    shop = _token(scene.owner, ["merchant"])
    inbox = client.get("/api/v1/conversations?side=shop", headers=shop).get_json()
    assert inbox["unread"] == 2 and inbox["items"][0]["unread"] == 2 and inbox["items"][0]["buyer_name"] == "买家老李"
    sent = client.post(f"/api/v1/conversations/{cid}/messages", headers=shop, json={"text": "有的"})
    assert sent.status_code == 201 and sent.get_json()["conversation"]["side"] == "shop"
    assert client.post(f"/api/v1/conversations/{cid}/read", headers=shop).get_json()["unread"] == 0
    mine = client.get("/api/v1/conversations", headers=buyer).get_json()
    assert mine["unread"] == 1 and mine["items"][0]["last_preview"] == "有的"
    detail = client.get(f"/api/v1/conversations/{cid}", headers=buyer).get_json()
    assert [m["text"] for m in detail["messages"]] == ["有货吗？", "还有一个问题", "有的"]
    assert [m["mine"] for m in detail["messages"]] == [True, True, False]


def test_api_refusals(scene, app, make_user):
    client = app.test_client()
    buyer = _token(scene.buyer, ["buyer"])
    assert client.get("/api/v1/conversations?side=shop", headers=buyer).status_code == 403  # no shop (and no scope)
    plain = _token(make_user(), ["buyer"])
    assert client.get("/api/v1/conversations?side=shop", headers=plain).status_code == 403
    assert client.post("/api/v1/conversations", headers=buyer, json={"kind": "", "text": "?"}).status_code == 400
    assert client.post("/api/v1/conversations", headers=buyer,
                       json={"kind": "product", "id": 2**31 - 1, "text": "?"}).status_code == 404
    assert client.post("/api/v1/conversations", headers=buyer,
                       json={"kind": "product", "id": scene.product.id, "text": ""}).status_code == 400
    read_only = _token(scene.buyer, ["read"])
    assert client.post("/api/v1/conversations", headers=read_only,
                       json={"kind": "product", "id": scene.product.id, "text": "?"}).status_code == 403
    conversation, _ = services.start(scene.buyer, "product", scene.product.id, None, text="您好")
    reported = client.post(f"/api/v1/conversations/{conversation.id}/report", headers=buyer,
                           json={"reason": "spam", "text": "广告"})
    assert reported.status_code == 201 and reported.get_json()["reason"] == "spam"
    again = client.post(f"/api/v1/conversations/{conversation.id}/report", headers=buyer, json={"reason": "spam"})
    assert again.get_json()["id"] == reported.get_json()["id"]
    assert db.session.scalar(sa.select(sa.func.count(ConversationReport.id))) == 1
    assert client.post(f"/api/v1/conversations/{conversation.id}/report", headers=buyer,
                       json={"reason": "bored"}).status_code == 400
    admin = _token(make_user(roles=("admin",)), ["read"])
    assert client.get(f"/api/v1/conversations/{conversation.id}", headers=admin).get_json()["conversation"]["side"] == "admin"


def _statements(client, path: str) -> int:
    from tests.marketplace.perf_helpers import count_statements

    db.session.commit()
    db.session.expire_all()  # nothing served from this session's identity map (its rows stay usable)
    with count_statements(db.engine) as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def _chats(scene, make_user, make_product, placed_order, n: int) -> None:
    from marketplace.accounts.models import User
    from marketplace.shops.models import Shop

    shop, owner = db.session.get(Shop, scene.shop_id), db.session.get(User, scene.owner_id)
    for i in range(n):
        buyer = make_user()
        if i % 2:
            _b, order, _v = placed_order(shop=shop)
            conversation, _ = services.start(_b, "order", order.id, None, text=f"订单问题{i}")
        else:
            product = make_product(shop)
            conversation, _ = services.start(buyer, "product", product.id, None, text=f"商品问题{i}")
        services.send(conversation, owner, Side.SHOP, text="好的")


def test_the_inbox_and_a_conversation_run_in_a_constant_number_of_statements(
        scene, as_user, make_user, make_product, placed_order):
    scene.shop_id, scene.owner_id = scene.shop.id, scene.owner.id
    owner = as_user(scene.owner)
    _chats(scene, make_user, make_product, placed_order, 2)
    conversation = db.session.scalar(sa.select(Conversation).order_by(Conversation.id))
    owner.get("/merchant/messages")  # the first request warms what is cached per process
    small = (_statements(owner, "/merchant/messages"), _statements(owner, f"/messages/{conversation.id}"))
    _chats(scene, make_user, make_product, placed_order, 4)
    conversation = db.session.get(Conversation, conversation.id)
    for n in range(6):
        services.send(conversation, conversation.shop.members[0].user, Side.SHOP, text=f"补充{n}")
    large = (_statements(owner, "/merchant/messages"), _statements(owner, f"/messages/{conversation.id}"))
    assert small == large, (small, large)


def test_the_buyers_inbox_runs_in_a_constant_number_of_statements(scene, as_user, make_shop, make_product,
                                                                   placed_order):
    from marketplace.accounts.models import User

    buyer_id = scene.buyer.id

    def chats(n: int) -> None:
        buyer = db.session.get(User, buyer_id)
        for i in range(n):
            shop = make_shop()
            conversation, _ = services.start(buyer, "product", make_product(shop).id, None, text=f"问题{i}")
            services.send(conversation, shop.members[0].user, Side.SHOP, text="好的")
            services.start(buyer, "", 0, shop.id, text="一般问题")

    client = as_user(scene.buyer)
    chats(1)
    client.get("/messages")
    small = _statements(client, "/messages")
    chats(3)
    assert _statements(client, "/messages") == small
