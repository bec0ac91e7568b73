"""JSON API for an order's payment (a merchant's ERP): /api/v1/shops/<shop_id>/orders/<id>/payment.

The same verbs as the merchant's order page: read how the order is being paid, and confirm the
money arrived (a bank transfer before accepting; cash or a scan at handover after shipping). A
second confirmation changes nothing and answers the booked payment; an order with nothing to
confirm is a 409. Another shop's order is a 404.
"""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from marshmallow import Schema, fields, validate

from marketplace.accounts.scopes import MERCHANT
from marketplace.api import api_bp, api_login_required, scoped
from marketplace.openapi import api_doc
from marketplace.schemas import opt, req
from marketplace.shops.policy import api_shop
from orders.merchant_api import _order
from payments import offline, weighed
from payments.models import PaymentMethod, PaymentStatus
from payments.views.offline import payment_panel

BASE = "/shops/<int:shop_id>/orders/<int:order_id>/payment"
TAGS = ["merchant: orders"]


class OrderPaymentSchema(Schema):
    order_id = req(fields.Integer)
    method = opt(fields.String, validate=validate.OneOf([m.value for m in PaymentMethod]),
                 metadata={"description": "null until the buyer chooses"})
    status = opt(fields.String, validate=validate.OneOf([s.value for s in PaymentStatus]))
    amount_cents = opt(fields.Integer)
    reference_code = opt(fields.String, metadata={"description": "What the buyer writes on a transfer"})
    paid = req(fields.Boolean, metadata={"description": "The money is confirmed and booked"})
    at_handover = req(fields.Boolean, metadata={"description": "Paid at delivery or pickup: accept and ship first"})
    confirmable = req(fields.Boolean, metadata={"description": "POST .../payment/confirm applies now"})
    slip_url = opt(fields.String, metadata={"description": "The remittance slip (a session-authenticated page)"})
    weighed_owed_cents = req(fields.Integer, metadata={
        "description": "What weighed overages of a paid order add, to collect at handover "
                       "(POST .../payment/weighed-charge when received)"})


def payment_json(order) -> dict:
    panel = payment_panel(order)
    payment, slip = panel["order_payment"], panel["payment_slip"]
    return {"order_id": order.id, "method": payment.method.value if payment else None,
            "status": payment.status.value if payment else None,
            "amount_cents": payment.amount_cents if payment else None,
            "reference_code": payment.reference_code if payment else None,
            "paid": panel["order_paid"] is not None, "at_handover": bool(panel["payment_at_handover"]),
            "confirmable": bool(panel["payment_confirmable"]),
            "slip_url": url_for("payments.merchant_slip", order_id=order.id, payment_id=slip.id) if slip else None,
            "weighed_owed_cents": panel["weighed_owed"]}


@api_bp.get(BASE)
@scoped(MERCHANT)
@api_doc("How the order is being paid: method, status, reference code, remittance slip", tags=TAGS,
         responses={200: OrderPaymentSchema})
@api_login_required
def merchant_order_payment_api(shop_id: int, order_id: int):
    return payment_json(_order(api_shop(shop_id), order_id))


@api_bp.post(BASE + "/confirm")
@scoped(MERCHANT)
@api_doc("Confirm the order's money arrived (a transfer, or cash / a scan at handover); "
         "a repeat changes nothing (409 when there is nothing to confirm)", tags=TAGS,
         responses={200: OrderPaymentSchema, 409: "error"})
@api_login_required
def merchant_order_payment_confirm_api(shop_id: int, order_id: int):
    order = _order(api_shop(shop_id, write=True), order_id)
    offline.confirm_received(order, current_user)
    return payment_json(order)


@api_bp.post(BASE + "/weighed-charge")
@scoped(MERCHANT)
@api_doc("Confirm the buyer paid what weighed overages added (cash or a scan at handover): booked once; "
         "a repeat finds nothing owed and changes nothing (409 on a cancelled order)", tags=TAGS,
         responses={200: OrderPaymentSchema, 409: "error"})
@api_login_required
def merchant_order_weighed_charge_api(shop_id: int, order_id: int):
    order = _order(api_shop(shop_id, write=True), order_id)
    weighed.collect(order, current_user)
    return payment_json(order)
