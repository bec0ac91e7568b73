"""The Stripe webhook: signatures on the raw body, replays (serial and concurrent) with one effect,
out-of-order events, disputes, refunds made outside, Connect account updates, and localstripe's own
signed events racing the return page on a live server."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from marketplace.extensions import db
from orders.models import OrderStatus
from payments import services, stripe_api
from payments.models import Dispute, LedgerEntry, Payment, PaymentStatus, ShopPaymentSettings, WebhookEvent
from tests.payments.conftest import WHSEC, event_payload, sign, wait_until

S = OrderStatus


@pytest.fixture
def charged(make_group, card_token):
    """A group whose intent Stripe has charged, without our records knowing yet (webhook pending)."""
    group = make_group()
    payment = services.stripe_payment(group)
    client = stripe_api.client()
    customer = client.v1.customers.create(params={"source": card_token()})
    client.v1.payment_intents.update(payment.provider_ref, params={"customer": customer.id,
                                                                   "payment_method": customer.default_source})
    intent = client.v1.payment_intents.confirm(payment.provider_ref)
    assert intent.status == "succeeded"
    return group, payment, intent.to_dict()


def _payments_booked() -> int:
    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(LedgerEntry.kind == "payment"))


@pytest.mark.parametrize("case", ["wrong_secret", "modified_body", "stale", "no_header", "garbage"])
def test_forged_modified_and_stale_signatures_are_refused_with_no_effect(charged, client, case):
    group, payment, intent = charged
    payload = event_payload("payment_intent.succeeded", intent)
    headers = {"Stripe-Signature": sign(payload)}
    body = payload
    if case == "wrong_secret":
        headers["Stripe-Signature"] = sign(payload, secret="whsec_attacker")
    elif case == "modified_body":
        body = payload.replace(f'"amount": {intent["amount"]}', '"amount": 1')
        assert body != payload
    elif case == "stale":
        headers["Stripe-Signature"] = sign(payload, timestamp=int(time.time()) - 600)
    elif case == "no_header":
        headers = {}
    else:
        body, headers["Stripe-Signature"] = "not json", sign("not json")
    r = client.post("/payments/stripe/webhook", data=body, content_type="application/json", headers=headers)
    assert r.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 0
    assert all(o.status == S.PENDING_PAYMENT for o in group.orders)


def test_succeeded_event_pays_and_a_replay_has_no_effect(charged, post_event):
    group, payment, intent = charged
    payload = event_payload("payment_intent.succeeded", intent, event_id="evt_replay_1")
    for _ in range(3):
        assert post_event(None, None, body=payload).status_code == 200
    db.session.expire_all()
    assert all(o.status == S.PAID for o in group.orders)
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 1
    assert _payments_booked() == 6  # two orders x three entries, once


def test_concurrent_duplicate_events_have_one_effect(charged, app):
    group, payment, intent = charged
    payload = event_payload("payment_intent.succeeded", intent, event_id="evt_concurrent_1")
    statuses, barrier = [], threading.Barrier(8)

    def deliver():
        client = app.test_client()
        barrier.wait(timeout=30)
        r = client.post("/payments/stripe/webhook", data=payload, content_type="application/json",
                        headers={"Stripe-Signature": sign(payload)})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses == [200] * 8
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 1
    assert _payments_booked() == 6
    assert all(o.status == S.PAID for o in group.orders)


def test_different_events_for_one_intent_racing_book_it_once(charged, app):
    group, payment, intent = charged
    payloads = [event_payload("payment_intent.succeeded", intent, event_id=f"evt_race_{i}") for i in range(6)]
    barrier = threading.Barrier(len(payloads))
    codes = []

    def deliver(payload):
        barrier.wait(timeout=30)
        codes.append(app.test_client().post("/payments/stripe/webhook", data=payload, content_type="application/json",
                                            headers={"Stripe-Signature": sign(payload)}).status_code)

    threads = [threading.Thread(target=deliver, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert codes == [200] * len(payloads)
    db.session.expire_all()
    assert _payments_booked() == 6 and all(o.status == S.PAID for o in group.orders)


def test_failed_after_succeeded_does_not_move_orders_back(charged, post_event):
    group, payment, intent = charged
    assert post_event("payment_intent.succeeded", intent).status_code == 200
    stale = dict(intent, status="requires_payment_method", last_payment_error={"message": "declined"})
    assert post_event("payment_intent.payment_failed", stale).status_code == 200
    assert post_event("payment_intent.canceled", dict(intent, status="canceled")).status_code == 200
    db.session.expire_all()
    assert payment.status == PaymentStatus.SUCCEEDED and all(o.status == S.PAID for o in group.orders)


def test_an_event_claiming_success_is_checked_against_stripe(make_group, post_event):
    group = make_group()
    payment = services.stripe_payment(group)
    intent = stripe_api.client().v1.payment_intents.retrieve(payment.provider_ref).to_dict()
    forged = dict(intent, status="succeeded", amount_received=intent["amount"])
    assert post_event("payment_intent.succeeded", forged).status_code == 200
    db.session.expire_all()
    assert all(o.status == S.PENDING_PAYMENT for o in group.orders) and payment.status != PaymentStatus.SUCCEEDED


def test_dispute_refund_outside_and_account_updated(charged, post_event, make_shop):
    group, payment, intent = charged
    post_event("payment_intent.succeeded", intent)
    charge_id = intent["latest_charge"]["id"] if isinstance(intent["latest_charge"], dict) else intent["latest_charge"]
    dispute = {"id": "dp_test_1", "object": "dispute", "amount": 500, "charge": charge_id,
               "payment_intent": payment.provider_ref, "reason": "fraudulent", "status": "needs_response"}
    assert post_event("charge.dispute.created", dispute).status_code == 200
    assert post_event("charge.dispute.created", dispute).status_code == 200  # a new event id, same dispute
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Dispute.id))) == 1
    assert "dp_test_1" in payment.attention
    refunded = {"id": charge_id, "object": "charge", "amount": payment.amount_cents, "amount_refunded": 700,
                "payment_intent": payment.provider_ref, "refunded": False}
    assert post_event("charge.refunded", refunded).status_code == 200
    db.session.expire_all()
    assert "outside" in payment.attention
    shop = group.orders[0].shop
    db.session.add(ShopPaymentSettings(shop_id=shop.id, stripe_account_id="acct_hook_1"))
    db.session.commit()
    account = {"id": "acct_hook_1", "object": "account", "details_submitted": True, "payouts_enabled": True}
    assert post_event("account.updated", account).status_code == 200
    db.session.expire_all()
    settings = db.session.scalar(sa.select(ShopPaymentSettings).where(ShopPaymentSettings.shop_id == shop.id))
    assert settings.payouts_enabled and settings.details_submitted


@pytest.fixture
def live_app(app):
    """The test app served over HTTP, so localstripe can deliver its signed webhooks to it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


def test_localstripe_signed_webhook_racing_the_return_page(live_app, localstripe, make_group, login, client,
                                                           card_token):
    r = requests.post(f"{localstripe}/_config/webhooks/marketplace", timeout=10, json={
        "url": f"{live_app}/payments/stripe/webhook", "secret": WHSEC,
        "events": ["payment_intent.succeeded", "payment_intent.payment_failed"]})
    assert r.status_code == 200, r.text
    try:
        group = make_group()
        login(group.buyer)
        assert client.get(f"/payments/group/{group.id}/card").status_code == 200
        payment = db.session.scalar(sa.select(Payment))
        r = client.post(f"/payments/group/{group.id}/card/confirm", json={"payment_id": payment.id,
                                                                          "token": card_token()})
        assert r.json["state"] == "succeeded"
        # The return page (and the confirm call) settled it; localstripe's webhook arrives ~1 s later.
        wait_until(lambda: db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))
                                             .where(WebhookEvent.object_id == payment.provider_ref)),
                   timeout=60, what="localstripe's webhook")
        for _ in range(3):
            client.get(f"/payments/group/{group.id}/return")
        db.session.expire_all()
        assert _payments_booked() == 6 and all(o.status == S.PAID for o in group.orders)
    finally:
        requests.post(f"{localstripe}/_config/webhooks/marketplace", timeout=10,
                      json={"url": "http://127.0.0.1:9/gone", "secret": WHSEC, "events": ["none.none"]})



def test_with_csrf_on_the_webhook_is_exempt_and_card_confirm_is_not(csrf_app, charged):
    group, payment, intent = charged
    client = csrf_app.test_client()
    payload = event_payload("payment_intent.succeeded", intent)
    r = client.post("/payments/stripe/webhook", data=payload, content_type="application/json",
                    headers={"Stripe-Signature": sign(payload)})
    assert r.status_code == 200
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    r = client.post("/account/login", data={"email": group.buyer.email, "password": "correct horse 42",
                                            "csrf_token": token})
    assert r.status_code == 302
    r = client.post(f"/payments/group/{group.id}/card/confirm", json={"payment_id": payment.id, "token": "tok_x"})
    assert r.status_code == 400  # a JSON write with a session needs the X-CSRFToken header
    db.session.expire_all()
    assert all(o.status == S.PAID for o in group.orders)


def test_webhooks_and_return_pages_racing_book_the_payment_once(charged, app):
    group, payment, intent = charged
    buyer_email, group_id = group.buyer.email, group.id
    clients = []
    for _ in range(4):
        c = app.test_client()
        assert c.post("/account/login", data={"email": buyer_email, "password": "correct horse 42"}).status_code == 302
        clients.append(c)
    payloads = [event_payload("payment_intent.succeeded", intent, event_id=f"evt_vs_return_{i}") for i in range(4)]
    barrier = threading.Barrier(8)
    codes = []

    def return_page(c):
        barrier.wait(timeout=30)
        codes.append(c.get(f"/payments/group/{group_id}/return").status_code)

    def webhook(p):
        barrier.wait(timeout=30)
        codes.append(app.test_client().post("/payments/stripe/webhook", data=p, content_type="application/json",
                                            headers={"Stripe-Signature": sign(p)}).status_code)

    threads = [threading.Thread(target=return_page, args=(c,)) for c in clients]
    threads += [threading.Thread(target=webhook, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert codes == [200] * 8
    db.session.expire_all()
    assert _payments_booked() == 6 and all(o.status == S.PAID for o in group.orders)
    history = [c for o in group.orders for c in o.history if c.to_status == S.PAID]
    assert len(history) == 2
