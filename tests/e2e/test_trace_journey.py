"""Browser journey of traceability: a pear cooperative in 宁陵县 (Chinese, 390 px wide) records a
batch with its origin down to the village, a farm input and a laboratory report, issues its
承诺达标合格证 and opens the label; the test decodes the printed QR code and a buyer follows it to
the public trace page. A wholesale stall (English UI) that bought pears from that batch on the
platform repacks them into gift boxes and issues its own certificate: its QR code leads to a trace
page whose chain goes back to the cooperative's batch."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import licence_png, login, logout, make_user, pick_region, screenshot
from tests.e2e.test_demo_pages import PAGE_RULES_JS, PageProblems

pytestmark = pytest.mark.e2e


def _shop(owner: int, slug: str, name: str, county, shop_type, licence: str):
    from marketplace.extensions import db
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus

    shop = Shop(slug=slug, name=name, shop_type=shop_type, status=ShopStatus.APPROVED, region=county,
                address="石桥镇", phone="0370-7777777", licence_number=licence)
    shop.members.append(ShopMember(user_id=owner, role=MemberRole.OWNER))
    db.session.add(shop)
    db.session.commit()
    return shop


def _setup(live_server) -> dict:
    """The fruit category requires certificates; a cooperative with a draft pear product (stock 0);
    a wholesale stall with a draft gift-box product; the QR codes point at the live server."""
    from catalog.categories import find_category, load_categories
    from catalog.models import ProductStatus
    from catalog.services import create_product
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.regions.services import ancestors
    from marketplace.shops.models import ShopType

    coop_owner = make_user(live_server, "coop@example.com", name="梨园合作社", locale="zh_CN")
    stall_owner = make_user(live_server, "stall@example.com", name="Wang Stall", locale="en")
    live_server.app.config["PUBLIC_BASE_URL"] = str(live_server)
    with live_server.app.app_context():
        load_categories()
        fruit = find_category("农产品/水果")
        fruit.requires_certificate = True
        county = db.session.scalar(db.select(Region).where(Region.name == "宁陵县", Region.level == RegionLevel.COUNTY))
        town = db.session.scalar(db.select(Region).where(Region.parent_id == county.id, Region.name == "石桥镇"))
        village = db.session.scalar(db.select(Region).where(Region.parent_id == town.id).order_by(Region.code))
        coop = _shop(coop_owner, "suli-coop-e2e", "宁陵县石桥镇酥梨专业合作社", county, ShopType.COOPERATIVE,
                     "93411423MA0000501X")
        stall = _shop(stall_owner, "veg-stall-e2e", "老王果蔬批发", county, ShopType.MARKET_STALL, "92411402MA0000602X")
        pears = create_product(coop, coop.members[0].user, {"title": "宁陵金顶谢花酥梨", "category": fruit, "code": "NL-1"},
                               [{"name": "散装", "unit": "公斤", "price_cents": 600, "stock": 0, "moq": 1, "step": 1,
                                 "tiers": [], "weight_grams": 1000}], status=ProductStatus.DRAFT)
        boxes = create_product(stall, stall.members[0].user, {"title": "酥梨 精品礼盒", "category": fruit, "code": "LW-1"},
                               [{"name": "5 斤礼盒", "unit": "箱", "price_cents": 3800, "stock": 0, "moq": 1, "step": 1,
                                 "tiers": [], "weight_grams": 2500}], status=ProductStatus.DRAFT)
        db.session.commit()
        return {"pears": pears.variants[0].id, "boxes": boxes.variants[0].id, "coop": coop.id, "stall": stall.id,
                "origin": [r.name for r in ancestors(village) if r.level != RegionLevel.COUNTRY]}


def _click(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def _clean(page: Page) -> None:
    assert page.evaluate(PAGE_RULES_JS) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _decode_label(page: Page) -> str:
    """The QR code on the label, as printed (a screenshot of the label's code), decoded."""
    import zxingcpp
    from PIL import Image

    png = page.locator("#cert-label .cert-qr svg").screenshot()
    image = Image.open(io.BytesIO(png)).convert("L")
    image = image.resize((image.width * 3, image.height * 3), Image.Resampling.NEAREST)
    image.save("/tmp/tb-qr.png")
    found = [r.text for r in zxingcpp.read_barcodes(image)]
    assert len(found) == 1, found
    return found[0]


def _sell_to_stall(live_server, ids: dict, qty: int) -> None:
    """The stall's owner buys pears on the platform; the cooperative hands them over (the orders
    services, as the orders journeys do through the pages)."""
    from catalog import pricing
    from catalog.models import Variant
    from catalog.services import publish
    from marketplace.extensions import db
    from marketplace.shops.models import Shop
    from orders import services
    from orders.models import Cart, CartLine

    with live_server.app.app_context():
        variant = db.session.get(Variant, ids["pears"])
        coop_owner = db.session.get(Shop, ids["coop"]).members[0].user
        publish(variant.product, coop_owner)  # it has a certified batch with stock now
        db.session.commit()
        buyer = db.session.get(Shop, ids["stall"]).members[0].user
        cart = Cart(user_id=buyer.id)
        cart.lines.append(CartLine(variant_id=variant.id, quantity=qty, price_seen_cents=pricing.unit_price(variant, qty)))
        db.session.add(cart)
        db.session.commit()
        order = services.place_order(cart, buyer, choices={variant.product.shop_id: "pickup"},
                                     idempotency_key=services.new_idempotency_key()).orders[0]
        services.mark_paid(order)
        services.accept(order, coop_owner)
        services.ready_for_pickup(order, coop_owner)
        db.session.remove()


def test_a_cooperative_certifies_a_batch_and_a_stall_repacks_it(live_server, page: Page, tmp_path):
    ids = _setup(live_server)
    problems = PageProblems(page, str(live_server))
    page.set_viewport_size({"width": 390, "height": 900})
    harvest = dt.date.today() - dt.timedelta(days=1)

    # the cooperative records its batch, in Chinese, on a phone
    login(page, "coop@example.com")
    page.goto("/merchant/trace")
    expect(page.locator("h1")).to_have_text("批次与合格证")
    _clean(page)
    _click(page, page.locator("#new-batch"))
    page.get_by_label("商品规格").select_option(str(ids["pears"]))
    page.get_by_label("生产/采收日期").fill(harvest.isoformat())
    page.get_by_label("保质期（天）").fill("90")
    page.get_by_label("数量（按该规格的单位）").fill("500")
    pick_region(page, *ids["origin"])
    page.get_by_label("地块/棚号/塘口").fill("万亩梨园 7 号地块")
    page.locator("[name=input-1-name]").fill("吡虫啉 10% 可湿性粉剂")
    page.locator("[name=input-1-used_on]").fill((harvest - dt.timedelta(days=40)).isoformat())
    page.locator("[name=input-1-safe_interval_days]").fill("20")
    page.locator("[name=test-1-kind]").select_option("commissioned")
    page.locator("[name=test-1-result]").fill("农药残留 62 项 未检出")
    page.locator("[name=test-1-tested_on]").fill(harvest.isoformat())
    page.locator("[name=test-1-tester]").fill("商丘市农产品质量安全检测中心")
    page.set_input_files("[name=test-1-report]", str(licence_png(tmp_path, "report.png", "检测报告")))
    _clean(page)
    screenshot(page, "trace-batch-form-zh_CN", width=390, height=1600)
    _click(page, page.locator("#save-batch"))
    expect(page.locator(".flash-success")).to_contain_text("已登记")
    expect(page.locator(".cert-facts .cert-issuer")).to_have_text("宁陵县石桥镇酥梨专业合作社")
    expect(page.locator(".test-report")).to_be_visible()
    code = page.locator(".cert-facts .cert-code").inner_text()
    assert code.startswith("NLJDXH-") and code.endswith("-0001")
    _clean(page)
    screenshot(page, "trace-batch-zh_CN", width=390, height=1400)

    # ... prints its certificate: the label shows 承诺达标合格证 and every field; its QR code decodes
    _click(page, page.locator("#print-certificate"))
    label = page.locator("#cert-label")
    expect(label.locator(".cert-title")).to_have_text("承诺达标合格证")
    for cls, text in ((".cert-product", "宁陵金顶谢花酥梨"), (".cert-quantity", "500 公斤"),
                      (".cert-issuer", "宁陵县石桥镇酥梨专业合作社"), (".cert-contact", "0370-7777777"),
                      (".cert-code", code)):
        expect(label.locator(cls)).to_contain_text(text)
    expect(label.locator(".cert-origin")).to_contain_text(ids["origin"][-1])
    screenshot(page, "trace-label-zh_CN", width=390, height=700)
    url = _decode_label(page)
    assert url == f"{live_server}/trace/{code}"
    logout(page)

    # a buyer follows the code to the trace page
    page.goto(url)
    expect(page.locator(".cert-facts .cert-code")).to_have_text(code)
    expect(page.locator(".trace-tests")).to_contain_text("农药残留 62 项 未检出")
    expect(page.locator(".batch-chain .chain-node")).to_have_count(1)
    assert "/report" not in page.content()  # the report itself stays private
    _clean(page)
    screenshot(page, "trace-page-zh_CN", width=390, height=1400)

    # the stall bought 100 kg; in English, at desktop width, it repacks them into 40 boxes
    _sell_to_stall(live_server, ids, 100)
    page.set_viewport_size({"width": 1000, "height": 900})
    login(page, "stall@example.com")
    page.goto("/merchant/trace")
    expect(page.locator("h1")).to_have_text("Batches and certificates")
    _click(page, page.locator("#repack-link"))
    expect(page.locator(".trace-bought")).to_contain_text(code)
    page.locator("[name=parent-1-batch]").select_option(label=f"{code} · 宁陵金顶谢花酥梨")
    page.locator("[name=parent-1-quantity]").fill("100")
    page.get_by_label("Variant of the new batch").select_option(str(ids["boxes"]))
    page.get_by_label("Quantity of the new batch (in the variant's unit)").fill("40")
    page.get_by_label("Repacked at").fill("商丘农产品中心批发市场 A-108")
    _clean(page)
    screenshot(page, "trace-repack-en")
    _click(page, page.locator("#save-repack"))
    expect(page.locator(".flash-success")).to_contain_text("certified")
    child = page.locator(".cert-facts .cert-code").inner_text()
    expect(page.locator(".cert-facts .cert-issuer")).to_have_text("老王果蔬批发")
    expect(page.locator(".batch-chain")).to_contain_text(code)
    _clean(page)
    screenshot(page, "trace-child-en")
    _click(page, page.locator("#print-certificate"))
    expect(page.locator("#cert-label .cert-title")).to_have_text("承诺达标合格证")  # Chinese on the goods
    child_url = _decode_label(page)
    assert child_url == f"{live_server}/trace/{child}"
    screenshot(page, "trace-label-child-en", width=1000, height=600)

    # the stall's buyer scans the box: the chain leads back to the cooperative's batch
    logout(page)
    page.goto(child_url)
    nodes = page.locator(".batch-chain .chain-node")
    expect(nodes).to_have_count(2)
    expect(nodes.nth(0)).to_contain_text(child)
    expect(nodes.nth(1)).to_contain_text(code)
    expect(nodes.nth(1)).to_contain_text("宁陵县石桥镇酥梨专业合作社")
    screenshot(page, "trace-page-child-zh_CN")
    _click(page, nodes.nth(1).locator("a"))
    expect(page.locator(".cert-facts .cert-code")).to_have_text(code)
    assert problems.take() == []
