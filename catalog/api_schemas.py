"""Marshmallow schemas of the catalogue's public API: product detail and product search."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalog.search_service import SORTS
from marketplace.openapi import page_fields
from marketplace.schemas import SHOP_TYPES, CodeNameSchema, listing, nested, opt, req


class PriceSchema(Schema):
    cents = req(fields.Integer)
    amount = req(fields.String, metadata={"description": "Plain decimal, e.g. 12.50"})
    formatted = req(fields.String, metadata={"description": "With the currency sign, in the user's language"})
    currency = req(fields.String)


class TierSchema(Schema):
    min_quantity = req(fields.Integer)
    unit_price_cents = req(fields.Integer)
    unit_price = nested(PriceSchema)


class VariantSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    unit = req(fields.String)
    price_cents = req(fields.Integer)
    price = nested(PriceSchema)
    tiers = listing(TierSchema)
    stock = req(fields.Integer)
    in_stock = req(fields.Boolean)
    moq = req(fields.Integer, metadata={"description": "Minimum order quantity (起批量)"})
    step = req(fields.Integer, metadata={"description": "Orders are moq + k * step units"})
    weight_grams = opt(fields.Integer)
    price_per_kg_cents = opt(fields.Integer)
    price_per_jin_cents = opt(fields.Integer, metadata={"description": "Per 斤 (500 g), when the weight is known"})
    unit_name = req(fields.String, metadata={"description": "The unit's name in the request's language"})


UNIT_KINDS = ["weight", "count", "volume", "length", "package"]


class UnitSchema(Schema):
    code = req(fields.String, metadata={"description": "What variants store and the merchant API accepts"})
    name = req(fields.String, metadata={"description": "In the request's language"})
    name_zh = req(fields.String)
    name_en = req(fields.String)
    kind = req(fields.String, validate=validate.OneOf(UNIT_KINDS))
    kind_label = req(fields.String, metadata={"description": "The kind in the request's language"})
    factor = opt(fields.Integer, metadata={
        "description": "One unit in the kind's base unit: grams (weight), millilitres (volume), millimetres "
                       "(length); null for count and package"})
    aliases = req(fields.List, fields.String(), metadata={
        "description": "Other spellings the merchant API and the CSV import accept (any case or width)"})


class UnitListSchema(Schema):
    items = listing(UnitSchema)


class CategoryRefSchema(CodeNameSchema):
    path = req(fields.String)


class AttributeSchema(Schema):
    name = req(fields.String)
    value = req(fields.String)


class ProductShopSchema(Schema):
    id = req(fields.Integer)
    slug = req(fields.String)
    name = req(fields.String)
    shop_type = req(fields.String, validate=validate.OneOf(SHOP_TYPES))
    county = opt(fields.String)


CERTIFICATIONS = ["green_food", "organic", "gi", "pollution_free"]


class ProductDetailSchema(Schema):
    id = req(fields.Integer)
    code = req(fields.String)
    title = req(fields.String)
    subtitle = req(fields.String)
    description = req(fields.String, metadata={"description": "Markdown"})
    category = nested(CategoryRefSchema)
    attributes = listing(AttributeSchema)
    certifications = req(fields.List, fields.String(validate=validate.OneOf(CERTIFICATIONS)))
    min_price_cents = req(fields.Integer)
    in_stock = req(fields.Boolean)
    images = req(fields.List, fields.Dict(keys=fields.String(), values=fields.String(allow_none=True)),
                 metadata={"description": "Per photo: width in px -> URL"})
    variants = listing(VariantSchema)
    shop = nested(ProductShopSchema)
    origin = fields.Nested(CodeNameSchema, required=True, allow_none=True)
    published_at = opt(fields.String, metadata={"format": "date-time"})
    url = req(fields.String)


class HitShopSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    slug = req(fields.String)
    type = req(fields.String, validate=validate.OneOf(SHOP_TYPES))


class ProductHitSchema(Schema):
    id = req(fields.Integer)
    title = req(fields.String)
    title_html = req(fields.String, metadata={"description": "The title with <mark> around matches (escaped)"})
    subtitle = req(fields.String)
    price = req(fields.String)
    price_cents = req(fields.Integer)
    currency = req(fields.String)
    in_stock = req(fields.Boolean)
    shop = nested(HitShopSchema)
    origin = opt(fields.String)
    url = req(fields.String)
    image = opt(fields.String)


class FacetValueSchema(Schema):
    value = req(fields.String)
    label = req(fields.String)
    count = req(fields.Integer)


class FacetsSchema(Schema):
    category = fields.List(fields.Nested(FacetValueSchema))
    county = fields.List(fields.Nested(FacetValueSchema))
    shop_type = fields.List(fields.Nested(FacetValueSchema))
    cert = fields.List(fields.Nested(FacetValueSchema))
    in_stock = req(fields.Integer, metadata={"description": "How many matches are in stock"})


class ProductSearchSchema(Schema):
    items = listing(ProductHitSchema)
    total = req(fields.Integer)
    page = req(fields.Integer)
    per_page = req(fields.Integer)
    pages = req(fields.Integer)
    sort = req(fields.String, validate=validate.OneOf(SORTS))  # the live dict: sorts other domains add count
    in_stock_first = req(fields.Boolean, metadata={"description": "In-stock products were ranked first"})
    query = req(fields.String)
    facets = nested(FacetsSchema)
    facets_estimated = req(fields.Boolean, metadata={
        "description": "The facet counts were counted over a sample of the matches and scaled (many matches)"})
    error = opt(fields.String)
    notice = opt(fields.String)
    problems = req(fields.List, fields.String(), metadata={"description": "Arguments that could not be used"})
    shop_types = req(fields.List, fields.String(validate=validate.OneOf(SHOP_TYPES)))


ProductSearchQuerySchema = Schema.from_dict({
    "q": fields.String(metadata={"description": "Chinese, pinyin or initials"}),
    "category": fields.String(metadata={"description": "A category path, e.g. 农产品/水果"}),
    "county": fields.String(),
    "shop_type": fields.String(metadata={"description": ", ".join(SHOP_TYPES)}),
    "cert": fields.String(metadata={"description": ", ".join(CERTIFICATIONS)}),
    "min_price": fields.String(metadata={"description": "Yuan, e.g. 12.5"}),
    "max_price": fields.String(),
    "in_stock": fields.String(metadata={"description": "1 for products in stock only"}),
    "in_stock_first": fields.String(metadata={"description": "1: in-stock products first, each part in the "
                                                             "chosen order"}),
    "sort": fields.String(metadata={"description": "relevance (default), price_asc, price_desc, newest, rating "
                                                   "(best rated first, when reviews are installed); anything else "
                                                   "is relevance"}),
    **page_fields(),
}, name="ProductSearchQuerySchema")
