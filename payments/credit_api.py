"""JSON API of credit terms for a shop's ERP: its monthly statements, and confirming one was paid."""

from __future__ import annotations

from flask import request
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
from orders.terms_models import Statement, StatementStatus
from payments import credit

TAGS = ["merchant: credit terms"]
STATUSES = [s.value for s in StatementStatus]


class StatementChargeSchema(Schema):
    order_id = req(fields.Integer)
    order_number = req(fields.String)
    amount_cents = req(fields.Integer)


class StatementSchema(Schema):
    id = req(fields.Integer)
    period = req(fields.String, metadata={"description": "The month, YYYY-MM"})
    buyer_id = req(fields.Integer)
    company_name = req(fields.String)
    status = req(fields.String, validate=validate.OneOf(STATUSES))
    total_cents = req(fields.Integer)
    reference_code = req(fields.String)
    due_on = opt(fields.String, metadata={"format": "date"})
    charges = listing(StatementChargeSchema)


class StatementListSchema(PageSchema):
    items = listing(StatementSchema)
    pages = req(fields.Integer)


StatementQuerySchema = Schema.from_dict({"status": fields.String(validate=validate.OneOf(STATUSES)),
                                         **page_fields()}, name="StatementQuerySchema")


class StatementPaidSchema(Schema):
    method = fields.String(load_default="bank_transfer", validate=validate.OneOf(["bank_transfer", "cash"]))


def statement_json(statement: Statement) -> dict:
    line = credit.credit_line(statement.shop_id, statement.buyer_id, active_only=False)
    return {"id": statement.id, "period": statement.period, "buyer_id": statement.buyer_id,
            "company_name": line.company_name if line else "", "status": statement.status.value,
            "total_cents": statement.total_cents, "reference_code": statement.reference_code,
            "due_on": statement.due_on.isoformat() if statement.due_on else None,
            "charges": [{"order_id": c.order_id, "order_number": c.order.number, "amount_cents": c.amount_cents}
                        for c in statement.charges]}


@api_bp.get("/shops/<int:shop_id>/statements")
@scoped(MERCHANT)
@api_doc("The shop's monthly credit statements (月结单), newest month first", tags=TAGS, query=StatementQuerySchema,
         responses={200: StatementListSchema})
@api_login_required
def statements_api(shop_id: int):
    shop = api_shop(shop_id)
    args = parse_query(StatementQuerySchema)
    query = db.select(Statement).where(Statement.shop_id == shop.id)
    if args.get("status"):
        query = query.where(Statement.status == StatementStatus(args["status"]))
    return page_of(query.order_by(Statement.period.desc(), Statement.id.desc()), args, statement_json)


@api_bp.post("/shops/<int:shop_id>/statements/<int:statement_id>/paid")
@scoped(MERCHANT)
@api_doc("Confirm the buyer paid an issued or overdue statement (bank transfer or cash); its orders are booked "
         "as offline payments. Repeating it returns the paid statement; an open one is a 409", tags=TAGS,
         body=StatementPaidSchema, body_required=False, responses={200: StatementSchema, 409: "error"})
@api_login_required
def statement_paid_api(shop_id: int, statement_id: int):
    shop = api_shop(shop_id, write=True)
    statement = db.session.get(Statement, statement_id)
    if statement is None or statement.shop_id != shop.id:
        raise ApiError(404, "not_found", _("月结单不存在"))
    body = parse_body(StatementPaidSchema) if request.get_data() else {"method": "bank_transfer"}
    return statement_json(credit.confirm_paid(statement, current_user, body["method"]))
