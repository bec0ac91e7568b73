"""Marshmallow schemas of the sourcing API (requests, quotes, acceptance)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.openapi import page_fields
from marketplace.schemas import PageSchema, listing, opt, req
from sourcing.models import QuoteStatus, RequestStatus, Visibility

STATUSES = [s.value for s in RequestStatus]
VISIBILITIES = [v.value for v in Visibility]
MAX_CENTS = 10**14
Int = fields.Integer


class RequestSchema(Schema):
    id = req(Int)
    title = req(fields.String)
    spec = req(fields.String)
    category_id = req(Int)
    category = req(fields.String)
    quantity = req(Int)
    unit = req(fields.String, metadata={"description": "A unit code of the unit table"})
    unit_label = req(fields.String)
    target_price_cents = opt(Int, metadata={"description": "The buyer's target price per unit, in fen"})
    region_id = req(Int)
    region = req(fields.String)
    deliver_from = opt(fields.Date)
    deliver_until = opt(fields.Date)
    quote_deadline = req(fields.DateTime)
    max_quotes = req(Int)
    quote_count = req(Int)
    visibility = req(fields.String, validate=validate.OneOf(VISIBILITIES))
    invoice_needed = req(fields.Boolean)
    status = req(fields.String, validate=validate.OneOf(STATUSES))
    status_label = req(fields.String)
    revision = req(Int, metadata={"description": "1 when posted, +1 per edit of the open request"})
    buyer = req(fields.String, metadata={"description": "The buyer's name, masked (张**) except for himself"})
    order_id = opt(Int)
    created_at = req(fields.DateTime)


class RequestListSchema(PageSchema):
    items = listing(RequestSchema)
    pages = req(Int)


BoardQuerySchema = Schema.from_dict({
    "category": Int(validate=validate.Range(min=1, max=2**31 - 1)),
    "county": Int(validate=validate.Range(min=1, max=2**31 - 1)),
    **page_fields(),
}, name="SourcingBoardQuerySchema")

PageQuerySchema = Schema.from_dict(page_fields(), name="SourcingPageQuerySchema")


class RequestBodySchema(Schema):
    category = Int(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    spec = fields.String(load_default="", validate=validate.Length(max=1000))
    quantity = Int(required=True, validate=validate.Range(min=1, max=10_000_000))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=10))
    target_price_cents = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_CENTS))
    region = Int(required=True, validate=validate.Range(min=1, max=2**31 - 1),
                 metadata={"description": "The delivery region's id, at any level"})
    deliver_from = fields.Date(load_default=None, allow_none=True)
    deliver_until = fields.Date(load_default=None, allow_none=True)
    quote_deadline = fields.Date(required=True, metadata={"description": "Quotes are taken until the end of that day"})
    max_quotes = Int(load_default=10, validate=validate.Range(min=1, max=1000))
    visibility = fields.String(load_default="public", validate=validate.OneOf(VISIBILITIES))
    invoice_needed = fields.Boolean(load_default=False)
    invite = fields.List(Int(validate=validate.Range(min=1, max=2**31 - 1)), load_default=list,
                         validate=validate.Length(max=20), metadata={"description": "Ids of shops invited to quote"})
    publish = fields.Boolean(load_default=True, metadata={"description": "false: keep it as a draft"})


class QuoteTierSchema(Schema):
    min_quantity = req(Int, metadata={"description": "From this many units on"})
    unit_price_cents = req(Int)
    price_per_kg_cents = opt(Int)


class QuoteLineSchema(Schema):
    id = req(Int)
    variant_id = opt(Int)
    name = req(fields.String)
    unit = req(fields.String)
    quantity = req(Int)
    unit_price_cents = req(Int)
    line_total_cents = req(Int)
    price_per_kg_cents = opt(Int, metadata={"description": "Unit price per kg where the unit or weight converts"})
    tiers = listing(QuoteTierSchema)


class QuoteSchema(Schema):
    id = req(Int)
    request_id = req(Int)
    shop_id = req(Int)
    shop = req(fields.String)
    status = req(fields.String, validate=validate.OneOf([s.value for s in QuoteStatus]))
    status_label = req(fields.String)
    revision = req(Int)
    request_revision = req(Int)
    delivery_date = req(fields.Date)
    valid_until = req(fields.Date)
    freight_cents = req(Int)
    total_cents = req(Int)
    message = req(fields.String)
    lines = listing(QuoteLineSchema)
    order_id = opt(Int)
    updated_at = req(fields.DateTime)


class QuoteListSchema(PageSchema):
    items = listing(QuoteSchema)
    pages = req(Int)


class QuotesSchema(Schema):
    items = listing(QuoteSchema)


class QuoteTierBodySchema(Schema):
    min_quantity = Int(required=True, validate=validate.Range(min=2, max=10_000_000))
    unit_price_cents = Int(required=True, validate=validate.Range(min=1, max=MAX_CENTS))


class QuoteLineBodySchema(Schema):
    variant_id = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    name = fields.String(load_default="", validate=validate.Length(max=120))
    unit = fields.String(load_default="", validate=validate.Length(max=10))
    quantity = Int(required=True, validate=validate.Range(min=1, max=10_000_000))
    unit_price_cents = Int(required=True, validate=validate.Range(min=1, max=MAX_CENTS),
                           metadata={"description": "The unit price below the first tier"})
    tiers = fields.List(fields.Nested(QuoteTierBodySchema), load_default=list, validate=validate.Length(max=5),
                        metadata={"description": "Optional: ascending quantities, prices not rising"})


class QuoteBodySchema(Schema):
    lines = fields.List(fields.Nested(QuoteLineBodySchema), required=True, validate=validate.Length(min=1, max=20))
    delivery_date = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    freight_cents = Int(load_default=0, validate=validate.Range(min=0, max=MAX_CENTS))
    message = fields.String(load_default="", validate=validate.Length(max=1000))


class AcceptQuantitySchema(Schema):
    line_id = Int(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = Int(required=True, validate=validate.Range(min=1, max=10_000_000))


class AcceptBodySchema(Schema):
    quote_id = Int(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    line_ids = fields.List(Int(validate=validate.Range(min=1, max=2**31 - 1)), load_default=list,
                           metadata={"description": "Accept these lines only (all when empty)"})
    quantities = fields.List(fields.Nested(AcceptQuantitySchema), load_default=list, validate=validate.Length(max=20),
                             metadata={"description": "Accept fewer units of these lines (the quoted quantity otherwise)"})
    address_id = Int(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    note = fields.String(load_default="", validate=validate.Length(max=300))


class AcceptedSchema(Schema):
    order_id = req(Int)
    order_number = req(fields.String)
    total_cents = req(Int)
