"""Payments fixtures: a real localstripe server, the Connect fake, shops with products, order groups,
card tokens made the way Stripe.js makes them, signed webhooks, and the ledger check after every test."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from marketplace.extensions import db as _db

WHSEC = "whsec_test_payments_secret"
SECRET_KEY = "sk_test_payments"
_n = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def movements_of(variant_id: int) -> int:
    """The sum of a variant's stock movements (its stock, when its initial stock is a movement too)."""
    from catalog.models import StockMovement

    return _db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0))
                              .where(StockMovement.variant_id == variant_id))


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    """Poll instead of sleeping: the machine is busy, localstripe sends webhooks ~1 s later."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    """``localstripe --port N --from-scratch`` as a subprocess; its base URL."""
    exe = Path(sys.executable).with_name("localstripe")
    if not exe.exists():
        pytest.skip("localstripe is not installed (pip install -e .[dev])")
    port = _free_port()
    log = open(tmp_path_factory.mktemp("localstripe") / "localstripe.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([str(exe), "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(f"{base}/v1/customers", auth=(SECRET_KEY, ""), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(up, timeout=60, what="localstripe to start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def connect_fake():
    from tests.payments.fake_stripe_connect import FakeConnect

    fake = FakeConnect().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_keys() -> bool:
    """Override with False in a module to run the app with Stripe switched off."""
    return True


@pytest.fixture
def app_config(app_config, stripe_keys, request):
    if stripe_keys:
        base = request.getfixturevalue("localstripe")
        fake = request.getfixturevalue("connect_fake")
        fake.balance = 10**9
        app_config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_PUBLISHABLE_KEY="pk_test_payments",
                          STRIPE_WEBHOOK_SECRET=WHSEC, STRIPE_API_BASE=base, STRIPE_CONNECT_API_BASE=fake.url,
                          STRIPE_JS_URL=f"{base}/js.stripe.com/v3/")
    else:
        app_config.update(STRIPE_SECRET_KEY=None, STRIPE_PUBLISHABLE_KEY=None, STRIPE_WEBHOOK_SECRET=None)
    if getattr(request.module, "WECHAT_PAY", False):  # the module pays through the WeChat Pay fake
        app_config.update(request.getfixturevalue("wechat").config())
    app_config["PLATFORM_COMMISSION_BPS"] = 500
    return app_config


@pytest.fixture(scope="module")
def wechat(tmp_path_factory):
    """The local fake of WeChat Pay API v3 (and its web authorisation), one per module."""
    from tests.payments.fake_wechatpay import FakeWeChatPay

    fake = FakeWeChatPay(tmp_path_factory.mktemp("wechatpay")).start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def ledger_balanced(app):
    """After every scenario: each order group's ledger entries (and all of them) sum to zero."""
    yield
    from payments.ledger import group_sums

    _db.session.rollback()
    _db.session.expire_all()
    sums = group_sums()
    assert all(v == 0 for v in sums.values()), f"unbalanced ledger: {sums}"


# --- shops, products, order groups -----------------------------------------------------------------

@pytest.fixture
def make_group(app, make_user, make_variant):
    """make_group(buyer=None, items=[(variant, qty)...]) -> OrderGroup placed through orders' service
    (pickup for every shop). Default: two shops, 2 x 10.00 and 3 x 25.00."""
    from catalog import pricing
    from orders import services
    from orders.models import Cart, CartLine

    def make(buyer=None, items=None):
        buyer = buyer or make_user()
        items = items or [(make_variant(price=1000), 2), (make_variant(price=2500), 3)]
        cart = _db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id)) or Cart(user_id=buyer.id)
        for variant, qty in items:
            cart.lines.append(CartLine(variant_id=variant.id, quantity=qty,
                                       price_seen_cents=pricing.unit_price(variant, qty)))
        _db.session.add(cart)
        _db.session.commit()
        return services.place_order(cart, buyer, choices=None, idempotency_key=services.new_idempotency_key())

    return make


# --- Stripe helpers --------------------------------------------------------------------------------

CARDS = {"visa": "4242424242424242", "3ds": "4000002760003184", "declined": "4000000000000341"}


@pytest.fixture
def card_token(localstripe):
    """A card token as Stripe.js's createToken makes it (POST /v1/tokens with the publishable key)."""

    def make(kind: str = "visa") -> str:
        r = requests.post(f"{localstripe}/v1/tokens", timeout=10, data={
            "card[number]": CARDS[kind], "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123",
            "key": "pk_test_payments"})
        r.raise_for_status()
        return r.json()["id"]

    return make


@pytest.fixture
def authenticate(localstripe):
    """What localstripe's Stripe.js does for 3-D Secure: complete (or fail) the authentication."""

    def run(intent_id: str, client_secret: str, success: bool = True) -> dict:
        r = requests.post(f"{localstripe}/v1/payment_intents/{intent_id}/_authenticate?success={str(success).lower()}",
                          json={"key": "pk_test_payments", "client_secret": client_secret}, timeout=10)
        return r.json()

    return run


def sign(payload: str, secret: str = WHSEC, timestamp: int | None = None) -> str:
    """Stripe's webhook signature scheme: t=<unix time>,v1=HMAC-SHA256(secret, "t.payload")."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event_payload(event_type: str, obj: dict, event_id: str | None = None) -> str:
    return json.dumps({"id": event_id or f"evt_test{next(_n)}_{int(time.time() * 1000)}", "object": "event",
                       "type": event_type, "api_version": "2020-08-27", "created": int(time.time()),
                       "data": {"object": obj}, "livemode": False, "pending_webhooks": 1})


@pytest.fixture
def post_event(client):
    def send(event_type: str, obj: dict, event_id: str | None = None, signature: str | None = None, body=None):
        payload = body or event_payload(event_type, obj, event_id)
        return client.post("/payments/stripe/webhook", data=payload, content_type="application/json",
                           headers={"Stripe-Signature": signature or sign(payload)})

    return send


def intent_dict(app, intent_id: str) -> dict:
    from payments import stripe_api

    with app.app_context():
        return stripe_api.client().v1.payment_intents.retrieve(intent_id).to_dict()


@pytest.fixture
def paid_group(make_group, card_token):
    """A two-shop group paid by card through the real services: (group, payment)."""
    from orders.models import OrderStatus
    from payments import services

    group = make_group()
    payment = services.stripe_payment(group)
    state, _intent = services.pay_with_card_token(payment, card_token())
    assert state == "succeeded"
    _db.session.expire_all()
    assert all(o.status == OrderStatus.PAID for o in group.orders)
    return group, payment
