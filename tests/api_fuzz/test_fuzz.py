"""Schemathesis against the served OpenAPI document (issue 12): every operation of /api/v1, fuzzed
with a buyer's token and a merchant's token, must give no 5xx and no response that breaks the
document; and with a second user's and a second shop's objects seeded, every operation that names
one of them (an order, a token, a shop's products, variants and orders, a hidden product or project)
must answer 404 to the first user, whatever the body.

PostgreSQL only (CI's second pass): it is the production database, and once is enough. The number of
examples per operation and token is ``FUZZ_EXAMPLES`` (default 25: about 2,000 requests, 1-2 minutes).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.accounts import services as accounts
from marketplace.extensions import db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck))


@pytest.fixture
def app_config(app_config):
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the API fuzzing runs once, on PostgreSQL (TEST_DATABASE_URL)")
    app_config["RATELIMIT_ENABLED"] = False  # thousands of requests in a minute: limits would answer 429
    return app_config


@pytest.fixture
def world(app, make_user, make_shop, make_product, make_address, user_cart, place):
    """Two of everything: ours (the tokens' users) and theirs (what we must never reach)."""
    from catalog.models import ProductStatus
    from investment.models import Project
    from messages import services as conversations

    def side():
        buyer, owner = make_user(), make_user()
        shop = make_shop(owner=owner)
        product = make_product(shop, stock=500, price=1250)
        hidden = make_product(shop, status=ProductStatus.DRAFT)
        variant = product.variants[0]
        cart = user_cart(buyer, [(variant, 3)])
        order = place(buyer, cart, choices={shop.id: "delivery"}, address=make_address(buyer)).orders[0]
        user_cart(buyer, [(variant, 2)])  # something in the cart to fuzz PATCH and DELETE with
        buyer_token = accounts.create_token(buyer, "fuzz buyer", ["read", "buyer"])
        merchant_token = accounts.create_token(owner, "fuzz merchant", ["read", "buyer", "merchant"])
        conversation, _created = conversations.start(buyer, "product", product.id, None, text="有货吗？")
        return {"shop": shop, "product": product, "hidden": hidden, "variant": variant, "order": order,
                "buyer_token": buyer_token, "merchant_token": merchant_token, "conversation": conversation}

    ours, theirs = side(), side()
    county = ours["shop"].region_id
    draft = Project(code="FUZZ-DRAFT", title="未发布的项目", sector="agri", region_id=county)
    db.session.add(draft)
    db.session.commit()
    return ours, theirs, draft


def _schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _auth(token) -> dict:
    return {"Authorization": f"Bearer {token[1]}"}


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_server_error_and_every_response_as_documented(app, world, mode):
    """Valid requests (by the document) and invalid ones (wrong types, missing fields, out of range)."""
    ours, _theirs, _draft = world
    schema = _schema(app)
    own_tokens = {ours["buyer_token"][0].id, ours["merchant_token"][0].id}
    ran, statuses = [], Counter()
    for operation in _operations(schema):
        for name in ("buyer_token", "merchant_token"):
            headers = _auth(ours[name])
            strategy = operation.as_strategy(generation_mode=mode)
            if "token_id" in operation.path:  # revoking the fuzzing token itself would end the run
                strategy = strategy.filter(lambda case: case.path_parameters.get("token_id") not in own_tokens)

            @SETTINGS
            @given(case=strategy)
            def fuzz(case):
                response = case.call(headers=headers)
                statuses[response.status_code // 100] += 1
                case.validate_response(response, checks=CHECKS)

            try:
                fuzz()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body): GET /ping
                assert mode is GenerationMode.NEGATIVE, operation.path
                continue
            ran.append(f"{operation.method.upper()} {operation.path} ({name})")
    assert len(ran) >= 2 * 25, ran
    # the run reached the code behind the validation, not only the 400s in front of it
    if mode is GenerationMode.POSITIVE:
        assert statuses[2] > len(ran) and statuses[4] > 0, statuses
    else:
        assert statuses[4] > len(ran), statuses
    print(f"fuzzed {len(ran)} operation/token pairs: {dict(sorted(statuses.items()))} (status class: count)")


def _foreign_parameters(operation, ours, theirs, draft) -> list[dict]:
    """Path parameters naming their objects, for an operation our user may otherwise call."""
    params = {p.name for p in operation.path_parameters}
    if not params or "slug" in params:
        return []
    path = operation.path
    if path.startswith("/api/v1/shops/{shop_id}"):
        shop, product, variant, order = theirs["shop"], theirs["product"], theirs["variant"], theirs["order"]
        choices = [{"shop_id": shop.id, "product_id": product.id, "variant_id": variant.id, "order_id": order.id},
                   # our shop, their product/variant/order: the object is foreign even when the shop is ours
                   {"shop_id": ours["shop"].id, "product_id": product.id, "variant_id": variant.id,
                    "order_id": order.id}]
        if "product_id" not in params and "order_id" not in params:
            choices = choices[:1]
        return [{k: v for k, v in c.items() if k in params} for c in choices]
    if "order_id" in params:
        return [{"order_id": theirs["order"].id}]
    if "conversation_id" in params:
        return [{"conversation_id": theirs["conversation"].id}]
    if "token_id" in params:
        return [{"token_id": theirs["buyer_token"][0].id}, {"token_id": theirs["merchant_token"][0].id}]
    if "product_id" in params:
        return [{"product_id": theirs["hidden"].id}, {"product_id": ours["hidden"].id}]
    if "project_id" in params and draft is not None:
        return [{"project_id": draft.id}]
    return []


def test_another_users_and_another_shops_objects_are_not_found(app, world):
    ours, theirs, draft = world
    schema = _schema(app)
    probed = []

    @schemathesis.check
    def foreign_object_is_not_found(ctx, response, case):
        if response.status_code == 400 and response.json()["error"]["code"] == "invalid_characters":
            return  # NUL in the generated body, refused before any lookup: says nothing about the object
        assert response.status_code == 404, (
            f"{case.method} {case.formatted_path} named another's object and answered {response.status_code}: "
            f"{response.text[:200]}")

    for operation in _operations(schema):
        token = ours["merchant_token"] if "/shops/{shop_id}" in operation.path else ours["buyer_token"]
        for params in _foreign_parameters(operation, ours, theirs, draft):
            seen = Counter()

            @settings(SETTINGS, max_examples=max(3, EXAMPLES // 5))
            @given(case=operation.as_strategy(path_parameters=params))
            def probe(case):
                response = case.call(headers=_auth(token))
                seen[response.status_code] += 1
                case.validate_response(response, checks=[foreign_object_is_not_found, not_a_server_error])

            probe()
            assert seen[404], (operation.path, params, seen)
            probed.append(f"{operation.method.upper()} {operation.path} {params}")
    assert len(probed) >= 20, probed
