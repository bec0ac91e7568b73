"""``POST /payments/stripe/webhook``: Stripe's signed events.

The signature is checked on the raw body (forged, modified or stale: 400, nothing happens). Each
event id is stored under a unique constraint in the same transaction as its effect, so a replay —
serial or concurrent — has one effect. Events may arrive in any order: payment events re-fetch the
intent from Stripe and settle() applies its current state, so a ``payment_failed`` arriving after
``succeeded`` cannot move an order back.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from marketplace.db import atomic
from marketplace.extensions import csrf, db
from payments import bp, stripe_api
from payments.models import Dispute, Payment, WebhookEvent
from payments.stripe_api import stripe

log = logging.getLogger(__name__)

PAYMENT_EVENTS = {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
                  "payment_intent.processing"}


@bp.post("/payments/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret or not stripe_api.enabled():
        return jsonify(error="webhooks are not configured"), 404
    payload = request.get_data(cache=False)
    try:
        event = stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature", ""), secret)
    except (ValueError, stripe.SignatureVerificationError):
        return jsonify(error="invalid signature"), 400
    if db.session.scalar(sa.select(WebhookEvent.id).where(WebhookEvent.event_id == event.id)) is not None:
        return jsonify(received=True, duplicate=True)
    try:
        # Stripe is read before anything is written (no lock held across the network); the event row
        # and its effect then commit in one transaction.
        if event.type in PAYMENT_EVENTS:
            payment = db.session.scalar(sa.select(Payment).where(Payment.provider_ref == event.data.object.id))
            if payment is not None:  # else not ours (another integration on the same account)
                from payments.services import retrieve_intent, settle

                # The current state, whatever the event's order.
                settle(payment, retrieve_intent(payment), before=lambda: _record(event))
                return jsonify(received=True)
        payment = _charge_payment(event)
        with atomic():
            _record(event)
            handle(event, payment)
    except _Duplicate:  # a concurrent twin recorded it first
        return jsonify(received=True, duplicate=True)
    except Exception:
        log.exception("stripe webhook %s (%s) failed; Stripe will send it again", event.id, event.type)
        return jsonify(error="processing failed"), 500
    return jsonify(received=True)


class _Duplicate(Exception):
    pass


def _record(event) -> None:
    """The event row, flushed first: a concurrent twin waits on the unique index, then fails here."""
    db.session.add(WebhookEvent(event_id=event.id, type=event.type,
                                object_id=str(getattr(event.data.object, "id", ""))[:80]))
    try:
        db.session.flush()
    except IntegrityError:
        raise _Duplicate(event.id) from None


def _charge_payment(event) -> Payment | None:
    """The payment a charge event is about (may ask Stripe for the charge: before any write)."""
    obj = event.data.object
    if event.type == "charge.refunded":
        return _payment_of_charge(obj.id, getattr(obj, "payment_intent", None))
    if event.type == "charge.dispute.created":
        return _payment_of_charge(obj.charge if isinstance(obj.charge, str) else obj.charge.id,
                                  getattr(obj, "payment_intent", None))
    return None


def handle(event, payment: Payment | None = None) -> None:
    """Apply one non-payment event inside the transaction that records its id (``payment``: the
    charge's payment, looked up before the transaction)."""
    obj = event.data.object
    if event.type == "charge.refunded":
        _charge_refunded(obj, payment)
    elif event.type == "charge.dispute.created":
        if db.session.scalar(sa.select(Dispute.id).where(Dispute.provider_ref == obj.id)) is None:
            db.session.add(Dispute(provider_ref=obj.id, payment_id=payment.id if payment else None,
                                   amount_cents=int(obj.amount), reason=str(getattr(obj, "reason", "") or "")[:80],
                                   status=str(getattr(obj, "status", "") or "")[:40]))
        if payment is not None:
            payment.attention = "dispute " + obj.id
    elif event.type == "account.updated":
        from payments.payouts import apply_account

        apply_account(obj)


def _payment_of_charge(charge_id: str, intent_id) -> Payment | None:
    if intent_id is None:
        charge = stripe_api.client().v1.charges.retrieve(charge_id)
        intent_id = charge.payment_intent
    if not isinstance(intent_id, str):
        intent_id = getattr(intent_id, "id", None)
    return db.session.scalar(sa.select(Payment).where(Payment.provider_ref == intent_id)) if intent_id else None


def _charge_refunded(charge, payment: Payment | None) -> None:
    """A refund made outside the marketplace (Stripe's dashboard) is shown to the admin; ours are
    already booked when Stripe accepted them."""
    from payments.models import Refund, RefundStatus

    if payment is None:
        return
    ours = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0))
                             .where(Refund.payment_id == payment.id, Refund.status == RefundStatus.SUCCEEDED)) or 0
    if int(charge.amount_refunded) > ours:
        payment.attention = f"refunded outside the marketplace: {int(charge.amount_refunded) - ours}"
