"""Browser journey with production's whole-page cache on: a visitor is served a product page that
another visitor's request put in the cache, and everything on it still works for him — the language
button and "add to cart" (both POST forms with his own CSRF token), the flash message after adding,
his own cart; a price the merchant changes shows on the next load; a signed-in buyer is served
fresh pages with his own header."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from marketplace import create_app
from tests.e2e.conftest import _suite
from tests.e2e.helpers import login, make_user, open_menu

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_app(_schema, tmp_path):
    """As the harness's live_app, with the page cache on (as in production)."""
    suite = _suite()
    app = create_app(suite.make_config(_schema, tmp_path / "live-data", WTF_CSRF_ENABLED=True,
                                       PAGE_CACHE_SECONDS=30))
    from marketplace.regions.services import configured_files, load_regions

    with app.app_context():
        load_regions(configured_files())
    yield app
    suite.empty_tables(app)


def _product(live_server) -> dict:
    from catalog.models import Category, Product, ProductStatus, Variant
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType

    owner = make_user(live_server, "pear-cache@example.com", name="孙果农")
    with live_server.app.app_context():
        county = db.session.scalar(db.select(Region).where(Region.name == "宁陵县", Region.level == RegionLevel.COUNTY))
        category = Category(code="e2e.cache", name="水果", path="水果（缓存测试）")
        shop = Shop(slug="cache-e2e", name="宁陵酥梨果园", shop_type=ShopType.FARMER, status=ShopStatus.APPROVED,
                    region=county, address="宁陵县石桥镇", phone="0370-7201199", licence_number="92411423MA0000202X")
        shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
        product = Product(shop=shop, category=category, code="E2E-CACHE", title="宁陵金顶谢花酥梨",
                          status=ProductStatus.PUBLISHED, min_price_cents=3000, in_stock=True)
        product.variants.append(Variant(name="10斤装", unit="箱", price_cents=3000, stock=100, moq=1, step=1))
        db.session.add_all([category, shop, product])
        db.session.commit()
        return {"product_id": product.id, "variant_id": product.variants[0].id}


def _set_price(live_server, variant_id: int, cents: int) -> None:
    from catalog.models import Product, Variant
    from marketplace.extensions import db

    with live_server.app.app_context():
        variant = db.session.get(Variant, variant_id)
        variant.price_cents = cents
        db.session.get(Product, variant.product_id).min_price_cents = cents
        db.session.commit()


def test_a_cached_product_page_works_for_the_next_visitor(live_server, browser, page: Page):
    ids = _product(live_server)
    url = f"/p/{ids['product_id']}"

    # Somebody else reads the page first: it is rendered and kept.
    other = browser.new_context(base_url=str(live_server), locale="zh-CN")
    first = other.new_page()
    assert first.goto(url).headers["x-page-cache"] == "miss"

    # Our visitor gets the kept page ...
    response = page.goto(url)
    assert response.headers["x-page-cache"] == "hit"
    expect(page.get_by_role("heading", name="宁陵金顶谢花酥梨")).to_be_visible()
    expect(page.locator("main")).to_contain_text("30.00")

    # ... and its form carries his own token: adding to the cart works, with the message shown.
    page.get_by_label(re.compile("数量")).fill("3")
    with page.expect_navigation():
        page.get_by_role("button", name="加入采购车").click()
    expect(page.locator(".flash-success")).to_contain_text("已加入采购车")
    page.goto("/cart")
    expect(page.locator("main")).to_contain_text("宁陵金顶谢花酥梨")
    expect(page.locator("main input[name=quantity]").first).to_have_value("3")

    # The other visitor's cart is his own (empty), though he was served the same page.
    first.goto("/cart")
    expect(first.locator(".empty-cart")).to_be_visible()
    other.close()

    # The header's language button (a POST form from the cached page) works too.
    page.goto(url)
    with page.expect_navigation():
        page.locator("form.lang-switch button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()

    # The merchant changes the price: the next load shows it (the catalogue's version moved on).
    _set_price(live_server, ids["variant_id"], 2650)
    page.goto(url)
    expect(page.locator("main")).to_contain_text("26.50")
    expect(page.locator("main")).not_to_contain_text("30.00")


def test_a_signed_in_buyer_gets_fresh_pages_with_his_own_header(live_server, page: Page):
    ids = _product(live_server)
    url = f"/p/{ids['product_id']}"
    # Only the answer's headers are read here: no need to wait for every image and script to load
    # (under a loaded CI machine the load event once took longer than the navigation timeout).
    assert page.goto(url, wait_until="domcontentloaded").headers["x-page-cache"] == "miss"
    assert page.goto(url, wait_until="domcontentloaded").headers["x-page-cache"] == "hit"
    make_user(live_server, "buyer-cache@example.com", name="李采购")
    login(page, "buyer-cache@example.com")
    response = page.goto(url)
    assert "x-page-cache" not in response.headers
    page.locator("details.nav-menu summary").click()
    expect(page.get_by_role("link", name="李采购")).to_be_visible()


def test_a_signed_in_buyer_reports_from_a_kept_product_page(live_server, browser, page: Page):
    """A signed-in buyer is served the product page's kept blocks around his own header; the report
    form on it is his own (his token; "already reported" once he has), in Chinese and in English, and
    another buyer served the same kept blocks gets the form."""
    ids = _product(live_server)
    url = f"/p/{ids['product_id']}"
    make_user(live_server, "buyer-kept@example.com", name="王采购")
    make_user(live_server, "buyer-kept2@example.com", name="赵采购")
    login(page, "buyer-kept@example.com")
    assert "x-page-cache" not in page.goto(url).headers  # rendered, its blocks kept
    assert page.goto(url).headers["x-page-cache"] == "blocks"
    open_menu(page)
    expect(page.get_by_role("link", name="王采购")).to_be_visible()
    page.get_by_text("举报这个商品").click()
    page.get_by_label("假冒伪劣").check()
    page.get_by_label("补充说明（可不填）").fill("标签和正品不同")
    with page.expect_navigation():
        page.get_by_role("button", name="提交举报").click()
    expect(page.locator(".flash-success")).to_contain_text("举报已提交")
    response = page.goto(url)  # his flash was shown on the page before; now the kept blocks, his part says so
    assert response.headers["x-page-cache"] == "blocks"
    expect(page.locator("#report")).to_contain_text("您已举报过这个商品")
    expect(page.get_by_text("举报这个商品")).to_have_count(0)

    # In English: the page in his language (its own kept blocks), his part in English too.
    with page.expect_navigation():
        page.locator("form.lang-switch button").click()
    page.goto(url)
    expect(page.locator("#report")).to_contain_text("You have already reported this product")

    # Another buyer, the same kept blocks: the form, with his own token.
    other = browser.new_context(base_url=str(live_server), locale="zh-CN")
    second = other.new_page()
    login(second, "buyer-kept2@example.com")
    assert second.goto(url).headers["x-page-cache"] == "blocks"
    expect(second.locator("#report")).not_to_contain_text("您已举报过")
    second.get_by_text("举报这个商品").click()
    second.get_by_label("其他", exact=True).check()
    with second.expect_navigation():
        second.get_by_role("button", name="提交举报").click()
    expect(second.locator("main")).to_contain_text("举报已提交")
    other.close()
