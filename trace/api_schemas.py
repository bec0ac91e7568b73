"""Marshmallow schemas of the batch API (a batch with its inputs, tests and certificate; the body
that records one)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalog.services.validation import MAX_STOCK
from marketplace.openapi import page_fields
from marketplace.schemas import PageSchema, listing, opt, req
from trace.batches import MAX_INPUTS, MAX_TESTS
from trace.models import BatchSource, BatchStatus, TestKind

Int = fields.Integer
ID = validate.Range(min=1, max=2**31 - 1)
TAGS = ["merchant: traceability"]


class InputSchema(Schema):
    name = req(fields.String)
    used_on = req(fields.Date)
    safe_interval_days = req(Int)


class TestSchema(Schema):
    __test__ = False  # not a pytest test class
    kind = req(fields.String, validate=validate.OneOf([k.value for k in TestKind]))
    passed = req(fields.Boolean)
    result = req(fields.String)
    tested_on = req(fields.Date)
    tester = req(fields.String)
    has_report = req(fields.Boolean, metadata={"description": "A report file is kept (private; the pages serve it)"})


class CertificateSchema(Schema):
    product_name = req(fields.String)
    quantity_text = req(fields.String)
    issuer_name = req(fields.String)
    origin = req(fields.String)
    contact = req(fields.String)
    issued_on = req(fields.Date)
    commitments = fields.List(fields.String(), required=True)
    test_summary = req(fields.String)


class ParentSchema(Schema):
    code = req(fields.String)
    quantity = req(Int, metadata={"description": "Consumed, in the parent's unit"})


class BatchSchema(Schema):
    id = req(Int)
    code = req(fields.String, metadata={"description": "VARIETY-YYYYMMDD-USCC6-NNNN (trace/codes.py)"})
    variant_id = req(Int)
    product = req(fields.String)
    source = req(fields.String, validate=validate.OneOf([s.value for s in BatchSource]))
    status = req(fields.String, validate=validate.OneOf([s.value for s in BatchStatus]))
    status_label = req(fields.String)
    produced_on = req(fields.Date)
    expires_on = opt(fields.Date)
    quantity = req(Int)
    remaining = req(Int, metadata={"description": "Not shipped yet"})
    unit = req(fields.String)
    region_id = opt(Int)
    region = req(fields.String)
    plot = req(fields.String)
    inputs = listing(InputSchema)
    tests = listing(TestSchema)
    parents = listing(ParentSchema)
    certificate = fields.Nested(CertificateSchema, required=True, allow_none=True)
    trace_url = opt(fields.String, metadata={"description": "The public trace page (once certified)"})
    created_at = req(fields.DateTime)


class BatchListSchema(PageSchema):
    items = listing(BatchSchema)
    pages = req(Int)


BatchQuerySchema = Schema.from_dict({**page_fields()}, name="BatchQuerySchema")


class InputBodySchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    used_on = fields.Date(required=True)
    safe_interval_days = Int(required=True, validate=validate.Range(min=0, max=365))


class TestBodySchema(Schema):
    __test__ = False
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in TestKind]))
    passed = fields.Boolean(load_default=True)
    result = fields.String(required=True, validate=validate.Length(min=1, max=200))
    tested_on = fields.Date(required=True)
    tester = fields.String(required=True, validate=validate.Length(min=1, max=80))


class BatchBodySchema(Schema):
    variant_id = Int(required=True, validate=ID, metadata={"description": "One of the shop's variants in a "
                                                                          "category that requires certificates"})
    produced_on = fields.Date(required=True)
    expires_on = fields.Date(load_default=None, allow_none=True)
    shelf_life_days = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650))
    quantity = Int(required=True, validate=validate.Range(min=1, max=MAX_STOCK))
    region = Int(required=True, validate=ID, metadata={"description": "The origin: a county, township or village id"})
    plot = fields.String(load_default="", validate=validate.Length(max=120))
    note = fields.String(load_default="", validate=validate.Length(max=300))
    inputs = fields.List(fields.Nested(InputBodySchema), load_default=list, validate=validate.Length(max=MAX_INPUTS))
    tests = fields.List(fields.Nested(TestBodySchema), load_default=list, validate=validate.Length(max=MAX_TESTS))
    opening = fields.Boolean(load_default=False, metadata={
        "description": "This batch is the stock the variant already holds (its first batch; quantity = stock + "
                       "units open orders reserve; stock unchanged). A variant holding stock without batches "
                       "refuses any other first batch (409 untracked_stock)."})
    certify = fields.Boolean(load_default=True, metadata={"description": "Issue the certificate at once "
                                                                         "(every commitment made)"})
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40),
                            metadata={"description": "The certificate's contact (the shop's phone by default)"})
