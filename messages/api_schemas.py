"""Marshmallow schemas of the conversations API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.openapi import MAX_ID, Int, page_fields
from marketplace.schemas import PageSchema, listing, nested, opt, req
from messages.models import ReportReason

SIDES = ["buyer", "shop"]


class CardSchema(Schema):
    title = req(fields.String)
    url = opt(fields.String)
    thumbnail = opt(fields.String)
    facts = req(fields.List, fields.String())


class ConversationSchema(Schema):
    id = req(fields.Integer)
    side = req(fields.String, validate=validate.OneOf([*SIDES, "admin"]),
               metadata={"description": "The caller's side of the conversation"})
    shop_id = req(fields.Integer)
    shop_name = req(fields.String)
    buyer_name = req(fields.String)
    subject_kind = req(fields.String, metadata={"description": "product, order, request, quote, supply ... "
                                                              "or an empty string: a general question"})
    subject_id = req(fields.Integer, metadata={"description": "0 for a general question"})
    subject = opt(fields.Nested, CardSchema, metadata={"description": "The subject's card; null when it is "
                                                                      "gone or the conversation has none"})
    last_message_at = req(fields.DateTime)
    last_preview = req(fields.String)
    unread = req(fields.Integer, metadata={"description": "Messages of the other side the caller has not read"})
    closed = req(fields.Boolean, metadata={"description": "Closed by the platform: no new messages"})


class ConversationListSchema(PageSchema):
    items = listing(ConversationSchema)
    pages = req(fields.Integer)
    unread = req(fields.Integer, metadata={"description": "Unread messages in all of the caller's conversations "
                                                          "of this side"})


class MessageSchema(Schema):
    id = req(fields.Integer)
    side = req(fields.String, validate=validate.OneOf(SIDES))
    mine = req(fields.Boolean)
    text = req(fields.String)
    images = req(fields.List, fields.String(), metadata={"description": "URLs of the photos (the parties only)"})
    created_at = req(fields.DateTime)


class ConversationDetailSchema(Schema):
    conversation = nested(ConversationSchema)
    messages = listing(MessageSchema, metadata={"description": "Oldest first"})
    more = req(fields.Boolean, metadata={"description": "Older messages exist: ask with before=<first id>"})


ConversationQuerySchema = Schema.from_dict({
    "side": fields.String(load_default="buyer", validate=validate.OneOf(SIDES),
                          metadata={"description": "buyer: the conversations I opened; shop: my shop's"}),
    **page_fields(),
}, name="ConversationQuerySchema")

MessagesQuerySchema = Schema.from_dict({
    "before": fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                             metadata={"description": "Only messages older than this id"}),
}, name="MessagesQuerySchema")


class StartBodySchema(Schema):
    kind = fields.String(load_default="", validate=validate.Length(max=20),
                         metadata={"description": "The subject's kind (product, order ...), empty for a general "
                                                  "question to shop_id"})
    id = Int(minimum=0, maximum=MAX_ID, load_default=0, metadata={"description": "The subject's id"})
    shop_id = Int(minimum=1, maximum=MAX_ID, allow_none=True, load_default=None,
                  metadata={"description": "The shop (a general question; a subject discussed with one of several shops)"})
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    client_token = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,40}$"),
                                 metadata={"description": "An idempotency key: the same one again posts nothing new"})


class SendBodySchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    client_token = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,40}$"),
                                 metadata={"description": "An idempotency key: the same one again posts nothing new"})


class ReportBodySchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf([r.value for r in ReportReason]))
    text = fields.String(load_default="", validate=validate.Length(max=500))


class ReportSchema(Schema):
    id = req(fields.Integer)
    reason = req(fields.String, validate=validate.OneOf([r.value for r in ReportReason]))
    reason_label = req(fields.String)
    created_at = req(fields.DateTime)
