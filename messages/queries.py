"""Read-side queries shared by the pages and the API: the inboxes and a conversation's messages,
each in a fixed number of statements whatever the number of rows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.extensions import db
from marketplace.web import paginate
from messages import services, subjects
from messages.models import Conversation, Message, Side

#: Messages on a conversation page (the newest; older ones a link away).
PAGE_SIZE = 50


def inbox_query(side: str, owner_id: int) -> sa.Select:
    """The buyer's (side "buyer", owner_id: his id) or the shop's (side "shop", the shop's id)
    conversations, the most recently active first."""
    mine = Conversation.buyer_id == owner_id if side == Side.BUYER else Conversation.shop_id == owner_id
    return (sa.select(Conversation).where(mine, Conversation.last_message_id > 0)
            .options(joinedload(Conversation.shop), joinedload(Conversation.buyer))
            .order_by(Conversation.last_message_at.desc(), Conversation.id.desc()))


def inbox(side: str, owner_id: int, *, page: int | None = None, per_page: int = 30):
    """One page of an inbox with each row's unread count and subject card: (pagination, unread, cards)."""
    found = paginate(inbox_query(side, owner_id), per_page=per_page, page=page)
    rows = list(found.items)
    return found, services.unread_counts(rows, side), subjects.cards((c.subject_kind, c.subject_id) for c in rows)


def messages_before(conversation: Conversation, before: int | None = None, size: int = PAGE_SIZE):
    """Up to ``size`` messages older than ``before`` (the newest without it), oldest first, with their
    images; and whether older ones remain."""
    query = (sa.select(Message).where(Message.conversation_id == conversation.id)
             .options(selectinload(Message.images)).order_by(Message.id.desc()).limit(size + 1))
    if before:
        query = query.where(Message.id < before)
    rows = list(db.session.scalars(query))
    more = len(rows) > size
    return list(reversed(rows[:size])), more


def card_of(conversation: Conversation) -> subjects.Card | None:
    return subjects.cards([(conversation.subject_kind, conversation.subject_id)]).get(
        (conversation.subject_kind, conversation.subject_id))
