"""Browser journey: a buyer checks out a two-shop cart and pays it by card on localstripe's Stripe.js
stand-in (3-D Secure included), sees both orders paid; a merchant refunds one line. Offline methods,
WeChat Pay and the bank transfer's slip: test_paymethods_journey.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, logout, make_user
from tests.payments.conftest import SECRET_KEY, WHSEC, localstripe  # noqa: F401 - the localstripe fixture

pytestmark = pytest.mark.e2e


def _shops_and_cart(live_server, buyer_email: str) -> dict:
    """Two approved shops with one product each, and the buyer's cart holding both."""
    from catalog import pricing
    from catalog.models import Category, Product, ProductStatus, Variant
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders.models import Cart, CartLine

    owners = {"a": make_user(live_server, "chili-pay@example.com", name="赵建国"),
              "b": make_user(live_server, "pear-pay@example.com", name="钱秀英")}
    buyer = make_user(live_server, buyer_email, name="孙丽")
    out = {}
    with live_server.app.app_context():
        category = Category(code="e2e.pay", name="农产品", path="农产品（支付测试）")
        db.session.add(category)
        cart = Cart(user_id=buyer)
        for key, name, county, title, price, qty in (("a", "柘城辣椒合作社", "柘城县", "柘城三樱椒", 4500, 2),
                                                     ("b", "宁陵酥梨果园", "宁陵县", "宁陵金顶谢花酥梨", 3000, 3)):
            region = db.session.scalar(db.select(Region).where(Region.name == county, Region.level == RegionLevel.COUNTY))
            shop = Shop(slug=f"pay-e2e-{key}", name=name, shop_type=ShopType.COOPERATIVE, status=ShopStatus.APPROVED,
                        region=region, address=f"{county}城关镇", phone="0370-7201188",
                        licence_number="93411424MA0000101X")
            shop.members.append(ShopMember(user_id=owners[key], role=MemberRole.OWNER))
            product = Product(shop=shop, category=category, code=f"PAYE2E-{key}", title=title,
                              status=ProductStatus.PUBLISHED, min_price_cents=price, in_stock=True)
            variant = Variant(name="标准", unit="袋", price_cents=price, stock=50, moq=1, step=1)
            product.variants.append(variant)
            db.session.add_all([shop, product])
            db.session.flush()
            cart.lines.append(CartLine(variant_id=variant.id, quantity=qty, price_seen_cents=pricing.unit_price(variant, qty)))
            out[key] = {"shop_id": shop.id, "name": name, "variant_id": variant.id}
        db.session.add(cart)
        db.session.commit()
    return out


def _checkout(page: Page) -> None:
    page.goto("/checkout")
    with page.expect_navigation():
        page.locator("#place-order").click()
    expect(page.get_by_role("heading", name="订单已提交")).to_be_visible()
    page.get_by_role("link", name="去付款").click()
    expect(page.get_by_role("heading", name="付款", exact=True)).to_be_visible()


def _orders(live_server):
    from marketplace.extensions import db
    from orders.models import Order

    with live_server.app.app_context():
        return {o.shop_id: (o.id, o.status.value, [line.id for line in o.lines]) for o in db.session.scalars(db.select(Order))}


@pytest.fixture
def stripe_live(live_server, localstripe):  # noqa: F811 - the imported fixture
    live_server.app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_PUBLISHABLE_KEY="pk_test_payments",
                                  STRIPE_WEBHOOK_SECRET=WHSEC, STRIPE_API_BASE=localstripe,
                                  STRIPE_JS_URL=f"{localstripe}/js.stripe.com/v3/")
    return live_server


def test_card_payment_on_stripe_js_then_merchant_refunds_a_line(stripe_live, page: Page):
    live_server = stripe_live
    shops = _shops_and_cart(live_server, "card-buyer@example.com")
    login(page, "card-buyer@example.com")
    _checkout(page)
    expect(page.locator(".amount-due")).to_have_text("¥180.00")
    page.locator("#pay-card").click()
    expect(page.get_by_role("heading", name="银行卡支付")).to_be_visible()
    # localstripe's Card Element: plain inputs named by placeholder. A 3-D Secure test card.
    card = page.locator("#card-element")
    expect(card.locator("input")).to_have_count(5)
    card.locator("input[placeholder=number]").fill("4000002760003184")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("34")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("476000")
    page.locator("#pay-button").click()
    # The bank's challenge (the stand-in's modal), then the return page asks Stripe.
    with page.expect_navigation(url=re.compile(r"/return$"), timeout=30_000):
        page.get_by_role("button", name="Complete authentication").click()
    expect(page.locator("#payment-result")).to_have_attribute("data-state", "paid")
    expect(page.locator(".order-cards li .badge")).to_have_text(["已付款", "已付款"])
    orders = _orders(live_server)
    assert {status for _id, status, _lines in orders.values()} == {"paid"}
    logout(page)

    # The pear orchard refunds one box of its order.
    order_id, _status, line_ids = orders[shops["b"]["shop_id"]]
    login(page, "pear-pay@example.com")
    page.goto(f"/merchant/orders/{order_id}/refund")
    expect(page.locator("#refundable")).to_have_text("¥90.00")
    page.fill(f"#qty-{line_ids[0]}", "1")
    page.fill("#reason", "一箱磕碰")
    page.check("#restock")
    with page.expect_navigation():
        page.locator("#refund-submit").click()
    expect(page.locator(".flash-success")).to_have_text("已退款 ¥30.00")
    page.goto(f"/merchant/orders/{order_id}/refund")
    expect(page.locator("#refundable")).to_have_text("¥60.00")
    expect(page.locator(".refund-history li")).to_have_count(1)
    from marketplace.extensions import db
    from payments.ledger import group_sums
    from payments.models import Refund

    with live_server.app.app_context():
        refund = db.session.scalar(db.select(Refund))
        assert refund.status.value == "succeeded" and refund.provider_ref.startswith("re_")
        assert all(v == 0 for v in group_sums().values())
