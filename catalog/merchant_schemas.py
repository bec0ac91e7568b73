"""Marshmallow schemas of the merchant's catalogue API (/api/v1/shops/<id>/products...): the limits
are the editor's (catalog.services.validation), so a value the schema accepts is refused only by a
rule that needs the database (a taken code, an inactive category, a tier ladder)."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from catalog.api_schemas import CERTIFICATIONS, AttributeSchema, CategoryRefSchema
from catalog.services.validation import (
    CODE_RE,
    MAX_ATTRIBUTES,
    MAX_STOCK,
    MAX_TIERS,
    MAX_VARIANTS,
    MAX_WEIGHT_GRAMS,
)
from catalog.units import resolve
from marketplace.openapi import Int, Refusal, page_fields
from marketplace.schemas import CodeNameSchema, PageSchema, listing, nested, opt, req

#: Highest unit price in fen the API takes (the column is a 32-bit integer).
MAX_PRICE_CENTS = 1_000_000_000
#: A product's statuses: the merchant's (draft, published, hidden) and the platform's (pending approval,
#: rejected, blocked: hidden by the platform).
STATUSES = ["draft", "published", "hidden", "pending", "rejected", "blocked"]


class TierInSchema(Schema):
    min_quantity = Int(required=True, minimum=2, maximum=MAX_STOCK)
    unit_price_cents = Int(required=True, minimum=0, maximum=MAX_PRICE_CENTS)


def _unknown_unit(value: str) -> str | None:
    """Refuses what is not a unit of the unit table (GET /api/v1/units) by code or alias; whether a
    disabled one may stay on a variant is the service's rule."""
    if len(value) > 20 or resolve(value, fresh_on_miss=True) is None:
        return _("未知的单位“%(unit)s”：请用 GET /api/v1/units 列出的单位代码或别名", unit=value[:10])
    return None


def _variant_fields(required: bool) -> dict:
    return {
        "name": fields.String(required=required, validate=validate.Length(min=1, max=80)),
        "unit": fields.String(required=required, validate=Refusal(_unknown_unit), metadata={
            "description": "A unit's code or alias from GET /api/v1/units (kg, 斤, 箱, 筐, KG, t ...); "
                           "stored and returned as the unit's code. A deactivated unit is refused, "
                           "except on a variant that already has it",
            "examples": ["斤", "箱", "筐", "kg"]}),
        "price_cents": Int(required=required, minimum=0, maximum=MAX_PRICE_CENTS,
                           metadata={"description": "Base unit price (the 1+ tier) in fen"}),
        "moq": Int(minimum=1, maximum=MAX_STOCK, metadata={"description": "Minimum order quantity; default 1"}),
        "step": Int(minimum=1, maximum=MAX_STOCK, metadata={"description": "Order step; default 1"}),
        "weight_grams": Int(allow_none=True, minimum=1, maximum=MAX_WEIGHT_GRAMS),
        "tiers": fields.List(fields.Nested(TierInSchema), validate=validate.Length(max=MAX_TIERS),
                             metadata={"description": "Wholesale prices: ascending quantity, falling price"}),
    }


VariantCreateSchema = Schema.from_dict({
    **_variant_fields(True),
    "stock": Int(minimum=0, maximum=MAX_STOCK, metadata={"description": "Initial stock; default 0"}),
}, name="VariantCreateSchema")
VariantUpdateSchema = Schema.from_dict(_variant_fields(False), name="VariantUpdateSchema")
PriceSetSchema = Schema.from_dict({
    "price_cents": _variant_fields(True)["price_cents"],
    "tiers": _variant_fields(True)["tiers"],
}, name="PriceSetSchema")


class StockSetSchema(Schema):
    stock = Int(minimum=0, maximum=MAX_STOCK, metadata={"description": "The counted stock (give this or delta)"})
    delta = Int(minimum=-MAX_STOCK, maximum=MAX_STOCK,
                metadata={"description": "Add (positive) or take (negative) units (give this or stock)"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200),
                           metadata={"examples": ["ERP 同步", "盘点"]})


class AttributeInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=30))
    value = fields.String(required=True, validate=validate.Length(min=1, max=100))


def _product_fields(required: bool) -> dict:
    return {
        "title": fields.String(required=required, validate=validate.Length(min=1, max=120)),
        "subtitle": fields.String(validate=validate.Length(max=200)),
        "description": fields.String(validate=validate.Length(max=20_000), metadata={"description": "Markdown"}),
        "code": fields.String(validate=validate.Regexp(CODE_RE.pattern),
                              metadata={"description": "The shop's own product code, unique in the shop"}),
        "category_code": fields.String(required=required, validate=validate.Length(min=1, max=60),
                                       metadata={"description": "A leaf category's code, e.g. agri.fruit"}),
        "origin_code": fields.String(allow_none=True, validate=validate.Length(min=1, max=20),
                                     metadata={"description": "Division code of the place of origin"}),
        "attributes": fields.List(fields.Nested(AttributeInSchema), validate=validate.Length(max=MAX_ATTRIBUTES)),
        "certifications": fields.List(fields.String(validate=validate.OneOf(CERTIFICATIONS))),
    }


ProductCreateSchema = Schema.from_dict({
    **_product_fields(True),
    "variants": fields.List(fields.Nested(VariantCreateSchema), required=True,
                            validate=validate.Length(min=1, max=MAX_VARIANTS)),
}, name="ProductCreateSchema")
ProductUpdateSchema = Schema.from_dict(_product_fields(False), name="ProductUpdateSchema")


class TierOutSchema(Schema):
    min_quantity = req(fields.Integer)
    unit_price_cents = req(fields.Integer)


class MerchantVariantSchema(Schema):
    id = req(fields.Integer)
    name = req(fields.String)
    unit = req(fields.String)
    price_cents = req(fields.Integer)
    stock = req(fields.Integer)
    moq = req(fields.Integer)
    step = req(fields.Integer)
    weight_grams = opt(fields.Integer)
    tiers = listing(TierOutSchema)


class MerchantProductSchema(Schema):
    id = req(fields.Integer)
    code = req(fields.String)
    title = req(fields.String)
    subtitle = req(fields.String)
    description = req(fields.String)
    status = req(fields.String, validate=validate.OneOf(STATUSES), metadata={
        "description": "draft, published, hidden (by the shop), pending (waits for the platform's approval), "
                       "rejected (by the platform; publish again to resubmit), blocked (hidden by the platform: "
                       "only the platform restores it)"})
    status_label = req(fields.String, metadata={"description": "The status in words, in the request's language"})
    moderation_reason = opt(fields.String, metadata={"description": "The platform's reason when rejected or blocked, or why a hidden product was taken off sale (its category's rules refuse it now)"})
    category = nested(CategoryRefSchema)
    origin = fields.Nested(CodeNameSchema, required=True, allow_none=True)
    attributes = listing(AttributeSchema)
    certifications = req(fields.List, fields.String(validate=validate.OneOf(CERTIFICATIONS)))
    min_price_cents = req(fields.Integer)
    in_stock = req(fields.Boolean)
    variants = listing(MerchantVariantSchema, metadata={"description": "Active variants, in order"})
    created_at = req(fields.String, metadata={"format": "date-time"})
    updated_at = req(fields.String, metadata={"format": "date-time"})
    published_at = opt(fields.String, metadata={"format": "date-time"})


class MerchantProductListSchema(PageSchema):
    items = listing(MerchantProductSchema)
    pages = req(fields.Integer)


MerchantProductQuerySchema = Schema.from_dict({
    "status": fields.String(validate=validate.OneOf(STATUSES)),
    "q": fields.String(validate=validate.Length(max=60), metadata={"description": "In the title or code"}),
    **page_fields(),
}, name="MerchantProductQuerySchema")
