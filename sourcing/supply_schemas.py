"""Marshmallow schemas of the supply API (posts, the shop's body, a reservation)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.openapi import page_fields
from marketplace.schemas import PageSchema, listing, opt, req
from sourcing.supply import MAX_PRICE_CENTS
from sourcing.supply_models import SupplyStatus

Int = fields.Integer
ID = validate.Range(min=1, max=2**31 - 1)


class SupplyPhotoSchema(Schema):
    id = req(Int)
    url = req(fields.String)
    thumbnail = req(fields.String)


class SupplySchema(Schema):
    id = req(Int)
    shop_id = req(Int)
    shop = req(fields.String)
    title = req(fields.String)
    spec = req(fields.String)
    category_id = req(Int)
    category = req(fields.String)
    product_id = opt(Int, metadata={"description": "One of the shop's own listings, when linked"})
    quantity = req(Int)
    unit = req(fields.String, metadata={"description": "A unit code of the unit table"})
    unit_label = req(fields.String)
    available_from = req(fields.Date)
    available_until = req(fields.Date)
    region_id = req(Int, metadata={"description": "The origin region, at any level down to the village"})
    region = req(fields.String)
    price_min_cents = opt(Int, metadata={"description": "Per unit, in fen"})
    price_max_cents = opt(Int, metadata={"description": "Per unit, in fen"})
    price_per_kg_min_cents = opt(Int, metadata={"description": "Where the unit converts to kg"})
    price_per_kg_max_cents = opt(Int)
    status = req(fields.String, validate=validate.OneOf([s.value for s in SupplyStatus]))
    status_label = req(fields.String)
    photos = listing(SupplyPhotoSchema)
    created_at = req(fields.DateTime)


class SupplyListSchema(PageSchema):
    items = listing(SupplySchema)
    pages = req(Int)


SupplyBoardQuerySchema = Schema.from_dict({
    "category": Int(validate=ID),
    "county": Int(validate=ID, metadata={"description": "County of origin"}),
    **page_fields(),
}, name="SupplyBoardQuerySchema")


class SupplyBodySchema(Schema):
    category = Int(required=True, validate=ID)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    spec = fields.String(load_default="", validate=validate.Length(max=1000))
    product_id = Int(load_default=None, allow_none=True, validate=ID,
                     metadata={"description": "One of the shop's own listings (another shop's: 404)"})
    quantity = Int(required=True, validate=validate.Range(min=1, max=10_000_000))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=10))
    available_from = fields.Date(required=True)
    available_until = fields.Date(required=True)
    region = Int(required=True, validate=ID, metadata={"description": "The origin region's id, at any level"})
    price_min_cents = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_PRICE_CENTS))
    price_max_cents = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_PRICE_CENTS))


class ReserveBodySchema(Schema):
    quantity = Int(required=True, validate=validate.Range(min=1, max=10_000_000),
                   metadata={"description": "In the post's unit; at most the post's quantity"})
    region = Int(required=True, validate=ID, metadata={"description": "The delivery region's id, at any level"})
    deliver_from = fields.Date(load_default=None, allow_none=True)
    deliver_until = fields.Date(load_default=None, allow_none=True)
    target_price_cents = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=10**14))
    spec = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000),
                         metadata={"description": "The request's specification (the post's when left out)"})
    invoice_needed = fields.Boolean(load_default=False)
