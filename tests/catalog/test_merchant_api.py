"""The merchant's catalogue API (/api/v1/shops/<id>/products...): the editor's services and rules
through JSON, for the shop's owner and staff with a merchant token or a session; another shop's ids
are 404, a suspended shop cannot write, bad values are 400 with the field."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog.models import Product, ProductStatus, ProductStatusChange, StockMovement
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.shops.models import ShopMember, ShopStatus


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def erp(app, shop, owner, categories):
    """A client with the owner's merchant token, and the base URL of his shop's products."""
    _row, token = accounts.create_token(owner, "ERP", ["read", "merchant"])
    client = app.test_client()

    class Erp:
        base = f"/api/v1/shops/{shop.id}/products"

        def __getattr__(self, method):
            call = getattr(client, method)
            return lambda path, **kw: call(path, headers={**bearer(token), **kw.pop("headers", {})}, **kw)

    return Erp()


NEW = {"title": "柘城三樱椒 干辣椒", "category_code": "agri.fruit", "origin_code": None,
       "attributes": [{"name": "等级", "value": "一级"}], "certifications": ["gi"],
       "variants": [{"name": "5斤装", "unit": "袋", "price_cents": 4500, "stock": 30, "moq": 2,
                     "tiers": [{"min_quantity": 10, "unit_price_cents": 4000}]}]}


def test_create_read_update_publish_hide(erp, db, owner):
    made = erp.post(erp.base, json=NEW)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["status"] == "draft" and body["category"]["code"] == "agri.fruit" and body["certifications"] == ["gi"]
    [variant] = body["variants"]
    assert (variant["stock"], variant["moq"], variant["tiers"]) == (30, 2, [{"min_quantity": 10, "unit_price_cents": 4000}])
    pid = body["id"]
    assert erp.get(f"{erp.base}/{pid}").get_json() == body
    changed = erp.patch(f"{erp.base}/{pid}", json={"title": "柘城三樱椒（新货）", "description": "**香辣**"})
    assert changed.status_code == 200 and changed.get_json()["title"] == "柘城三樱椒（新货）"
    assert changed.get_json()["attributes"] == [{"name": "等级", "value": "一级"}]  # untouched fields stay
    published = erp.post(f"{erp.base}/{pid}/publish")
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    again = erp.post(f"{erp.base}/{pid}/publish")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"
    assert erp.post(f"{erp.base}/{pid}/hide").get_json()["status"] == "hidden"
    listed = erp.get(erp.base, query_string={"status": "hidden"}).get_json()
    assert [p["id"] for p in listed["items"]] == [pid] and listed["total"] == 1
    assert erp.get(erp.base, query_string={"status": "published"}).get_json()["items"] == []
    assert erp.get(erp.base, query_string={"q": "新货"}).get_json()["total"] == 1
    moves = db.session.scalars(sa.select(ProductStatusChange.to_status).where(ProductStatusChange.product_id == pid)
                               .order_by(ProductStatusChange.id)).all()
    assert moves == [ProductStatus.DRAFT, ProductStatus.PUBLISHED, ProductStatus.HIDDEN]  # the repeat changed nothing
    assert all(h.actor_id == owner.id for h in db.session.scalars(sa.select(ProductStatusChange)))


def test_variants_prices_and_stock(erp, db, owner):
    pid = erp.post(erp.base, json=NEW).get_json()["id"]
    added = erp.post(f"{erp.base}/{pid}/variants", json={"name": "散装", "unit": "kg", "price_cents": 1800,
                                                        "stock": 5})
    assert added.status_code == 201
    vid = added.get_json()["id"]
    product = erp.get(f"{erp.base}/{pid}").get_json()
    assert [v["name"] for v in product["variants"]] == ["5斤装", "散装"] and product["min_price_cents"] == 1800
    patched = erp.patch(f"{erp.base}/{pid}/variants/{vid}", json={"moq": 3, "step": 2})
    assert patched.status_code == 200 and (patched.get_json()["moq"], patched.get_json()["step"]) == (3, 2)
    priced = erp.put(f"{erp.base}/{pid}/variants/{vid}/price",
                     json={"price_cents": 2000, "tiers": [{"min_quantity": 50, "unit_price_cents": 1700}]})
    assert priced.get_json()["price_cents"] == 2000 and priced.get_json()["tiers"][0]["min_quantity"] == 50
    assert erp.get(f"{erp.base}/{pid}").get_json()["min_price_cents"] == 2000
    counted = erp.post(f"{erp.base}/{pid}/variants/{vid}/stock", json={"stock": 12, "reason": "ERP 同步"})
    assert counted.status_code == 200 and counted.get_json()["stock"] == 12
    again = erp.post(f"{erp.base}/{pid}/variants/{vid}/stock", json={"stock": 12, "reason": "ERP 同步"})
    assert again.get_json()["stock"] == 12
    adjusted = erp.post(f"{erp.base}/{pid}/variants/{vid}/stock", json={"delta": -2, "reason": "损耗"})
    assert adjusted.get_json()["stock"] == 10
    moves = db.session.scalars(sa.select(StockMovement.delta).where(StockMovement.variant_id == vid)
                               .order_by(StockMovement.id)).all()
    assert moves == [5, 7, -2]  # initial, the count (5 -> 12, once), the adjustment
    too_many = erp.post(f"{erp.base}/{pid}/variants/{vid}/stock", json={"delta": -11, "reason": "x"})
    assert too_many.status_code == 409 and too_many.get_json()["error"]["field"] == "delta"


@pytest.mark.parametrize("path, method, body, field", [
    ("", "post", {**NEW, "variants": [{**NEW["variants"][0], "price_cents": -1}]}, "variants.0.price_cents"),
    ("", "post", {**NEW, "variants": [{**NEW["variants"][0], "price_cents": 10**12}]}, "variants.0.price_cents"),
    ("", "post", {**NEW, "variants": [{**NEW["variants"][0], "price_cents": "45"}]}, "variants.0.price_cents"),
    ("", "post", {**NEW, "variants": [{**NEW["variants"][0], "stock": 1.5}]}, "variants.0.stock"),
    ("", "post", {**NEW, "variants": [{**NEW["variants"][0], "unit": "筐子"}]}, "variants.0.unit"),
    ("", "post", {**NEW, "variants": []}, "variants"),
    ("", "post", {**NEW, "title": ""}, "title"),
    ("", "post", {**NEW, "title": "x" * 121}, "title"),
    ("", "post", {**NEW, "category_code": "agri"}, "category_code"),
    ("", "post", {**NEW, "category_code": "no.such"}, "category_code"),
    ("", "post", {**NEW, "origin_code": "999999"}, "origin_code"),
    ("", "post", {**NEW, "certifications": ["iso"]}, "certifications.0"),
    ("", "post", {**NEW, "price": 1}, "price"),
    ("", "post", {**NEW, "variants": [{**NEW["variants"][0],
                                       "tiers": [{"min_quantity": 10, "unit_price_cents": 5000}]}]}, "variants.0"),
    ("", "post", {**NEW, "code": "bad code!"}, "code"),
    ("/{pid}", "patch", {"title": None}, "title"),
    ("/{pid}/variants/{vid}", "patch", {"moq": 0}, "moq"),
    ("/{pid}/variants/{vid}", "patch", {"stock": 5}, "stock"),
    ("/{pid}/variants/{vid}/price", "put", {"price_cents": True}, "price_cents"),
    ("/{pid}/variants/{vid}/price", "put", {}, "price_cents"),
    ("/{pid}/variants/{vid}/stock", "post", {"stock": -1, "reason": "x"}, "stock"),
    ("/{pid}/variants/{vid}/stock", "post", {"stock": 2 * 10**9, "reason": "x"}, "stock"),
    ("/{pid}/variants/{vid}/stock", "post", {"stock": 1}, "reason"),
    ("/{pid}/variants/{vid}/stock", "post", {"stock": 1, "reason": "   "}, "reason"),
    ("/{pid}/variants/{vid}/stock", "post", {"stock": 1, "delta": 1, "reason": "x"}, "stock"),
    ("/{pid}/variants/{vid}/stock", "post", {"delta": 0, "reason": "x"}, "delta"),
    ("/{pid}/variants", "post", {"name": "5斤装", "unit": "袋", "price_cents": 1}, "variants.1"),
])
def test_bad_values_are_400_with_the_field_and_change_nothing(erp, db, path, method, body, field):
    made = erp.post(erp.base, json=NEW).get_json()
    pid, vid = made["id"], made["variants"][0]["id"]
    before = erp.get(f"{erp.base}/{pid}").get_json()
    refused = getattr(erp, method)(erp.base + path.format(pid=pid, vid=vid), json=body)
    assert refused.status_code == 400, refused.get_json()
    error = refused.get_json()["error"]
    assert error["field"] == field and error["message"], error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 1
    after = erp.get(f"{erp.base}/{pid}").get_json()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}


def test_not_json_is_400(erp):
    refused = erp.post(erp.base, data="x", content_type="application/json")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "invalid_json"


def test_another_shops_ids_are_404(erp, make_shop, make_product, db):
    other = make_shop()
    foreign = make_product(the_shop=other)
    mine = erp.post(erp.base, json=NEW).get_json()
    for method, path in (("get", f"/api/v1/shops/{other.id}/products"),
                         ("post", f"/api/v1/shops/{other.id}/products"),
                         ("get", f"{erp.base}/{foreign.id}"),
                         ("patch", f"{erp.base}/{foreign.id}"),
                         ("post", f"{erp.base}/{foreign.id}/publish"),
                         ("post", f"{erp.base}/{mine['id']}/variants/{foreign.variants[0].id}/stock"),
                         ("get", f"{erp.base}/2147483648"),
                         ("get", "/api/v1/shops/999999/products")):
        response = getattr(erp, method)(path, json={"title": "x", "stock": 1, "reason": "x"})
        assert response.status_code == 404, (method, path, response.get_json())
    assert db.session.get(Product, foreign.id).title != "x"


def test_scopes_and_roles(app, shop, owner, make_user, categories, db):
    base = f"/api/v1/shops/{shop.id}/products"
    client = app.test_client()
    _r, read_only = accounts.create_token(owner, "r", ["read"])
    assert client.get(base, headers=bearer(read_only)).status_code == 200
    refused = client.post(base, json=NEW, headers=bearer(read_only))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_scope"
    _r, buyer = accounts.create_token(owner, "b", ["buyer"])
    assert client.get(base, headers=bearer(buyer)).status_code == 403
    stranger = make_user()
    _r, strangers = accounts.create_token(stranger, "s", ["read", "buyer"])
    response = client.get(base, headers=bearer(strangers))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "not_a_merchant"
    # a staff member removed from the shop loses the endpoints, whatever his token says
    staff = make_user()
    db.session.add(ShopMember(user=staff, role=Role.SHOP_STAFF, scope_id=shop.id))
    db.session.commit()
    _r, staff_token = accounts.create_token(staff, "staff", ["merchant"])
    assert client.post(base, json=NEW, headers=bearer(staff_token)).status_code == 201
    from marketplace.shops.staff import remove_staff

    remove_staff(shop, next(m for m in shop.members if m.user_id == staff.id), owner)
    db.session.expire_all()
    gone = client.get(base, headers=bearer(staff_token))
    assert gone.status_code == 403 and gone.get_json()["error"]["code"] == "not_a_merchant"


def test_session_works_without_scopes(client, login, owner, shop, categories):
    login(owner)
    made = client.post(f"/api/v1/shops/{shop.id}/products", json=NEW)
    assert made.status_code == 201


def test_suspended_shop_reads_but_cannot_change_its_products(erp, db, shop):
    pid = erp.post(erp.base, json=NEW).get_json()["id"]
    shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    assert erp.get(f"{erp.base}/{pid}").status_code == 200
    for method, path, body in (("post", erp.base, NEW), ("patch", f"{erp.base}/{pid}", {"title": "y"}),
                               ("post", f"{erp.base}/{pid}/publish", None)):
        refused = getattr(erp, method)(path, json=body)
        assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "shop_suspended"
    assert db.session.get(Product, pid).status == ProductStatus.DRAFT
    shop.status = ShopStatus.PENDING
    db.session.commit()
    refused = erp.post(erp.base, json=NEW)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "shop_not_approved"


def test_search_takes_wildcards_literally_on_the_page_and_in_the_api(erp, client, login, owner):
    erp.post(erp.base, json={**NEW, "title": "辣椒 100%纯"})
    erp.post(erp.base, json={**NEW, "title": "辣椒_特级"})
    for text, total in (("100%", 1), ("%", 1), ("_特", 1), ("_", 1), ("辣椒", 2), ("不存在", 0)):
        assert erp.get(erp.base, query_string={"q": text}).get_json()["total"] == total, text
    login(owner)
    page = client.get("/merchant/products", query_string={"q": "%"}).get_data(as_text=True)
    assert "100%纯" in page and "辣椒_特级" not in page
