"""Limits and hostile input: send rate, new conversations per day, text length, control characters,
image count, size and content, double submit."""

from __future__ import annotations

import io
import os

import pytest
import sqlalchemy as sa
from PIL import Image

from marketplace.extensions import db
from messages import services
from messages.errors import MessageError
from messages.models import Conversation, Message, MessageImage, Side
from tests.messages.conftest import photo_bytes


@pytest.fixture
def app_config(app_config):
    app_config.update(MESSAGES_SEND_RATELIMIT="4 per minute", MESSAGES_NEW_PER_DAY=2, MESSAGES_MAX_LENGTH=50,
                      MESSAGES_IMAGE_MAX_BYTES=20_000)
    return app_config


@pytest.fixture
def chat(scene):
    conversation, _created = services.start(scene.buyer, "product", scene.product.id, None, text="您好")
    return conversation


def _send(client, conversation, text="再问一下", token=None, images=()):
    data = {"text": text, "token": token or os.urandom(8).hex()}
    if images:
        data["images"] = [(io.BytesIO(content), name) for name, content in images]
    return client.post(f"/messages/{conversation.id}", data=data, content_type="multipart/form-data")


def _count(model=Message) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_sending_is_rate_limited_per_user(scene, chat, as_user):
    buyer = as_user(scene.buyer)
    answers = [_send(buyer, chat, text=f"第{n}条").status_code for n in range(6)]
    assert answers[:4] == [303] * 4 and answers[4:] == [429, 429]
    assert _count() == 5  # the first message and four
    # the shop's side has its own budget
    assert _send(as_user(scene.owner), chat, text="回复").status_code == 303


def test_new_conversations_per_day_are_capped(scene, as_user, make_shop):
    buyer = as_user(scene.buyer)
    shops = [make_shop() for _ in range(3)]
    codes = [buyer.post("/messages/new", data={"kind": "", "shop": s.id, "text": "在吗", "token": f"tok-cap-{i:06d}"}
                        ).status_code for i, s in enumerate(shops)]
    assert codes == [303, 303, 429]
    assert _count(Conversation) == 2
    # an existing conversation still takes messages
    first = db.session.scalar(sa.select(Conversation).order_by(Conversation.id))
    assert _send(buyer, first).status_code == 303


def test_too_long_and_empty_text_are_refused(scene, chat, as_user):
    buyer = as_user(scene.buyer)
    too_long = _send(buyer, chat, text="辣" * 51)
    assert too_long.status_code == 422 and "不能超过 50 个字" in too_long.get_data(as_text=True)
    assert _send(buyer, chat, text="   ").status_code == 422
    assert _count() == 1


@pytest.mark.parametrize("text", ["a\x85b", "price\u202e0001", "x\u2066y"])
def test_control_characters_are_refused(scene, chat, as_user, text):
    response = _send(as_user(scene.buyer), chat, text=text)
    assert response.status_code == 422 and "控制字符" in response.get_data(as_text=True)
    assert _count() == 1


def test_nul_is_refused_and_c0_never_stored(scene, chat, as_user):
    buyer = as_user(scene.buyer)
    assert _send(buyer, chat, text="a\x00b").status_code == 400
    assert _send(buyer, chat, text="a\x07b\x1bc").status_code == 303  # stripped at the door (marketplace.input)
    assert db.session.scalar(sa.select(Message.body).order_by(Message.id.desc()).limit(1)) == "abc"
    with pytest.raises(MessageError):
        services.send(chat, scene.buyer, Side.BUYER, text="bell\x07")  # a direct caller is refused


def test_double_submit_posts_once(scene, chat, as_user):
    buyer = as_user(scene.buyer)
    first = _send(buyer, chat, text="只发一次", token="same-token-123")
    second = _send(buyer, chat, text="只发一次", token="same-token-123")
    assert first.status_code == second.status_code == 303 and first.location == second.location
    assert _count() == 2
    api = buyer.post(f"/api/v1/conversations/{chat.id}/messages", json={"text": "接口", "client_token": "api-token-001"})
    again = buyer.post(f"/api/v1/conversations/{chat.id}/messages", json={"text": "接口", "client_token": "api-token-001"})
    assert api.status_code == again.status_code == 201 and _count() == 3


def test_a_text_file_named_jpg_is_refused(scene, chat, as_user):
    response = _send(as_user(scene.buyer), chat, text="看图", images=[("photo.jpg", b"just some text, not an image\n")])
    assert response.status_code == 422 and "photo.jpg" in response.get_data(as_text=True)
    assert _count() == 1 and _count(MessageImage) == 0


def test_an_oversized_image_is_refused(scene, chat, as_user):
    noise = io.BytesIO()
    Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)).save(noise, format="PNG")
    assert len(noise.getvalue()) > 20_000
    response = _send(as_user(scene.buyer), chat, images=[("big.png", noise.getvalue())])
    assert response.status_code == 422 and "文件太大" in response.get_data(as_text=True)
    assert _count() == 1 and _count(MessageImage) == 0


def test_at_most_four_images(scene, chat, as_user):
    buyer = as_user(scene.buyer)
    five = [(f"p{n}.jpg", photo_bytes((n * 40, 10, 10))) for n in range(5)]
    assert _send(buyer, chat, images=five).status_code == 422
    assert _send(buyer, chat, images=five[:4]).status_code == 303
    assert _count(MessageImage) == 4


def test_a_new_conversation_with_a_bad_image_is_not_created(scene, as_user):
    buyer = as_user(scene.buyer)
    response = buyer.post("/messages/new", data={"kind": "product", "id": scene.product.id, "text": "看图",
                                                 "token": "tok-bad-image-1",
                                                 "images": [(io.BytesIO(b"%PDF-1.4 not an image"), "a.jpg")]},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert _count(Conversation) == 0 and _count() == 0
