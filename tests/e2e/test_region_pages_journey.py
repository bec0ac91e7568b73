"""Browser journeys of the region pages (issue 18, item 6), each in Chinese and in English (the
language chosen with the header's button, every text read in it):

- 王庄村's information clerk opens his column from the user menu, writes it and adds a photo; the
  village page shows both. Another village's editor is a 404 to him.
- A visitor walks from the header's regions link to the city page, the county (柘城县), its
  township's village list and the village, and finds its products and the prices of its specialties.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, make_user, open_menu, screenshot, switch_language

pytestmark = pytest.mark.e2e

VILLAGE, NEIGHBOUR = "411424102203", "411424102202"  # 王庄村, 南街村 (起台镇, 柘城县)

TEXT = {
    "zh_CN": {"menu_link": "村级专栏", "save": "保存专栏", "saved": "专栏已保存", "clerk": "信息员：王小梅",
              "edit": "编辑专栏", "village": "王庄村", "regions": "县区特产", "county": "柘城县", "town": "起台镇",
              "trail": "商丘市 › 柘城县 › 起台镇 › 王庄村", "prices": "特产行情", "chili": "朝天椒（三樱椒）"},
    "en": {"menu_link": "Village columns", "save": "Save the column", "saved": "Column saved",
           "clerk": "Information clerk: 王小梅", "edit": "Edit the column", "village": "Wangzhuang Village",
           "regions": "County specialties", "county": "Zhecheng County", "town": "Qitai Town",
           "trail": "Shangqiu › Zhecheng County › Qitai Town › Wangzhuang Village",
           "prices": "Prices of the specialties", "chili": "Facing-heaven chili (Sanying)"},
}


def _clerk(live_server, locale: str) -> None:
    from marketplace.accounts.models import Role, UserRole
    from marketplace.extensions import db
    from marketplace.regions.models import Region

    clerk = make_user(live_server, "clerk@example.com", name="王小梅", locale=locale)
    with live_server.app.app_context():
        village = db.session.scalar(db.select(Region).where(Region.code == VILLAGE))
        db.session.add(UserRole(user_id=clerk, role=Role.VILLAGE_CLERK, scope_type="region", scope_id=village.id))
        db.session.commit()


def _village_goods(live_server) -> None:
    """A shop in 王庄村 with a product from there, and today's price of 朝天椒 at the county's market."""
    from catalog.models import Category, Product, ProductStatus, Variant
    from marketplace.extensions import db
    from marketplace.regions.models import Region
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from tests.marketplace.region_page_helpers import price

    owner = make_user(live_server, "grower@example.com", name="王大椒")
    with live_server.app.app_context():
        village = db.session.scalar(db.select(Region).where(Region.code == VILLAGE))
        category = Category(code="e2e.region", name="干货", path="农产品（地区页测试）")
        shop = Shop(slug="wangzhuang-jiao", name="王庄村椒农王大椒", shop_type=ShopType.FARMER,
                    status=ShopStatus.APPROVED, region=village, address="王庄村东头", phone="0370-7201199",
                    licence_number="92411424MA0000301X")
        shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
        product = Product(shop=shop, category=category, code="WZ-1", title="王庄三樱椒 干椒 5斤装",
                          status=ProductStatus.PUBLISHED, min_price_cents=6800, in_stock=True, origin=village)
        product.variants.append(Variant(name="5斤", unit="袋", price_cents=6800, stock=40))
        db.session.add_all([category, shop, product])
        db.session.commit()
        price("chili-sanying", "朝天椒（三樱椒）", "柘城县辣椒大市场", 2240)
        from prices.models import Commodity, Market

        db.session.scalar(db.select(Commodity).where(Commodity.code == "chili-sanying")).name_en = \
            "Facing-heaven chili (Sanying)"
        db.session.scalar(db.select(Market)).name_en = "Zhecheng County Chili Market"
        db.session.commit()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_village_clerk_writes_his_column_with_a_photo(live_server, page: Page, tmp_path, locale):
    from tests.marketplace.region_page_helpers import image_bytes

    t = TEXT[locale]
    _clerk(live_server, locale)
    photo = tmp_path / "field.jpg"
    photo.write_bytes(image_bytes("JPEG", size=(640, 420), colour=(190, 40, 30)))
    page.goto("/account/login")
    if locale == "en":
        switch_language(page, "en")
    login(page, "clerk@example.com")
    open_menu(page)
    page.get_by_role("link", name=t["menu_link"]).click()
    expect(page).to_have_url(re.compile(rf"/regions/{VILLAGE}/column$"))
    expect(page.locator("h1")).to_contain_text(t["village"])
    page.fill("#specialties", "三樱椒、大蒜")
    page.fill("#text", "王庄村七成耕地种三樱椒，和小麦套种。\n秋天家家户户晒辣椒，欢迎客商来村里看货。")
    page.set_input_files("#photos", str(photo))
    screenshot(page, f"region-column-edit-{locale}")
    page.get_by_role("button", name=t["save"]).click()
    expect(page).to_have_url(re.compile(rf"/regions/{VILLAGE}$"))
    expect(page.locator(".flash")).to_contain_text(t["saved"])
    column = page.locator(".region-column")
    expect(column).to_contain_text("秋天家家户户晒辣椒")
    expect(column).to_contain_text(t["clerk"])
    expect(column.locator(".region-photos img")).to_have_count(1)
    expect(page.locator(".breadcrumbs")).to_contain_text(t["trail"])
    screenshot(page, f"region-village-{locale}")
    # the history says who; a neighbouring village's editor does not exist for him
    page.get_by_role("link", name=t["edit"], exact=True).click()
    expect(page.locator(".column-history tbody tr")).to_have_count(1)
    expect(page.locator(".column-history")).to_contain_text("王小梅")
    response = page.goto(f"/regions/{NEIGHBOUR}/column")
    assert response.status == 404
    page.goto(f"/regions/{NEIGHBOUR}")
    expect(page.get_by_role("link", name=t["edit"], exact=True)).to_have_count(0)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_visitor_walks_from_the_header_to_a_village(live_server, page: Page, locale):
    t = TEXT[locale]
    _village_goods(live_server)
    page.goto("/")
    if locale == "en":
        switch_language(page, "en")
    open_menu(page)
    page.locator("header").get_by_role("link", name=t["regions"]).first.click()
    expect(page).to_have_url(re.compile(r"/regions/$"))
    page.get_by_role("link", name=t["county"]).first.click()
    expect(page).to_have_url(re.compile(r"/regions/411424$"))
    expect(page.locator(".region-specialties")).to_contain_text("三樱椒")
    screenshot(page, f"region-county-{locale}")
    township = page.locator(".township-list > li", has=page.get_by_role("link", name=t["town"], exact=True))
    township.locator("summary").click()
    township.get_by_role("link", name=t["village"]).click()
    expect(page).to_have_url(re.compile(rf"/regions/{VILLAGE}$"))
    expect(page.locator(".breadcrumbs")).to_contain_text(t["trail"])
    expect(page.locator("#region-products")).to_contain_text("王庄三樱椒 干椒 5斤装")
    expect(page.locator("#region-shops")).to_contain_text("王庄村椒农王大椒")
    prices = page.locator("#region-prices")
    expect(prices).to_contain_text(t["prices"])
    expect(prices).to_contain_text("22.40")
    screenshot(page, f"region-village-goods-{locale}", at="#region-shops")
    prices.get_by_role("link", name=t["chili"]).click()
    expect(page).to_have_url(re.compile(r"/prices/chili-sanying"))
