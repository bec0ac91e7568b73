"""Browser journey of the platform's own transaction prices and the reference price: a visitor opens
garlic's 90-day chart, compares the markets with the platform's price (a series of its own, in the
chart, its table and the latest prices) in Chinese and in English; a product page shows the central
market's reference price and links to the chart; the agriculture officer adds a commodity (a unit
that does not exist refused first)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, make_user, screenshot, switch_language

pytestmark = pytest.mark.e2e


def _setup(live_server) -> dict:
    """The demo's prices, a garlic stall with 60 days of paid orders (one line a gift box without a
    weight: left out), the platform prices computed by the daily job's function."""
    import sqlalchemy as sa

    from catalog.categories import find_category, load_categories
    from catalog.models import Product, ProductStatus, Variant
    from marketplace.extensions import db
    from marketplace.figures import site_zone
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders.models import Fulfilment, Order, OrderGroup, OrderLine, OrderStatus
    from prices.models import Commodity
    from prices.platform import compute_days
    from prices.seed import seed_demo
    from prices.services import local_today

    owner = make_user(live_server, "garlic-stall@example.com", name="李老板")
    buyer = make_user(live_server, "canteen@example.com", name="食堂采购")
    make_user(live_server, "agri@example.com", roles=("agriculture_officer",), name="赵科长")
    with live_server.app.app_context():
        load_categories()
        seed_demo()
        db.session.commit()
        veg = find_category("农产品/蔬菜")
        county = db.session.scalar(sa.select(Region).where(Region.name == "睢阳区", Region.level == RegionLevel.COUNTY))
        shop = Shop(slug="garlic-e2e", name="睢阳大蒜批发", shop_type=ShopType.FARMER, status=ShopStatus.APPROVED,
                    region=county, address="睢阳区农产品批发市场 A-12", phone="0370-3201188",
                    licence_number="92411403MA0000301X")
        shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
        garlic = Product(shop=shop, category=veg, code="E2E-GARLIC", title="睢阳大蒜 精品", status=ProductStatus.PUBLISHED,
                         min_price_cents=380, in_stock=True)
        garlic.variants.append(Variant(name="按斤", unit="斤", price_cents=380, stock=5000, moq=10, step=1))
        garlic.variants.append(Variant(name="整件 约 20kg", unit="件", price_cents=14500, stock=100, moq=1, step=1,
                                       weight_grams=20000))
        gift = Product(shop=shop, category=veg, code="E2E-GIFT", title="大蒜 礼盒", status=ProductStatus.PUBLISHED,
                       min_price_cents=3000, in_stock=True)
        gift.variants.append(Variant(name="礼盒", unit="盒", price_cents=3000, stock=100, moq=1, step=1))
        db.session.add_all([shop, garlic, gift])
        db.session.flush()
        today = local_today()
        for n in range(1, 61):
            day = today - dt.timedelta(days=n)
            moment = dt.datetime.combine(day, dt.time(10), tzinfo=site_zone()).astimezone(dt.UTC)
            group = OrderGroup(buyer_id=buyer, idempotency_key=f"garlic-{n}", expires_at=moment)
            order = Order(group=group, shop_id=shop.id, buyer_id=buyer, number=f"E2EG-{n:04d}", status=OrderStatus.COMPLETED,
                          fulfilment=Fulfilment.PICKUP, subtotal_cents=0, fee_cents=0, total_cents=0,
                          expires_at=moment, paid_at=moment)
            jin = 360 + (n * 7) % 60  # per 斤: ¥7.20-8.40 per kg
            for product, variant, qty, price in ((garlic, garlic.variants[0], 40 + n, jin),
                                                 (garlic, garlic.variants[1], 1 + n % 3, jin * 40 - 300),
                                                 *(((gift, gift.variants[0], 2, 3000),) if n % 10 == 1 else ())):
                order.lines.append(OrderLine(variant_id=variant.id, product_id=product.id, product_title=product.title,
                                             variant_name=variant.name, unit=variant.unit, quantity=qty,
                                             unit_price_cents=price, base_price_cents=price,
                                             line_total_cents=qty * price, weight_grams=variant.weight_grams))
            db.session.add(order)
        db.session.commit()
        compute_days(today - dt.timedelta(days=60), today - dt.timedelta(days=1))
        code = db.session.scalar(sa.select(Commodity.code).where(Commodity.code == "garlic"))
        return {"product": garlic.id, "code": code}


def _click(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def test_a_visitor_compares_markets_and_the_platform_price(live_server, page: Page):
    ids = _setup(live_server)
    errors = []
    page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    # Chinese: the board has the platform's column; garlic's 90-day chart has its own series
    page.goto("/prices")
    central = page.locator("section.price-market").first
    garlic_row = central.locator("tr", has_text="大蒜").first
    expect(garlic_row.locator("td.platform")).to_contain_text("¥")
    screenshot(page, "prices-platform-board-zh_CN", at="section.price-market")
    _click(page, garlic_row.locator("a"))
    _click(page, page.locator("#window-90"))
    expect(page.locator("h1")).to_have_text("大蒜 行情")
    expect(page.locator("#platform-latest")).to_contain_text("平台成交价")
    expect(page.locator("#platform-left-out")).to_contain_text("条订单行的单位无法换算")
    expect(page.locator(".chart.chart-drawn svg").first).to_be_visible()
    expect(page.locator(".chart.chart-drawn")).to_contain_text("平台成交价")  # the chart's legend
    table = page.locator("details.chart-table")
    table.locator("summary").click()
    header = table.locator("thead th")
    expect(header).to_have_count(5)  # the day, three markets, the platform
    expect(header.last).to_have_text("平台成交价")
    expect(table.locator("tbody tr")).to_have_count(90)
    screenshot(page, "prices-platform-chart-zh_CN", height=1000, at="h1")

    # English: the same comparison
    switch_language(page, "en")
    expect(page.locator("h1")).to_have_text("Garlic prices")
    expect(page.locator("#platform-latest")).to_contain_text("Platform transaction price")
    expect(page.locator("#platform-left-out")).to_contain_text("order lines in this period have a unit")
    expect(page.locator(".chart.chart-drawn")).to_contain_text("Platform transaction price")
    screenshot(page, "prices-platform-chart-en", height=1000, at="h1")

    # a product page shows the central market's reference price and links to the chart (English, then Chinese)
    page.goto(f"/p/{ids['product']}")
    block = page.locator("#price-reference")
    expect(block).to_contain_text("Wholesale market reference price")
    expect(block).to_contain_text("Shangqiu Central Agricultural Wholesale Market")
    expect(block.locator(".reference-units li")).to_have_count(2)  # per jin and per 20 kg case
    screenshot(page, "prices-reference-en", at="#price-reference")
    switch_language(page, "zh_CN")
    expect(block).to_contain_text("批发市场参考价")
    expect(block).to_contain_text("/公斤")
    screenshot(page, "prices-reference-zh_CN", at="#price-reference")
    _click(page, block.locator("a").first)
    expect(page.locator("h1")).to_have_text("大蒜 行情")
    assert not errors, errors


def test_the_officer_adds_a_commodity(live_server, page: Page):
    _setup(live_server)
    login(page, "agri@example.com")
    page.goto("/prices/manage/commodities")
    _click(page, page.locator("#new-commodity"))
    page.fill("#f-code", "garlic-sprout")
    page.fill("#f-name", "蒜苗")
    page.fill("#f-name_en", "Garlic shoots")
    page.fill("#f-unit", "坨")
    page.select_option("#f-parent_id", label="蔬菜")
    page.select_option("#f-category_id", label="农产品/蔬菜")
    _click(page, page.locator("#save-commodity"))
    expect(page.locator("#f-unit-error")).to_contain_text("不认识的单位")
    expect(page.locator("#f-unit")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "prices-commodity-form-error-zh_CN", at="h1")
    page.fill("#f-unit", "斤")
    _click(page, page.locator("#save-commodity"))
    expect(page.locator(".flashes")).to_contain_text("已保存品种 蒜苗")
    expect(page.locator("#commodity-garlic-sprout")).to_contain_text("斤")
