"""Marshmallow schemas of the shell's API (ping, me, tokens, the shop directory) and small helpers the
domains' schemas share. Response schemas list every key a route returns (``required``: always
present; ``allow_none``: may be null), so the OpenAPI document says exactly what comes back."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.openapi import page_fields


def req(field_cls, *args, **kwargs):
    """A response field that is always present."""
    return field_cls(*args, required=True, **kwargs)


def opt(field_cls, *args, **kwargs):
    """A response field that is always present and may be null."""
    return field_cls(*args, required=True, allow_none=True, **kwargs)


def nested(schema, **kwargs):
    return fields.Nested(schema, required=True, **kwargs)


def listing(schema, **kwargs):
    return fields.List(fields.Nested(schema), required=True, **kwargs)


class PingSchema(Schema):
    ok = req(fields.Boolean)


# --- accounts ----------------------------------------------------------------------------------

class MeShopSchema(Schema):
    id = req(fields.Integer)
    slug = req(fields.String)
    name = req(fields.String)
    status = req(fields.String, validate=validate.OneOf(["pending", "approved", "rejected", "suspended"]))
    role = req(fields.String, validate=validate.OneOf(["owner", "staff"]))


class MeSchema(Schema):
    id = req(fields.Integer)
    email = opt(fields.String, metadata={"description": "None for an account made with a mobile number"})
    name = req(fields.String)
    display_name = req(fields.String)
    phone = opt(fields.String)
    mobile = opt(fields.String, metadata={"description": "The verified sign-in mobile number, E.164"})
    locale = req(fields.String)
    roles = req(fields.List, fields.String(), metadata={"description": "Platform-wide roles"})
    shop = fields.Nested(MeShopSchema, required=True, allow_none=True)


SCOPE_NAMES = ["read", "buyer", "merchant"]


class TokenSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    prefix = req(fields.String, metadata={"description": "The token's first characters"})
    scopes = req(fields.List, fields.String(validate=validate.OneOf(SCOPE_NAMES)))
    created_at = opt(fields.String, metadata={"format": "date-time"})
    last_used_at = opt(fields.String, metadata={"format": "date-time"})


class TokenListSchema(Schema):
    tokens = listing(TokenSchema)


class TokenCreatedSchema(TokenSchema):
    token = req(fields.String, metadata={"description": "The token itself: shown this once only"})


class TokenCreateSchema(Schema):
    class Meta:
        unknown = "exclude"

    name = fields.String(required=True, validate=validate.Length(min=1, max=80),
                         metadata={"examples": ["进货系统"]})
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPE_NAMES)), validate=validate.Length(min=1),
                         metadata={"description": "Default: [\"read\", \"buyer\"]. merchant only for a shop's "
                                                  "owner or staff (403 scope_not_allowed otherwise)."})


# --- the shop directory ------------------------------------------------------------------------

class CodeNameSchema(Schema):
    code = req(fields.String)
    name = req(fields.String)


class ShopRegionSchema(CodeNameSchema):
    path = req(fields.String)


SHOP_TYPES = ["enterprise", "market_stall", "cooperative", "farmer"]


class ShopSummarySchema(Schema):
    slug = req(fields.String)
    name = req(fields.String)
    type = req(fields.String, validate=validate.OneOf(SHOP_TYPES))
    type_label = req(fields.String)
    region = nested(ShopRegionSchema)
    county = fields.Nested(CodeNameSchema, required=True, allow_none=True)
    logo = opt(fields.Dict, keys=fields.String(), values=fields.String(allow_none=True))
    url = req(fields.String)
    approved_at = opt(fields.String, metadata={"format": "date-time"})
    market_name = fields.String(allow_none=True, metadata={"description": "Market stalls only"})
    stall_number = fields.String(allow_none=True, metadata={"description": "Market stalls only"})


class ShopDetailSchema(ShopSummarySchema):
    address = req(fields.String)
    phone = req(fields.String)
    description = req(fields.String)


class PageSchema(Schema):
    page = req(fields.Integer)
    per_page = req(fields.Integer)
    total = req(fields.Integer)


class ShopListSchema(PageSchema):
    items = listing(ShopSummarySchema)
    pages = req(fields.Integer)


ShopQuerySchema = Schema.from_dict({
    "county": fields.String(validate=validate.Regexp(r"^[0-9]{2,12}$"),
                            metadata={"description": "A county's division code (400 invalid_county if unknown)"}),
    "type": fields.String(validate=validate.OneOf(SHOP_TYPES)),
    "q": fields.String(),
    **page_fields(),
}, name="ShopQuerySchema")
