"""JSON API of the trade terms for a shop's ERP: record a weighed line's actual weight (多退少补),
list invoice requests and issue an e-invoice (number, date, the PDF as base64). The same services as
the merchant pages; another shop's order, line or invoice is a 404.
"""

from __future__ import annotations

import base64
import binascii

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from marketplace.accounts.scopes import MERCHANT
from marketplace.api import api_bp, api_login_required, page_of, scoped
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.openapi import api_doc, page_fields, parse_body, parse_query
from marketplace.schemas import PageSchema, listing, opt, req
from marketplace.shops.policy import api_shop
from orders import invoices, weighing
from orders.models import Order
from orders.terms_models import Invoice, InvoiceStatus, LineWeighing, TitleKind

TAGS = ["merchant: trade terms"]
ERRORS = {409: "error", 422: "error"}


class WeighBodySchema(Schema):
    actual = fields.String(required=True, validate=validate.Length(min=1, max=14),
                           metadata={"description": "Actual weight in the line's unit (e.g. '9.7' for kg)",
                                     "examples": ["9.7"]})


class WeighingSchema(Schema):
    line_id = req(fields.Integer)
    unit = req(fields.String)
    tolerance_bp = req(fields.Integer, metadata={"description": "± tolerance the buyer accepted, basis points"})
    ordered_grams = req(fields.Integer)
    actual_grams = req(fields.Integer)
    difference_cents = req(fields.Integer, metadata={"description": "Negative: the buyer was short"})
    refunded_cents = req(fields.Integer)
    charged_cents = req(fields.Integer, metadata={
        "description": "What the buyer owes for an overage (0: none, or the order's terms do not charge it)"})
    charge_via = req(fields.String, validate=validate.OneOf(["", "credit", "handover", "collect"]), metadata={
        "description": "How the overage is paid: on the credit statement, with the payment at handover, or "
                       "collected on its own (POST .../payment/weighed-charge when received)"})
    charge_settled = req(fields.Boolean, metadata={"description": "The overage is paid and booked"})
    stock_delta = req(fields.Integer, metadata={"description": "Whole units back into (+) or out of (-) stock"})


class InvoiceSchema(Schema):
    id = req(fields.Integer)
    order_id = req(fields.Integer)
    order_number = req(fields.String)
    status = req(fields.String, validate=validate.OneOf([s.value for s in InvoiceStatus]))
    title_kind = req(fields.String, validate=validate.OneOf([k.value for k in TitleKind]))
    title_name = req(fields.String)
    tax_id = req(fields.String, metadata={"description": "统一社会信用代码 (empty for a personal title)"})
    amount_cents = req(fields.Integer)
    number = opt(fields.String)
    issued_on = opt(fields.String, metadata={"format": "date"})
    requested_at = req(fields.String, metadata={"format": "date-time"})


class InvoiceListSchema(PageSchema):
    items = listing(InvoiceSchema)
    pages = req(fields.Integer)


InvoiceQuerySchema = Schema.from_dict({
    "status": fields.String(validate=validate.OneOf([s.value for s in InvoiceStatus])), **page_fields()},
    name="InvoiceQuerySchema")


class IssueBodySchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=30))
    issued_on = fields.String(required=True, metadata={"format": "date"}, validate=validate.Length(max=10))
    pdf_base64 = fields.String(required=True, validate=validate.Length(min=8, max=8 * 1024 * 1024),
                               metadata={"description": "The e-invoice PDF, base64-encoded"})


def weighing_json(row: LineWeighing) -> dict:
    return {"line_id": row.order_line_id, "unit": row.line.unit, "tolerance_bp": row.tolerance_bp,
            "ordered_grams": row.ordered_grams, "actual_grams": row.actual_grams,
            "difference_cents": row.difference_cents, "refunded_cents": row.refunded_cents,
            "charged_cents": row.charged_cents, "charge_via": row.charge_via,
            "charge_settled": row.charge_settled_at is not None, "stock_delta": row.stock_delta}


def invoice_json(invoice: Invoice) -> dict:
    return {"id": invoice.id, "order_id": invoice.order_id, "order_number": invoice.order.number,
            "status": invoice.status.value, "title_kind": invoice.title_kind.value, "title_name": invoice.title_name,
            "tax_id": invoice.tax_id, "amount_cents": invoice.amount_cents, "number": invoice.number,
            "issued_on": invoice.issued_on.isoformat() if invoice.issued_on else None,
            "requested_at": invoice.requested_at.isoformat()}


def _own(row, shop):
    if row is None or row.shop_id != shop.id:
        raise ApiError(404, "not_found", _("记录不存在"))
    return row


@api_bp.post("/shops/<int:shop_id>/orders/<int:order_id>/lines/<int:line_id>/weighing")
@scoped(MERCHANT)
@api_doc("Record the actual weight of a line sold by weight at handover; a shortfall within the tolerance "
         "is refunded, an overage charged when the order's terms say so. Repeating the same weight returns the first result; another "
         "weight for a weighed line is a 409, one outside the tolerance a 422", tags=TAGS,
         body=WeighBodySchema, responses={200: WeighingSchema, **ERRORS})
@api_login_required
def weigh_line_api(shop_id: int, order_id: int, line_id: int):
    shop = api_shop(shop_id, write=True)
    order = _own(db.session.get(Order, order_id), shop)
    body = parse_body(WeighBodySchema)
    return weighing_json(weighing.record_weight(order, line_id, body["actual"], current_user))


@api_bp.get("/shops/<int:shop_id>/invoices")
@scoped(MERCHANT)
@api_doc("The shop's invoice requests, newest first; filter by status", tags=TAGS, query=InvoiceQuerySchema,
         responses={200: InvoiceListSchema})
@api_login_required
def invoices_api(shop_id: int):
    shop = api_shop(shop_id)
    args = parse_query(InvoiceQuerySchema)
    query = db.select(Invoice).where(Invoice.shop_id == shop.id)
    if args.get("status"):
        query = query.where(Invoice.status == InvoiceStatus(args["status"]))
    return page_of(query.order_by(Invoice.id.desc()), args, invoice_json)


@api_bp.post("/shops/<int:shop_id>/invoices/<int:invoice_id>/issue")
@scoped(MERCHANT)
@api_doc("Record the e-invoice issued for a request: number, date and the PDF (checked to be a real PDF, "
         "size-capped, kept private). Repeating it after success returns the invoice", tags=TAGS,
         body=IssueBodySchema, responses={200: InvoiceSchema, **ERRORS})
@api_login_required
def issue_invoice_api(shop_id: int, invoice_id: int):
    shop = api_shop(shop_id, write=True)
    invoice = _own(db.session.get(Invoice, invoice_id), shop)
    body = parse_body(IssueBodySchema)
    try:
        data = base64.b64decode(body["pdf_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid", _("pdf_base64 不是有效的 base64"), field="pdf_base64") from None
    if len(data) > current_app.config["INVOICE_PDF_MAX_BYTES"]:
        raise ApiError(422, "invalid_upload", _("文件太大"), field="pdf_base64")
    invoices.issue_invoice(invoice, current_user, number=body["number"], issued_on=body["issued_on"], pdf=data)
    return invoice_json(invoice)
