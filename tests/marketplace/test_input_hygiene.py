"""Control characters in input (issue 12, finding 8), cleaned in one place (``marketplace.input``).

Every GET route is walked, anonymously and as a user who is admin, investment officer and shop
owner at once, with NUL and other control characters in the query string (stripped: the page
answers as usual) and in path segments (NUL: a 400); the main forms and the JSON API are posted
with NUL (refused with a 400, nothing saved) and with other control characters (saved without them). On PostgreSQL,
which refuses NUL in text, any leak would be a 500. At the end no text column holds a control
character other than tab and line breaks.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from catalog.categories import find_category, load_categories
from catalog.models import Product
from investment.models import Inquiry, ProjectStatus
from investment.services import projects as project_services
from marketplace.accounts.models import User
from marketplace.extensions import db as _db
from marketplace.input import MAX_ID
from marketplace.regions.models import Region, RegionLevel
from marketplace.shops.models import Shop
from orders.models import OrderGroup
from tests.marketplace.shop_helpers import png_bytes, shop_data, uscc

NUL_QUERY = "q=%00&page=%00&sort=%00&status=%00&category=%00&county=%00&to=%00&type=%00&in_stock=1%00&x%00=1"
CONTROL_QUERY = ("q=%E6%A2%A8%1B%5B31m%07&page=2%1B&sort=%1Bprice_asc&status=%08&category=%1B&county=%7F"
                 "&to=a%1B%40b.cn&type=%1B&in_stock=1%1B")
#: Routes whose answer may be a 503 for another reason (the health check reports a missing index).
MAY_BE_UNHEALTHY = {"health.healthz"}
BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PASSWORD = "correct horse 42"


@pytest.fixture
def world(app, regions, make_user, make_shop, make_product):
    load_categories()
    walker = make_user(email="walker@example.com", roles=("admin", "officer", "reviewer"))
    shop = make_shop(owner=walker)
    product = make_product(shop, category="农产品/水果")
    county = _db.session.scalar(sa.select(Region).where(Region.name == "柘城县", Region.level == RegionLevel.COUNTY))
    project = project_services.create_project(walker, {
        "title": "辣椒深加工项目", "summary": "简介", "sector": "agri-processing", "region_id": county.id,
        "park": "产业集聚区", "address": "工业路 1 号", "total_investment_cents": 10**9, "sought_cents": 10**8,
        "mode": "joint_venture", "land_area_hundredths": 5000, "land_nature": "industrial", "land_status": "ready",
        "construction": "建设内容", "market_outlook": "前景", "incentives": "优惠", "expected_returns": "效益",
        "contact_name": "王科长", "contact_phone": "0370-7212345", "contact_email": "wang@example.com",
        "contact_private": False, "officer_id": None, "valid_until": None})
    for target in (ProjectStatus.IN_REVIEW, ProjectStatus.PUBLISHED):
        project_services.set_status(walker, project, target)
    _db.session.commit()
    return SimpleNamespace(walker=walker, shop=shop, product=product, variant=product.variants[0], county=county,
                           project=project, category=find_category("农产品/水果"))


def _values(world, endpoint: str, argument: str):
    if argument == "code":
        return world.county.code if endpoint == "catalog.county" else world.category.code
    return {"product_id": world.product.id, "shop_id": world.shop.id, "project_id": world.project.id,
            "category_id": world.category.id, "user_id": world.walker.id, "slug": world.shop.slug,
            "token": "t" * 32, "key": "public/none.webp", "filename": "css/site.css"}.get(argument, 1)


def _walk(app, client, world) -> list[str]:
    adapter = app.url_map.bind("localhost")
    walked = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        path = adapter.build(rule.endpoint, {a: _values(world, rule.endpoint, a) for a in rule.arguments})
        for query in (NUL_QUERY, CONTROL_QUERY):  # read-only input: stripped, the page is served
            served = client.get(f"{path}?{query}")
            assert served.status_code < 500 or (rule.endpoint in MAY_BE_UNHEALTHY and served.status_code == 503), \
                (path, query, served.status_code, served.get_data(as_text=True)[:300])
            served.close()
        for argument in rule.arguments:  # a path segment with NUL or ESC in it
            if isinstance(_values(world, rule.endpoint, argument), str) and argument not in ("filename", "key"):
                base = adapter.build(rule.endpoint, {a: _values(world, rule.endpoint, a) for a in rule.arguments
                                                     if a != argument} | {argument: "x\x00y"})
                assert client.get(base).status_code == 400, base
                assert client.get(base.replace("%00", "%1B")).status_code < 500, base
            elif isinstance(rule._converters[argument], IntegerConverter):  # noqa: SLF001 - the rule's own converters
                # an id beyond the id columns' range names nothing: answered as the unknown id 0 (PostgreSQL
                # refused it: a 500), MAX_ID itself reaches the database
                answers = []
                for number in (0, MAX_ID + 1, 10**20, MAX_ID):
                    path_with = path.replace(f"/{_values(world, rule.endpoint, argument)}", f"/{number}", 1)
                    answer = client.get(path_with)
                    answers.append(answer.status_code)
                    answer.close()
                assert answers[0] == answers[1] == answers[2] and answers[3] < 500, (path, argument, answers)
        walked.append(rule.rule)
    return walked


def test_every_get_route_refuses_nul_and_strips_control_characters(app, client, world, login):
    anonymous = _walk(app, client, world)
    login(world.walker)
    signed_in = _walk(app, client, world)
    assert anonymous == signed_in and len(anonymous) > 90
    assert {"/", "/search", "/shops", "/c/<code>", "/admin/outbox", "/merchant/products", "/invest",
            "/api/v1/products", "/api/v1/shops"} <= set(anonymous)
    # the search page got the query without its control characters
    page = client.get(f"/search?{CONTROL_QUERY}").get_data(as_text=True)
    assert 'value="梨[31m"' in page and "\x1b" not in page
    assert 'value="梨"' in client.get("/search?q=%00%E6%A2%A8%00").get_data(as_text=True)
    assert client.get("/api/v1/products?q=%00%E6%A2%A8").get_json()["query"] == "梨"
    _assert_no_control_characters_stored()


def _post_twice(client, url, build, **kwargs):
    """The form with NUL (refused: 400, or back to the page with the message) and with ESC/BEL/BS."""
    refused = client.post(url, data=build("\x00"), **kwargs)
    assert refused.status_code in (400, 303), (url, refused.status_code)
    if refused.status_code == 400:
        assert "控制字符" in refused.get_data(as_text=True)
    return client.post(url, data=build("\x1b\x07\x08"), **kwargs)


def test_the_main_forms(app, client, world, login, make_user):
    # register
    def register(bad):
        return {"email": f"new{bad}user@example.com", "name": f"新{bad}用户", "password": PASSWORD,
                "confirm": PASSWORD, "consent": "y"}
    assert _post_twice(client, "/account/register", register).status_code == 302
    user = _db.session.scalar(sa.select(User).where(User.email == "newuser@example.com"))
    assert user is not None and user.name == "新用户"
    assert _db.session.scalar(sa.select(sa.func.count(User.id))) == 2  # the NUL one was not created
    client.post("/account/logout")

    # login (control characters are stripped: what remains is the real address and password)
    def credentials(bad):
        return {"email": f"walker@example.com{bad}", "password": f"correct horse{bad} 42"}
    assert _post_twice(client, "/account/login", credentials).status_code == 302
    client.post("/account/logout")

    # apply for a shop
    applicant = make_user(email="applicant@example.com")
    login(applicant)

    def application(bad):
        data = {k: str(v) for k, v in shop_data(name=f"好{bad}店铺", description=f"介绍{bad}\n第二行",
                                                  licence_number=uscc()).items()}
        return {**data, "licence_image": (io.BytesIO(png_bytes()), f"licence{bad}.png", "image/png")}
    assert _post_twice(client, "/shops/apply", application, content_type="multipart/form-data").status_code == 302
    shop = _db.session.scalar(sa.select(Shop).where(Shop.id != world.shop.id))
    assert shop.name == "好店铺" and shop.description == "介绍\n第二行"
    client.post("/account/logout")

    # edit a product, as its shop's owner
    login(world.walker)
    product = world.product
    variant = world.variant

    def editor(bad):
        return {"title": f"酥{bad}梨", "subtitle": "", "category": str(world.category.id), "origin": "0",
                "attributes": f"品种=酥梨{bad}", "description": f"甜{bad}\n多汁", "v-0-id": str(variant.id),
                "v-0-name": variant.name, "v-0-unit": variant.unit, "v-0-price": "10.00", "v-0-stock": "100",
                "v-0-moq": "1", "v-0-step": "1", "v-0-weight": ""}
    assert _post_twice(client, f"/merchant/products/{product.id}/edit", editor).status_code == 302
    _db.session.expire_all()
    product = _db.session.get(Product, product.id)
    assert product.title == "酥梨" and product.description == "甜\n多汁"

    # checkout with a note
    buyer = make_user(email="noter@example.com")
    client.post("/account/logout")
    login(buyer)
    assert client.post("/cart/add", data={"variant_id": str(variant.id), "quantity": "1"}).status_code == 302

    def checkout(bad):
        return {"idempotency_key": "note-key-0001", "note": f"请{bad}尽快\n谢谢"}
    assert _post_twice(client, "/checkout", checkout).status_code == 302
    group = _db.session.scalar(sa.select(OrderGroup))
    assert {o.note for o in group.orders} == {"请尽快\n谢谢"}

    # an investor's inquiry
    def inquiry(bad):
        return {"name": f"赵{bad}总", "company": "", "phone": "", "email": "", "amount": "", "mode": "",
                "message": f"想了解{bad}用地情况", "website": ""}
    assert _post_twice(client, f"/invest/projects/{world.project.id}/inquiries", inquiry).status_code == 302
    [sent] = _db.session.scalars(sa.select(Inquiry)).all()
    assert sent.message == "想了解用地情况" and sent.name == "赵总"
    _assert_no_control_characters_stored()


def test_the_json_api(client, world, login, make_user):
    login(make_user(email="api@example.com"))
    variant = world.variant
    for body in ({"variant_id": variant.id, "quantity": 1, "note": "\u0000"},
                 {"variant_id": f"{variant.id}\u0000", "quantity": 1},
                 {"variant_id": variant.id, "quantity": 1, "\u0000": 1},
                 {"variant_id": variant.id, "quantity": "1\ud800"}):
        response = client.post("/api/v1/cart", json=body)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_characters"
    deep = client.post("/api/v1/cart", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert deep.status_code == 400
    nested_value: list = [1]
    for _ in range(40):
        nested_value = [nested_value]
    nested = client.post("/api/v1/cart", json={"variant_id": variant.id, "x": nested_value})
    assert nested.status_code == 400 and nested.get_json()["error"]["code"] == "invalid_json"
    assert client.get("/api/v1/cart").get_json()["groups"] == []

    assert client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 2}).status_code in (200, 201)
    for body, headers in (({"note": "快\u0000点", "idempotency_key": "api-note-0001"}, {}),
                          ({"idempotency_key": "api-\u0000-00001"}, {}),
                          ({}, {"Idempotency-Key": "api\x00note-0001"})):
        response = client.post("/api/v1/checkout", json=body, headers=headers)
        assert response.status_code == 400, response.get_json()
    assert _db.session.scalar(sa.select(sa.func.count(OrderGroup.id))) == 0
    placed = client.post("/api/v1/checkout", json={"note": "快\u001b点\u0007", "idempotency_key": "api-note-0002"})
    assert placed.status_code == 201
    assert {o.note for o in _db.session.scalar(sa.select(OrderGroup)).orders} == {"快点"}
    _assert_no_control_characters_stored()


def _assert_no_control_characters_stored():
    _db.session.expire_all()
    found = []
    for table in _db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
        if not columns:
            continue
        for row in _db.session.execute(sa.select(*columns)):
            found += [(table.name, value) for value in row if isinstance(value, str) and BAD_TEXT.search(value)]
    assert found == []
