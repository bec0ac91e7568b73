"""Browser journey: a merchant lists a product with two variants, price tiers and a photo; a buyer
finds it by pinyin and opens it."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DEFAULT_PASSWORD, login, make_user, screenshot, submit

pytestmark = pytest.mark.e2e


def _approved_shop(live_server, owner_email: str) -> str:
    from catalog.categories import load_categories
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.regions.models import Region
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType

    make_user(live_server, owner_email, name="赵建国")
    with live_server.app.app_context():
        load_categories()
        owner = db.session.scalar(db.select(User).where(User.email == owner_email))
        county = db.session.scalar(db.select(Region).where(Region.name == "柘城县"))
        shop = Shop(slug="zhecheng-e2e", name="柘城辣椒合作社", shop_type=ShopType.COOPERATIVE,
                    status=ShopStatus.APPROVED, region=county, address="起台镇", phone="0370-7201188",
                    licence_number="93411424MA0000101X")
        shop.members.append(ShopMember(user=owner, role=MemberRole.OWNER))
        db.session.add(shop)
        db.session.commit()
        return str(county.id)


def _photo(tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1200, 900), (176, 30, 30))
    ImageDraw.Draw(img).ellipse((300, 200, 900, 700), fill=(230, 60, 40))
    path = tmp_path / "lajiao.jpg"
    buffer = io.BytesIO()
    img.save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_merchant_lists_a_product_and_a_buyer_finds_it_by_pinyin(live_server, page: Page, tmp_path):
    county_id = _approved_shop(live_server, "lajiao@example.com")
    login(page, "lajiao@example.com", DEFAULT_PASSWORD)

    # the merchant dashboard links to the product pages
    page.goto("/merchant")
    page.get_by_role("link", name="商品管理").click()
    expect(page.get_by_role("heading", name="商品管理")).to_be_visible()
    page.get_by_role("link", name="发布新商品").click()

    page.get_by_label("商品标题").fill("柘城三樱椒 干辣椒 特级")
    page.get_by_label("副标题").fill("中国辣椒之乡 色红油润")
    page.get_by_label("分类").select_option(label="农产品/干货调料")
    page.get_by_label("产地").select_option(value=county_id)
    page.get_by_label("商品属性").fill("品种=三樱椒\n等级=特级")
    page.get_by_label("地理标志产品").check()
    page.get_by_label("商品详情（支持 Markdown）").fill("**晒干**的三樱椒，辣度足。")
    # first variant with two tiers, in the rows the page shows without JavaScript
    page.fill("#v-0-name", "1kg 袋装")
    page.select_option("#v-0-unit", "袋")
    page.fill("#v-0-price", "32.50")
    page.fill("#v-0-stock", "500")
    page.fill("#v-0-moq", "5")
    page.fill("#v-0-t0-qty", "20")
    page.fill("#v-0-t0-price", "30.00")
    page.fill("#v-0-t1-qty", "100")
    page.fill("#v-0-t1-price", "28.00")
    # second variant
    page.fill("#v-1-name", "25kg 编织袋")
    page.select_option("#v-1-unit", "袋")
    page.fill("#v-1-price", "700.00")
    page.fill("#v-1-stock", "40")
    page.fill("#v-1-moq", "2")
    page.fill("#v-1-weight", "25000")
    # the JavaScript editor adds a third row on request (left empty: ignored)
    page.get_by_role("button", name="+ 添加规格").click()
    expect(page.locator("#v-2-name")).to_be_visible()
    submit(page, "main form.product-form")
    expect(page.locator(".flash-success")).to_contain_text("草稿")

    # a photo through the real pipeline
    page.get_by_role("link", name="图片").click()
    page.set_input_files("#photo", str(_photo(tmp_path)))
    submit(page, "main form[enctype='multipart/form-data']")
    expect(page.locator(".photo-list img")).to_have_count(1)

    # publish
    page.get_by_role("link", name="编辑").click()
    with page.expect_navigation():
        page.get_by_role("button", name="上架", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("已上架")
    screenshot(page, "merchant-product-editor")

    # a buyer (not logged in) searches in pinyin and opens the product
    page.context.clear_cookies()
    page.goto("/")
    page.fill("#site-q", "lajiao")
    with page.expect_navigation():
        page.press("#site-q", "Enter")
    result = page.get_by_role("link", name=re.compile("柘城三樱椒"))
    expect(result.first).to_be_visible(timeout=15_000)
    with page.expect_navigation():
        result.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("柘城三樱椒 干辣椒 特级")
    expect(page.locator(".variant")).to_have_count(2)
    tiers = page.locator(".tier-table").first
    expect(tiers).to_contain_text("¥30.00")
    expect(tiers).to_contain_text("≥ 100")
    expect(page.locator("#variant-list, .variants")).to_contain_text("起批 5 袋")
    expect(page.locator(".variants")).to_contain_text("约 ¥28.00/kg")  # 700.00 for 25 kg
    expect(page.locator(".facts")).to_contain_text("三樱椒")
    expect(page.locator(".description strong")).to_have_text("晒干")
    image = page.locator(".gallery-main img")
    expect(image).to_have_attribute("srcset", re.compile(r"-1600\.webp 1600w"))
    page.wait_for_function("() => { const i = document.querySelector('.gallery-main img');"
                           " return i && i.complete && i.naturalWidth > 0; }")  # loaded, not still loading
    screenshot(page, "product-page")

    # phone width: nothing scrolls sideways on the product, category and county pages
    page.set_viewport_size({"width": 390, "height": 800})
    for path in (page.url, "/c/agri", "/county/411424", "/categories"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 390px"
