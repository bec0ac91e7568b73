"""The HTML pages: cart, checkout, buyer orders, merchant orders, delivery rules, admin."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from catalog.models import Variant
from marketplace.extensions import db
from orders import services
from orders.models import Cart, CartLine, Order, OrderGroup, OrderStatus, ShopDeliveryRule
from tests.orders.conftest import pick

BAD_QUANTITIES = ["-1", "0", "1.5", str(10**12), "abc", "", "1e3", " ", "10000000"]


def cart_lines() -> list[CartLine]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CartLine)))


def test_visitor_adds_to_cart_and_sees_tiers_and_hint(client, make_variant):
    v = make_variant(price=1200, stock=100, tiers=((10, 1100), (50, 1000)))
    r = client.post("/cart/add", data={"variant_id": v.id, "quantity": "8", "next": "/cart"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/cart")
    assert "cart=" in r.headers.get("Set-Cookie", "")
    page = client.get("/cart").get_data(as_text=True)
    assert v.product.title in page and "¥96.00" in page
    assert "再订 2 件（共 10 件），单价降至 ¥11.00" in page
    line = cart_lines()[0]
    client.post(f"/cart/lines/{line.id}", data={"quantity": "10"})
    page = client.get("/cart").get_data(as_text=True)
    assert "¥110.00" in page and "批发价（10 起）" in page
    assert "再订 40 件（共 50 件），单价降至 ¥10.00" in page


@pytest.mark.parametrize("bad", BAD_QUANTITIES)
def test_bad_quantity_on_add_changes_nothing(client, make_variant, bad):
    v = make_variant(stock=100)
    # Sent from the cart page as a browser sends it (with its Referer): a refusal goes back there.
    r = client.post("/cart/add", data={"variant_id": v.id, "quantity": bad, "next": "/cart"},
                    headers={"Referer": "http://localhost/cart"}, follow_redirects=True)
    assert r.status_code == 200 and r.request.path == "/cart"
    assert cart_lines() == []
    page = r.get_data(as_text=True)
    assert "数量" in page  # a message about the quantity


@pytest.mark.parametrize("bad", BAD_QUANTITIES)
def test_bad_quantity_on_update_changes_nothing(client, make_variant, bad):
    v = make_variant(stock=100)
    client.post("/cart/add", data={"variant_id": v.id, "quantity": "3"})
    line = cart_lines()[0]
    client.post(f"/cart/lines/{line.id}", data={"quantity": bad})
    assert cart_lines()[0].quantity == 3


@pytest.mark.parametrize("qty,ok", [(4, False), (5, True), (6, False), (7, True), (9, True), (11, False)])
def test_moq_and_step_boundaries(client, make_variant, qty, ok):
    v = make_variant(stock=9, moq=5, step=2)
    r = client.post("/cart/add", data={"variant_id": v.id, "quantity": str(qty), "next": "/cart"},
                    follow_redirects=True)
    lines = cart_lines()
    assert (len(lines) == 1) is ok
    if not ok:
        text = r.get_data(as_text=True)
        assert ("起批量为 5" in text) or ("递增" in text) or ("库存不足" in text)


def test_adding_twice_sums_and_checks_stock(client, make_variant):
    v = make_variant(stock=5)
    client.post("/cart/add", data={"variant_id": v.id, "quantity": "3"})
    client.post("/cart/add", data={"variant_id": v.id, "quantity": "3"})
    assert cart_lines()[0].quantity == 3
    client.post("/cart/add", data={"variant_id": v.id, "quantity": "2"})
    assert cart_lines()[0].quantity == 5


def test_unknown_or_hidden_variant_is_404(client, make_variant):
    from catalog.models import ProductStatus

    v = make_variant(status=ProductStatus.HIDDEN)
    assert client.post("/cart/add", data={"variant_id": v.id, "quantity": "1"}).status_code == 404
    assert client.post("/cart/add", data={"variant_id": "999999", "quantity": "1"}).status_code == 404
    assert client.post("/cart/add", data={"variant_id": "x", "quantity": "1"}).status_code == 404


def test_foreign_cart_line_is_404(app, client, login, make_user, make_variant, user_cart):
    other = make_user()
    v = make_variant()
    foreign = user_cart(other, [(v, 2)]).lines[0]
    me = make_user()
    login(me)
    assert client.post(f"/cart/lines/{foreign.id}", data={"quantity": "1"}).status_code == 404
    assert client.post(f"/cart/lines/{foreign.id}/remove").status_code == 404
    assert cart_lines()[0].quantity == 2


def test_visitor_cart_merges_at_login(app, client, login, make_user, make_variant, user_cart):
    a, b = make_variant(stock=50), make_variant(stock=50)
    user = make_user()
    user_cart(user, [(a, 2)])
    client.post("/cart/add", data={"variant_id": a.id, "quantity": "5"})
    client.post("/cart/add", data={"variant_id": b.id, "quantity": "1"})
    login(user)
    db.session.expire_all()
    carts = list(db.session.scalars(sa.select(Cart)))
    assert len(carts) == 1 and carts[0].user_id == user.id
    assert sorted((ln.variant_id, ln.quantity) for ln in carts[0].lines) == [(a.id, 5), (b.id, 1)]


def test_tampered_cookie_gives_no_cart(client, make_variant):
    v = make_variant()
    client.post("/cart/add", data={"variant_id": v.id, "quantity": "1"})
    client.set_cookie("cart", "forged.value")
    assert "采购车是空的" in client.get("/cart").get_data(as_text=True)


def test_checkout_page_places_order_and_ignores_tampered_fields(app, client, login, make_user, make_shop,
                                                                make_variant, make_address):
    buyer = make_user()
    shop_a, shop_b = make_shop(), make_shop()
    a = make_variant(shop_a, price=1000, stock=10)
    b = make_variant(shop_b, price=2000, stock=10)
    address = make_address(buyer)
    login(buyer)
    client.post("/cart/add", data={"variant_id": a.id, "quantity": "2"})
    client.post("/cart/add", data={"variant_id": b.id, "quantity": "1"})
    page = client.get("/checkout").get_data(as_text=True)
    assert "idempotency_key" in page and shop_a.name in page and shop_b.name in page
    data = {"idempotency_key": "page-key-00001", "address_id": str(address.id),
            f"fulfilment-{shop_a.id}": "delivery", f"fulfilment-{shop_b.id}": "pickup",
            # tampering: none of these exist as inputs; they must have no effect
            "total_cents": "1", "unit_price_cents": "1", "status": "completed", "shop_id": "999",
            f"fulfilment-{shop_a.id + 1000}": "delivery"}
    r = client.post("/checkout", data=data)
    assert r.status_code == 302 and "/orders/checkout/" in r.headers["Location"]
    group = db.session.scalar(sa.select(OrderGroup))
    assert group.total_cents == 4000
    assert sorted(o.status for o in group.orders) == [OrderStatus.PENDING_PAYMENT] * 2
    # double submit: same key -> same group
    r2 = client.post("/checkout", data=data)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 1
    assert r2.status_code in (302, 200)
    assert "订单已提交" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_checkout_foreign_address_is_404(app, client, login, make_user, make_variant, make_address):
    buyer, other = make_user(), make_user()
    v = make_variant(stock=10)
    foreign = make_address(other)
    login(buyer)
    client.post("/cart/add", data={"variant_id": v.id, "quantity": "2"})
    r = client.post("/checkout", data={"idempotency_key": "page-key-00002", "address_id": str(foreign.id),
                                       f"fulfilment-{v.product.shop_id}": "delivery"})
    assert r.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 0
    assert db.session.get(Variant, v.id).stock == 10


def test_visitor_at_checkout_is_asked_to_sign_in(client, make_variant):
    v = make_variant()
    client.post("/cart/add", data={"variant_id": v.id, "quantity": "1"})
    page = client.get("/checkout").get_data(as_text=True)
    assert "请先登录或注册" in page and "/account/login?next=/checkout" in page


def test_buyer_orders_cancel_and_foreign_order_404(app, client, login, make_user, placed_order):
    buyer, order, variant = placed_order(qty=3, stock=10)
    _other, foreign, _v = placed_order()
    login(buyer)
    assert order.number in client.get("/orders").get_data(as_text=True)
    assert foreign.number not in client.get("/orders").get_data(as_text=True)
    assert client.get(f"/orders/{foreign.id}").status_code == 404
    assert client.post(f"/orders/{foreign.id}/cancel").status_code == 404
    assert client.post(f"/orders/{foreign.id}/confirm").status_code == 404
    r = client.post(f"/orders/{order.id}/confirm", follow_redirects=True)
    assert "不能进行这个操作" in r.get_data(as_text=True)
    client.post(f"/orders/{order.id}/cancel", data={"reason": "买错了"})
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert db.session.get(Variant, variant.id).stock == 10


def test_buyer_cannot_cancel_after_acceptance(app, client, login, placed_order):
    buyer, order, _v = placed_order()
    services.mark_paid(order, None)
    services.accept(order, None)
    login(buyer)
    r = client.post(f"/orders/{order.id}/cancel", follow_redirects=True)
    assert "不能进行这个操作" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.ACCEPTED


def test_merchant_fulfils_pickup_and_delivery(app, client, login, make_user, make_shop, placed_order,
                                              make_address):
    owner = make_user()
    shop = make_shop(owner=owner)
    buyer, order, _v = placed_order(shop=shop)
    login(owner)
    assert order.number in client.get("/merchant/orders").get_data(as_text=True)
    client.post(f"/merchant/orders/{order.id}/paid")
    client.post(f"/merchant/orders/{order.id}/accept")
    r = client.post(f"/merchant/orders/{order.id}/ship", data={"carrier": "顺丰", "tracking_number": "SF1"},
                    follow_redirects=True)
    assert "自提订单不能发货" in r.get_data(as_text=True)
    client.post(f"/merchant/orders/{order.id}/ready", data={"pickup_code": ""})
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.READY_FOR_PICKUP and len(order.pickup_code) == 6
    client.post(f"/merchant/orders/{order.id}/delivered")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.DELIVERED
    assert [h.to_status for h in db.session.get(Order, order.id).history] == [
        OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.READY_FOR_PICKUP,
        OrderStatus.DELIVERED]
    assert "发货单" in client.get(f"/merchant/orders/{order.id}/slip").get_data(as_text=True)


def test_merchant_ship_requires_carrier_and_tracking(app, client, login, make_user, make_shop, make_variant,
                                                     user_cart, place, make_address):
    owner = make_user()
    shop = make_shop(owner=owner)
    buyer = make_user()
    v = make_variant(shop, stock=10)
    group = place(buyer, user_cart(buyer, [(v, 1)]), choices={shop.id: "delivery"}, address=make_address(buyer))
    order = group.orders[0]
    services.mark_paid(group, None)
    services.accept(order, None)
    login(owner)
    r = client.post(f"/merchant/orders/{order.id}/ship", data={"carrier": "", "tracking_number": ""},
                    follow_redirects=True)
    assert "请填写承运方" in r.get_data(as_text=True)
    client.post(f"/merchant/orders/{order.id}/ship", data={"carrier": "顺丰", "tracking_number": "SF123",
                                                           "status": "completed"})
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.SHIPPED and order.tracking_number == "SF123"


def test_merchant_isolation(app, client, login, make_user, make_shop, placed_order):
    owner = make_user()
    make_shop(owner=owner)
    _buyer, foreign, _v = placed_order()  # another shop's order
    login(owner)
    assert foreign.number not in client.get("/merchant/orders").get_data(as_text=True)
    for path in ("", "/slip"):
        assert client.get(f"/merchant/orders/{foreign.id}{path}").status_code == 404
    for action in ("paid", "accept", "ship", "ready", "delivered", "cancel"):
        assert client.post(f"/merchant/orders/{foreign.id}/{action}", data={"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Order, foreign.id).status == OrderStatus.PENDING_PAYMENT
    assert foreign.number not in client.get("/merchant/orders.csv").get_data(as_text=True)


def test_non_merchant_gets_403(app, client, login, make_user):
    login(make_user())
    assert client.get("/merchant/orders").status_code == 403
    assert client.get("/merchant/delivery").status_code == 403
    assert client.get("/admin/orders").status_code == 403


def test_csv_export_neutralises_formulas(app, client, login, make_user, make_shop, make_variant, user_cart, place):
    owner = make_user()
    shop = make_shop(owner=owner)
    buyer = make_user()
    v = make_variant(shop, stock=10, title="=HYPERLINK(\"http://evil\")")
    services.place_order(user_cart(buyer, [(v, 1)]), buyer, choices=None, idempotency_key="csv-key-0001",
                         note="+cmd|' /C calc'!A0")
    login(owner)
    r = client.get("/merchant/orders.csv")
    assert r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][7].startswith("'=") and rows[1][-1].startswith("'+")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_export_names_the_fulfilment_by_its_label(app, client, login, make_user, make_shop, make_variant,
                                                      user_cart, place, make_address):
    owner = make_user()
    shop = make_shop(owner=owner)
    buyer = make_user()
    pickup, delivery = make_variant(shop, stock=10), make_variant(shop, stock=10)
    place(buyer, user_cart(buyer, [(pickup, 1)]), choices={shop.id: "pickup"})
    place(buyer, user_cart(buyer, [(delivery, 1)]), choices={shop.id: "delivery"}, address=make_address(buyer))
    login(owner)
    rows = list(csv.reader(io.StringIO(client.get("/merchant/orders.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][3] == "配送方式"
    assert [row[3] for row in rows[1:]] == ["到店自提", "配送"]
    # times on Shangqiu's clock, the offset in the header; amounts as numbers; 单位 as a unit of measure
    from marketplace.exports import local_time
    from orders.models import Order

    first = db.session.scalars(sa.select(Order).order_by(Order.id)).first()
    assert rows[0][1] == "下单时间 (UTC+08:00)" and rows[1][1] == local_time(first.created_at)
    assert rows[1][1] != first.created_at.strftime("%Y-%m-%d %H:%M")
    owner.locale = "en"
    db.session.commit()
    english = client.get("/merchant/orders.csv").get_data(as_text=True)
    assert "Ordered at (UTC+08:00)" in english and ",Unit," in english and "Organisation" not in english


def test_delivery_settings_saved_and_validated(app, client, login, make_user, make_shop, county):
    owner = make_user()
    shop = make_shop(owner=owner)
    login(owner)
    page = client.get("/merchant/delivery").get_data(as_text=True)
    assert "配送区域" in page and "柘城县" in page  # the default rule's zone: the shop's county
    bad = client.post("/merchant/delivery", data={"delivery_enabled": "y", "new-fee_mode": "flat", "new-fee": "abc",
                                                  "zone_region": pick(county("柘城县"))})
    assert bad.status_code == 200 and db.session.scalar(sa.select(ShopDeliveryRule)) is None
    r = client.post("/merchant/delivery", data={"delivery_enabled": "y", "zone_region": pick(county("宁陵县")),
                                                 "new-fee_mode": "per_unit", "new-fee": "1.50", "new-free_above": "200",
                                                 "pickup_enabled": "y", "pickup_hours": "7:00-18:00"})
    assert r.status_code == 302
    rule = db.session.scalar(sa.select(ShopDeliveryRule))
    assert rule.shop_id == shop.id and rule.pickup_hours == "7:00-18:00"
    [zone] = rule.zones
    assert zone.region_id == county("宁陵县").id and zone.fee_mode.value == "per_unit"
    assert (zone.fee_cents, zone.free_above_cents) == (150, 20000)


def test_admin_sees_all_orders_with_history(app, client, login, make_user, placed_order):
    admin = make_user(roles=("admin",))
    _b, order, _v = placed_order()
    login(admin)
    page = client.get("/admin/orders?status=pending_payment").get_data(as_text=True)
    assert order.number in page
    assert order.number not in client.get("/admin/orders?status=paid").get_data(as_text=True)
    assert order.number in client.get(f"/admin/orders?q={order.number[-8:]}").get_data(as_text=True)
    detail = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "订单记录" in detail and "待付款" in detail
    assert client.get("/admin/orders/999999").status_code == 404


def test_address_book(app, client, login, make_user, county):
    user, other = make_user(), make_user()
    login(user)
    r = client.post("/account/addresses", data={"recipient": "李四", "phone": "13900000000",
                                                "region": pick(county("睢县")), "street": "北关路 1 号"})
    assert r.status_code == 302
    r = client.post("/account/addresses", data={"recipient": "", "phone": "x", "region": "", "street": ""})
    assert r.status_code == 200
    from orders.models import Address

    rows = list(db.session.scalars(sa.select(Address)))
    assert len(rows) == 1 and rows[0].is_default
    foreign = Address(user_id=other.id, recipient="x", phone="1", region_id=county("睢县").id, street="y")
    db.session.add(foreign)
    db.session.commit()
    assert client.post(f"/account/addresses/{foreign.id}/delete").status_code == 404
    assert client.post(f"/account/addresses/{foreign.id}/default").status_code == 404


def test_forms_need_csrf(csrf_app, make_variant):
    client = csrf_app.test_client()
    v = make_variant(stock=10)
    assert client.post("/cart/add", data={"variant_id": v.id, "quantity": "1"}).status_code == 400
    assert cart_lines() == []
    page = client.get(f"/p/{v.product_id}") if "catalog.product" in csrf_app.view_functions else None
    if page is not None and page.status_code == 200 and "csrf_token" in page.get_data(as_text=True):
        import re

        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        r = client.post("/cart/add", data={"variant_id": v.id, "quantity": "1", "csrf_token": token})
        assert r.status_code == 302 and len(cart_lines()) == 1


def test_pages_render_in_english(app, client, login, make_user, make_shop, placed_order, make_variant):
    owner = make_user(locale="en")
    shop = make_shop(owner=owner)
    _buyer, order, _v = placed_order(shop=shop)
    login(owner)
    client.post("/language", data={"locale": "en", "next": "/"})
    client.post("/cart/add", data={"variant_id": make_variant(stock=5).id, "quantity": "1"})
    for path in ("/cart", "/checkout", "/orders", "/account/addresses", "/merchant/orders",
                 f"/merchant/orders/{order.id}", f"/merchant/orders/{order.id}/slip", "/merchant/delivery"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert 'lang="en"' in r.get_data(as_text=True), path

