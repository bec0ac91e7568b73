"""Marshmallow schemas of the investment API: the published project library."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from investment.models import CoopMode, LandNature, LandStatus
from marketplace.openapi import page_fields
from marketplace.schemas import CodeNameSchema, listing, nested, opt, req

BRACKETS = ["lt50m", "50m-100m", "100m-500m", "500m-1b", "ge1b"]


class ProjectSchema(Schema):
    id = req(fields.Integer)
    code = req(fields.String)
    title = req(fields.String)
    summary = req(fields.String)
    sector = nested(CodeNameSchema)
    county = fields.Nested(CodeNameSchema, required=True, allow_none=True)
    park = req(fields.String)
    total_investment_cents = req(fields.Integer)
    sought_cents = req(fields.Integer)
    bracket = req(fields.String, validate=validate.OneOf(BRACKETS))
    mode = nested(Schema.from_dict({"code": req(fields.String, validate=validate.OneOf([m.value for m in CoopMode])),
                                    "name": req(fields.String)}, name="CoopModeRef"))
    land_area_mu_hundredths = req(fields.Integer, metadata={"description": "Land in 1/100 mu"})
    land_nature = req(fields.String, validate=validate.OneOf([n.value for n in LandNature]))
    land_status = req(fields.String, validate=validate.OneOf([n.value for n in LandStatus]))
    land_available = req(fields.Boolean)
    published_at = opt(fields.String, metadata={"format": "date-time"})
    valid_until = opt(fields.String, metadata={"format": "date"})
    view_count = req(fields.Integer)
    url = req(fields.String)


class PhotoSchema(Schema):
    url = req(fields.String)
    thumb_url = req(fields.String)
    caption = req(fields.String)


class DocumentSchema(Schema):
    url = req(fields.String)
    name = req(fields.String)
    size_bytes = req(fields.Integer)


class ContactSchema(Schema):
    name = req(fields.String)
    phone = req(fields.String)
    email = req(fields.String)


class ProjectDetailSchema(ProjectSchema):
    address = req(fields.String)
    construction = req(fields.String)
    market_outlook = req(fields.String)
    incentives = req(fields.String)
    expected_returns = req(fields.String)
    photos = listing(PhotoSchema)
    documents = listing(DocumentSchema)
    contact = fields.Nested(ContactSchema, required=True, allow_none=True,
                            metadata={"description": "null when the office keeps it private"})


class CountSchema(Schema):
    value = req(fields.String)
    count = req(fields.Integer)


class ProjectListSchema(Schema):
    items = listing(ProjectSchema)
    total = req(fields.Integer)
    page = req(fields.Integer)
    per_page = req(fields.Integer)
    pages = req(fields.Integer)
    facets = req(fields.Dict, keys=fields.String(), values=fields.List(fields.Nested(CountSchema)),
                 metadata={"description": "sector, county, mode, land, bracket"})


ProjectQuerySchema = Schema.from_dict({
    "q": fields.String(),
    "sector": fields.String(),
    "county": fields.String(),
    "bracket": fields.String(metadata={"description": ", ".join(BRACKETS)}),
    "mode": fields.String(metadata={"description": ", ".join(m.value for m in CoopMode)}),
    "land": fields.String(metadata={"description": "1: land available"}),
    "sort": fields.String(metadata={"description": "newest, size, relevance"}),
    **page_fields(max_size=50),
}, name="ProjectQuerySchema")
