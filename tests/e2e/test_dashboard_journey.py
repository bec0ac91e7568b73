"""Browser journeys of the dashboards: a merchant reads his figures and his sales chart (Chinese, then
English), the same at 390 px on a phone, and the admin reads the market's figures and charts. The
charts are drawn (an SVG with bars), the tables under them hold the same figures, and no page logs
a console error (a CSP violation would be one)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, logout, make_admin, make_user, screenshot, switch_language

pytestmark = pytest.mark.e2e


def _market(live_server) -> dict:
    """A pear co-operative in 宁陵县 with orders over the last days (one refunded in part, one
    cancelled, one unpaid) and a variant running out; another shop's order that must not show."""
    from catalog.categories import find_category, load_categories
    from catalog.models import Product, ProductStatus, Variant
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.figures import Window
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders.models import OrderStatus as S
    from tests.orders.figures_helpers import day_at, refund, sale

    owner = make_user(live_server, "suli@example.com", name="赵社长")
    other_owner = make_user(live_server, "other@example.com", name="钱老板")
    buyer = make_user(live_server, "caigou@example.com", name="孙采购")
    with live_server.app.app_context():
        load_categories()
        fruit = find_category("农产品/水果")

        def shop(slug, name, county, owner_id):
            region = db.session.scalar(db.select(Region).where(Region.name == county, Region.level == RegionLevel.COUNTY))
            row = Shop(slug=slug, name=name, shop_type=ShopType.COOPERATIVE, status=ShopStatus.APPROVED, region=region,
                       address=f"{county}城关镇", phone="0370-5555555", licence_number="93411423MA0000301X",
                       approved_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
            row.members.append(ShopMember(user_id=owner_id, role=MemberRole.OWNER))
            return row

        def product(owner_shop, title, stock, moq, unit="箱"):
            row = Product(shop=owner_shop, category=fruit, code=title, title=title, status=ProductStatus.PUBLISHED,
                          min_price_cents=5000, in_stock=stock >= moq)
            row.variants.append(Variant(name="一级果", unit=unit, price_cents=5000, stock=stock, moq=moq))
            return row

        pears, others = shop("ningling-suli", "宁陵酥梨合作社", "宁陵县", owner), shop("qita", "别家店", "睢县", other_owner)
        pear, gift = product(pears, "宁陵酥梨", 200, 2), product(pears, "酥梨礼盒", 3, 5)
        shoe = product(others, "别家的鞋", 50, 1, unit="双")
        db.session.add_all([pears, others, pear, gift, shoe])
        db.session.commit()
        window, b = Window.last(), db.session.get(User, buyer)
        sale(b, pear.variants[0], at=day_at(window, -1), status=S.PAID, qty=2, unit_price=5000)         # today 100.00
        sale(b, gift.variants[0], at=day_at(window, -1), status=S.ACCEPTED, qty=1, unit_price=5000)     # today 50.00
        sale(b, pear.variants[0], at=day_at(window, -1), status=S.PENDING_PAYMENT, qty=1,
             expires_in=dt.timedelta(days=2))
        sale(b, pear.variants[0], at=day_at(window, -2), status=S.CANCELLED, qty=9, unit_price=5000)
        done = sale(b, pear.variants[0], at=day_at(window, -6), status=S.COMPLETED, qty=8, unit_price=5000)
        refund(done, 5000, units=1)                                                                      # 350.00 net
        sale(b, shoe.variants[0], at=day_at(window, -1), status=S.PAID, qty=1, unit_price=77700)        # not his
        return {"today": window.labels()[-1], "six_days_ago": window.labels()[-6]}


class Problems:
    """Console errors (CSP violations among them) and script errors while the page is open."""

    def __init__(self, page: Page):
        self.items: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.items.append(str(e)))
        page.on("response", lambda r: self.items.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    def _console(self, message) -> None:
        # a failed load is reported with its URL by the response handler (the browser asks for /favicon.ico)
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.items.append(message.text)


def _drawn(page: Page, chart_id: str):
    chart = page.locator(f"#{chart_id} .chart")
    expect(chart).to_have_class(re.compile(r"chart-drawn"))
    expect(chart.locator("svg").first).to_be_visible()
    assert chart.locator("svg path").count() > 5, "no bars or lines in the chart"
    return chart


def _row(page: Page, chart_id: str, label: str):
    figure = page.locator(f"#{chart_id}")
    table = figure.locator("details.chart-table")
    if table.get_attribute("open") is None:  # folded once the chart is drawn: open it as a reader would
        table.locator("summary").click()
    return figure.locator("tbody tr").filter(has=page.locator("th", has_text=label)).locator("td")


def test_merchant_reads_his_figures_and_chart_in_chinese_and_english(live_server, page: Page):
    data = _market(live_server)
    problems = Problems(page)
    login(page, "suli@example.com")
    page.goto("/merchant")
    expect(page.get_by_role("heading", name="销售", exact=True)).to_be_visible()
    tiles = page.locator(".figure-tiles li")
    expect(tiles.filter(has_text="今日订单").locator(".figure-value")).to_have_text("2")
    expect(tiles.filter(has_text="今日销售额").locator(".figure-value")).to_have_text("¥150.00")
    expect(tiles.filter(has_text="近 30 天销售额").locator(".figure-value")).to_have_text("¥500.00")
    expect(page.locator("main")).not_to_contain_text("¥777.00")  # another shop's order
    chart = _drawn(page, "chart-shop-sales")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 30, box["y"] + box["height"] / 2)  # over today's bar
    expect(chart).to_contain_text("¥150.00")  # the tooltip (no inline style: no CSP error below)
    expect(_row(page, "chart-shop-sales", data["today"])).to_have_text(["¥150.00", "2"])
    expect(_row(page, "chart-shop-sales", data["six_days_ago"])).to_have_text(["¥350.00", "1"])
    expect(page.locator("#top-by-revenue tbody tr").first).to_contain_text("宁陵酥梨")
    expect(page.locator("#low-stock")).to_contain_text("酥梨礼盒")
    expect(page.locator("#low-stock")).to_contain_text("缺货")
    screenshot(page, "dashboard-merchant", at="#sales-heading")
    assert problems.items == []

    to_accept = page.get_by_role("link", name="1 待接单", exact=True)  # one paid order waits to be accepted
    with page.expect_navigation():
        to_accept.click()
    expect(page).to_have_url(re.compile(r"/merchant/orders\?status=paid$"))
    expect(page.locator("table.merchant-orders tbody tr")).to_have_count(1)

    page.goto("/merchant")
    switch_language(page, "en")
    expect(page.get_by_role("heading", name="Sales per day, last 30 days")).to_be_visible()
    expect(page.locator(".figure-tiles li").filter(has_text="Sales today").locator(".figure-value")).to_have_text(
        "CN¥150.00")
    chart = _drawn(page, "chart-shop-sales")
    expect(chart).to_have_attribute("aria-label", re.compile(r"^Chart: Sales per day"))
    english_today = page.locator("#chart-shop-sales tbody tr th").last.text_content().strip()
    assert re.match(r"^[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}$", english_today), english_today
    expect(_row(page, "chart-shop-sales", english_today)).to_have_text(["CN¥150.00", "2"])
    expect(page.locator(".action-tiles")).to_contain_text("To accept")
    expect(page.locator("#low-stock")).to_contain_text("Out of stock")
    screenshot(page, "dashboard-merchant-en", at="#sales-heading")
    assert problems.items == []


def test_merchant_reads_his_dashboard_on_a_phone(live_server, page: Page):
    data = _market(live_server)
    problems = Problems(page)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "suli@example.com")
    page.goto("/merchant")
    chart = _drawn(page, "chart-shop-sales")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] >= 200
    svg = chart.locator("svg").first.bounding_box()
    assert svg is not None and svg["width"] <= box["width"] + 1
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the dashboard scrolls sideways by {overflow}px at 390px"
    expect(_row(page, "chart-shop-sales", data["today"])).to_have_text(["¥150.00", "2"])
    screenshot(page, "dashboard-merchant-mobile", width=390, height=844, at="#sales-heading")
    assert problems.items == []


def test_admin_reads_the_market_figures(live_server, page: Page):
    data = _market(live_server)
    make_admin(live_server)
    problems = Problems(page)
    login(page, "admin@example.com")
    page.goto("/admin")
    expect(page.locator("#gmv-definition")).to_contain_text("成交额（GMV）：已付款或已接单")
    expect(page.locator(".figure-tiles li").filter(has_text="近 30 天成交额").locator(".figure-value")).to_have_text(
        "¥1,277.00")
    for chart_id in ("chart-gmv-daily", "chart-orders-daily", "chart-gmv-county", "chart-gmv-category",
                     "chart-growth-daily"):
        _drawn(page, chart_id)
    expect(_row(page, "chart-gmv-county", "宁陵县")).to_have_text(["¥500.00", "3"])
    expect(_row(page, "chart-gmv-county", "睢县")).to_have_text(["¥777.00", "1"])
    expect(_row(page, "chart-gmv-daily", data["today"])).to_have_text(["¥927.00", "3"])
    expect(_row(page, "chart-gmv-category", "水果")).to_have_text(["¥1,277.00", "4"])
    screenshot(page, "dashboard-admin", at="#gmv-heading")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    svg = page.locator("#chart-gmv-county .chart svg").first
    page.wait_for_function("(svg) => svg.getBoundingClientRect().width <= 370", arg=svg.element_handle())
    screenshot(page, "dashboard-admin-mobile", width=390, height=844, at="#chart-gmv-county")
    logout(page)
    assert problems.items == []
