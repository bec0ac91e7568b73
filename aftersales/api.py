"""JSON API of a shop's after-sales requests: /api/v1/shops/<shop_id>/after-sales...

The same verbs as the merchant's pages (approve, receive, refuse), through the same services and the
request's state machine: a repeated approve is a 409 and changes nothing; another shop's request is
a 404; writes need an approved shop and a token with the merchant scope (or a session).
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from aftersales import services
from aftersales.api_schemas import (
    AfterSaleListSchema,
    AfterSaleQuerySchema,
    AfterSaleSchema,
    ApproveBodySchema,
    ReceiveBodySchema,
    RefuseBodySchema,
)
from aftersales.models import AfterSale, AfterSaleStatus
from aftersales.status import kind_label, reason_label, status_label
from marketplace.accounts.scopes import MERCHANT
from marketplace.api import api_bp, api_login_required, page_of, scoped
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.openapi import api_doc, parse_body, parse_query
from marketplace.shops.policy import api_shop
from orders.models import Order

BASE = "/shops/<int:shop_id>/after-sales"
TAGS = ["merchant: after-sales"]
ERRORS = {409: "error"}


def case_json(case: AfterSale) -> dict:
    lines = {line.id: line for line in case.order.lines}
    return {
        "id": case.id, "order_id": case.order_id, "order_number": case.order.number,
        "kind": case.kind.value, "kind_label": kind_label(case.kind),
        "reason": case.reason.value, "reason_label": reason_label(case.reason), "description": case.description,
        "amount_cents": case.amount_cents, "status": case.status.value, "status_label": status_label(case.status),
        "lines": [{"order_line_id": line.order_line_id, "product_title": lines[line.order_line_id].product_title,
                   "variant_name": lines[line.order_line_id].variant_name, "unit": lines[line.order_line_id].unit,
                   "quantity": line.quantity} for line in case.lines],
        "photos": len(case.photos),
        "return_shipping": case.return_shipping.value if case.return_shipping else None,
        "return_address": case.return_address, "return_carrier": case.return_carrier,
        "return_tracking": case.return_tracking, "shop_note": case.shop_note, "dispute_note": case.dispute_note,
        "ruling_note": case.ruling_note, "refund_id": case.refund_id, "credited_cents": case.credited_cents, "created_at": case.created_at.isoformat(),
        "history": [{"status": h.to_status.value, "status_label": status_label(h.to_status),
                     "at": h.created_at.isoformat(), "note": h.note} for h in case.history],
    }


def _case(shop, case_id: int) -> AfterSale:
    case = db.session.get(AfterSale, case_id)
    if case is None or case.shop_id != shop.id:
        raise ApiError(404, "not_found", _("售后申请不存在"))
    return case


@api_bp.get(BASE)
@scoped(MERCHANT)
@api_doc("The shop's after-sales requests, newest first; filter by status", tags=TAGS,
         query=AfterSaleQuerySchema, responses={200: AfterSaleListSchema})
@api_login_required
def merchant_after_sales_api(shop_id: int):
    shop = api_shop(shop_id)
    args = parse_query(AfterSaleQuerySchema)
    query = db.select(AfterSale).where(AfterSale.shop_id == shop.id)
    if args.get("status"):
        query = query.where(AfterSale.status == AfterSaleStatus(args["status"]))
    query = query.options(selectinload(AfterSale.lines), selectinload(AfterSale.photos),
                          selectinload(AfterSale.history), selectinload(AfterSale.order).selectinload(Order.lines)
                          ).order_by(AfterSale.id.desc())
    return page_of(query, args, case_json)


@api_bp.get(BASE + "/<int:case_id>")
@scoped(MERCHANT)
@api_doc("One after-sales request with its lines and history", tags=TAGS, responses={200: AfterSaleSchema})
@api_login_required
def merchant_after_sale_api(shop_id: int, case_id: int):
    return case_json(_case(api_shop(shop_id), case_id))


@api_bp.post(BASE + "/<int:case_id>/approve")
@scoped(MERCHANT)
@api_doc("Approve a request: a refund (仅退款) is refunded at once; a return with return_shipping waits for "
         "the goods (then POST .../receive)", tags=TAGS, body=ApproveBodySchema, body_required=False,
         responses={200: AfterSaleSchema, **ERRORS})
@api_login_required
def merchant_after_sale_approve_api(shop_id: int, case_id: int):
    case = _case(api_shop(shop_id, write=True), case_id)
    body = parse_body(ApproveBodySchema) if request.get_data() else {}
    services.approve(case, current_user, restock=body.get("restock", False),
                     return_shipping=body.get("return_shipping"), return_address=body.get("return_address", ""),
                     note=body.get("note", ""))
    return case_json(case)


@api_bp.post(BASE + "/<int:case_id>/receive")
@scoped(MERCHANT)
@api_doc("The returned goods arrived: refund the request (and restock the units by default)", tags=TAGS,
         body=ReceiveBodySchema, body_required=False, responses={200: AfterSaleSchema, **ERRORS})
@api_login_required
def merchant_after_sale_receive_api(shop_id: int, case_id: int):
    case = _case(api_shop(shop_id, write=True), case_id)
    body = parse_body(ReceiveBodySchema) if request.get_data() else {}
    services.confirm_received(case, current_user, restock=body.get("restock", True))
    return case_json(case)


@api_bp.post(BASE + "/<int:case_id>/refuse")
@scoped(MERCHANT)
@api_doc("Refuse a request (or a returned parcel) with a reason; the buyer may then ask the platform",
         tags=TAGS, body=RefuseBodySchema, responses={200: AfterSaleSchema, **ERRORS})
@api_login_required
def merchant_after_sale_refuse_api(shop_id: int, case_id: int):
    case = _case(api_shop(shop_id, write=True), case_id)
    services.refuse(case, current_user, note=parse_body(RefuseBodySchema)["note"])
    return case_json(case)
