"""Browser journey of the investment office: create -> review -> publish -> found by pinyin -> inquiry ->
lead moved to negotiating with a note -> on the dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import login, logout, make_user, screenshot, submit

pytestmark = pytest.mark.e2e

TITLE = "柘城县辣椒酱智能化生产线项目"


def test_project_from_draft_to_negotiating_lead(page: Page, live_server):
    make_user(live_server, "officer@example.com", roles=("officer",), name="招商局张科长")
    make_user(live_server, "reviewer@example.com", roles=("officer", "reviewer"), name="招商局李主任")

    # 1. the officer writes the project and submits it for review
    login(page, "officer@example.com")
    page.goto("/invest/office")
    page.get_by_role("link", name="新建项目").first.click()
    page.fill("#title", TITLE)
    page.fill("#summary", "依托柘城三樱椒基地，建设年产 3 万吨辣椒酱的智能化生产线。")
    page.select_option("#sector", label="农产品加工")
    page.select_option("#region_id", label="柘城县")
    page.fill("#park", "柘城县产业集聚区")
    page.fill("#total_investment", "12000")
    page.fill("#sought", "9000")
    page.select_option("#mode", "joint_venture")
    page.fill("#land_area", "50")
    page.select_option("#land_status", "ready")
    page.fill("#incentives", "标准厂房前三年租金全免")
    page.fill("#contact_name", "王科长")
    page.fill("#contact_phone", "0370-7212345")
    page.check("#contact_private")
    submit(page, "main form.form")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".flash-success")).to_contain_text("项目已保存")
    with page.expect_navigation():
        page.get_by_role("button", name="提交审核").click()
    expect(page.locator("main")).to_contain_text("待审核")
    # the officer may not publish it himself
    expect(page.get_by_role("button", name="审核通过并发布")).to_have_count(0)
    logout(page)

    # 2. the reviewer publishes it from the review queue
    login(page, "reviewer@example.com")
    page.goto("/invest/office/review")
    page.get_by_role("link", name=TITLE).click()
    with page.expect_navigation():
        page.get_by_role("button", name="审核通过并发布").click()
    expect(page.locator("main")).to_contain_text("已发布")
    logout(page)

    # 3. a visitor finds it by pinyin and sends an inquiry
    page.goto("/invest")
    page.fill("#inv-q", "lajiaojiang")
    with page.expect_navigation():
        page.locator("form[role=search] button[type=submit]").last.click()
    expect(page.locator(".result-count")).to_contain_text("共 1 个项目")
    page.locator(".project-card h3 a").first.click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("main")).not_to_contain_text("0370-7212345")  # private contact
    screenshot(page, "investment-project")
    page.fill("#name", "林先生")
    page.fill("#company", "重庆红味食品有限公司")
    page.fill("#phone", "023-68001234")
    page.fill("#amount", "3000")
    page.fill("#message", "我们想在原料产地建第二工厂，请介绍厂房和辣椒收购价格。")
    submit(page, "#inquiry form")
    expect(page.locator(".flash-success")).to_contain_text("咨询已提交")

    # 4. the officer works the lead to negotiating and sees it on the dashboard
    login(page, "officer@example.com")
    page.goto("/invest/office/leads")
    page.get_by_role("link", name="林先生").click()
    page.select_option("#stage", "negotiating")
    page.fill("#note", "林总来电，约下周到园区考察，已进入条款谈判。")
    submit(page, "form[action$='/stage']")
    expect(page.locator("#lead-stage")).to_have_text("在谈")
    expect(page.locator("#activity-log")).to_contain_text("约下周到园区考察")
    page.goto("/invest/office")
    expect(page.locator("[data-stage=negotiating]")).to_have_text("1")
    expect(page.locator("#fig-sought")).to_contain_text("9,000")
    expect(page.locator("svg.chart")).to_be_visible()
    screenshot(page, "investment-dashboard")
    assert re.search(r"/invest/office$", page.url)
