"""Browser journey, payment methods as they work in China: a buyer on a 390 px phone (Chinese) orders
from three shops and pays each its own way — 到店自提付款 for one, 对公转账 with a remittance slip for
another, WeChat Pay (the QR page from code_url; the signed notification arrives from the local
WeChat Pay fake and the page shows paid) for the third. The merchants (in English) accept and hand
over unpaid, confirm the money, confirm the transfer after viewing the slip, accept the paid order.
Inside WeChat's browser (its user agent, its bridge stubbed) WeChat Pay is paid in place: JSAPI."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, logout, screenshot, shorter_timeouts, switch_language, wechat_trade_no
from tests.e2e.test_payments_journey import _checkout, _orders, _shops_and_cart

pytestmark = pytest.mark.e2e


def _third_shop(live_server, shops: dict) -> None:
    """A third shop (虞城 steel tape measures) in the same cart, taking bank transfers."""
    from catalog import pricing
    from catalog.models import Category, Product, ProductStatus, Variant
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders.models import Cart
    from payments.models import ShopPaymentSettings
    from tests.e2e.helpers import make_user

    owner = make_user(live_server, "tape-pay@example.com", name="周明")
    with live_server.app.app_context():
        region = db.session.scalar(db.select(Region).where(Region.name == "虞城县", Region.level == RegionLevel.COUNTY))
        shop = Shop(slug="pay-e2e-c", name="虞城钢卷尺厂", shop_type=ShopType.ENTERPRISE, status=ShopStatus.APPROVED,
                    region=region, address="虞城县稍岗镇", phone="0370-4101188", licence_number="91411425MA0000303X")
        shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
        category = db.session.scalar(db.select(Category).where(Category.code == "e2e.pay"))
        product = Product(shop=shop, category=category, code="PAYE2E-c", title="虞城5米钢卷尺", status=ProductStatus.PUBLISHED,
                          min_price_cents=1200, in_stock=True)
        variant = Variant(name="5米", unit="把", price_cents=1200, stock=100, moq=1, step=1)
        product.variants.append(variant)
        db.session.add_all([shop, product])
        db.session.flush()
        db.session.add(ShopPaymentSettings(shop_id=shop.id, accepts_bank_transfer=True, bank_name="中国工商银行虞城县支行",
                                           account_name="虞城钢卷尺厂", account_number="6222020000045600002"))
        cart = db.session.scalar(db.select(Cart))
        from orders.models import CartLine

        cart.lines.append(CartLine(variant_id=variant.id, quantity=10, price_seen_cents=pricing.unit_price(variant, 10)))
        db.session.commit()
        shops["c"] = {"shop_id": shop.id, "name": shop.name, "variant_id": variant.id}


def test_pay_each_shop_its_own_way_then_merchants_confirm(wechat_live, live_server, page: Page, tmp_path):
    shops = _shops_and_cart(live_server, "many-ways@example.com")
    _third_shop(live_server, shops)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "many-ways@example.com")
    _checkout(page)
    orders = _orders(live_server)
    a, b, c = (orders[shops[k]["shop_id"]][0] for k in ("a", "b", "c"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone

    # 柘城: pay at pickup.
    page.check(f"#method-{a}-cash")
    with page.expect_navigation():
        page.locator(f".pay-order[data-order-id='{a}'] .choose-offline").click()
    expect(page.locator(".offline-payment[data-method='cash']")).to_contain_text("到店自提时向商家付款")
    # 虞城: transfer to the shop's account with the reference code, then the slip (a PDF is refused if not one).
    page.goto(page.url.replace("/offline", ""))
    page.check(f"#method-{c}-bank_transfer")
    with page.expect_navigation():
        page.locator(f".pay-order[data-order-id='{c}'] .choose-offline").click()
    transfer = page.locator(".offline-payment[data-method='bank_transfer']")
    expect(transfer.locator(".account-number")).to_have_text("6222020000045600002")
    expect(transfer.locator(".reference-code")).to_have_text(re.compile(r"^\w{8,}$"))
    bad = tmp_path / "slip.txt"
    bad.write_text("I paid")
    transfer.locator("input[type=file]").set_input_files(str(bad))
    with page.expect_navigation():
        transfer.locator("button[type=submit]").click()
    expect(page.locator(".flash-error")).to_be_visible()
    from tests.e2e.helpers import licence_png

    transfer.locator("input[type=file]").set_input_files(str(licence_png(tmp_path, "回单.png", "汇款回单")))
    with page.expect_navigation():
        transfer.locator("button[type=submit]").click()
    expect(page.locator(".offline-payment[data-method='bank_transfer'] .slip-state")).to_be_visible()

    # 宁陵: WeChat Pay, the only order left to pay online.
    page.goto(page.url.replace("/offline", ""))
    screenshot(page, "pay-each-shop", width=390, height=1400)
    expect(page.locator(".amount-due")).to_have_text(re.compile("90"))
    with page.expect_navigation():
        page.locator("#pay-wechat_pay").click()
    qr = page.locator("img.pay-qr")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.get_attribute("data-code").startswith("weixin://wxpay/bizpayurl?pr=")
    page.wait_for_function("() => { const i = document.querySelector('img.pay-qr');"
                           " return i && i.complete && i.naturalWidth > 0; }")  # the code is drawn  # loaded, not still loading
    screenshot(page, "wechat-pay-qr", width=390, height=844)
    wechat_live.pay(wechat_trade_no(live_server), deliver=True)  # the buyer scans and pays; the notification arrives
    expect(page.locator("#payment-result")).to_have_attribute("data-state", "paid", timeout=20_000)
    logout(page)

    # The merchants, in English.
    page.set_viewport_size({"width": 1000, "height": 800})
    login(page, "chili-pay@example.com")
    switch_language(page, "en")
    page.goto(f"/merchant/orders/{a}")
    expect(page.locator(".payment-method")).to_have_text("Pay at pickup")
    with page.expect_navigation():
        page.locator("#accept-order").click()
    with page.expect_navigation():
        page.locator("#ready-order").click()
    with page.expect_navigation():
        page.locator("#confirm-payment").click()  # the buyer paid at the counter
    expect(page.locator(".payment-status")).to_have_text("Paid")
    screenshot(page, "merchant-handover-confirmed", width=1000, height=900)
    logout(page)

    login(page, "tape-pay@example.com")
    page.goto(f"/merchant/orders/{c}")
    slip = page.request.get(page.locator("#payment-slip").get_attribute("href"))
    assert slip.ok and slip.headers["content-type"] == "image/webp"
    with page.expect_navigation():
        page.locator("#confirm-payment").click()
    with page.expect_navigation():
        page.locator("#accept-order").click()
    logout(page)

    login(page, "pear-pay@example.com")
    page.goto(f"/merchant/orders/{b}")
    expect(page.locator(".payment-method")).to_have_text(re.compile("WeChat Pay|微信支付"))
    with page.expect_navigation():
        page.locator("#accept-order").click()
    statuses = {k: v[1] for k, v in ((k, _orders(live_server)[shops[k]["shop_id"]]) for k in "abc")}
    assert statuses == {"a": "ready_for_pickup", "b": "accepted", "c": "accepted"}


WECHAT_UA = ("Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 "
             "Mobile Safari/537.36 XWEB/1160117 MMWEBSDK/20240404 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64")
#: WeChat's own bridge, which only its browser has: records what the page asks and answers "ok".
BRIDGE = """
window.WeixinJSBridge = {invoke: function (name, params, done) {
  window.__wechatPay = {name: name, params: params};
  setTimeout(function () { done({err_msg: "get_brand_wcpay_request:ok"}); }, 300);
}};
"""


def test_inside_wechat_the_buyer_pays_in_place(wechat_live, live_server, browser):
    """Chinese, 390 px, in WeChat's browser: WeChat Pay goes through WeChat's silent authorisation
    (the fake) and opens WeChat's payment sheet (the bridge) instead of showing a QR code."""
    _shops_and_cart(live_server, "in-wechat@example.com")
    context = browser.new_context(base_url=str(live_server), locale="zh-CN", timezone_id="Asia/Shanghai",
                                  user_agent=WECHAT_UA, viewport={"width": 390, "height": 844})
    context.add_init_script(BRIDGE)
    page = context.new_page()
    shorter_timeouts(page)  # as the suite's ``page`` fixture: a loaded CI machine
    login(page, "in-wechat@example.com")
    _checkout(page)
    expect(page.locator("#pay-wechat_pay")).to_have_attribute("href", re.compile(r"/wechat/start$"))
    page.locator("#pay-wechat_pay").click()  # to WeChat's authorisation and straight back, then the sheet
    expect(page.locator("#jsapi-pay")).to_be_visible()
    page.wait_for_function("() => window.__wechatPay !== undefined")  # a function: a bare expression is eval()ed in the page, which its CSP refuses
    asked = page.evaluate("window.__wechatPay")
    assert asked["name"] == "getBrandWCPayRequest" and asked["params"]["package"].startswith("prepay_id=")
    expect(page.locator("#jsapi-retry")).to_be_hidden()
    screenshot(page, "wechat-jsapi", width=390, height=844)
    wechat_live.pay(wechat_trade_no(live_server), deliver=True)  # paid in the sheet; the notification arrives
    expect(page.locator("#payment-result")).to_have_attribute("data-state", "paid", timeout=20_000)
    expect(page.locator("#payment-result")).to_contain_text("付款成功")
    context.close()
