"""Browser journey: a visitor fills one cart from two shops, signs up at checkout, chooses delivery for
one shop and pickup at the other, places the order; each merchant confirms the offline payment and
sees only his own order, ships it / readies it for pickup; the buyer confirms receipt."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, logout, make_user, pick_region, register, screenshot

pytestmark = pytest.mark.e2e


def _demo_shops(live_server) -> dict:
    """Two approved shops in two counties, each with one product; shop A delivers in 柘城县."""
    from catalog.models import Category, PriceTier, Product, ProductStatus, Variant
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.regions.services import configured_files, load_regions
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders.models import ShopDeliveryRule, ShopDeliveryZone

    owner_a = make_user(live_server, "chili@example.com", name="赵建国")
    owner_b = make_user(live_server, "pear@example.com", name="钱秀英")
    with live_server.app.app_context():
        load_regions(configured_files())

        def county(name):
            return db.session.scalar(db.select(Region).where(Region.name == name, Region.level == RegionLevel.COUNTY,
                                                             Region.code.like("4114%")))

        category = Category(code="e2e.orders", name="农产品", path="农产品（订单测试）")
        db.session.add(category)
        out = {}
        for key, owner, name, county_name, title, unit, price, tiers in (
            ("a", owner_a, "柘城辣椒合作社", "柘城县", "柘城三樱椒", "袋", 4500, ((10, 4000),)),
            ("b", owner_b, "宁陵酥梨果园", "宁陵县", "宁陵金顶谢花酥梨", "箱", 3000, ()),
        ):
            shop = Shop(slug=f"orders-e2e-{key}", name=name, shop_type=ShopType.COOPERATIVE,
                        status=ShopStatus.APPROVED, region=county(county_name), address=f"{county_name}城关镇",
                        phone="0370-7201188", licence_number="93411424MA0000101X")
            shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
            product = Product(shop=shop, category=category, code=f"E2E-{key}", title=title,
                              status=ProductStatus.PUBLISHED, min_price_cents=price, in_stock=True)
            variant = Variant(name="标准", unit=unit, price_cents=price, stock=100, moq=1, step=1)
            for min_q, cents in tiers:
                variant.tiers.append(PriceTier(min_quantity=min_q, unit_price_cents=cents))
            product.variants.append(variant)
            db.session.add_all([shop, product])
            db.session.flush()
            out[key] = {"shop_id": shop.id, "product_id": product.id, "variant_id": variant.id, "name": name,
                        "title": title}
        db.session.add(ShopDeliveryRule(shop_id=out["a"]["shop_id"], pickup_enabled=False,
                                        zones=[ShopDeliveryZone(region=county("柘城县"), fee_cents=500)]))
        db.session.commit()
    return out


def _add_from_product_page(page: Page, item: dict, quantity: int) -> None:
    response = page.goto(f"/p/{item['product_id']}")
    assert response is not None and response.status == 200, f"product page: HTTP {response and response.status}"
    form = page.locator(f"form.add-to-cart:has(input[name=variant_id][value='{item['variant_id']}'])")
    form.locator("input[name=quantity]").fill(str(quantity))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(item["title"])


def _order_numbers(live_server) -> dict[int, str]:
    from marketplace.extensions import db
    from orders.models import Order

    with live_server.app.app_context():
        return {o.shop_id: o.number for o in db.session.scalars(db.select(Order))}


def test_two_shop_checkout_through_fulfilment(live_server, page: Page):
    shops = _demo_shops(live_server)

    # A visitor fills the cart from two shops; the chili tier price applies from 10 bags.
    _add_from_product_page(page, shops["a"], 10)
    _add_from_product_page(page, shops["b"], 2)
    page.goto("/cart")
    expect(page.locator("section.cart-shop")).to_have_count(2)
    expect(page.locator(f"section.cart-shop[data-shop-id='{shops['a']['shop_id']}'] .line-total")).to_have_text(
        "¥400.00")
    expect(page.locator(".cart-total")).to_have_text("¥460.00")
    screenshot(page, "cart")

    # Checkout asks him to sign up; the cart survives registration.
    page.get_by_role("link", name="去结算").click()
    expect(page.get_by_text("请先登录或注册")).to_be_visible()
    register(page, "buyer@example.com", name="孙丽")
    page.goto("/cart")
    expect(page.locator("section.cart-shop")).to_have_count(2)

    # He adds an address from the checkout page and comes back to it.
    page.goto("/checkout")
    page.get_by_role("link", name="新增收货地址").click()
    page.fill("#recipient", "孙丽")
    page.fill("#phone", "13937000000")
    pick_region(page, "河南省", "商丘市", "柘城县")
    page.fill("#street", "长江路 18 号")
    with page.expect_navigation():
        page.get_by_role("button", name="保存地址").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))

    # Delivery for the chili shop (it serves 柘城县), pickup at the pear orchard.
    page.check(f"input[name='fulfilment-{shops['a']['shop_id']}'][value=delivery]")
    page.check(f"input[name='fulfilment-{shops['b']['shop_id']}'][value=pickup]")
    expect(page.locator("#checkout-total")).to_have_text("¥465.00")
    screenshot(page, "checkout")
    with page.expect_navigation():
        page.locator("#place-order").click()
    expect(page.get_by_role("heading", name="订单已提交")).to_be_visible()
    expect(page.locator(".order-cards li")).to_have_count(2)
    numbers = _order_numbers(live_server)
    assert len(numbers) == 2
    # Cash on delivery for the chili shop, pay at pickup at the pear orchard.
    if live_server.has_endpoint("payments.pay_group"):
        page.get_by_role("link", name="去付款").click()
        for form in page.locator("form.offline-choice").all():
            form.locator("input[value=cash]").check()
            with page.expect_navigation():
                form.locator("button[type=submit]").click()
            page.goto(page.url.removesuffix("/offline"))
    logout(page)

    # Each merchant sees only his own order, accepts and fulfils it unpaid, and confirms the money
    # at handover.
    for key, finish in (("a", "ship"), ("b", "ready")):
        own, other = numbers[shops[key]["shop_id"]], numbers[shops["b" if key == "a" else "a"]["shop_id"]]
        login(page, "chili@example.com" if key == "a" else "pear@example.com")
        page.goto("/merchant/orders")
        expect(page.get_by_role("link", name=own)).to_be_visible()
        expect(page.get_by_role("link", name=other)).to_have_count(0)
        page.get_by_role("link", name=own).click()
        with page.expect_navigation():
            page.locator("#accept-order").click()
        if finish == "ship":
            page.fill("#carrier", "顺丰速运")
            page.fill("#tracking_number", "SF1234567890")
            with page.expect_navigation():
                page.locator("#ship-order").click()
            expect(page.locator("h1 .badge")).to_have_text("已发货")
        else:
            with page.expect_navigation():
                page.locator("#ready-order").click()
            expect(page.locator("h1 .badge")).to_have_text("待自提")
            expect(page.locator(".pickup-code")).to_have_text(re.compile(r"^\d{6}$"))
        with page.expect_navigation():
            page.locator("#confirm-payment").click()
        expect(page.locator(".flash-success")).to_have_text("已确认收款")
        logout(page)

    # The buyer follows both orders and confirms receipt of each.
    login(page, "buyer@example.com")
    page.goto("/orders")
    expect(page.locator(".order-cards li")).to_have_count(2)
    for key in ("a", "b"):
        page.goto("/orders")
        page.get_by_role("link", name=shops[key]["name"]).click()
        if key == "a":
            expect(page.locator(".tracking-number")).to_have_text("SF1234567890")
        with page.expect_navigation():
            page.locator("#confirm-receipt").click()
        expect(page.locator("h1 .badge")).to_have_text("已完成")
    screenshot(page, "order-completed")
