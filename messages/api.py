"""JSON API of conversations: /api/v1/conversations...

The same rules as the pages, through the same services: the buyer and the shop's members read a
conversation, the admin only a reported one (and only reads); anyone else gets 404. Messages are
text here (photos are sent from the page); ``client_token`` makes a retried send post once.
Tokens need the buyer scope (a buyer's conversations) or the merchant scope (his shop's).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from marketplace.accounts.scopes import BUYER, MERCHANT
from marketplace.api import api_bp, api_login_required, scoped
from marketplace.errors import ApiError
from marketplace.openapi import api_doc, parse_body, parse_query
from marketplace.shops.policy import membership_of
from messages import queries, services, subjects
from messages.api_schemas import (
    ConversationDetailSchema,
    ConversationListSchema,
    ConversationQuerySchema,
    ConversationSchema,
    MessagesQuerySchema,
    ReportBodySchema,
    ReportSchema,
    SendBodySchema,
    StartBodySchema,
)
from messages.labels import reason_label
from messages.models import Conversation, Message, Side
from messages.policy import ADMIN, conversation_or_404
from messages.views.common import report_limited, send_limited

TAGS = ["conversations"]
ERRORS = {409: "error", 422: "error"}


def _card_json(card) -> dict | None:
    if card is None:
        return None
    return {"title": card.title, "url": card.url, "thumbnail": card.thumbnail, "facts": list(card.facts)}


def conversation_json(conversation: Conversation, side: str, unread: int, card) -> dict:
    if side == Side.SHOP and card is not None and card.shop_url:
        card = subjects.Card(card.title, card.shop_url, None, card.thumbnail, card.facts)
    return {"id": conversation.id, "side": str(side), "shop_id": conversation.shop_id,
            "shop_name": conversation.shop.name, "buyer_name": conversation.buyer.display_name,
            "subject_kind": conversation.subject_kind, "subject_id": conversation.subject_id,
            "subject": _card_json(card), "last_message_at": conversation.last_message_at.isoformat(),
            "last_preview": conversation.last_preview, "unread": unread, "closed": conversation.closed_at is not None}


def message_json(conversation: Conversation, message: Message, side: str) -> dict:
    return {"id": message.id, "side": message.side.value, "mine": message.side == side, "text": message.body,
            "images": [url_for("messages.image", conversation_id=conversation.id, image_id=i.id) for i in message.images],
            "created_at": message.created_at.isoformat()}


def _detail(conversation: Conversation, side: str, before: int | None = None) -> dict:
    rows, more = queries.messages_before(conversation, before)
    unread = services.unread_counts([conversation], side).get(conversation.id, 0)
    return {"conversation": conversation_json(conversation, side, unread, queries.card_of(conversation)),
            "messages": [message_json(conversation, m, side) for m in rows], "more": more}


def _writer(conversation_id: int) -> tuple[Conversation, str]:
    conversation, side = conversation_or_404(conversation_id, current_user, api=True)
    if side == ADMIN:  # the platform reads a reported conversation; it does not write in it
        raise ApiError(404, "not_found", _("会话不存在"))
    return conversation, side


@api_bp.get("/conversations")
@scoped(BUYER, MERCHANT)
@api_doc("My conversations, the most recently active first: side=buyer (those I opened) or side=shop "
         "(my shop's)", tags=TAGS, query=ConversationQuerySchema, responses={200: ConversationListSchema, 403: "error"})
@api_login_required
def conversations_api():
    args = parse_query(ConversationQuerySchema)
    side = Side(args["side"])
    if side == Side.SHOP:
        member = membership_of(current_user)
        if member is None:
            raise ApiError(403, "no_shop", _("您还没有店铺"))
        owner_id, total = member.shop_id, services.total_unread(None, side, member.shop_id)
    else:
        owner_id, total = current_user.id, services.total_unread(current_user, side)
    found, unread, cards = queries.inbox(side, owner_id, page=max(1, min(args["page"], 10_000)),
                                         per_page=max(1, min(args["per_page"], 100)))
    return {"items": [conversation_json(c, side, unread.get(c.id, 0), cards.get((c.subject_kind, c.subject_id)))
                      for c in found.items],
            "page": found.page, "per_page": found.per_page, "total": found.total, "pages": found.pages,
            "unread": total}


@api_bp.post("/conversations")
@scoped(BUYER)
@send_limited
@api_doc("Ask a shop about a subject (kind and id: a product, one of my orders ...; no kind: a general "
         "question to shop_id). Reuses my conversation about it when there is one (200), else opens one (201). "
         "A subject I may not discuss (someone else's order) is a 404", tags=TAGS, body=StartBodySchema,
         responses={200: ConversationDetailSchema, 201: ConversationDetailSchema, 404: "error", **ERRORS})
@api_login_required
def conversation_start_api():
    body = parse_body(StartBodySchema)
    kind = body["kind"].strip()
    if kind == subjects.GENERAL and not body["shop_id"]:
        raise ApiError(400, "invalid", _("一般咨询需要指定店铺（shop_id）"), field="shop_id")
    subject_id = 0 if kind == subjects.GENERAL else body["id"]
    if kind and not subject_id:
        raise ApiError(404, "not_found", _("不存在"))
    try:
        conversation, created = services.start(current_user, kind, subject_id, body["shop_id"], text=body["text"],
                                               token=body["client_token"])
    except NotFound:
        raise ApiError(404, "not_found", _("不存在")) from None
    return _detail(conversation, Side.BUYER), 201 if created else 200


@api_bp.get("/conversations/<int:conversation_id>")
@scoped(BUYER, MERCHANT)
@api_doc("A conversation with its newest messages (oldest first); before=<id> pages back", tags=TAGS,
         query=MessagesQuerySchema, responses={200: ConversationDetailSchema})
@api_login_required
def conversation_api(conversation_id: int):
    conversation, side = conversation_or_404(conversation_id, current_user, api=True)
    return _detail(conversation, side, parse_query(MessagesQuerySchema).get("before"))


@api_bp.post("/conversations/<int:conversation_id>/messages")
@scoped(BUYER, MERCHANT)
@send_limited
@api_doc("Send a text message; the same client_token again returns the message already sent", tags=TAGS,
         body=SendBodySchema, responses={201: ConversationDetailSchema, **ERRORS})
@api_login_required
def conversation_send_api(conversation_id: int):
    conversation, side = _writer(conversation_id)
    body = parse_body(SendBodySchema)
    services.send(conversation, current_user, side, text=body["text"], token=body["client_token"])
    return _detail(conversation, side), 201


@api_bp.post("/conversations/<int:conversation_id>/read")
@scoped(BUYER, MERCHANT)
@api_doc("Mark every message of the conversation read (for the caller's side)", tags=TAGS,
         responses={200: ConversationSchema})
@api_login_required
def conversation_read_api(conversation_id: int):
    conversation, side = _writer(conversation_id)
    services.mark_read(conversation, side)
    return conversation_json(conversation, side, 0, queries.card_of(conversation))


@api_bp.post("/conversations/<int:conversation_id>/report")
@scoped(BUYER, MERCHANT)
@report_limited
@api_doc("Report the conversation to the platform (the admin may then read it); a second report of mine "
         "while the first is open returns it", tags=TAGS, body=ReportBodySchema,
         responses={201: ReportSchema, **ERRORS})
@api_login_required
def conversation_report_api(conversation_id: int):
    conversation, side = _writer(conversation_id)
    body = parse_body(ReportBodySchema)
    found = services.report(conversation, current_user, side, body["reason"], body["text"])
    return {"id": found.id, "reason": found.reason.value, "reason_label": reason_label(found.reason),
            "created_at": found.created_at.isoformat()}, 201
