"""Browser journey, in Chinese and in English: the admin adds the unit 筐 (on a site whose unit table
lacks it), a merchant lists a product sold by the 筐 from the editor's units grouped by kind, and a
buyer sees its price per 筐, per kg and per 斤 in his language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DEFAULT_PASSWORD, login, logout, make_admin, screenshot, submit, switch_language
from tests.e2e.test_catalog_journey import _approved_shop

pytestmark = pytest.mark.e2e

TEXT = {
    "zh_CN": {"nav": "计量单位", "kind": "包装", "added": "已添加单位：筐", "unit": "筐", "category": "农产品/水果",
              "saved": "草稿", "publish": "上架", "published": "已上架",
              "price": "¥90.00", "per": "（约 ¥6.00/kg，¥3.00/斤）", "moq": "起批 2 筐", "card": "折合 ¥6.00/kg · ¥3.00/斤 起"},
    "en": {"nav": "Units", "kind": "Package", "added": "Unit added: 筐", "unit": "basket", "category": "农产品/水果",
           "saved": "draft", "publish": "Publish", "published": "Published",
           "price": "CN¥90.00", "per": "(about CN¥6.00/kg, CN¥3.00/jin)", "moq": "minimum order 2 basket",
           "card": "from CN¥6.00/kg · CN¥3.00/jin"},
}


def _without_kuang(live_server) -> None:
    """An install from before 筐 was shipped: the unit is not in its table."""
    import sqlalchemy as sa

    from catalog.models import Unit
    from marketplace.extensions import db

    with live_server.app.app_context():
        db.session.execute(sa.delete(Unit).where(Unit.code == "筐"))
        db.session.commit()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_admin_adds_kuang_and_a_merchant_sells_by_it(live_server, page: Page, locale):
    t = TEXT[locale]
    _without_kuang(live_server)
    make_admin(live_server)
    _approved_shop(live_server, "lihua@example.com")

    # the admin adds the unit from the admin area
    login(page, "admin@example.com", DEFAULT_PASSWORD)
    if locale == "en":
        switch_language(page, "en")
    page.goto("/admin")
    page.locator("nav.admin-nav").get_by_role("link", name=t["nav"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t["nav"])
    page.fill("#code", "筐")
    page.fill("#name", "筐")
    page.fill("#name_en", "basket")
    page.select_option("#kind", label=t["kind"])
    page.fill("#aliases", "kuang")
    submit(page, "main form.card")
    expect(page.locator(".flash-success")).to_contain_text(t["added"])
    row = page.locator("tr", has=page.locator("code", has_text=re.compile("^筐$")))
    expect(row).to_contain_text("basket")
    expect(row).to_contain_text(t["kind"])
    screenshot(page, f"admin-units-{locale}")
    logout(page)

    # a merchant lists a pear sold by the basket of 15 kg
    login(page, "lihua@example.com", DEFAULT_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "en" if locale == "en" else "zh-CN")  # the choice stays
    page.goto("/merchant/products/new")
    page.fill("#title", "宁陵金顶谢花酥梨 整筐")
    page.select_option("#category", label=t["category"])
    page.fill("#v-0-name", "整筐 15 公斤")
    unit = page.locator("#v-0-unit")
    expect(unit.locator(f"optgroup[label='{t['kind']}'] option", has_text=t["unit"])).to_have_count(1)
    unit.select_option(label=t["unit"])
    page.fill("#v-0-price", "90.00")
    page.fill("#v-0-stock", "20")
    page.fill("#v-0-moq", "2")
    page.fill("#v-0-weight", "15000")
    submit(page, "main form.product-form")
    expect(page.locator(".flash-success")).to_contain_text(t["saved"])
    expect(page.locator("#v-0-unit")).to_have_value("筐")
    screenshot(page, f"merchant-editor-kuang-{locale}")
    with page.expect_navigation():
        page.get_by_role("button", name=t["publish"], exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(t["published"])
    product_url = page.locator("a[href^='/p/']").first.get_attribute("href")

    # the buyer reads the price per 筐, per kg and per 斤, and the card's cheapest per kg
    page.goto(product_url)
    variant = page.locator(".variant").first
    expect(variant).to_contain_text(f"{t['price']} / {t['unit']}")
    expect(variant).to_contain_text(t["per"])
    expect(variant).to_contain_text(t["moq"])
    screenshot(page, f"product-kuang-{locale}")
    page.goto("/c/agri.fruit")
    expect(page.locator(".product-card", has_text="宁陵金顶谢花酥梨")).to_contain_text(t["card"])
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(product_url)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the product page scrolls sideways by {overflow}px at 390px"
