"""``POST /payments/stripe/webhook``: Stripe's signed events.

The signature is checked on the raw body (forged, modified or stale: 400, nothing happens). Each
event id is stored under a unique constraint in the same transaction as its effect, so a replay —
serial or concurrent — has one effect. Events may arrive in any order: payment events re-fetch the
intent from Stripe and settle() applies its current state, so a ``payment_failed`` arriving after
``succeeded`` cannot move an order back.
"""

from __future__ import annotations

import json
import logging
import re

import sqlalchemy as sa
from flask import current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from marketplace.db import atomic
from marketplace.errors import RETRY_AFTER_SECONDS, database_unavailable
from marketplace.extensions import csrf, db
from marketplace.input import raw_input
from marketplace.text import single_line
from payments import bp, stripe_api
from payments.models import Dispute, Payment, WebhookEvent
from payments.stripe_api import stripe

log = logging.getLogger(__name__)

PAYMENT_EVENTS = {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
                  "payment_intent.processing"}
#: Stripe's object ids (evt_..., pi_..., ch_..., dp_..., acct_...): letters, digits and underscores.
_ID = re.compile(r"^[A-Za-z0-9_]{1,200}$")
_TYPE = re.compile(r"^[a-z0-9_.]{1,100}$")


@bp.post("/payments/stripe/webhook")
@csrf.exempt
@raw_input  # the signature covers the exact bytes: the input hook must not judge or parse them first
def stripe_webhook():
    """Answers: 400 for a bad signature or a body that is not a JSON object (nothing happens); 2xx
    for every signed event, including those that are acknowledged and ignored (a shape we cannot
    use, an object that is not ours or no longer exists at Stripe), since Stripe would otherwise
    send them again for days; 503 only for a transient failure (Stripe or the database down),
    which Stripe's retry will then repair. Never a 500."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret or not stripe_api.enabled():
        return jsonify(error="webhooks are not configured"), 404
    payload = request.get_data(cache=False)
    signature = request.headers.get("Stripe-Signature", "")
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
        data = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError):  # UnicodeDecodeError is a ValueError
        return jsonify(error="invalid signature"), 400
    if not isinstance(data, dict):
        return jsonify(error="not an event"), 400
    problem = malformed(data)
    if problem:
        return _ignored(data, problem)
    event = stripe.Webhook.construct_event(payload, signature, secret)  # the SDK's object, shape checked
    if db.session.scalar(sa.select(WebhookEvent.id).where(WebhookEvent.event_id == event.id)) is not None:
        return jsonify(received=True, duplicate=True)
    try:
        return _process(event)
    except _Duplicate:  # a concurrent twin recorded it first
        return jsonify(received=True, duplicate=True)
    except Exception as exc:  # noqa: BLE001 - sorted below: retry what can succeed later, never a 500
        db.session.rollback()
        if database_unavailable(exc) or isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError
                                                   | stripe.APIError | stripe.AuthenticationError):
            log.warning("stripe webhook %s (%s): transient failure (%s); Stripe will send it again",
                        event.id, event.type, type(exc).__name__)
            return jsonify(error="temporarily unavailable"), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if isinstance(exc, stripe.StripeError):  # e.g. the charge it names does not exist at Stripe
            return _ignored(data, f"stripe refused a look-up: {type(exc).__name__}")
        # A well-formed event that our code failed on (a bug): nothing was recorded, so Stripe's
        # retries (for three days) deliver it again once the fix is deployed; acknowledging it would
        # lose the payment's effect for good. Malformed events never get here (``malformed`` above).
        log.exception("stripe webhook %s (%s) failed; Stripe will send it again", event.id, event.type)
        return jsonify(error="processing failed"), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _process(event):
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
    return jsonify(received=True)


def _ignored(data: dict, reason: str, *, logged: bool = False):
    """Acknowledge a signed event we cannot use: logged, answered 200 so Stripe stops sending it."""
    if not logged:
        event_id = data.get("id") if isinstance(data.get("id"), str) and _ID.match(data["id"]) else "?"
        log.warning("stripe webhook %s ignored: %s", event_id, reason)
    return jsonify(received=True, ignored=reason)


def _is_id(value) -> bool:
    return isinstance(value, str) and _ID.match(value) is not None


def _is_ref(value, *, optional: bool = False) -> bool:
    """An id, or an expanded object carrying one (Stripe sends either)."""
    if value is None:
        return optional
    return _is_id(value) or (isinstance(value, dict) and _is_id(value.get("id")))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**15


def malformed(data: dict) -> str | None:
    """What makes a signed event unusable, or None. Checks exactly the fields the handlers read,
    with the types they need, so a handler never meets a missing field or a wrong type."""
    if not _is_id(data.get("id")):
        return "event id missing or malformed"
    if not isinstance(data.get("type"), str) or not _TYPE.match(data["type"]):
        return "event type missing or malformed"
    holder = data.get("data")
    obj = holder.get("object") if isinstance(holder, dict) else None
    if not isinstance(obj, dict):
        return "data.object missing or not an object"
    kind = data["type"]
    if "id" in obj and not _is_id(obj["id"]):
        return "object id malformed"
    needs_id = kind in PAYMENT_EVENTS or kind in ("charge.refunded", "charge.dispute.created", "account.updated")
    if needs_id and not _is_id(obj.get("id")):
        return "object id missing"
    if kind == "charge.refunded" and not (_is_int(obj.get("amount_refunded"))
                                          and _is_ref(obj.get("payment_intent"), optional=True)):
        return "charge fields missing or of the wrong type"
    if kind == "charge.dispute.created" and not (_is_int(obj.get("amount")) and _is_ref(obj.get("charge"))
                                                 and _is_ref(obj.get("payment_intent"), optional=True)):
        return "dispute fields missing or of the wrong type"
    return None


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
                                   amount_cents=int(obj.amount), reason=_text(getattr(obj, "reason", None), 80),
                                   status=_text(getattr(obj, "status", None), 40)))
        if payment is not None:
            payment.attention = "dispute " + obj.id
    elif event.type == "account.updated":
        from payments.payouts import apply_account

        apply_account(obj)


def _text(value, length: int) -> str:
    """A free-text field of an event (junk of any type becomes empty; no character a column refuses)."""
    return single_line(value, length) if isinstance(value, str) else ""


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
