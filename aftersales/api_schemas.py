"""Marshmallow schemas of the merchant's after-sales API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from aftersales.models import AfterSaleKind, AfterSaleReason, AfterSaleStatus, ReturnShipping
from marketplace.openapi import page_fields
from marketplace.schemas import PageSchema, listing, opt, req

STATUSES = [s.value for s in AfterSaleStatus]


class AfterSaleLineSchema(Schema):
    order_line_id = req(fields.Integer)
    product_title = req(fields.String)
    variant_name = req(fields.String)
    unit = req(fields.String)
    quantity = req(fields.Integer)


class AfterSaleChangeSchema(Schema):
    status = req(fields.String, validate=validate.OneOf(STATUSES))
    status_label = req(fields.String)
    at = req(fields.DateTime)
    note = req(fields.String)


class AfterSaleSchema(Schema):
    id = req(fields.Integer)
    order_id = req(fields.Integer)
    order_number = req(fields.String)
    kind = req(fields.String, validate=validate.OneOf([k.value for k in AfterSaleKind]),
               metadata={"description": "refund: 仅退款 (the buyer keeps the goods); return: 退货退款"})
    kind_label = req(fields.String)
    reason = req(fields.String, validate=validate.OneOf([r.value for r in AfterSaleReason]))
    reason_label = req(fields.String)
    description = req(fields.String)
    amount_cents = req(fields.Integer, metadata={"description": "What the buyer asks back, in fen"})
    status = req(fields.String, validate=validate.OneOf(STATUSES))
    status_label = req(fields.String)
    lines = listing(AfterSaleLineSchema)
    photos = req(fields.Integer, metadata={"description": "Number of photos (seen on the order page)"})
    return_shipping = opt(fields.String, validate=validate.OneOf([s.value for s in ReturnShipping]))
    return_address = req(fields.String)
    return_carrier = req(fields.String)
    return_tracking = req(fields.String)
    shop_note = req(fields.String)
    dispute_note = req(fields.String)
    ruling_note = req(fields.String)
    refund_id = opt(fields.Integer)
    credited_cents = req(fields.Integer, metadata={"description": "On credit (月结) with the statement not paid "
                                                                  "yet: what was taken off the statement instead "
                                                                  "of a refund"})
    created_at = req(fields.DateTime)
    history = listing(AfterSaleChangeSchema)


class AfterSaleListSchema(PageSchema):
    items = listing(AfterSaleSchema)
    pages = req(fields.Integer)


AfterSaleQuerySchema = Schema.from_dict({
    "status": fields.String(validate=validate.OneOf(STATUSES)),
    **page_fields(),
}, name="AfterSaleQuerySchema")


class ApproveBodySchema(Schema):
    restock = fields.Boolean(load_default=False, metadata={"description": "仅退款: put the units back in stock"})
    return_shipping = fields.String(allow_none=True, load_default=None,
                                    validate=validate.OneOf([s.value for s in ReturnShipping]),
                                    metadata={"description": "A return: who pays the shipping back (shop, buyer, "
                                                             "none: brought back in person); left out or null: "
                                                             "refund at once without the goods"})
    return_address = fields.String(load_default="", validate=validate.Length(max=300))
    note = fields.String(load_default="", validate=validate.Length(max=300))


class ReceiveBodySchema(Schema):
    restock = fields.Boolean(load_default=True, metadata={"description": "Put the returned units back in stock"})


class RefuseBodySchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=300),
                         metadata={"description": "The reason, shown to the buyer"})
