"""Marshmallow schemas of the reviews' API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.openapi import page_fields
from marketplace.schemas import PageSchema, listing, nested, opt, req

STARS = validate.Range(min=1, max=5)


class TotalsSchema(Schema):
    count = req(fields.Integer, metadata={"description": "Visible reviews"})
    overall = req(fields.Float, metadata={"description": "The three dimensions averaged, 0 without reviews"})
    quality = req(fields.Float, metadata={"description": "品质新鲜度 average"})
    weight = req(fields.Float, metadata={"description": "重量准确 average"})
    delivery = req(fields.Float, metadata={"description": "物流交付 average"})


class ReviewPhotoSchema(Schema):
    url = req(fields.String)
    thumbnail = req(fields.String)


class ReplySchema(Schema):
    text = req(fields.String)
    at = req(fields.DateTime)


class ReviewSchema(Schema):
    id = req(fields.Integer)
    product_id = opt(fields.Integer)
    shop_id = req(fields.Integer)
    product_title = req(fields.String)
    variant_name = req(fields.String)
    buyer = req(fields.String, metadata={"description": "The reviewer's name, masked"})
    quality = req(fields.Integer, validate=STARS)
    weight = req(fields.Integer, validate=STARS)
    delivery = req(fields.Integer, validate=STARS)
    text = req(fields.String)
    photos = listing(ReviewPhotoSchema)
    reply = opt(fields.Nested, ReplySchema)
    created_at = req(fields.DateTime)


class ReviewListSchema(PageSchema):
    items = listing(ReviewSchema)
    pages = req(fields.Integer)
    totals = nested(TotalsSchema)


ReviewQuerySchema = Schema.from_dict({**page_fields()}, name="ReviewQuerySchema")


class ReviewBodySchema(Schema):
    quality = req(fields.Integer, validate=STARS, metadata={"description": "品质新鲜度, 1-5"})
    weight = req(fields.Integer, validate=STARS, metadata={"description": "重量准确 (足斤足两), 1-5"})
    delivery = req(fields.Integer, validate=STARS, metadata={"description": "物流交付, 1-5"})
    text = fields.String(load_default="", metadata={"description": "At most REVIEW_TEXT_MAX characters"})
