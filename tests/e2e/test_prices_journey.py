"""Browser journey of market prices (行情), in Chinese and in English: the central market's reporter
enters today's prices (one far from yesterday's, so held), the agriculture officer approves it, and a
visitor finds it on the board and opens the commodity's 90-day chart and its table; every page is
read in the language under test (chosen with the header's button)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, logout, make_user, screenshot, switch_language

pytestmark = pytest.mark.e2e

TEXT = {
    "zh_CN": {"market": "商丘农产品中心批发市场", "submitted": "已提交 2 条价格，其中 1 条偏离前一日较大",
              "held": "待审核", "published": "已发布", "pear": "酥梨", "board": "农产品行情",
              "pear_page": "酥梨 行情"},
    "en": {"market": "Shangqiu Central Agricultural Wholesale Market",
           "submitted": "2 prices submitted; 1 of them are far from the day before", "held": "Pending review",
           "published": "Published", "pear": "Crisp pear", "board": "Farm produce prices",
           "pear_page": "Crisp pear prices"},
}


def _in_language(page: Page, locale: str) -> None:
    """Choose the language with the header's button unless the page is already in it."""
    if page.locator("html").get_attribute("lang") != ("en" if locale == "en" else "zh-CN"):
        switch_language(page, locale)


def _setup(live_server, locale: str) -> dict:
    """The demo's commodities, markets and year of prices; a reporter of the central market; an officer."""
    import sqlalchemy as sa

    from marketplace.accounts.models import Role, UserRole
    from marketplace.extensions import db
    from prices.models import Commodity, Market, PriceObservation
    from prices.seed import seed_demo

    reporter = make_user(live_server, "reporter@example.com", name="周师傅", locale=locale)
    make_user(live_server, "agri@example.com", roles=("agriculture_officer",), name="赵科长", locale=locale)
    with live_server.app.app_context():
        seed_demo()
        db.session.commit()
        market = db.session.scalar(sa.select(Market).where(Market.name == "商丘农产品中心批发市场"))
        db.session.add(UserRole(user_id=reporter, role=Role.MARKET_REPORTER, scope_type="market",
                                scope_id=market.id))
        db.session.commit()
        last = {}
        for code in ("garlic", "pear-su"):
            commodity = db.session.scalar(sa.select(Commodity).where(Commodity.code == code))
            obs = db.session.scalar(sa.select(PriceObservation).where(
                PriceObservation.commodity_id == commodity.id, PriceObservation.market_id == market.id)
                .order_by(PriceObservation.day.desc()).limit(1))
            last[code] = (commodity.id, obs.avg_cents)
        return {"market": market.id, "last": last}


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_reporter_officer_and_visitor(live_server, page: Page, locale):
    t = TEXT[locale]
    ids = _setup(live_server, locale)
    garlic_id, garlic = ids["last"]["garlic"]
    pear_id, pear = ids["last"]["pear-su"]
    near, far = garlic + 10, pear * 2  # garlic within a few percent; the pear doubled: held

    # the reporter enters today's prices: yesterday's are shown beside the inputs
    page.goto("/account/login")
    _in_language(page, locale)
    login(page, "reporter@example.com")
    page.goto("/prices/report")
    _in_language(page, locale)
    expect(page).to_have_url(re.compile(rf"/prices/report/{ids['market']}$"))
    expect(page.locator("h1")).to_contain_text(t["market"])
    expect(page.locator("#row-garlic td.yesterday")).to_contain_text(_yuan(garlic))
    page.fill(f"input[name='avg-{garlic_id}']", _yuan(near))
    page.fill(f"input[name='low-{garlic_id}']", _yuan(near - 50))
    page.fill(f"input[name='high-{garlic_id}']", _yuan(near + 50))
    page.fill(f"input[name='origin-{garlic_id}']", "中牟县")
    page.fill(f"input[name='avg-{pear_id}']", _yuan(far))
    screenshot(page, f"prices-report-{locale}", at="#price-grid")
    with page.expect_navigation():
        page.locator("#submit-prices").click()
    expect(page.locator(".flashes")).to_contain_text(t["submitted"])
    expect(page.locator("#row-pear-su")).to_contain_text(t["held"])
    expect(page.locator("#row-garlic")).to_contain_text(t["published"])
    screenshot(page, f"prices-reported-{locale}", width=1300, at="#price-grid")  # the status column too
    logout(page)

    # the agriculture officer reviews the held price and approves it
    login(page, "agri@example.com")
    page.goto("/prices/review")
    _in_language(page, locale)
    row = page.locator("table.price-review tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(t["pear"])
    expect(row).to_contain_text(_yuan(far))
    screenshot(page, f"prices-review-{locale}")
    with page.expect_navigation():
        row.locator("button[value=approve]").click()
    expect(page.locator("#nothing-held")).to_be_visible()
    logout(page)

    # a visitor reads the board and opens the pear's 90-day chart and table
    page.goto("/prices")
    _in_language(page, locale)
    expect(page.locator("h1")).to_have_text(t["board"])
    central = page.locator("section.price-market").first
    expect(central).to_contain_text(t["market"])
    expect(central.locator("tr", has_text=t["pear"])).to_contain_text(_yuan(far))
    expect(page.locator("#risers")).to_contain_text(t["pear"])
    screenshot(page, f"prices-board-{locale}")
    with page.expect_navigation():
        central.locator("a", has_text=t["pear"]).click()
    with page.expect_navigation():
        page.locator("#window-90").click()
    expect(page.locator("h1")).to_have_text(t["pear_page"])
    expect(page.locator(".chart.chart-drawn svg").first).to_be_visible()
    table = page.locator("details.chart-table")
    table.locator("summary").click()
    expect(table.locator("tbody tr")).to_have_count(90)
    expect(table.locator("tbody tr").last).to_contain_text(_yuan(far))
    screenshot(page, f"prices-commodity-{locale}", height=900)
