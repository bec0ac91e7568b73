"""Every state-changing route refuses a request without a valid CSRF token, and changes nothing.

The route map is walked, so a route added tomorrow is covered, and an ``@csrf.exempt`` added to
one of them fails here. The user is signed in with every role and owns a shop, so a refusal cannot
come from a login or permission check instead of the CSRF check. The only routes that do not need
a token are listed in EXEMPT, each with its reason.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db as _db
from tests.conftest import csrf_token_from

PASSWORD = "correct horse 42"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

#: endpoint -> why it needs no CSRF token.
EXEMPT = {
    "payments.stripe_webhook": "called by Stripe, not by a browser; authenticated by its Stripe-Signature header",
    "payments.wechat_pay_notify": "called by WeChat Pay; authenticated by its Wechatpay-Signature headers "
                                  "(tests/payments/test_wechatpay.py: forged or unsigned ones change nothing)",
    "payments.alipay_notify": "called by Alipay; authenticated by its RSA2 sign field "
                              "(tests/payments/test_alipay.py: forged or unsigned ones change nothing)",
}

#: A write under /api/ with a valid personal API token carries no ambient credential (no cookie
#: sent by a browser on its own), so it needs no CSRF token: see test_valid_bearer_token_needs_no_csrf_token.
API_PREFIX = "/api/"

#: CSRF is refused before any route or query runs: the same on every database engine, so CI runs these
#: once (in the SQLite pass; see the Makefile).
pytestmark = pytest.mark.engine_independent


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    app_config["RATELIMIT_ENABLED"] = False  # a 429 must not stand in for the CSRF refusal
    return app_config


def write_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if set(rule.methods) & set(WRITE_METHODS)),
                  key=lambda rule: rule.rule)


def _existing_id(argument: str) -> int:
    """The smallest id of the table an ``<int:x_id>`` argument names (``product_id`` -> products), else 1."""
    stem = argument.removesuffix("_id")
    plurals = (stem, f"{stem}s", f"{stem[:-1]}ies" if stem.endswith("y") else f"{stem}s")
    for table in _db.metadata.sorted_tables:
        if table.name in plurals or table.name.endswith(tuple(f"_{p}" for p in plurals)):
            found = _db.session.scalar(sa.select(sa.func.min(table.c.id))) if "id" in table.c else None
            if found:
                return found
    return 1


def url_for_rule(app, rule) -> str:
    """A URL for the rule: ints are an existing row's id (or 1), choices the first one, strings a token."""
    from werkzeug.routing.converters import AnyConverter, IntegerConverter

    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = _existing_id(name)
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "some-token"
    return rule.build(values, append_unknown=False)[1]


def snapshot() -> dict[str, list]:
    """Every row of every table, read on a connection of its own (what is committed)."""
    with _db.engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(
                    sa.select(table).order_by(*table.primary_key.columns))]
                for table in _db.metadata.sorted_tables}


def refused_as_csrf(response, path: str) -> bool:
    if response.status_code != 400:
        return False
    if path.startswith(API_PREFIX):
        return (response.get_json(silent=True) or {}).get("error", {}).get("code") == "csrf_failed"
    return "表单已过期或来源无效" in response.get_data(as_text=True)


@pytest.fixture
def signed_in(app, make_user, make_shop, make_product):
    """A client signed in (through the real form, with its token) as a user with every role who owns
    a shop with a product, a cart line, an order and an API token."""
    from marketplace.accounts.models import Role
    from marketplace.accounts.services import create_token
    from orders import services as orders
    from orders.models import Cart, CartLine

    # every platform-wide role; the shop roles come with the shop (they always name their shop)
    user = make_user(password=PASSWORD, roles=[r for r in Role if r not in (Role.SHOP_OWNER, Role.SHOP_STAFF)])
    shop = make_shop(owner=user)
    variant = make_product(shop).variants[0]
    for _ in range(2):  # the first cart becomes an order, the second stays
        cart = _db.session.scalar(sa.select(Cart).where(Cart.user_id == user.id)) or Cart(user_id=user.id)
        cart.lines.append(CartLine(variant_id=variant.id, quantity=1, price_seen_cents=variant.price_cents))
        _db.session.add(cart)
        _db.session.commit()
        if _ == 0:
            orders.place_order(cart, user, choices=None, idempotency_key=orders.new_idempotency_key())
    create_token(user, "测试令牌")
    _db.session.commit()

    client = app.test_client()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    return client


def another_sessions_token(app) -> str:
    """A valid token of another visitor's session (accepted there: checked on /language)."""
    other = app.test_client()
    token = csrf_token_from(other.get("/account/login").get_data(as_text=True))
    assert other.post("/language", data={"locale": "zh_CN", "csrf_token": token}).status_code == 302
    return token


def send(client, rule, url: str, token: str | None, **extra):
    method = sorted(set(rule.methods) & set(WRITE_METHODS))[0]
    headers = dict(extra.pop("headers", {}))
    if token:
        headers["X-CSRFToken"] = token
    if url.startswith(API_PREFIX):
        return client.open(url, method=method, json={}, headers=headers, **extra)
    data = {"csrf_token": token} if token else {}
    return client.open(url, method=method, data=data, headers=headers, **extra)


def refusals(app, client, token: str | None, **extra) -> list[str]:
    """Send every write route without the right token; the routes that did not refuse (or changed a row)."""
    before = snapshot()
    wrong = []
    for rule in write_rules(app):
        if rule.endpoint in EXEMPT:
            continue
        url = url_for_rule(app, rule)
        response = send(client, rule, url, token, **extra)
        after = snapshot()
        if not refused_as_csrf(response, url):
            changed = " (and the database changed)" if after != before else ""
            wrong.append(f"{rule.endpoint} {url}: {response.status_code}{changed} "
                         f"{response.get_data(as_text=True)[:120]!r}")
        elif after != before:
            wrong.append(f"{rule.endpoint} {url}: refused, but the database changed")
        before = after
    return wrong


def test_the_walk_covers_the_write_routes(app):
    rules = write_rules(app)
    endpoints = {rule.endpoint for rule in rules}
    assert len(rules) >= 70  # the walk did not silently become empty
    assert {"payments.merchant_refund", "accounts.login", "api.api_cart_add", "orders.checkout_page"} <= endpoints
    assert set(EXEMPT) <= endpoints, "an exemption names a route that no longer exists"


def test_every_write_refuses_a_request_without_a_token(app, signed_in):
    wrong = refusals(app, signed_in, token=None)
    assert not wrong, "accepted without a CSRF token:\n" + "\n".join(wrong)
    assert signed_in.get("/account/").status_code == 200  # still signed in: the refusals were CSRF's


def test_every_write_refuses_another_sessions_token(app, signed_in):
    wrong = refusals(app, signed_in, token=another_sessions_token(app))
    assert not wrong, "accepted with another session's CSRF token:\n" + "\n".join(wrong)
    assert signed_in.get("/account/").status_code == 200


def test_a_bogus_bearer_header_does_not_skip_csrf_on_a_session_request(app, signed_in):
    wrong = refusals(app, signed_in, token=None, headers={"Authorization": "Bearer mkt_not-a-real-token"})
    assert not wrong, "a bogus bearer header skipped the CSRF check:\n" + "\n".join(wrong)


def test_valid_bearer_token_needs_no_csrf_token(app, make_user, make_product):
    """The API exemption itself: a real personal token authenticates a write without a CSRF token."""
    from marketplace.accounts.services import create_token
    from orders.models import CartLine

    user = make_user()
    variant = make_product().variants[0]
    _, token = create_token(user, "接口")
    _db.session.commit()
    response = app.test_client().post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 1},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 1


@pytest.fixture
def stripe_configured(app_config):
    app_config.update(STRIPE_SECRET_KEY="sk_test_csrf", STRIPE_PUBLISHABLE_KEY="pk_test_csrf",
                      STRIPE_WEBHOOK_SECRET="whsec_test_csrf")


@pytest.mark.parametrize("signature", [None, "t=1700000000,v1=" + "0" * 64])
def test_the_stripe_webhook_without_a_valid_signature_changes_nothing(stripe_configured, app, signed_in, signature):
    """Its exemption is safe only because the signature is checked: an unsigned event is refused."""
    before = snapshot()
    headers = {"Stripe-Signature": signature} if signature else {}
    response = signed_in.post("/payments/stripe/webhook", data='{"id": "evt_1", "type": "charge.refunded"}',
                              content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert snapshot() == before
