"""Browser journey of reviews: a buyer (Chinese, on a 390 px phone) reviews a delivered line with a
photo from his order page, the shop (English) replies from its reviews page, and the product page
shows the review, the reply and the averages; no console error (CSP included) on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import licence_png, login, logout, screenshot
from tests.e2e.test_aftersales_journey import _received_order

#: The after-sales journey's people: the stall's owner and the hotel that bought from it.
OWNER, BUYER = "pear-zh_cn@example.com", "hotel-zh_cn@example.com"  # addresses are kept lower-case

pytestmark = pytest.mark.e2e


def _delivered_order(live_server):
    """The after-sales journey's stall order of 6 boxes of pears, paid in cash and picked up, with the
    stall's owner reading in English: (order id, line id, product id)."""
    from catalog.models import Variant
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    order_id, line_id, variant_id = _received_order(live_server, "zh_CN")
    with live_server.app.app_context():
        db.session.scalar(db.select(User).where(User.email == OWNER)).locale = "en"
        product_id = db.session.get(Variant, variant_id).product_id
        db.session.commit()
    return order_id, line_id, product_id


def _click(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def test_a_buyer_reviews_with_a_photo_the_shop_replies_the_product_page_shows_both(live_server, page: Page,
                                                                                    tmp_path):
    errors = []
    # a failed load is reported with its URL by the response handler (the browser asks for /favicon.ico)
    page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.set_viewport_size({"width": 390, "height": 844})
    order_id, line_id, product_id = _delivered_order(live_server)

    # the buyer, on his phone, in Chinese: the 评价 button on his order's line
    login(page, BUYER)
    page.goto(f"/orders/{order_id}")
    button = page.locator("a.review-line")
    expect(button).to_have_count(1)
    expect(button).to_have_text("评价")
    _click(page, button)
    expect(page.locator("h1")).to_have_text("评价商品")
    page.get_by_label("5 星").first.check()  # 品质新鲜度
    page.locator("#weight-4").check()
    page.locator("#delivery-5").check()
    page.fill("#text", "白菜很新鲜，足斤足两，送得也快")
    page.set_input_files("#photos", str(licence_png(tmp_path, "baicai.png", "白菜")))
    screenshot(page, "reviews-form-zh-390", width=390, height=844, at="h1")
    _click(page, page.locator("#submit-review"))
    review = page.locator("article.review").first
    expect(review).to_contain_text("白菜很新鲜")
    expect(review.locator(".review-photos img")).to_have_count(1)
    page.goto(f"/orders/{order_id}")
    expect(page.locator("a.review-line")).to_have_count(0)
    expect(page.locator("a.review-done")).to_have_text("已评价")
    logout(page)

    # the shop, in English, replies from its reviews page
    page.set_viewport_size({"width": 1000, "height": 800})
    login(page, OWNER)
    page.goto("/merchant/reviews")
    expect(page.locator("h1")).to_have_text("Reviews")
    item = page.locator("article.review").first
    expect(item).to_contain_text("Quality and freshness 5")
    item.locator("textarea[name=reply]").fill("Thank you! 欢迎再来")
    screenshot(page, "reviews-merchant-en", width=1000, height=800)
    _click(page, item.get_by_role("button", name="Post reply"))
    expect(page.locator(".flash")).to_contain_text("Reply published")
    expect(page.locator("article.review .review-reply").first).to_contain_text("Thank you! 欢迎再来")
    page.goto(f"/p/{product_id}")
    expect(page.locator(".reviews-block")).to_contain_text("Buyer reviews")
    logout(page)

    # anyone (the buyer again, in Chinese, on the phone) sees the review, the reply and the average
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, BUYER)
    page.goto(f"/p/{product_id}")
    block = page.locator(".reviews-block")
    expect(block.locator(".review-average")).to_have_text("4.7")
    expect(block.locator(".review-count")).to_have_text("1 条评价")
    expect(block.locator(".review-dimensions")).to_contain_text("重量准确")
    expect(block.locator("article.review")).to_contain_text("白菜很新鲜")
    expect(block.locator(".review-reply")).to_contain_text("Thank you! 欢迎再来")
    expect(block.locator(".review-photos img")).to_have_count(1)
    page.wait_for_function("() => [...document.querySelectorAll('.review-photos img')].every(i => i.complete && i.naturalWidth > 0)")
    screenshot(page, "reviews-product-zh-390", width=390, height=844, at="#reviews")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow
    assert not errors, errors
