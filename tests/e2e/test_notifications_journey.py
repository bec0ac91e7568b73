"""Browser journey of the notification centre, in Chinese on a desktop and in English at 390 px: a
buyer orders from a stall; its owner sees the bell's count, opens the centre, follows the new-order
notice to the order (it is marked read, the count drops) and turns the new-order e-mails off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, logout, screenshot
from tests.e2e.test_terms_journey import _place, _stall

pytestmark = pytest.mark.e2e

TEXT = {
    "zh_CN": {"bell_one": "消息通知：1 条未读", "bell_none": "消息通知：没有未读", "new": "新订单",
              "settings": "通知设置", "off": "关闭", "saved": "通知设置已保存", "unread": "未读"},
    "en": {"bell_one": "Notifications: 1 unread", "bell_none": "Notifications: none unread", "new": "New order",
           "settings": "Notification settings", "off": "Off", "saved": "Notification settings saved",
           "unread": "Unread"},
}


def _to_locale(page: Page, locale: str) -> None:
    lang = "en" if locale == "en" else "zh-CN"
    if page.locator("html").get_attribute("lang") != lang:
        with page.expect_navigation():
            page.locator(f"header form.lang-switch button[value='{locale}']").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize(("locale", "width"), [("zh_CN", 1000), ("en", 390)])
def test_a_merchant_follows_the_bell_to_a_new_order(live_server, page: Page, locale, width):
    t = TEXT[locale]
    page.set_viewport_size({"width": width, "height": 900})
    owner_email, buyer_email = f"stall-{locale}@example.com", f"canteen-{locale}@example.com"
    _stall(live_server, owner_email, buyer_email, unit="斤", qty=20, price=300, locale=locale, owner_locale=locale)

    login(page, buyer_email)
    _place(page)
    logout(page)

    login(page, owner_email)
    _to_locale(page, locale)
    bell = page.get_by_role("link", name=t["bell_one"])
    expect(bell).to_be_visible()
    expect(bell.locator(".bell-count")).to_have_text("1")
    screenshot(page, f"notifications-bell-{locale}", width=width)
    with page.expect_navigation():
        bell.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    notice = page.locator("li.notice").first
    expect(notice).to_contain_text(t["new"])
    expect(notice).to_contain_text(t["unread"])
    screenshot(page, f"notifications-centre-{locale}", width=width)
    with page.expect_navigation():
        notice.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/merchant/orders/\d+$"))
    expect(page.get_by_role("link", name=t["bell_none"])).to_be_visible()
    expect(page.locator("#notification-bell .bell-count")).to_have_count(0)

    # the notice is read now; the new-order e-mails are turned off in the settings
    page.goto("/notifications")
    expect(page.locator("li.notice.notice-unread")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("link", name=t["settings"]).click()
    select = page.locator("select[name='orders.new:email']")
    select.select_option(label=t["off"])
    screenshot(page, f"notifications-settings-{locale}", width=width)
    with page.expect_navigation():
        page.locator("#save-preferences").click()
    expect(page.locator("body")).to_contain_text(t["saved"])
    expect(page.locator("select[name='orders.new:email']")).to_have_value("off")
    expect(page.locator("select[name='shops.status:email']")).to_be_disabled()
