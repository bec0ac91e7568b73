"""Browser journey of sourcing (求购), in Chinese and in English: a restaurant buyer posts a request
for 5 吨 of 朝天椒 delivered to 睢阳区; a matching shop quotes from its listing and revises its
price; another shop quotes a free line; the buyer compares the quotes side by side (per kg) and
accepts the first; the order appears for the buyer and for the shop at the quoted price. The buyer
pays it later by 对公转账: the shop's account and the reference code, a remittance slip uploaded;
the shop views the slip and confirms the transfer; both see the order paid at the quoted price."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import licence_png, login, logout, make_user, pick_region, screenshot

pytestmark = pytest.mark.e2e

TEXT = {
    "zh_CN": {"open": "报价中", "revised": "已修改", "awarded": "已成交", "board": "供求信息", "quote": "我要报价",
              "paid": "已付款", "tier": "≥ 3 吨 ¥11,500.00/吨（折合每公斤 ¥11.50）"},
    "en": {"open": "Taking quotes", "revised": "Revised", "awarded": "Awarded", "board": "Sourcing board",
           "quote": "Quote", "paid": "Paid", "tier": "≥ 3 tonne: CN¥11,500.00 per tonne (CN¥11.50 per kg)"},
}


def _setup(live_server, locale: str) -> dict:
    """Two approved shops in 睢阳区 selling 朝天椒 (vegetables), the buyer with an address there."""
    from catalog.categories import find_category, load_categories
    from catalog.models import Product, ProductStatus, Variant
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.regions.services import ancestors
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders.models import Address
    from payments.models import ShopPaymentSettings

    buyer = make_user(live_server, f"chef-{locale}@example.com", name="王厨师长", locale=locale)
    owners = [make_user(live_server, f"chili{n}-{locale}@example.com", name=f"辣椒{n}号", locale=locale) for n in (1, 2)]
    with live_server.app.app_context():
        load_categories()
        veg = find_category("农产品/蔬菜")
        county = db.session.scalar(db.select(Region).where(Region.name == "睢阳区", Region.level == RegionLevel.COUNTY))
        names = [r.localized_name(locale) for r in ancestors(county) if r.level != RegionLevel.COUNTRY]
        variants = []
        for n, owner in enumerate(owners, start=1):
            shop = Shop(slug=f"chili-{n}-{locale}", name=f"睢阳辣椒合作社{n}", shop_type=ShopType.ENTERPRISE,
                        status=ShopStatus.APPROVED, region=county, address="睢阳区古城路 1 号", phone="0370-2222222",
                        licence_number="91411403MA0000301X")
            shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
            product = Product(shop=shop, category=veg, code=f"CTJ-{n}", title="朝天椒 干货",
                              status=ProductStatus.PUBLISHED, min_price_cents=1500, in_stock=True)
            variant = Variant(name="统货", unit="kg", price_cents=1500, stock=100000, moq=1, step=1)
            product.variants.append(variant)
            db.session.add_all([shop, product])
            db.session.flush()
            db.session.add(ShopPaymentSettings(shop_id=shop.id, accepts_bank_transfer=True,
                                               bank_name="中国农业银行睢阳支行", account_name=shop.name,
                                               account_number=f"622848000000000{n}"))
            variants.append(variant)
        db.session.add(Address(user_id=buyer, recipient="王厨师长", phone="13900000000", region_id=county.id,
                               street="神火大道 88 号 蜀香楼", is_default=True))
        db.session.commit()
        return {"category": veg.id, "region_names": names, "variant": variants[0].id, "buyer": buyer}


def _click(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def _send_quote(page: Page, request_id: int, *, variant=None, name="", price: str, quantity: str,
                tier: tuple[str, str] | None = None) -> None:
    page.goto(f"/merchant/sourcing/{request_id}/quote")
    if variant:
        page.locator("#line-1-variant").select_option(str(variant))
    else:
        page.locator("#line-1-variant").select_option("")
        page.fill("#line-1-name", name)
        page.locator("#line-1-unit").select_option("吨")
    page.fill("#line-1-quantity", quantity)
    page.fill("#line-1-unit_price", price)
    if tier:  # an optional price tier, behind its disclosure
        page.locator("#line-1-tiers summary").click()
        page.fill("#line-1-tier-1-min", tier[0])
        page.fill("#line-1-tier-1-price", tier[1])
    today = dt.date.today()
    page.fill("#delivery_date", (today + dt.timedelta(days=5)).isoformat())
    page.fill("#valid_until", (today + dt.timedelta(days=10)).isoformat())
    page.fill("#freight", "300")
    page.fill("#message", "产地直供，三天内可装车")
    _click(page, page.locator("#send-quote"))
    expect(page).to_have_url(re.compile(r"/merchant/sourcing/quotes$"))


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_request_quoted_revised_compared_accepted_and_paid_by_transfer(live_server, page: Page, locale, tmp_path):
    t = TEXT[locale]
    ids = _setup(live_server, locale)

    # the buyer posts the request
    login(page, f"chef-{locale}@example.com")
    page.goto("/sourcing")
    expect(page.locator("h1")).to_have_text(t["board"])
    _click(page, page.locator("#new-request"))
    page.locator("#category").select_option(str(ids["category"]))
    page.fill("#title", "朝天椒")
    page.fill("#spec", "干椒，色红，无霉变")
    page.fill("#quantity", "5")
    page.locator("#unit").select_option("吨")
    page.fill("#target_price", "11000")
    pick_region(page, *ids["region_names"])
    page.fill("#quote_deadline", (dt.date.today() + dt.timedelta(days=7)).isoformat())
    page.fill("#deliver_until", (dt.date.today() + dt.timedelta(days=14)).isoformat())
    screenshot(page, f"sourcing-post-{locale}")
    _click(page, page.locator("#publish-request"))
    expect(page.locator("#request-status")).to_have_text(t["open"])
    request_id = int(re.search(r"/sourcing/(\d+)$", page.url).group(1))
    logout(page)

    # the first shop finds it among its matching requests, quotes from its listing, then revises
    login(page, f"chili1-{locale}@example.com")
    page.goto("/merchant/sourcing")
    expect(page.locator("table.sourcing-matching")).to_contain_text("朝天椒")
    _send_quote(page, request_id, variant=ids["variant"], price="11.50", quantity="5000")
    _send_quote(page, request_id, variant=ids["variant"], price="11.00", quantity="5000")
    expect(page.locator("table.sourcing-quotes")).to_contain_text("55,300.00")
    logout(page)

    # the second shop quotes a free line by the tonne
    login(page, f"chili2-{locale}@example.com")
    page.goto(f"/sourcing/{request_id}")
    expect(page.locator("body")).not_to_contain_text("王厨师长")  # the buyer's name stays masked
    _send_quote(page, request_id, name="朝天椒 精选", price="11800", quantity="5", tier=("3", "11500"))
    logout(page)

    # the buyer compares (per kg: 11.00 and 11.80) and accepts the first shop's quote
    login(page, f"chef-{locale}@example.com")
    page.goto(f"/sourcing/{request_id}/quotes")
    table = page.locator("#quote-compare")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("11.00")
    expect(table).to_contain_text("11.80")
    expect(table).to_contain_text(t["revised"])
    expect(table.locator(".tier-list")).to_contain_text(t["tier"])  # the second shop's tier, per tonne and per kg
    expect(table.locator(".tier-list")).to_contain_text("11.50")
    screenshot(page, f"sourcing-compare-{locale}")
    _click(page, page.locator("form.accept-form").first.locator("button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    expect(page.locator("main")).to_contain_text("55,300.00")
    order_id = int(re.search(r"/orders/(\d+)$", page.url).group(1))
    screenshot(page, f"sourcing-order-{locale}")
    page.goto(f"/sourcing/{request_id}")
    expect(page.locator("#request-status")).to_have_text(t["awarded"])

    # the buyer pays later, by transfer to the shop's account, and uploads the remittance slip
    page.goto(f"/orders/{order_id}")
    _click(page, page.locator(f"a[href$='/payments/group/{_group_of(live_server, order_id)}']"))
    expect(page.locator(f".pay-order[data-order-id='{order_id}']")).to_contain_text("55,300.00")
    page.check(f"#method-{order_id}-bank_transfer")
    _click(page, page.locator(f".pay-order[data-order-id='{order_id}'] .choose-offline"))
    transfer = page.locator(".offline-payment[data-method='bank_transfer']")
    expect(transfer.locator(".account-number")).to_have_text("6228480000000001")
    expect(transfer.locator(".reference-code")).to_have_text(re.compile(r"^\w{8,}$"))
    expect(transfer).to_contain_text("55,300.00")
    transfer.locator("input[type=file]").set_input_files(str(licence_png(tmp_path, "回单.png", "汇款回单")))
    _click(page, transfer.locator("button[type=submit]"))
    expect(page.locator(".offline-payment[data-method='bank_transfer'] .slip-state")).to_be_visible()
    screenshot(page, f"sourcing-transfer-{locale}")
    logout(page)

    # the shop sees the order at the quoted price, views the slip and confirms the transfer
    login(page, f"chili1-{locale}@example.com")
    page.goto(f"/merchant/orders/{order_id}")
    expect(page.locator("main")).to_contain_text("55,300.00")
    expect(page.locator("main")).to_contain_text("11.00")
    slip = page.request.get(page.locator("#payment-slip").get_attribute("href"))
    assert slip.ok and slip.headers["content-type"] == "image/webp"
    _click(page, page.locator("#confirm-payment"))
    expect(page.locator(".payment-status")).to_have_text(t["paid"])
    expect(page.locator("main")).to_contain_text("55,300.00")
    screenshot(page, f"sourcing-transfer-confirmed-{locale}")
    logout(page)

    # the buyer sees his order paid, at the quoted price; the request stays awarded
    login(page, f"chef-{locale}@example.com")
    page.goto(f"/orders/{order_id}")
    expect(page.locator("h1")).to_contain_text(t["paid"])
    expect(page.locator(".payment-status")).to_have_text(t["paid"])
    expect(page.locator("main")).to_contain_text("55,300.00")
    page.goto(f"/sourcing/{request_id}")
    expect(page.locator("#request-status")).to_have_text(t["awarded"])


def _group_of(live_server, order_id: int) -> int:
    from marketplace.extensions import db
    from orders.models import Order

    with live_server.app.app_context():
        return db.session.get(Order, order_id).group_id
