"""Listing moderation in a real browser, in Chinese and in English: a buyer reports a listing, the
admin finds it under "has open reports" and takes it down with a reason, and the buyer no longer
finds it; the admin marks a category "listings need approval", a merchant lists a product there and
it waits, the admin approves it and it is on sale."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from .helpers import (
    login,
    logout,
    make_admin,
    make_user,
    screenshot,
    submit,
    switch_language,
)
from .test_shell_journeys import Texts, assert_english, data_texts

pytestmark = pytest.mark.e2e

PRODUCTS = {"zh": ("茅台镇53度酱香白酒 特价", "瓶身标签和正品不同，价格低得离谱"),
            "en": ("Maotai 53% sauce-aroma liquor, special offer", "The label differs from the genuine one")}
PEARS = {"zh": "宁陵金顶谢花酥梨 5斤装", "en": "Ningling crisp pears, 2.5 kg box"}


def _shop_with_product(live_server, owner_email: str, title: str, *, category: str = "农产品/茶酒饮品",
                       status: str = "published", locale: str = "zh_CN") -> int:
    """An approved shop of ``owner_email`` with one product; returns the product's id."""
    from catalog.categories import find_category, load_categories
    from catalog.models import ProductStatus
    from catalog.services import create_product
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.regions.models import Region
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType

    make_user(live_server, owner_email, name="赵店主", locale=locale)
    with live_server.app.app_context():
        load_categories()
        owner = db.session.scalar(sa.select(User).where(User.email == owner_email))
        county = db.session.scalar(sa.select(Region).where(Region.name == "宁陵县"))
        shop = Shop(slug=f"shop-{owner.id}", name="宁陵特产商行", shop_type=ShopType.ENTERPRISE,
                    status=ShopStatus.APPROVED, region=county, address="城关镇", phone="0370-7201188",
                    licence_number="91411423MA0000101X")
        shop.members.append(ShopMember(user=owner, role=MemberRole.OWNER))
        db.session.add(shop)
        db.session.commit()
        product = create_product(shop, owner, {"title": title, "category": find_category(category)},
                                 [{"name": "500ml", "unit": "瓶", "price_cents": 9900, "stock": 50, "tiers": []}],
                                 status=ProductStatus(status))
        return product.id


def report_and_hide(live_server, page: Page, lang: str) -> None:
    t = Texts(live_server, lang)
    title, complaint = PRODUCTS[lang]
    locale = "en" if lang == "en" else "zh_CN"
    product_id = _shop_with_product(live_server, "shop@example.com", title, locale=locale)
    make_admin(live_server, "admin@example.com", name="Li Na" if lang == "en" else "李娜", locale=locale)
    make_user(live_server, "buyer@example.com", name="Zhang" if lang == "en" else "张采购")

    # the buyer opens the listing and reports it
    login(page, "buyer@example.com")
    if lang == "en":
        switch_language(page, "en")
    page.goto(f"/p/{product_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_text(t("举报这个商品")).click()
    page.get_by_label(t("假冒伪劣")).check()
    page.get_by_label(t("补充说明（可不填）")).fill(complaint)
    if lang == "en":
        assert_english(page, title, complaint, "宁陵特产商行", "瓶", *data_texts(live_server))
    screenshot(page, f"report-listing-{lang}")
    submit(page, "form[action$='/report']")
    expect(page.locator(".flash-success")).to_contain_text(t("举报已提交，平台会尽快核查。谢谢！"))
    expect(page.get_by_text(t("您已举报过这个商品，平台正在处理。")).first).to_be_visible()
    logout(page)

    # the admin finds it under "has open reports" and takes it down with a reason
    login(page, "admin@example.com")
    page.goto("/admin")
    page.locator("nav.admin-nav").get_by_role("link", name=t("商品审核")).click()
    expect(page.get_by_role("heading", name=t("商品审核"), level=1)).to_be_visible()
    page.get_by_label(t("有待处理的举报")).check()
    submit(page, "form.filters")
    row = page.locator("tbody tr", has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(t("%(n)d 条待处理", n=1))
    if lang == "en":
        assert_english(page, title, "宁陵特产商行", *data_texts(live_server))
    screenshot(page, f"admin-reported-{lang}")
    row.get_by_role("link", name=title).click()
    expect(page.locator("#reports")).to_be_visible()
    expect(page.locator("table").first).to_contain_text(complaint)
    # no reason: refused, nothing changes
    page.locator("#hide-reason").evaluate("e => e.removeAttribute('required')")
    page.get_by_role("button", name=t("下架商品")).first.click()
    expect(page.locator(".flash-error")).to_contain_text(t("请填写原因：店主会在通知中看到它。"))
    reason = "Counterfeit trade mark" if lang == "en" else "涉嫌假冒注册商标"
    page.get_by_label(t("下架原因")).first.fill(reason)
    page.get_by_role("button", name=t("下架商品")).first.click()
    expect(page.locator(".flash-success")).to_contain_text(t("商品已下架，店主会收到通知。"))
    expect(page.locator("h1 .badge")).to_have_text(t("已被平台下架"))
    expect(page.locator("#reports").locator("..")).to_contain_text(t("已处理：商品已下架"))
    if lang == "en":
        # (the history's first note, 创建, was written in the language of the set-up above: data)
        assert_english(page, title, complaint, reason, "宁陵特产商行", "农产品/茶酒饮品", "赵店主", "张*", "瓶", "创建",
                       *data_texts(live_server))
    screenshot(page, f"admin-product-hidden-{lang}")
    logout(page)

    # the buyer no longer finds it: not in search, its page is gone
    login(page, "buyer@example.com")
    page.goto("/search?q=" + title.split()[0])
    expect(page.get_by_role("link", name=title)).to_have_count(0)
    response = page.goto(f"/p/{product_id}")
    assert response.status == 404
    logout(page)

    # the owner was mailed, in his language
    from marketplace.extensions import db
    from marketplace.mail.models import OutboxMessage

    with live_server.app.app_context():
        subjects = db.session.scalars(sa.select(OutboxMessage.subject)
                                      .where(OutboxMessage.to_addr == "shop@example.com")).all()
    assert subjects == [t("您的商品已被平台下架：%(title)s", title=title)]


def test_buyer_reports_and_admin_hides_in_chinese(live_server, page):
    report_and_hide(live_server, page, "zh")


def test_buyer_reports_and_admin_hides_in_english(live_server, page):
    report_and_hide(live_server, page, "en")


def category_paths(live_server) -> list[str]:
    """The category tree's paths (data: the editor's category list shows them in Chinese)."""
    from catalog.models import Category
    from marketplace.extensions import db

    with live_server.app.app_context():
        return list(db.session.scalars(sa.select(Category.path)))


def approval(live_server, page: Page, lang: str) -> None:
    t = Texts(live_server, lang)
    title = PEARS[lang]
    locale = "en" if lang == "en" else "zh_CN"
    product_id = _shop_with_product(live_server, "pears@example.com", title, category="农产品/水果", status="draft",
                                    locale=locale)
    make_admin(live_server, "admin@example.com", name="Li Na" if lang == "en" else "李娜", locale=locale)

    # the admin marks 水果 "listings need approval"
    login(page, "admin@example.com")
    page.goto("/admin/categories")
    # (category names are data: Chinese in both runs)
    page.get_by_role("button", name=t("上架需审核：%(n)s", n="{n}").replace("{n}", "水果")).click()
    expect(page.locator(".flash-success")).to_contain_text(
        t("新上架的商品需经平台审核：%(p)s", p="{p}").replace("{p}", "农产品/水果"))
    logout(page)

    # the merchant lists the product: it waits
    login(page, "pears@example.com")
    page.goto(f"/merchant/products/{product_id}/edit")
    expect(page.get_by_text(t("这个分类的商品要经平台审核后才公开：上架即提交审核。"))).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=t("提交审核"), exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(t("已提交平台审核，审核通过后会自动上架，结果会通知您。"))
    expect(page.locator("main .badge").first).to_have_text(t("待平台审核"))
    if lang == "en":
        assert_english(page, title, "宁陵特产商行", "500ml", "瓶", "赵店主", *category_paths(live_server),
                       *data_texts(live_server))
    screenshot(page, f"merchant-pending-{lang}")
    logout(page)

    # not public yet
    assert page.goto(f"/p/{product_id}").status == 404

    # the admin approves it from the pending list
    login(page, "admin@example.com")
    page.goto("/admin/products")
    page.get_by_label(t("状态")).select_option(label=t("待审核"))
    submit(page, "form.filters")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name=t("审核通过并上架")).click()
    expect(page.locator(".flash-success")).to_contain_text(t("已审核通过，商品已上架，店主会收到通知。"))
    expect(page.locator("h1 .badge")).to_have_text(t("已上架"))
    logout(page)

    # on sale: a visitor opens it
    response = page.goto(f"/p/{product_id}")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("button", name=re.compile("加入采购车|Add to"))).to_be_visible()


def test_category_approval_in_chinese(live_server, page):
    approval(live_server, page, "zh")


def test_category_approval_in_english(live_server, page):
    approval(live_server, page, "en")
