"""Browser journey of supply posts (供应): a pear grower in 宁陵县 posts its September harvest in
Chinese (a photo, the origin down to the township, a price range per 吨); a buyer with an English UI
finds it on the board with the type filter, sees the price per kg, asks about it (the shop sees the
message) and reserves 5 吨 (the shop sees the request, sent to it only)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import licence_png, login, logout, make_user, pick_region, screenshot
from tests.e2e.test_demo_pages import PAGE_RULES_JS, PageProblems

pytestmark = pytest.mark.e2e


def _setup(live_server) -> dict:
    """An approved pear grower in 宁陵县 (its owner in Chinese) and an English-speaking buyer."""
    from catalog.categories import find_category, load_categories
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.regions.services import ancestors
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType

    owner = make_user(live_server, "pears@example.com", name="金顶梨园", locale="zh_CN")
    make_user(live_server, "buyer-en@example.com", name="Chen Buyer", locale="en")
    with live_server.app.app_context():
        load_categories()
        fruit = find_category("农产品/水果")
        county = db.session.scalar(db.select(Region).where(Region.name == "宁陵县", Region.level == RegionLevel.COUNTY))
        town = db.session.scalar(db.select(Region).where(Region.parent_id == county.id, Region.name == "石桥镇"))
        shop = Shop(slug="ningling-pears-e2e", name="宁陵金顶梨园", shop_type=ShopType.FARMER, status=ShopStatus.APPROVED,
                    region=county, address="石桥镇梨花桥村", phone="0370-7777777", licence_number="91411423MA0000401X")
        shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
        db.session.add(shop)
        db.session.commit()
        chain = [r.name for r in ancestors(town) if r.level != RegionLevel.COUNTRY]
        sy = db.session.scalar(db.select(Region).where(Region.name == "睢阳区", Region.level == RegionLevel.COUNTY))
        delivery = [r.localized_name("en") for r in ancestors(sy) if r.level != RegionLevel.COUNTRY]
        return {"category": fruit.id, "origin": chain, "delivery": delivery, "shop": shop.id}


def _click(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def _clean(page: Page) -> None:
    """Every control labelled, every button and link named, every POST form with its CSRF token, and
    nothing wider than a phone."""
    assert page.evaluate(PAGE_RULES_JS) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_shop_posts_supply_and_a_buyer_asks_and_reserves(live_server, page: Page, tmp_path):
    ids = _setup(live_server)
    today = dt.date.today()
    page.set_viewport_size({"width": 390, "height": 900})
    problems = PageProblems(page, str(live_server))

    # the grower posts its harvest, in Chinese, with a photo
    login(page, "pears@example.com")
    page.goto("/merchant/sourcing/supply")
    expect(page.locator("h1")).to_have_text("供应信息")
    _click(page, page.locator("#new-supply"))
    page.get_by_label("分类").select_option(str(ids["category"]))
    page.get_by_label("供应商品").fill("宁陵金顶谢花酥梨")
    page.get_by_label("规格说明").fill("单果 250 g 以上，纸箱装")
    page.get_by_label("供应数量").fill("80")
    page.locator("#unit").select_option("吨")
    page.get_by_label("供应开始日期（采收或出厂）").fill((today + dt.timedelta(days=10)).isoformat())
    page.get_by_label("供应结束日期").fill((today + dt.timedelta(days=60)).isoformat())
    pick_region(page, *ids["origin"])
    page.get_by_label("最低单价（元，可选）").fill("3000")
    page.get_by_label("最高单价（元，可选）").fill("4200")
    page.set_input_files("#photos", str(licence_png(tmp_path, "pears.png", "酥梨")))
    screenshot(page, "supply-post-zh_CN", width=390, height=1400)
    _clean(page)
    _click(page, page.locator("#save-supply"))
    expect(page.locator("#supply-status")).to_have_text("供应中")
    expect(page.locator("#supply-origin")).to_contain_text("石桥镇")
    expect(page.locator("#supply-price-kg")).to_contain_text("3.00")
    page.wait_for_function("() => { const i = document.querySelector('.supply-photos img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    post_id = int(re.search(r"/sourcing/supply/(\d+)$", page.url).group(1))
    screenshot(page, "supply-page-zh_CN", width=390, height=1000)
    _clean(page)
    page.goto("/merchant/sourcing/supply")
    expect(page.locator(f"#supply-{post_id}")).to_contain_text("供应中")
    _clean(page)
    logout(page)

    # the buyer (English) finds it with the type filter
    login(page, "buyer-en@example.com")
    page.goto("/sourcing")
    expect(page.locator("h1")).to_have_text("Sourcing board")
    page.get_by_label("Type").select_option("supply")
    _click(page, page.locator("form.filters button[type=submit]"))
    row = page.locator("tr.board-supply", has_text="宁陵金顶谢花酥梨")
    expect(row).to_contain_text("宁陵金顶梨园")
    expect(page.locator("tr.board-request")).to_have_count(0)
    screenshot(page, "supply-board-en", width=1000, height=700)
    _clean(page)
    _click(page, row.get_by_role("link", name="宁陵金顶谢花酥梨"))
    expect(page.locator("#supply-status")).to_have_text("Available")
    expect(page.locator("#supply-price-kg")).to_contain_text("/ kg")
    screenshot(page, "supply-page-en", width=390, height=1000)

    # asks about it
    _click(page, page.get_by_role("link", name="Ask about it"))
    page.get_by_label("Message", exact=True).fill("Can you deliver 5 t to Suiyang in September?")
    _click(page, page.get_by_role("button", name="Send"))
    expect(page.locator("li.message").last).to_contain_text("deliver 5 t")

    # reserves 5 吨: more than offered is refused first
    page.goto(f"/sourcing/supply/{post_id}")
    _click(page, page.get_by_role("link", name="Reserve"))
    page.get_by_label(re.compile(r"^Quantity to reserve")).fill("90")
    pick_region(page, *ids["delivery"])
    page.locator("#quantity").evaluate("e => e.removeAttribute('max')")
    _click(page, page.locator("#send-reservation"))
    expect(page.locator("#reserve-error")).to_contain_text("at most 80")
    page.get_by_label(re.compile(r"^Quantity to reserve")).fill("5")
    screenshot(page, "supply-reserve-en", width=390, height=1100)
    _clean(page)
    _click(page, page.locator("#send-reservation"))
    expect(page).to_have_url(re.compile(r"/sourcing/\d+$"))
    expect(page.locator("#request-supply")).to_be_visible()
    request_id = int(re.search(r"/sourcing/(\d+)$", page.url).group(1))
    logout(page)

    # the shop sees the message and the reservation among the requests it may answer
    login(page, "pears@example.com")
    page.goto("/merchant/messages")
    expect(page.locator(".inbox-row").first).to_contain_text("deliver 5 t")
    page.goto("/merchant/sourcing")
    expect(page.locator("table.sourcing-matching")).to_contain_text("宁陵金顶谢花酥梨")
    page.goto(f"/sourcing/{request_id}")
    expect(page.locator("#quote-button")).to_be_visible()
    screenshot(page, "supply-reservation-shop-zh_CN", width=390, height=1000)
    # the refused reservation answered 422 on purpose; nothing else may fail (a CSP violation would)
    assert [p for p in problems.take() if not p.startswith("HTTP 422")] == []
