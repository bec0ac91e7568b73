"""Browser journeys for delivery zones and addresses at any level (issue 14, items 1 and 2).

- In Chinese, on a 390 px wide phone: a buyer in 起台镇 (柘城县) enters her village address with the
  cascading picker and orders with delivery from a shop whose zone is 起台镇 and one whose zone is
  柘城县; the fees are each zone's.
- In English: a buyer in Hangzhou (Zhejiang) orders from a shop that serves 全国; the township shop
  refuses to deliver to him with a clear message and nothing is ordered.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, pick_region, register, screenshot, switch_language

pytestmark = pytest.mark.e2e


def _shops(live_server) -> dict:
    """Three approved shops with one product each: zones 起台镇 (¥3), 柘城县 (¥5) and 全国 (¥20)."""
    from catalog.models import Category, Product, ProductStatus, Variant
    from marketplace.extensions import db
    from marketplace.regions.models import Region
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders.models import ShopDeliveryRule, ShopDeliveryZone
    from tests.e2e.helpers import make_user

    owners = {key: make_user(live_server, f"zones-{key}@example.com") for key in ("township", "county", "china")}
    with live_server.app.app_context():
        def region(code):
            return db.session.scalar(db.select(Region).where(Region.code == code))

        category = Category(code="e2e.zones", name="农产品", path="农产品（配送区域测试）")
        db.session.add(category)
        out = {}
        for key, name, shop_region, zone, fee, title in (
            ("township", "起台镇辣椒代办点", "411424102", "411424102", 300, "起台鲜辣椒"),
            ("county", "柘城县粮油店", "411424001", "411424", 500, "柘城小磨香油"),
            ("china", "民权葡萄酒厂直营", "411421", "000000", 2000, "民权干红葡萄酒"),
        ):
            owner = owners[key]
            shop = Shop(slug=f"zones-{key}", name=name, shop_type=ShopType.ENTERPRISE, status=ShopStatus.APPROVED,
                        region=region(shop_region), address="人民路 1 号", phone="0370-7201188",
                        licence_number="91411424MA0000101X")
            shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
            product = Product(shop=shop, category=category, code=f"ZONES-{key}", title=title,
                              status=ProductStatus.PUBLISHED, min_price_cents=2000, in_stock=True)
            variant = Variant(name="标准", unit="件", price_cents=2000, stock=50, moq=1, step=1)
            product.variants.append(variant)
            db.session.add_all([shop, product])
            db.session.flush()
            db.session.add(ShopDeliveryRule(shop_id=shop.id, pickup_enabled=True, zones=[
                ShopDeliveryZone(region=region(zone), fee_cents=fee)]))
            out[key] = {"shop_id": shop.id, "product_id": product.id, "variant_id": variant.id}
        db.session.commit()
    return out


def _add(page: Page, item: dict) -> None:
    page.goto(f"/p/{item['product_id']}")
    form = page.locator(f"form.add-to-cart:has(input[name=variant_id][value='{item['variant_id']}'])")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _orders(live_server) -> list[tuple[int, str, int, str]]:
    from marketplace.extensions import db
    from orders.models import Order

    with live_server.app.app_context():
        return [(o.shop_id, o.fulfilment.value, o.fee_cents, o.ship_address or "")
                for o in db.session.scalars(db.select(Order).order_by(Order.id))]


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"


def test_a_village_buyer_orders_from_a_township_and_a_county_shop_on_a_phone(live_server, page: Page):
    shops = _shops(live_server)
    page.set_viewport_size({"width": 390, "height": 844})
    register(page, "beijie@example.com", name="李秀兰")
    _add(page, shops["township"])
    _add(page, shops["county"])

    page.goto("/account/addresses?next=/checkout")
    page.fill("#recipient", "李秀兰")
    page.fill("#phone", "13937001234")
    pick_region(page, "河南省", "商丘市", "柘城县", "起台镇", "北街村")
    expect(page.get_by_label("村（社区）")).to_have_value(
        page.locator("#region-5 option", has_text="北街村").get_attribute("value"))
    page.fill("#street", "北街 16 号")
    _no_sideways_scroll(page)
    screenshot(page, "address-picker-mobile", width=390, height=844)
    with page.expect_navigation():
        page.get_by_role("button", name="保存地址").click()

    page.goto("/checkout")
    expect(page.locator(".address-list")).to_contain_text("河南省 商丘市 柘城县 起台镇 北街村 北街 16 号")
    for key in ("township", "county"):
        page.check(f"input[name='fulfilment-{shops[key]['shop_id']}'][value=delivery]")
    expect(page.locator("#checkout-total")).to_have_text("¥48.00")  # 20 + 20 + 3 + 5
    expect(page.locator(".refusal")).to_have_count(0)
    _no_sideways_scroll(page)
    screenshot(page, "checkout-zones-mobile", width=390, height=844)
    with page.expect_navigation():
        page.locator("#place-order").click()
    expect(page.get_by_role("heading", name="订单已提交")).to_be_visible()
    placed = {shop: (how, fee) for shop, how, fee, _a in _orders(live_server)}
    assert placed == {shops["township"]["shop_id"]: ("delivery", 300), shops["county"]["shop_id"]: ("delivery", 500)}
    assert all("北街村" in address for *_x, address in _orders(live_server))


def test_a_buyer_in_another_province_orders_from_a_shop_serving_all_of_china(live_server, page: Page):
    shops = _shops(live_server)
    register(page, "hangzhou@example.com", name="Chen Jing")
    page.goto("/")
    switch_language(page, "en")
    _add(page, shops["china"])
    _add(page, shops["township"])

    page.goto("/account/addresses?next=/checkout")
    page.fill("#recipient", "Chen Jing")
    page.fill("#phone", "13857103003")
    pick_region(page, "Zhejiang", "Hangzhou", "Xihu District")
    page.fill("#street", "259 Wensan Road")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the address").click()

    # delivery from the township shop is refused, clearly, and nothing is ordered
    page.goto("/checkout")
    page.check(f"input[name='fulfilment-{shops['china']['shop_id']}'][value=delivery]")
    page.check(f"input[name='fulfilment-{shops['township']['shop_id']}'][value=delivery]")
    with page.expect_navigation():
        page.locator("#place-order").click()
    expect(page.locator(".flash-error, .refusal").first).to_contain_text(
        "only delivers to: Qitai Town, Zhecheng County, Shangqiu, Henan; your address is in Xihu District, "
        "Hangzhou, Zhejiang")
    assert _orders(live_server) == []
    screenshot(page, "checkout-refused-en")

    # pickup at the township shop, delivery from the 全国 shop: ordered
    page.check(f"input[name='fulfilment-{shops['china']['shop_id']}'][value=delivery]")
    page.check(f"input[name='fulfilment-{shops['township']['shop_id']}'][value=pickup]")
    expect(page.locator("#checkout-total")).to_have_text(re.compile(r"¥60\.00$"))  # 20 + 20 + 20
    with page.expect_navigation():
        page.locator("#place-order").click()
    expect(page.get_by_role("heading", name="Order placed")).to_be_visible()
    placed = {shop: (how, fee) for shop, how, fee, _a in _orders(live_server)}
    assert placed == {shops["china"]["shop_id"]: ("delivery", 2000), shops["township"]["shop_id"]: ("pickup", 0)}


def test_a_merchant_adds_zones_with_the_picker(live_server, page: Page):
    shops = _shops(live_server)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "zones-township@example.com")
    page.goto("/merchant/delivery")
    expect(page.locator("fieldset.delivery-zone legend")).to_have_text(["河南省商丘市柘城县起台镇"])
    # a county, chosen level by level
    pick_region(page, "河南省", "商丘市", "柘城县", prefix="zone-region")
    page.fill("#new-fee", "5")
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("配送与自提设置已保存")
    # then 全国, from the first select: no level below is offered
    page.locator("#zone-region-1").select_option(label="全国（所有地区）")
    expect(page.locator("#zone-region-2")).to_have_count(0)
    page.select_option("#new-fee_mode", "per_kg")
    page.fill("#new-fee", "2")
    page.fill("#new-free_above", "500")
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("fieldset.delivery-zone legend")).to_have_text(
        ["河南省商丘市柘城县起台镇", "河南省商丘市柘城县", "全国"])
    _no_sideways_scroll(page)
    screenshot(page, "delivery-zones-mobile", width=390, height=844)

    from marketplace.extensions import db
    from orders.models import ShopDeliveryRule

    with live_server.app.app_context():
        rule = db.session.scalar(db.select(ShopDeliveryRule).where(
            ShopDeliveryRule.shop_id == shops["township"]["shop_id"]))
        assert [(z.region.code, z.fee_mode.value, z.fee_cents, z.free_above_cents) for z in rule.zones] == [
            ("411424102", "flat", 300, None), ("411424", "flat", 500, None), ("000000", "per_kg", 200, 50_000)]
