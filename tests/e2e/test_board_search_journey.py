"""Browser journey of the 供求信息 board's keyword search, in Chinese and in English: a visitor types
the initials of 朝天椒 with the vegetables filter and finds the request (not the pears, not the
seeds); a word nothing matches says so, in the visitor's language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import make_user, screenshot, switch_language

pytestmark = pytest.mark.e2e


def _post_requests(live_server) -> dict:
    from catalog.categories import find_category, load_categories
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel
    from sourcing import requests as service
    from tests.sourcing.conftest import form

    buyer_id = make_user(live_server, "canteen@example.com", name="李采购")
    with live_server.app.test_request_context():
        load_categories()
        from marketplace.accounts.models import User

        buyer = db.session.get(User, buyer_id)
        county = db.session.scalar(db.select(Region).where(Region.name == "睢阳区", Region.level == RegionLevel.COUNTY))
        veg, fruit, seed = (find_category(p) for p in ("农产品/蔬菜", "农产品/水果", "农资/种子种苗"))
        chili = service.post_request(buyer, form(category=str(veg.id), region=str(county.id)))
        service.post_request(buyer, form(title="宁陵酥梨", spec="一级果", category=str(fruit.id), region=str(county.id)))
        service.post_request(buyer, form(title="朝天椒种子", spec="", category=str(seed.id), region=str(county.id)))
        return {"chili": chili.id, "veg": veg.id}


def test_the_board_finds_a_request_by_its_initials_with_a_filter(live_server, page: Page):
    made = _post_requests(live_server)
    page.goto("/sourcing")
    page.get_by_label("关键词").fill("ctj")
    page.locator("#f-category").select_option(str(made["veg"]))
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    board = page.locator("table.sourcing-board")
    expect(board.get_by_role("link", name="朝天椒", exact=True)).to_be_visible()
    expect(board).not_to_contain_text("宁陵酥梨")
    expect(board).not_to_contain_text("朝天椒种子")
    expect(page.locator("#f-sort option:checked")).to_have_text("最相关")
    screenshot(page, "sourcing-board-search")

    page.get_by_label("关键词").fill("xyzzy")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    expect(page.locator("#board-nothing-found")).to_contain_text("没有找到与“xyzzy”相关的供求信息")

    switch_language(page, "en")
    expect(page.get_by_label("Keywords")).to_have_value("xyzzy")
    expect(page.locator("#board-nothing-found")).to_contain_text("Nothing on the board matches “xyzzy”")
    page.get_by_label("Keywords").fill("朝天椒")
    page.locator("#f-category").select_option("")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    expect(page.locator("table.sourcing-board").get_by_role("link", name="朝天椒", exact=True)).to_be_visible()
    expect(page.locator("#f-sort option:checked")).to_have_text("Best match")
    screenshot(page, "sourcing-board-search-en")
