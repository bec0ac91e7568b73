"""Conversations between one buyer and one shop about a subject, their messages, images, read state
and reports. The subject is generic, ``(subject_kind, subject_id)``: the domains above this one
(catalog, orders, sourcing) describe their own subjects through ``messages.subjects``; a general
question to the shop is the kind ``""`` with id 0 (not NULL: a unique constraint treats NULLs as
all different, so "one conversation per buyer, shop and subject" would not hold for it)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.shops.models import Shop


class Side(enum.StrEnum):
    BUYER = "buyer"
    SHOP = "shop"


class ReportReason(enum.StrEnum):
    SPAM = "spam"                #: advertising, unsolicited offers
    ABUSE = "abuse"              #: insults, threats, harassment
    FRAUD = "fraud"              #: a scam, asking to pay outside the platform
    PROHIBITED = "prohibited"    #: prohibited goods or content
    PRIVACY = "privacy"          #: someone's personal data posted
    OTHER = "other"


class Resolution(enum.StrEnum):
    NO_ACTION = "no_action"  #: nothing wrong found
    WARNED = "warned"        #: the party at fault was warned
    CLOSED = "closed"        #: the conversation is closed: no one can write in it any more


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (sa.UniqueConstraint("buyer_id", "shop_id", "subject_kind", "subject_id", name="one_per_subject"),
                      sa.Index("ix_conversations_shop_last", "shop_id", "last_message_at"),
                      sa.Index("ix_conversations_buyer_last", "buyer_id", "last_message_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    #: A kind registered in messages.subjects ("product", "order", "request", ...), or "" (a general question).
    subject_kind: Mapped[str] = mapped_column(sa.String(20), default="")
    #: The subject's id in its own domain (0 with the kind "").
    subject_id: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    last_message_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The newest message (its id and a short preview for the inboxes: no join per row).
    last_message_id: Mapped[int] = mapped_column(default=0)
    last_preview: Mapped[str] = mapped_column(sa.String(80), default="")
    last_side: Mapped[Side | None] = mapped_column(_enum(Side, 10))
    #: The newest message each side has read (its id): what is newer and from the other side is unread.
    buyer_read_id: Mapped[int] = mapped_column(default=0)
    shop_read_id: Mapped[int] = mapped_column(default=0)
    #: When it was first reported: the admin may read it from then on.
    reported_at: Mapped[dt.datetime | None]
    #: Closed by the platform (a report's resolution): still readable, no new messages.
    closed_at: Mapped[dt.datetime | None]

    buyer: Mapped[User] = relationship()
    shop: Mapped[Shop] = relationship()

    def read_id(self, side: Side) -> int:
        return self.buyer_read_id if side == Side.BUYER else self.shop_read_id


class Message(Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "client_token", name="one_per_token"),
                      sa.Index("ix_conversation_messages_unread", "conversation_id", "side", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversations.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    side: Mapped[Side] = mapped_column(_enum(Side, 10))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: The form's one-time token (or the API client's): the same message sent twice is stored once.
    client_token: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    sender: Mapped[User | None] = relationship()
    images: Mapped[list[MessageImage]] = relationship(cascade="all, delete-orphan", order_by="MessageImage.id")


class MessageImage(Base):
    """A photo in a message: re-encoded (no EXIF or GPS), stored privately, served to the parties only."""

    __tablename__ = "conversation_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation_messages.id", ondelete="CASCADE"), index=True)
    #: Storage keys of the re-encoded image (largest side 1600 px) and of its thumbnail.
    key: Mapped[str] = mapped_column(sa.String(200))
    thumb_key: Mapped[str] = mapped_column(sa.String(200))


class ConversationReport(Base):
    __tablename__ = "conversation_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reporter_side: Mapped[Side] = mapped_column(_enum(Side, 10))
    reason: Mapped[ReportReason] = mapped_column(_enum(ReportReason))
    text: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolution: Mapped[Resolution | None] = mapped_column(_enum(Resolution))
    #: The admin's note with the resolution (shown to admins only).
    resolution_note: Mapped[str] = mapped_column(sa.String(500), default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[dt.datetime | None]

    conversation: Mapped[Conversation] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])


# Not columns: the conversations with unread messages of the signed-in user as a buyer and as his
# shop's owner or staff (at most messages.header.CAP each), loaded with him for the header's
# messages link by the loader options messages.header registers (``user_load_options``), as the
# notification bell's count is: no statement of their own on any page.
User.unread_buyer_conversations = query_expression()
User.unread_shop_conversations = query_expression()
