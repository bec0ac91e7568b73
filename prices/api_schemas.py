"""Marshmallow schemas of the prices API: the board of a market and day, a commodity's series."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.schemas import listing, nested, opt, req
from prices.queries import WINDOWS

Int = fields.Integer
ID = validate.Range(min=1, max=2**31 - 1)
CENTS = {"description": "Per the commodity's standard unit, in fen"}


class BoardQuerySchema(Schema):
    market = Int(validate=ID, metadata={"description": "One market's board (default: every market)"})
    category = Int(validate=ID, metadata={"description": "Commodities of this catalogue category"})
    day = fields.Date(metadata={"description": "The board as it stood on this local day (default: today); "
                                              "each price is the latest published within the 7 days up to it"})


class BoardRowSchema(Schema):
    day = req(fields.Date)
    commodity = req(fields.String, metadata={"description": "The commodity's code"})
    commodity_name = req(fields.String)
    unit = req(fields.String, metadata={"description": "The standard unit (a unit-table code)"})
    unit_label = req(fields.String)
    market_id = req(Int)
    market = req(fields.String)
    spec = req(fields.String)
    origin = req(fields.String)
    low_cents = req(Int, metadata=CENTS)
    avg_cents = req(Int, metadata=CENTS)
    high_cents = req(Int, metadata=CENTS)
    previous_avg_cents = opt(Int, metadata={"description": "The previous published average at that market"})
    change_permille = opt(Int, metadata={"description": "Change against it in tenths of a percent"})
    platform_avg_cents = opt(Int, metadata={"description": "The platform's transaction price (latest day within 7)"})
    platform_day = opt(fields.Date)


class BoardSchema(Schema):
    day = req(fields.Date)
    currency = req(fields.String)
    rows = listing(BoardRowSchema)


class SeriesQuerySchema(Schema):
    days = Int(validate=validate.OneOf(WINDOWS), metadata={"description": "The window: 7, 30, 90 or 365 days"})


class CommoditySchema(Schema):
    code = req(fields.String)
    name = req(fields.String)
    name_en = req(fields.String)
    unit = req(fields.String)
    unit_label = req(fields.String)
    category_id = opt(Int)


class MarketPointSchema(Schema):
    day = req(fields.Date)
    market_id = req(Int)
    market = req(fields.String)
    spec = req(fields.String)
    origin = req(fields.String)
    low_cents = req(Int, metadata=CENTS)
    avg_cents = req(Int, metadata=CENTS)
    high_cents = req(Int, metadata=CENTS)


class PlatformPointSchema(Schema):
    day = req(fields.Date)
    avg_cents = opt(Int, metadata={"description": "Volume-weighted; null when every line was left out"})
    low_cents = opt(Int, metadata=CENTS)
    high_cents = opt(Int, metadata=CENTS)
    volume = req(fields.String, metadata={"description": "Quantity sold in standard units (decimal text)"})
    order_count = req(Int)
    line_count = req(Int)
    lines_left_out = req(Int, metadata={"description": "Order lines whose unit does not convert (not counted)"})


class SeriesSchema(Schema):
    commodity = nested(CommoditySchema)
    days = req(Int)
    currency = req(fields.String)
    markets = listing(MarketPointSchema)
    platform = listing(PlatformPointSchema)
