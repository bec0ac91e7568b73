"""Browser journey of messages, in Chinese on a desktop and in English at 390 px: a buyer opens a
product, contacts the shop with a question and a photo; the merchant sees it unread in the shop's
inbox and replies; the buyer sees the reply, and the unread count, in his own inbox. The header's
messages link shows the number of conversations with unread messages as one arrives, and none
once it is read."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import licence_png, login, logout, make_admin, open_menu, screenshot
from tests.e2e.test_demo_pages import PAGE_RULES_JS
from tests.e2e.test_terms_journey import _stall

pytestmark = pytest.mark.e2e

TEXT = {
    "zh_CN": {"contact": "联系商家", "message": "消息", "images": "图片", "send": "发送", "my": "我的消息",
              "unread": "未读消息：1 条", "none": "没有未读消息", "report": "举报这个会话",
              "fraud": "诈骗或要求平台外付款", "submit_report": "提交举报", "closed": "关闭会话", "resolve": "处理",
              "link_one": "站内消息：1 个会话有未读消息", "link_none": "站内消息：没有未读"},
    "en": {"contact": "Contact the shop", "message": "Message", "images": "Images", "send": "Send",
           "my": "My messages", "unread": "Unread messages: 1", "none": "No unread messages",
           "report": "Report this conversation", "fraud": "Fraud, or asked to pay outside the platform",
           "submit_report": "Send report", "closed": "Conversation closed", "resolve": "Resolve",
           "link_one": "Messages: 1 conversation with unread messages", "link_none": "Messages: nothing unread"},
}


def _product_id(live_server, variant_id: int) -> int:
    from catalog.models import Variant
    from marketplace.extensions import db

    with live_server.app.app_context():
        return db.session.get(Variant, variant_id).product_id


def _click(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def _clean(page: Page) -> None:
    """Every control labelled, every button and link named, every POST form with its CSRF token."""
    assert page.evaluate(PAGE_RULES_JS) == []


@pytest.mark.parametrize(("locale", "width"), [("zh_CN", 1000), ("en", 390)])
def test_a_question_with_a_photo_and_the_shops_reply(live_server, page: Page, tmp_path, locale, width):
    t = TEXT[locale]
    page.set_viewport_size({"width": width, "height": 900})
    ids = _stall(live_server, f"stall-{locale}@example.com", f"chef-{locale}@example.com", unit="斤", qty=1,
                 price=300, locale=locale, owner_locale=locale)
    product_id = _product_id(live_server, ids["variant_id"])

    # the buyer opens the product and contacts the shop: a question and a photo
    login(page, f"chef-{locale}@example.com")
    page.goto(f"/p/{product_id}")
    screenshot(page, f"messages-product-{locale}", width=width, height=900, at="#shop-h")
    _click(page, page.get_by_role("link", name=t["contact"]))
    expect(page.locator(".subject-card")).to_contain_text("大白菜 精品")
    page.get_by_label(t["message"], exact=True).fill("大白菜每天能供 200 斤吗？附上要的规格照片。")
    page.set_input_files("#message-images", str(licence_png(tmp_path, "cabbage.png", "白菜")))
    screenshot(page, f"messages-new-{locale}", width=width, height=900)
    _clean(page)
    _click(page, page.get_by_role("button", name=t["send"]))
    mine = page.locator("li.message").last
    expect(mine).to_contain_text("每天能供 200 斤")
    expect(mine.locator("img")).to_have_count(1)
    # the photo is served (it may still be loading when the page is: wait for it, up to the usual timeout)
    page.wait_for_function("() => { const i = document.querySelector('li.message img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    logout(page)

    # the merchant sees it on the header's messages link, finds it unread in the shop's inbox and replies
    login(page, f"stall-{locale}@example.com")
    page.goto("/")
    link = page.locator("#message-link")
    expect(link).to_have_attribute("aria-label", t["link_one"])
    expect(link.locator(".message-count")).to_have_text("1")
    screenshot(page, f"messages-header-link-{locale}", width=width, height=300)
    _click(page, link)
    expect(page).to_have_url(re.compile(r"/merchant/messages$"))
    expect(page.locator(".inbox-unread")).to_have_text(t["unread"])
    expect(page.locator(".inbox-row").first).to_contain_text("王芳")
    screenshot(page, f"messages-shop-inbox-{locale}", width=width, height=900)
    _clean(page)
    _click(page, page.locator(".inbox-link").first)
    expect(page.locator("li.message").first).to_contain_text("每天能供 200 斤")
    page.get_by_label(t["message"], exact=True).fill("可以，每天早上六点前送到。")
    _click(page, page.get_by_role("button", name=t["send"]))
    expect(page.locator("li.message").last).to_contain_text("六点前送到")
    logout(page)

    # the buyer sees the reply: one unread in his inbox (from the account menu), then none
    login(page, f"chef-{locale}@example.com")
    page.goto("/")
    expect(page.locator("#message-link")).to_have_attribute("aria-label", t["link_one"])
    expect(page.locator("#message-link .message-count")).to_have_text("1")
    open_menu(page)
    _click(page, page.get_by_role("link", name=t["my"]))
    expect(page.locator(".inbox-unread")).to_have_text(t["unread"])
    expect(page.locator(".inbox-row").first).to_contain_text("六点前送到")
    expect(page.locator(".unread-badge")).to_have_text("1")
    _click(page, page.locator(".inbox-link").first)
    expect(page.locator("li.message").last).to_contain_text("六点前送到")
    screenshot(page, f"messages-conversation-{locale}", width=width, height=900, at="#latest")
    _clean(page)
    page.goto("/messages")
    expect(page.locator(".inbox-unread")).to_have_text(t["none"])
    expect(page.locator("#message-link")).to_have_attribute("aria-label", t["link_none"])
    expect(page.locator("#message-link .message-count")).to_have_count(0)  # read: no number, never a raw 0

    # he reports it; the admin then reads it and closes it
    _click(page, page.locator(".inbox-link").first)
    page.get_by_text(t["report"]).click()
    page.get_by_label(t["fraud"]).check()
    page.locator("#report-text").fill("要求加微信私下转账")
    _click(page, page.get_by_role("button", name=t["submit_report"]))
    logout(page)
    make_admin(live_server, f"admin-{locale}@example.com", locale=locale)
    login(page, f"admin-{locale}@example.com")
    page.goto("/admin/messages")
    expect(page.locator("tbody tr").first).to_contain_text("要求加微信私下转账")
    _clean(page)
    page.locator("tbody tr select").first.select_option(label=t["closed"])
    _click(page, page.locator("tbody tr").first.get_by_role("button", name=t["resolve"]))
    expect(page.locator("tbody tr").first).to_contain_text(t["closed"])
    screenshot(page, f"messages-admin-{locale}", width=width, height=900)
    _click(page, page.locator("tbody tr a").first)
    expect(page.locator("li.message").last).to_contain_text("六点前送到")
    expect(page.locator("#message-text")).to_have_count(0)  # the platform reads; it does not write
