"""The buyer's personal data in messages: his export and his deletion.

Export: the conversations he opened, with every message (his and the shop's answers; the shop's
staff are not named). Deletion: the conversations he opened are deleted with their messages,
photos (their files too, unless another message holds the same picture) and reports; where he wrote
for a shop, his messages stay the shop's but no longer name him as their sender.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.media import discard
from marketplace.privacy.registry import Erasure, register_personal_data
from messages.models import Conversation, ConversationReport, Message, MessageImage


def _iso(value):
    return as_utc(value).isoformat() if isinstance(value, dt.datetime) else value


def export_conversations(user, limit: int) -> list[dict]:
    conversations = list(db.session.scalars(
        sa.select(Conversation).where(Conversation.buyer_id == user.id).options(joinedload(Conversation.shop))
        .order_by(Conversation.id).limit(limit)))
    messages: dict[int, list[Message]] = {}
    if conversations:
        for m in db.session.scalars(sa.select(Message).where(
                Message.conversation_id.in_([c.id for c in conversations])).options(selectinload(Message.images))
                .order_by(Message.id)):
            messages.setdefault(m.conversation_id, []).append(m)
    return [{"shop": c.shop.name, "subject_kind": c.subject_kind, "subject_id": c.subject_id,
             "created_at": _iso(c.created_at),
             "messages": [{"from": m.side.value, "text": m.body, "images": len(m.images), "at": _iso(m.created_at)}
                          for m in messages.get(c.id, [])[:limit]]} for c in conversations]


def erase_conversations(erasure: Erasure) -> None:
    user = erasure.user
    mine = sa.select(Conversation.id).where(Conversation.buyer_id == user.id)
    in_mine = sa.select(Message.id).where(Message.conversation_id.in_(mine))
    keys = set()
    for key, thumb in db.session.execute(sa.select(MessageImage.key, MessageImage.thumb_key)
                                         .where(MessageImage.message_id.in_(in_mine))):
        keys.update((key, thumb))
    db.session.execute(sa.delete(MessageImage).where(MessageImage.message_id.in_(in_mine)))
    db.session.execute(sa.delete(Message).where(Message.conversation_id.in_(mine)))
    db.session.execute(sa.delete(ConversationReport).where(ConversationReport.conversation_id.in_(mine)))
    db.session.execute(sa.delete(Conversation).where(Conversation.buyer_id == user.id))
    db.session.execute(sa.update(Message).where(Message.sender_id == user.id).values(sender_id=None))
    db.session.execute(sa.update(ConversationReport).where(ConversationReport.reporter_id == user.id)
                       .values(reporter_id=None))
    if keys:
        still = set(db.session.scalars(sa.select(MessageImage.key).where(MessageImage.key.in_(keys))))
        still |= set(db.session.scalars(sa.select(MessageImage.thumb_key).where(MessageImage.thumb_key.in_(keys))))
        # the storage unreachable: the rows are gone, so the files are unreachable too
        with contextlib.suppress(OSError):
            discard(keys - still)  # each photo's sizes and its original


def register(app) -> None:
    register_personal_data(app, "conversations", _l("站内消息"), export=export_conversations,
                           erase=erase_conversations)
