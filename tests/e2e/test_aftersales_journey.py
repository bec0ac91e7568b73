"""Browser journeys of after-sales (售后), in Chinese on a desktop and in English at 390 px: the buyer
asks for a partial return with a photo, the shop approves, the buyer sends it back, the shop
receives it into stock and the money is refunded, seen on the order and in the buyer's mail; a
second request is refused, the buyer asks the platform, the admin rules for him."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import licence_png, login, logout, make_admin, screenshot
from tests.e2e.test_terms_journey import _stall

pytestmark = pytest.mark.e2e

TEXT = {
    "zh_CN": {"ask": "申请售后（退款/退货）", "submit": "提交申请", "requested": "待商家处理", "approve": "同意",
              "awaiting": "待买家退货", "returned_btn": "我已退货", "returned": "买家已退货，待商家收货",
              "refunded": "已退款", "refuse": "拒绝", "refused": "商家已拒绝", "dispute": "申请平台介入",
              "disputed": "平台介入中", "rule": "提交裁决", "for_buyer": "支持买家：退款", "in_person": "送回店铺，无运费",
              "return": "退货退款", "refund": "仅退款", "quality": "质量问题", "short": "缺斤少两"},
    "en": {"ask": "Ask for after-sales (refund / return)", "submit": "Send the request", "requested": "Waiting for the shop",
           "approve": "Approve", "awaiting": "Waiting for the buyer to return the goods",
           "returned_btn": "I have sent the goods back", "returned": "Returned by the buyer, waiting for the shop to receive",
           "refunded": "Refunded", "refuse": "Refuse", "refused": "Refused by the shop",
           "dispute": "Ask the platform to step in", "disputed": "Platform arbitrating", "rule": "Record the decision",
           "for_buyer": "For the buyer: refund", "in_person": "Brought back to the shop, no shipping",
           "return": "Return and refund", "refund": "Refund only", "quality": "Quality problem", "short": "Short weight"},
}


def _received_order(live_server, locale: str):
    """A stall's order of 6 boxes of pears (10.00 each), paid in cash, accepted and picked up."""
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from orders import services
    from orders.models import Cart

    ids = _stall(live_server, f"pear-{locale}@example.com", f"hotel-{locale}@example.com", unit="箱", qty=6,
                 price=1000, locale=locale, owner_locale=locale, shop_name="宁陵酥梨合作社 商丘门市")
    with live_server.app.app_context():
        buyer = db.session.get(User, ids["buyer_id"])
        cart = db.session.scalar(db.select(Cart).where(Cart.user_id == buyer.id))
        order = services.place_order(cart, buyer, choices=None, idempotency_key=services.new_idempotency_key()).orders[0]
        owner = order.shop.members[0].user
        services.mark_paid(order, owner, "cash")
        services.accept(order, owner)
        services.ready_for_pickup(order, owner)
        services.mark_delivered(order, owner)
        return order.id, order.lines[0].id, ids["variant_id"]


def _stock(live_server, variant_id: int) -> int:
    from catalog.models import Variant
    from marketplace.extensions import db

    with live_server.app.app_context():
        return db.session.get(Variant, variant_id).stock


def _case(page: Page):
    return page.locator("article.after-sale").first


def _click(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


@pytest.mark.parametrize(("locale", "width"), [("zh_CN", 1000), ("en", 390)])
def test_a_return_then_a_disputed_refund(live_server, page: Page, tmp_path, locale, width):
    t = TEXT[locale]
    page.set_viewport_size({"width": width, "height": 900})
    order_id, line_id, variant_id = _received_order(live_server, locale)
    make_admin(live_server, f"admin-{locale}@example.com", locale=locale)
    assert _stock(live_server, variant_id) == 494

    # the buyer asks to return 2 of 6 boxes, with a photo
    login(page, f"hotel-{locale}@example.com")
    page.goto(f"/orders/{order_id}")
    _click(page, page.get_by_role("link", name=t["ask"]))
    page.get_by_label(t["return"]).check()
    page.locator("#reason").select_option(label=t["quality"])
    page.fill(f"#qty-{line_id}", "2")
    page.fill("#description", "两箱梨磕碰严重")
    page.set_input_files("#photos", str(licence_png(tmp_path, "pears.png", "坏梨")))
    screenshot(page, f"aftersales-ask-{locale}", width=width, height=900)
    _click(page, page.locator("#submit-after-sale"))
    expect(_case(page)).to_contain_text(t["requested"])
    expect(_case(page).locator("img")).to_have_count(1)
    logout(page)

    # the shop approves: brought back to the stall
    login(page, f"pear-{locale}@example.com")
    page.goto(f"/merchant/orders/{order_id}")
    expect(_case(page)).to_contain_text("两箱梨磕碰严重")
    page.get_by_label(t["in_person"]).check()
    _click(page, page.locator("#approve-after-sale"))
    expect(_case(page)).to_contain_text(t["awaiting"])
    logout(page)

    login(page, f"hotel-{locale}@example.com")
    page.goto(f"/orders/{order_id}")
    _click(page, page.get_by_role("button", name=t["returned_btn"]))
    expect(_case(page)).to_contain_text(t["returned"])
    logout(page)

    # the shop receives the boxes into stock, which refunds them
    login(page, f"pear-{locale}@example.com")
    page.goto(f"/merchant/orders/{order_id}")
    expect(page.locator("#receive-return")).to_contain_text("20.00")
    _click(page, page.locator("#receive-return"))
    expect(_case(page)).to_contain_text(t["refunded"])
    assert _stock(live_server, variant_id) == 496
    logout(page)

    # the buyer sees the refund on his order and in his mail
    login(page, f"hotel-{locale}@example.com")
    page.goto(f"/orders/{order_id}")
    expect(page.locator(".order-refund")).to_contain_text("20.00")
    assert "20.00" in _mail(live_server, f"hotel-{locale}@example.com", "order_refunded")

    # a second request: refund only of 1 box, short weight; refused; disputed
    _click(page, page.get_by_role("link", name=t["ask"]))
    page.get_by_label(t["refund"]).check()
    page.locator("#reason").select_option(label=t["short"])
    page.fill(f"#qty-{line_id}", "1")
    _click(page, page.locator("#submit-after-sale"))
    logout(page)
    login(page, f"pear-{locale}@example.com")
    page.goto(f"/merchant/orders/{order_id}")
    page.locator("article.after-sale[data-status=requested] input[name=note]").last.fill("过秤时分量足")
    _click(page, page.locator("#refuse-after-sale"))
    expect(page.locator("article.after-sale").first).to_contain_text(t["refused"])
    logout(page)
    login(page, f"hotel-{locale}@example.com")
    page.goto(f"/orders/{order_id}")
    page.locator("article.after-sale[data-status=refused] textarea[name=note]").fill("到货称重只有 9 斤")
    _click(page, page.get_by_role("button", name=t["dispute"]))
    expect(page.locator("article.after-sale").first).to_contain_text(t["disputed"])
    logout(page)

    # the admin arbitrates from his list
    login(page, f"admin-{locale}@example.com")
    page.goto("/admin/after-sales")
    row = page.locator("tr[data-status=disputed]")
    expect(row).to_have_count(1)
    _click(page, row.get_by_role("link"))
    expect(page).to_have_url(re.compile(rf"/admin/orders/{order_id}"))
    form = page.locator("form.ruling-form")
    form.get_by_label(t["for_buyer"]).check()
    form.locator("textarea[name=note]").fill("买家提供了称重照片")
    screenshot(page, f"aftersales-rule-{locale}", width=width, height=900)
    _click(page, form.get_by_role("button", name=t["rule"]))
    expect(page.locator("article.after-sale").first).to_contain_text(t["refunded"])
    expect(page.locator("article.after-sale .ruling-note").first).to_contain_text("买家提供了称重照片")


def _mail(live_server, to: str, template: str) -> str:
    from marketplace.extensions import db
    from marketplace.mail.models import OutboxMessage

    with live_server.app.app_context():
        mail = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_addr == to.lower(),
                                                                OutboxMessage.template == template)
                                  .order_by(OutboxMessage.id.desc())).first()
        return f"{mail.subject}\n{mail.body_text}" if mail else ""
