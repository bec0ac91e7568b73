"""Marshmallow schemas of the orders API: cart, checkout, the buyer's orders (and the merchant's)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.openapi import MAX_ID, extend_schema, page_fields
from marketplace.schemas import PageSchema, listing, nested, opt, req
from orders.models import Fulfilment, OrderStatus

STATUSES = [s.value for s in OrderStatus]
FULFILMENTS = [f.value for f in Fulfilment]


class CartShopSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    slug = req(fields.String)


class ZoneRegionSchema(Schema):
    id = req(fields.Integer)
    code = req(fields.String)
    name = req(fields.String, metadata={"description": "全国 for the country, else the region's path"})
    level = req(fields.String, validate=validate.OneOf(["country", "province", "city", "county", "township",
                                                        "village"]))


class DeliveryZoneSchema(Schema):
    region = nested(ZoneRegionSchema)
    fee_mode = req(fields.String, validate=validate.OneOf(["flat", "per_kg", "per_unit"]))
    fee_cents = req(fields.Integer)
    free_above_cents = opt(fields.Integer)


class DeliveryOfferSchema(Schema):
    enabled = req(fields.Boolean)
    counties = req(fields.List, fields.Integer(), metadata={
        "description": "Region ids of the delivery zones (any level; kept from before zones: see zones)"})
    fee_mode = req(fields.String, validate=validate.OneOf(["flat", "per_kg", "per_unit"]),
                   metadata={"description": "The first zone's (see zones: the fee depends on the address)"})
    fee_cents = req(fields.Integer, metadata={"description": "The first zone's"})
    free_above_cents = opt(fields.Integer)
    zones = listing(DeliveryZoneSchema)


class PickupOfferSchema(Schema):
    enabled = req(fields.Boolean)
    hours = req(fields.String)


class NextTierSchema(Schema):
    more = req(fields.Integer)
    quantity = req(fields.Integer)
    unit_price_cents = req(fields.Integer)
    message = req(fields.String)


class CartLineSchema(Schema):
    id = req(fields.Integer)
    variant_id = req(fields.Integer)
    product_id = req(fields.Integer)
    product_title = req(fields.String)
    variant_name = req(fields.String)
    unit = req(fields.String)
    quantity = req(fields.Integer)
    unit_price_cents = req(fields.Integer)
    line_total_cents = req(fields.Integer)
    tier_min_quantity = opt(fields.Integer)
    moq = req(fields.Integer)
    step = req(fields.Integer)
    next_tier = fields.Nested(NextTierSchema, required=True, allow_none=True)
    repriced_from_cents = opt(fields.Integer)
    problems = req(fields.List, fields.String())


class CartGroupSchema(Schema):
    shop = nested(CartShopSchema)
    subtotal_cents = req(fields.Integer)
    delivery = nested(DeliveryOfferSchema)
    pickup = nested(PickupOfferSchema)
    lines = listing(CartLineSchema)


class CartSchema(Schema):
    groups = listing(CartGroupSchema)
    subtotal_cents = req(fields.Integer)
    line_count = req(fields.Integer)
    has_problems = req(fields.Boolean)


_QUANTITY = {"validate": validate.Range(min=1, max=9_999_999),
             "metadata": {"description": "Units; MOQ and order step of the variant apply (422 otherwise)"}}


class CartAddSchema(Schema):
    class Meta:
        unknown = "exclude"  # fields the server computes (prices ...) are ignored

    variant_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    quantity = fields.Integer(required=True, **_QUANTITY)


class CartUpdateSchema(Schema):
    class Meta:
        unknown = "exclude"

    line_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                             metadata={"description": "The cart line, or give variant_id"})
    variant_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    quantity = fields.Integer(required=True, **_QUANTITY)


class CartRemoveSchema(Schema):
    class Meta:
        unknown = "exclude"

    line_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                             metadata={"description": "Without a body the cart is emptied"})
    variant_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


extend_schema(CartUpdateSchema, anyOf=[{"required": ["line_id"]}, {"required": ["variant_id"]}])
extend_schema(CartRemoveSchema, anyOf=[{"maxProperties": 0}, {"required": ["line_id"]}, {"required": ["variant_id"]}])


class CheckoutSchema(Schema):
    class Meta:
        unknown = "exclude"

    fulfilment = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(FULFILMENTS)),
                             metadata={"description": "Shop id -> delivery or pickup"})
    address_id = fields.Integer(allow_none=True, metadata={"description": "Needed for delivery"})
    note = fields.String(validate=validate.Length(max=300))
    idempotency_key = fields.String(metadata={"description": "Or the Idempotency-Key header (8-64 of A-Z a-z 0-9 -_.:)"})


class OrderShopSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)


class OrderLineSchema(Schema):
    id = req(fields.Integer)
    product_title = req(fields.String)
    variant_name = req(fields.String)
    unit = req(fields.String)
    variant_id = opt(fields.Integer)
    quantity = req(fields.Integer)
    unit_price_cents = req(fields.Integer)
    tier_min_quantity = opt(fields.Integer)
    line_total_cents = req(fields.Integer)
    weigh_tolerance_bp = opt(fields.Integer, metadata={
        "description": "Sold by weight (settled on the weight at handover): the ± tolerance the buyer accepted, "
                       "in basis points; null: not weighed"})


class ShipToSchema(Schema):
    recipient = req(fields.String)
    phone = req(fields.String)
    address = req(fields.String)


class PickupAtSchema(Schema):
    address = req(fields.String)
    hours = req(fields.String)
    code = opt(fields.String)


class HistorySchema(Schema):
    status = req(fields.String, validate=validate.OneOf(STATUSES))
    at = req(fields.String, metadata={"format": "date-time"})
    note = opt(fields.String)


class OrderSchema(Schema):
    id = req(fields.Integer)
    number = req(fields.String)
    group_id = req(fields.Integer)
    status = req(fields.String, validate=validate.OneOf(STATUSES))
    shop = nested(OrderShopSchema)
    fulfilment = req(fields.String, validate=validate.OneOf(FULFILMENTS))
    subtotal_cents = req(fields.Integer)
    fee_cents = req(fields.Integer)
    total_cents = req(fields.Integer)
    created_at = req(fields.String, metadata={"format": "date-time"})
    expires_at = req(fields.String, metadata={"format": "date-time", "description": "Payment deadline"})


class OrderDetailSchema(OrderSchema):
    lines = listing(OrderLineSchema)
    address = fields.Nested(ShipToSchema, required=True, allow_none=True)
    pickup = fields.Nested(PickupAtSchema, required=True, allow_none=True)
    carrier = opt(fields.String)
    tracking_number = opt(fields.String)
    history = listing(HistorySchema)


class OrderListSchema(PageSchema):
    items = listing(OrderSchema)


class OrderGroupSchema(Schema):
    id = req(fields.Integer)
    subtotal_cents = req(fields.Integer)
    fee_cents = req(fields.Integer)
    total_cents = req(fields.Integer)
    expires_at = req(fields.String, metadata={"format": "date-time"})
    orders = listing(OrderDetailSchema)


class CancelSchema(Schema):
    class Meta:
        unknown = "exclude"

    reason = fields.String(validate=validate.Length(max=300))


PageQuerySchema = Schema.from_dict(page_fields(), name="PageQuerySchema")

# --- the merchant's side -------------------------------------------------------------------------


class MerchantOrderSchema(OrderDetailSchema):
    note = req(fields.String, metadata={"description": "The buyer's message"})
    buyer = nested(Schema.from_dict({"id": req(fields.Integer), "name": req(fields.String)}, name="OrderBuyer"))


class MerchantOrderListSchema(PageSchema):
    items = listing(MerchantOrderSchema)
    pages = req(fields.Integer)


MerchantOrderQuerySchema = Schema.from_dict({
    "status": fields.String(validate=validate.OneOf(STATUSES)),
    **page_fields(),
}, name="MerchantOrderQuerySchema")


class ShipBodySchema(Schema):
    carrier = fields.String(required=True, validate=validate.Length(min=1, max=60),
                            metadata={"examples": ["顺丰"]})
    tracking_number = fields.String(required=True, validate=validate.Length(min=1, max=60))


class PickupBodySchema(Schema):
    pickup_code = fields.String(validate=[validate.Length(max=12), validate.Regexp(r"^[A-Za-z0-9]*$")],
                                metadata={"description": "Letters and digits; left out: six random digits"})

