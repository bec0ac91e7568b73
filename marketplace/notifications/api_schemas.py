"""Marshmallow schemas of the notifications API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.notifications.registry import CHANNELS, MODES
from marketplace.openapi import page_fields
from marketplace.schemas import PageSchema, listing, opt, req


class NotificationSchema(Schema):
    id = req(fields.Integer)
    type = req(fields.String, metadata={"description": "The notification type's key, e.g. orders.paid"})
    label = req(fields.String)
    text = req(fields.String, metadata={"description": "In the reader's language"})
    link = opt(fields.String, metadata={"description": "A path on this site"})
    subject_kind = opt(fields.String)
    subject_id = opt(fields.Integer)
    read = req(fields.Boolean)
    read_at = opt(fields.DateTime)
    created_at = req(fields.DateTime)


class NotificationListSchema(PageSchema):
    items = listing(NotificationSchema)
    pages = req(fields.Integer)
    unread = req(fields.Integer, metadata={"description": "Unread notifications (counted up to 100)"})


NotificationQuerySchema = Schema.from_dict({
    **page_fields(),
    "unread": fields.Boolean(load_default=False, metadata={"description": "Only the unread ones"}),
}, name="NotificationQuerySchema")


class UnreadCountSchema(Schema):
    unread = req(fields.Integer, metadata={"description": "Counted up to 100"})


class ReadAllSchema(Schema):
    marked = req(fields.Integer)


class ChannelModeSchema(Schema):
    channel = req(fields.String, validate=validate.OneOf(CHANNELS))
    mode = req(fields.String, validate=validate.OneOf(MODES))
    default = req(fields.String, validate=validate.OneOf(MODES))
    available = req(fields.Boolean, metadata={"description": "The user can be reached on it and may change it"})


class PreferenceTypeSchema(Schema):
    type = req(fields.String)
    label = req(fields.String)
    group = req(fields.String)
    optional = req(fields.Boolean, metadata={"description": "False: an account notice, always sent"})
    channels = listing(ChannelModeSchema)


class PreferencesSchema(Schema):
    types = listing(PreferenceTypeSchema)


class PreferenceChangeSchema(Schema):
    type = req(fields.String, validate=validate.Length(min=1, max=60))
    channel = req(fields.String, validate=validate.Length(min=1, max=20))
    mode = req(fields.String, validate=validate.Length(min=1, max=20))


class PreferencesBodySchema(Schema):
    preferences = req(fields.List, fields.Nested(PreferenceChangeSchema), validate=validate.Length(min=1, max=200))
