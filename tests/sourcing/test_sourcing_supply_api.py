"""Supply posts (供应) through the JSON API (the pages' rules: another shop's post or product is a 404,
a bad price range is refused, a reservation goes to that shop only), and the statement budgets of
the board and a post's page, at two data sizes."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.extensions import db
from sourcing.supply_models import SupplyPhoto, SupplyPost
from tests.catalog.catalog_helpers import png_bytes
from tests.sourcing.conftest import category, county
from tests.sourcing.test_sourcing_pages import _statements


def test_the_board_and_a_post_page_run_in_constant_statements(pear_shop, post_supply, post, make_user, client):
    def grow(n):
        for _ in range(n):
            shop = pear_shop()
            with_photo(post_supply(shop))
            post(make_user(name="张三丰"))

    def with_photo(p):
        from marketplace.media import ingest_image

        stored = ingest_image(png_bytes(), prefix="public/supply", sizes=(320, 1600))
        db.session.add(SupplyPhoto(post_id=p.id, key=stored.key(1600), thumb_key=stored.key(320)))
        db.session.commit()

    grow(2)
    one = db.session.scalar(sa.select(SupplyPost.id))
    paths = ("/sourcing", "/sourcing?type=supply", "/sourcing?type=request", f"/sourcing/supply/{one}")
    for path in paths:
        client.get(path)  # warm: templates and the cached parts (a region's chain of ancestors)
    sizes = {path: _statements(client, path) for path in paths}
    grow(4)
    with_photo(db.session.get(SupplyPost, one))
    for path, small in sizes.items():
        assert _statements(client, path) == small, path
    body = client.get("/sourcing").get_data(as_text=True)
    assert body.count("/sourcing/supply/") >= 6 and "张**" in body


def _token(user, scope: str) -> dict:
    _row, token = accounts.create_token(user, "api", [scope])
    return {"Authorization": f"Bearer {token}"}


def _api_body(**over) -> dict:
    today = dt.date.today()
    body = {"category": category("农产品/水果").id, "title": "宁陵酥梨", "quantity": 80, "unit": "吨",
            "region": county("宁陵县").id, "available_from": (today + dt.timedelta(days=10)).isoformat(),
            "available_until": (today + dt.timedelta(days=60)).isoformat(),
            "price_min_cents": 300_000, "price_max_cents": 400_000}
    body.update(over)
    return body


def test_the_api(app, pear_shop, make_product, make_user):
    client = app.test_client()
    shop, other = pear_shop(), pear_shop()
    shop_h, other_h = _token(shop.members[0].user, "merchant"), _token(other.members[0].user, "merchant")
    buyer_h = _token(make_user(), "buyer")
    url = f"/api/v1/shops/{shop.id}/sourcing/supply"
    created = client.post(url, json=_api_body(), headers=shop_h)
    assert created.status_code == 201, created.get_json()
    post_id = created.get_json()["id"]
    assert created.get_json()["price_per_kg_min_cents"] == 300 and created.get_json()["status_label"] == "供应中"
    bad = client.post(url, json=_api_body(price_min_cents=500_000), headers=shop_h)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "price_max"
    foreign = make_product(other, category="农产品/水果", direct=True)
    assert client.post(url, json=_api_body(product_id=foreign.id), headers=shop_h).status_code == 404
    assert client.post(f"/api/v1/shops/{other.id}/sourcing/supply", json=_api_body(), headers=shop_h).status_code == 404
    assert client.put(f"/api/v1/shops/{other.id}/sourcing/supply/{post_id}", json=_api_body(),
                      headers=other_h).status_code == 404
    edited = client.put(f"{url}/{post_id}", json=_api_body(quantity=70), headers=shop_h)
    assert edited.status_code == 200 and edited.get_json()["quantity"] == 70
    board = client.get("/api/v1/sourcing/supply").get_json()
    assert board["total"] == 1 and board["items"][0]["shop"] == shop.name
    assert client.get(f"/api/v1/sourcing/supply?county={county('柘城县').id}").get_json()["total"] == 0
    assert client.get(f"/api/v1/sourcing/supply/{post_id}").status_code == 200
    reserve = f"/api/v1/sourcing/supply/{post_id}/reserve"
    assert client.post(reserve, json={"quantity": 71, "region": county("睢阳区").id}, headers=buyer_h).status_code == 400
    reserved = client.post(reserve, json={"quantity": 10, "region": county("睢阳区").id}, headers=buyer_h)
    assert reserved.status_code == 201, reserved.get_json()
    assert reserved.get_json()["visibility"] == "invited" and reserved.get_json()["quantity"] == 10
    assert client.post(reserve, json={"quantity": 1, "region": county("睢阳区").id}, headers=shop_h).status_code == 403
    assert client.post(f"{url}/{post_id}/withdraw", headers=other_h).status_code == 404
    withdrawn = client.post(f"{url}/{post_id}/withdraw", headers=shop_h)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert client.post(f"{url}/{post_id}/withdraw", headers=shop_h).status_code == 409
    assert client.get(f"/api/v1/sourcing/supply/{post_id}").status_code == 404
    assert client.get(url, headers=shop_h).get_json()["total"] == 1
    assert client.post(f"{url}/{post_id}/reopen", headers=shop_h).get_json()["status"] == "open"
