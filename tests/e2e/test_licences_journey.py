"""Licensed categories in a real browser, in Chinese and in English: a seed shop cannot list seeds
until its 种子生产经营许可证 is verified; it uploads the licence, the admin checks the private scan and
verifies it, the shop is told and publishes. No console error (CSP included) on the way."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from .helpers import licence_png, login, logout, make_admin, make_user, screenshot, submit
from .test_shell_journeys import Texts, assert_english, data_texts

pytestmark = pytest.mark.e2e

SEEDS = {"zh": "三樱椒种子 8号", "en": "Sanying chili seed No. 8"}


def _seed_shop(live_server, owner_email: str, title: str, locale: str) -> int:
    """An approved seed shop with a draft seed product in 农资/种子种苗, which requires a seed
    licence; returns the product's id."""
    from catalog.categories import find_category, load_categories
    from catalog.services import create_product
    from licences.models import CategoryLicence, LicenceType
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.regions.models import Region
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType

    make_user(live_server, owner_email, name="赵建国", locale=locale)
    with live_server.app.app_context():
        load_categories()
        seeds = find_category("农资/种子种苗")
        db.session.add(CategoryLicence(category_id=seeds.id, licence_type=LicenceType.SEED))
        owner = db.session.scalar(sa.select(User).where(User.email == owner_email))
        county = db.session.scalar(sa.select(Region).where(Region.name == "柘城县"))
        shop = Shop(slug=f"seeds-{owner.id}", name="柘城种业", shop_type=ShopType.COOPERATIVE,
                    status=ShopStatus.APPROVED, region=county, address="起台镇", phone="0370-7201188",
                    licence_number="93411424MA0000101X")
        shop.members.append(ShopMember(user=owner, role=MemberRole.OWNER))
        db.session.add(shop)
        db.session.commit()
        product = create_product(shop, owner, {"title": title, "category": seeds},
                                 [{"name": "100g", "unit": "袋", "price_cents": 3500, "stock": 200, "tiers": []}])
        return product.id


def _publish(page: Page) -> None:
    submit(page, "form:has(input[name=status][value=published])")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_seed_shop_lists_seeds_only_once_its_licence_is_verified(live_server, page: Page, tmp_path, lang):
    errors = []
    page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    t = Texts(live_server, lang)
    locale = "en" if lang == "en" else "zh_CN"
    title = SEEDS[lang]
    product_id = _seed_shop(live_server, "seeds@example.com", title, locale)
    make_admin(live_server, "admin@example.com", name="Li Na" if lang == "en" else "李娜", locale=locale)
    licence_label = t("种子生产经营许可证")
    data = [title, "柘城种业", "赵建国", "李娜", "农资", "种子种苗", "起台镇", *data_texts(live_server)]

    # the shop tries to publish its seeds: refused, and told which licence it needs
    login(page, "seeds@example.com")
    page.goto(f"/merchant/products/{product_id}/edit")
    _publish(page)
    expect(page.locator(".flash-error, .flash.flash-error").first).to_contain_text(licence_label)
    screenshot(page, f"licence-refused-{lang}")

    # it uploads its licence from the merchant menu's page
    page.goto("/merchant/licences")
    expect(page.locator("#licence-requirements")).to_contain_text(t("不能上架"))
    number = "C（豫商柘）农种许字（2025）第0021号"
    page.get_by_label(t("许可证类型")).select_option("seed")
    page.get_by_label(t("许可证编号")).fill(number)
    page.get_by_label(t("经营范围")).fill("辣椒种子生产、经营" if lang == "zh" else "Chili seed production and trade")
    today = dt.date.today()
    page.get_by_label(t("发证日期")).fill((today - dt.timedelta(days=100)).isoformat())
    page.get_by_label(t("有效期至")).fill((today + dt.timedelta(days=1700)).isoformat())
    page.locator("#scan").set_input_files(str(licence_png(tmp_path, text="种子生产经营许可证")))
    if lang == "en":
        assert_english(page, *data, number)
    submit(page, "#licence-form")
    expect(page.locator(".flash-success, .flash.flash-success").first).to_contain_text(
        t("许可证已上传，平台核验通过后即可在相应分类上架商品"))
    expect(page.locator("section.card").first).to_contain_text(t("待平台核验"))
    screenshot(page, f"licence-uploaded-{lang}")
    logout(page)

    # the admin opens the queue, checks the private scan and verifies the licence
    login(page, "admin@example.com")
    page.goto("/admin/licences")
    with page.expect_navigation():
        page.get_by_role("link", name=licence_label).click()
    scan = page.locator("img.licence-scan")
    expect(scan).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", scan.element_handle()) > 0
    if lang == "en":
        assert_english(page, *data, number, "Chili seed production and trade")
    screenshot(page, f"licence-verify-{lang}")
    submit(page, "form[action$='/verify']")
    expect(page.locator(".flash-success, .flash.flash-success").first).to_contain_text(
        t("许可证已核验通过，店铺会收到通知"))
    logout(page)

    # the shop reads the notice and publishes
    login(page, "seeds@example.com")
    page.goto("/notifications")
    expect(page.locator("main")).to_contain_text(number)
    page.goto(f"/merchant/products/{product_id}/edit")
    _publish(page)
    expect(page.locator("main")).to_contain_text(t("已上架"))
    screenshot(page, f"licence-published-{lang}")
    page.goto(f"/p/{product_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert not errors, errors


def _sold_and_repacked(live_server, lang: str) -> dict:
    """A cooperative's certified pear batch sold to a restaurant and to a stall, which repacks it into a
    certified child batch sold to a supermarket: the people's e-mails and the parent's code."""
    from catalog import pricing
    from catalog.categories import find_category, load_categories
    from catalog.models import ProductStatus
    from catalog.services import create_product, publish
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.regions.models import Region
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders import services as orders
    from orders.models import Cart, CartLine
    from trace.batches import record_batch
    from trace.certificates import issue_certificate
    from trace.transform import repack

    locale = "en" if lang == "en" else "zh_CN"
    people = {"coop": "coop@example.com", "stall": "stall@example.com", "buyer1": "hotel@example.com",
              "buyer2": "market@example.com", "regulator": "inspector@example.com"}
    for key, email in people.items():
        make_user(live_server, email, name={"coop": "孙秀英", "stall": "王德福", "buyer1": "王芳", "buyer2": "刘强",
                                            "regulator": "钱科长"}[key], locale=locale,
                  roles=("food_safety_regulator",) if key == "regulator" else ())
    with live_server.app.app_context():
        load_categories()
        fruit = find_category("农产品/水果")
        fruit.requires_certificate = True
        county = db.session.scalar(sa.select(Region).where(Region.name == "宁陵县"))
        user = {key: db.session.scalar(sa.select(User).where(User.email == email)) for key, email in people.items()}

        def shop_of(key, name, n):
            shop = Shop(slug=f"recall-{key}", name=name, shop_type=ShopType.COOPERATIVE, status=ShopStatus.APPROVED,
                        region=county, address="石桥镇", phone="0370-7201188", licence_number=f"93411423MA000010{n}X")
            shop.members.append(ShopMember(user=user[key], role=MemberRole.OWNER))
            db.session.add(shop)
            return shop

        coop, stall = shop_of("coop", "宁陵酥梨合作社", 1), shop_of("stall", "老王水果批发", 2)
        db.session.commit()

        def listed(shop, title, unit):
            product = create_product(shop, shop.members[0].user, {"title": title, "category": fruit},
                                     [{"name": "散装", "unit": unit, "price_cents": 600, "stock": 0, "tiers": []}],
                                     status=ProductStatus.DRAFT)
            return product.variants[0]

        def sell(variant, qty, buyer):
            cart = Cart(user_id=buyer.id)
            cart.lines.append(CartLine(variant_id=variant.id, quantity=qty, price_seen_cents=pricing.unit_price(variant, qty)))
            db.session.add(cart)
            db.session.commit()
            order = orders.place_order(cart, buyer, choices={variant.product.shop_id: "pickup"},
                                       idempotency_key=orders.new_idempotency_key()).orders[0]
            orders.mark_paid(order)
            orders.accept(order, variant.product.shop.members[0].user)
            orders.ready_for_pickup(order, variant.product.shop.members[0].user)

        pears = listed(coop, "宁陵酥梨", "公斤")
        today = dt.date.today()
        parent = record_batch(coop, user["coop"], {"variant": pears.id, "produced_on": (today - dt.timedelta(days=3)).isoformat(),
                                                   "quantity": "100", "expires_on": (today + dt.timedelta(days=30)).isoformat(),
                                                   "region": county, "plot": "3 号园"})
        issue_certificate(parent, user["coop"])
        publish(pears.product, user["coop"])
        sell(pears, 10, user["buyer1"])
        sell(pears, 30, user["stall"])
        bags = listed(stall, "酥梨 分装袋", "袋")
        child = repack(stall, user["stall"], {"variant": bags.id, "quantity": "60", "plot": "C-016"},
                       [{"batch": parent.id, "quantity": "30"}])
        issue_certificate(child, user["stall"])
        publish(bags.product, user["stall"])
        sell(bags, 5, user["buyer2"])
        db.session.commit()
        return {**people, "parent": parent.code, "child": child.code}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_regulator_recalls_a_parent_batch_and_both_buyers_are_told(live_server, page: Page, lang):
    errors = []
    page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    t = Texts(live_server, lang)
    s = _sold_and_repacked(live_server, lang)
    data = ["宁陵酥梨合作社", "老王水果批发", "宁陵酥梨", "酥梨 分装袋", "王芳", "刘强", "王德福", "孙秀英", "钱科长", "散装",
            "抽检不合格：农药残留超标", "石桥镇", "3 号园", *data_texts(live_server)]

    # the regulator finds the parent batch, and recalls it
    login(page, s["regulator"])
    page.goto("/regulator")
    page.get_by_label(t("按批次号、商品或店铺查找批次")).fill(s["parent"][:8])
    submit(page, "main form[action$='/regulator/batches']")
    with page.expect_navigation():
        page.get_by_role("link", name=s["parent"]).click()
    with page.expect_navigation():
        page.locator("#recall-batch").click()
    page.get_by_label(t("召回原因")).fill("抽检不合格：农药残留超标")
    screenshot(page, f"recall-form-{lang}")
    submit(page, "#recall-form")
    expect(page.locator("#recall-buyers tbody tr")).to_have_count(3)  # the restaurant, the stall, the supermarket
    expect(page.locator("#recall-totals")).to_contain_text(s["child"])
    if lang == "en":
        assert_english(page, *data, s["parent"], s["child"])
    screenshot(page, f"recall-report-{lang}")
    logout(page)

    # both buyers (of the parent, and of the repacked child) see the notice and acknowledge it
    for buyer, code in ((s["buyer1"], s["parent"]), (s["buyer2"], s["child"])):
        login(page, buyer)
        page.goto("/notifications")
        notice = page.locator("main").get_by_text(s["parent"]).first
        expect(notice).to_be_visible()
        if lang == "en":
            assert_english(page, *data, s["parent"], s["child"])
        screenshot(page, f"recall-notice-{lang}-{buyer.split('@')[0]}")
        with page.expect_navigation():
            notice.click()
        expect(page.locator("main")).to_contain_text(code)
        submit(page, "form[action$='/acknowledge']")
        expect(page.locator("#acknowledged")).to_be_visible()
        logout(page)

    login(page, s["regulator"])
    page.goto("/regulator/recalls")
    expect(page.locator("main tbody tr").first).to_contain_text("2")
    assert not errors, errors
