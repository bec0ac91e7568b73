"""Browser journeys of the trade terms: a weighed line settles 0.3 kg short and the buyer sees the
refund (Chinese); a line weighed over before the cash is collected with it (English, 390 px); a
restaurant orders on monthly terms and pays its statement by WeChat Pay (English, 390 px); a
company buyer requests an invoice and downloads the PDF the shop uploaded (English)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, logout, make_user, screenshot, wechat_trade_no

pytestmark = pytest.mark.e2e

CODE = "91411400MA4000001J"
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >>"
       b" endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def _stall(live_server, owner_email: str, buyer_email: str, *, unit: str, qty: int, price: int, locale: str = "zh_CN",
           shop_name: str = "商丘农产品中心批发市场 老李蔬菜", owner_locale: str = "zh_CN"):
    """A vegetable stall in 梁园区 selling by ``unit``, and the buyer's cart with ``qty`` of it."""
    from catalog import pricing
    from catalog.models import Category, Product, ProductStatus, Variant
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders.models import Cart, CartLine

    owner = make_user(live_server, owner_email, name="李大海", locale=owner_locale)
    buyer = make_user(live_server, buyer_email, name="王芳", locale=locale)
    with live_server.app.app_context():
        region = db.session.scalar(db.select(Region).where(Region.name == "梁园区", Region.level == RegionLevel.COUNTY))
        shop = Shop(slug="laoli-shucai", name=shop_name, shop_type=ShopType.MARKET_STALL, status=ShopStatus.APPROVED,
                    region=region, address="梁园区商丘农产品中心批发市场 B-12", phone="0370-3333333",
                    licence_number="92411402MA0000201X")
        shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
        category = Category(code="e2e.veg", name="蔬菜", path="农产品/蔬菜（条款测试）")
        product = Product(shop=shop, category=category, code="LW-E2E", title="大白菜 精品",
                          status=ProductStatus.PUBLISHED, min_price_cents=price, in_stock=True)
        variant = Variant(name="按斤", unit=unit, price_cents=price, stock=500, moq=1, step=1)
        product.variants.append(variant)
        db.session.add_all([shop, product])
        db.session.flush()
        cart = Cart(user_id=buyer)
        cart.lines.append(CartLine(variant_id=variant.id, quantity=qty, price_seen_cents=pricing.unit_price(variant, qty)))
        db.session.add(cart)
        db.session.commit()
        return {"shop_id": shop.id, "variant_id": variant.id, "buyer_id": buyer}


def _place(page: Page) -> None:
    page.goto("/checkout")
    with page.expect_navigation():
        page.locator("#place-order").click()


def _only_order(live_server):
    from marketplace.extensions import db
    from orders.models import Order

    with live_server.app.app_context():
        order = db.session.scalars(db.select(Order).order_by(Order.id.desc())).first()
        return order.id, [line.id for line in order.lines]


def test_weighed_line_settles_short_and_the_buyer_sees_the_refund(live_server, page: Page):
    ids = _stall(live_server, "laoli@example.com", "canguan@example.com", unit="斤", qty=20, price=150)
    login(page, "canguan@example.com")
    page.goto("/checkout")
    expect(page.locator(f"#weigh-notice-{ids['shop_id']}")).to_contain_text("±5%")
    _place(page)
    expect(page.get_by_role("heading", name="订单已提交")).to_be_visible()
    order_id, (line_id,) = _only_order(live_server)
    page.goto(f"/orders/{order_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="去付款").click()
    with page.expect_navigation():  # paid in cash at the stall, at handover
        page.locator(f".pay-order[data-order-id='{order_id}'] .choose-offline").click()
    logout(page)

    login(page, "laoli@example.com")
    page.goto(f"/merchant/orders/{order_id}")
    with page.expect_navigation():
        page.locator("#accept-order").click()
    with page.expect_navigation():
        page.locator("#confirm-payment").click()  # the cash is handed over
    page.get_by_label("交货时实际重量（斤）").fill("15")  # far outside ±5 %
    with page.expect_navigation():
        page.locator(f"#weigh-{line_id}").click()
    expect(page.locator(".flash-error")).to_contain_text("超出买家接受的误差范围")
    page.get_by_label("交货时实际重量（斤）").fill("19.4")  # 9.7 kg: 0.3 kg short of 10 kg
    with page.expect_navigation():
        page.locator(f"#weigh-{line_id}").click()
    expect(page.locator(".flash-success")).to_contain_text("已退还买家 ¥0.90")
    expect(page.locator(f"#weigh-{line_id}")).to_have_count(0)  # weighed once
    logout(page)

    login(page, "canguan@example.com")
    page.goto(f"/orders/{order_id}")
    result = page.locator(f".weigh-line[data-line='{line_id}'] .weigh-result")
    expect(result).to_contain_text("实际 19.4 斤")
    expect(result).to_contain_text("少 0.6 斤")
    expect(result.locator(".weigh-refund")).to_have_text("已退还 ¥0.90")
    screenshot(page, "terms-weighed-order")


def test_weighed_before_the_cash_the_overage_is_collected_with_it(live_server, page: Page):
    """English: a stall-holder weighs at pickup before taking the cash; the 0.6 斤 over is added to
    what he collects, he confirms it, and the buyer sees what the overage cost."""
    _stall(live_server, "laozhang@example.com", "chaoshi@example.com", unit="斤", qty=20, price=150, locale="en",
           owner_locale="en")
    login(page, "chaoshi@example.com")
    page.goto("/checkout")
    expect(page.locator(".weigh-notice")).to_contain_text("an overage is paid for at the actual weight")
    _place(page)
    order_id, (line_id,) = _only_order(live_server)
    page.goto(f"/payments/group/{_group_of(live_server, order_id)}")
    with page.expect_navigation():  # cash at pickup
        page.locator(f".pay-order[data-order-id='{order_id}'] .choose-offline").click()
    logout(page)

    login(page, "laozhang@example.com")
    page.goto(f"/merchant/orders/{order_id}")
    with page.expect_navigation():
        page.locator("#accept-order").click()
    expect(page.locator(".order-payment .amount-due")).to_have_text("CN¥30.00")
    page.get_by_label("Actual weight at handover (jin)").fill("20.6")
    with page.expect_navigation():
        page.locator(f"#weigh-{line_id}").click()
    expect(page.locator(".flash-success")).to_contain_text("pays CN¥0.90 more")
    expect(page.locator(".order-payment .amount-due")).to_have_text("CN¥30.90")
    screenshot(page, "terms-weighed-over-collect", width=390, height=844)
    with page.expect_navigation():
        page.locator("#confirm-payment").click()
    expect(page.locator(".order-payment .payment-status")).to_have_text("Paid")
    logout(page)

    login(page, "chaoshi@example.com")
    page.goto(f"/orders/{order_id}")
    result = page.locator(f".weigh-line[data-line='{line_id}'] .weigh-result")
    expect(result).to_contain_text("0.6 jin over")
    expect(result.locator(".weigh-charge")).to_have_text("charged CN¥0.90 · paid")


def _group_of(live_server, order_id: int) -> int:
    from marketplace.extensions import db
    from orders.models import Order

    with live_server.app.app_context():
        return db.session.get(Order, order_id).group_id


def test_restaurant_orders_on_monthly_terms_and_pays_its_statement(wechat_live, live_server, page: Page):
    _stall(live_server, "veg-credit@example.com", "kitchen@example.com", unit="kg", qty=30, price=400, locale="en")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "kitchen@example.com")
    page.goto("/account/business")
    page.get_by_label("Company name").fill("商丘市睢阳区王芳家常菜馆")
    page.get_by_label("Unified social credit code (18 characters)").fill("91411400MA4000001K")  # wrong check character
    with page.expect_navigation():
        page.locator("#save-business").click()
    expect(page.locator(".flash-error")).to_contain_text("check character")
    page.get_by_label("Company name").fill("商丘市睢阳区王芳家常菜馆")
    page.get_by_label("Unified social credit code (18 characters)").fill(CODE)
    with page.expect_navigation():
        page.locator("#save-business").click()
    expect(page.locator(".flash-success")).to_contain_text("Company details saved")
    logout(page)

    login(page, "veg-credit@example.com")
    page.goto("/merchant/credit")
    page.locator("#grant-tax-id").fill(CODE)
    page.locator("#grant-limit").fill("100")  # ¥100: the ¥120 order is over it
    page.locator("#grant-term").fill("30")
    with page.expect_navigation():
        page.locator("#grant-credit").click()
    expect(page.locator("#credit-lines")).to_contain_text("商丘市睢阳区王芳家常菜馆")
    logout(page)

    login(page, "kitchen@example.com")
    _place(page)
    page.get_by_role("link", name="Pay now").click()
    expect(page.locator(".credit-option")).to_contain_text("Over the credit limit")
    screenshot(page, "terms-credit-pay-390", width=390, height=844)
    with page.expect_navigation():
        page.locator("#buy-on-credit").click()
    expect(page.locator(".flash-error")).to_contain_text("exceeds the credit")
    logout(page)
    login(page, "veg-credit@example.com")
    page.goto("/merchant/credit")
    page.locator("#grant-tax-id").fill(CODE)
    page.locator("#grant-limit").fill("5000")
    page.locator("#grant-term").fill("30")
    with page.expect_navigation():
        page.locator("#grant-credit").click()
    logout(page)

    login(page, "kitchen@example.com")
    order_id, _lines = _only_order(live_server)
    page.goto(f"/orders/{order_id}")
    page.get_by_role("link", name="Pay now").click()
    with page.expect_navigation():
        page.locator("#buy-on-credit").click()
    expect(page.locator(".flash-success")).to_contain_text("on monthly terms")
    # The month ends: the periodic job issues the statement.
    with live_server.app.app_context():
        from marketplace.db import utcnow
        from payments.credit import issue_and_age

        assert issue_and_age(utcnow() + dt.timedelta(days=32))["issued"] == 1
    page.goto("/account/statements")
    expect(page.locator("#statements")).to_contain_text("¥120.00")
    page.locator("#statements a").first.click()
    expect(page.locator("#statement-status")).to_have_text("Awaiting payment")
    reference = page.locator(".reference-code").inner_text()
    assert re.fullmatch(r"YJ\d{11}", reference)
    screenshot(page, "terms-statement-390", width=390, height=844)
    with page.expect_navigation():  # the restaurant pays the statement by WeChat Pay
        page.locator("#pay-wechat_pay").click()
    expect(page.locator(".amount-due")).to_have_text("CN¥120.00")
    expect(page.locator("img.pay-qr")).to_be_visible()
    wechat_live.pay(wechat_trade_no(live_server), deliver=True)  # scanned and paid; the notification arrives
    expect(page.locator("#payment-result")).to_have_attribute("data-state", "paid", timeout=20_000)
    expect(page.locator("#payment-result")).to_contain_text("the statement is settled")
    page.goto("/account/statements")
    expect(page.locator(".statement-status")).to_have_text("Paid")
    logout(page)

    login(page, "veg-credit@example.com")  # the stall sees it paid, with nothing to confirm
    page.goto("/merchant/credit")
    page.locator("#statements a").first.click()
    expect(page.locator("#statement-status")).to_have_text("已结清")
    expect(page.locator("#confirm-statement")).to_have_count(0)


def test_company_buyer_downloads_its_invoice(live_server, page: Page, tmp_path):
    _stall(live_server, "veg-invoice@example.com", "canteen@example.com", unit="公斤", qty=10, price=500, locale="en")
    login(page, "canteen@example.com")
    _place(page)
    order_id, _lines = _only_order(live_server)
    with live_server.app.app_context():
        from marketplace.accounts.models import User
        from marketplace.extensions import db
        from orders import services
        from orders.models import Order

        order = db.session.get(Order, order_id)
        services.mark_paid(order, db.session.scalar(db.select(User).where(User.email == "veg-invoice@example.com")),
                           "cash")
    page.goto(f"/orders/{order_id}")
    page.locator("#manage-titles").click()
    page.get_by_label("Invoice title (full company name or personal name)").fill("永城市第一高级中学食堂")
    page.get_by_label("Unified social credit code (required for a company, 18 characters)").fill("91411400MA400000")
    with page.expect_navigation():
        page.locator("#save-title").click()
    expect(page.locator(".flash-error")).to_contain_text("unified social credit code is not valid")
    page.get_by_label("Invoice title (full company name or personal name)").fill("永城市第一高级中学食堂")
    page.get_by_label("Unified social credit code (required for a company, 18 characters)").fill(CODE)
    with page.expect_navigation():
        page.locator("#save-title").click()
    expect(page.locator("#title-list")).to_contain_text(CODE)
    page.goto(f"/orders/{order_id}")
    with page.expect_navigation():
        page.locator("#request-invoice-button").click()
    expect(page.locator("#invoice-status")).to_have_text("Requested")
    logout(page)

    login(page, "veg-invoice@example.com")
    page.goto(f"/merchant/orders/{order_id}")
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    page.locator("#invoice-number").fill("26412000000000000077")
    page.locator("#invoice-date").fill(dt.date.today().isoformat())
    page.locator("#invoice-pdf").set_input_files(str(fake))
    with page.expect_navigation():
        page.locator("#upload-invoice").click()
    expect(page.locator(".flash-error")).to_contain_text("不是 PDF 文件")
    real = tmp_path / "fapiao.pdf"
    real.write_bytes(PDF)
    page.locator("#invoice-number").fill("26412000000000000077")
    page.locator("#invoice-date").fill(dt.date.today().isoformat())
    page.locator("#invoice-pdf").set_input_files(str(real))
    with page.expect_navigation():
        page.locator("#upload-invoice").click()
    expect(page.locator("#invoice-status")).to_have_text("已开票")
    logout(page)

    login(page, "canteen@example.com")
    page.goto(f"/orders/{order_id}")
    expect(page.locator(".invoice-number")).to_have_text("26412000000000000077")
    screenshot(page, "terms-invoice")
    with page.expect_download() as download:
        page.locator("#invoice-download").click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == PDF
