"""Issue 2's journeys in a real browser: sign up, apply for a shop, the admin approves, the shop is public.

Once in Chinese (the default) and once in English after pressing the header's language button. The
English run finds every label and button by its English text (taken from the English catalogue)
and checks that no Chinese is left on the pages it passes through, apart from user data.
Plus a keyboard-only check of the skip link and the login form.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as translate
from playwright.sync_api import Page, expect

from .helpers import licence_png, login, logout, make_admin, open_menu, screenshot, switch_language

pytestmark = pytest.mark.e2e

HAN = re.compile(r"[\u3400-\u9fff]")
PASSWORD = "Qitai chili 2024!"


class Texts:
    """UI texts in the journey's language: the Chinese msgid, or its English translation."""

    def __init__(self, live_server, lang: str):
        self.live_server, self.lang = live_server, lang

    def __call__(self, msgid: str, **values) -> str:
        locale = "en" if self.lang == "en" else "zh_CN"
        with self.live_server.app.test_request_context(), force_locale(locale):
            text = translate(msgid, **values)
        if self.lang == "en":
            assert not HAN.search(text), f"no English translation for {msgid!r}"
        return text

    def label(self, lazy) -> str:
        """A lazy label from the code (status and type names) in the journey's language."""
        locale = "en" if self.lang == "en" else "zh_CN"
        with self.live_server.app.test_request_context(), force_locale(locale):
            return str(lazy)


def consent_label(t) -> str:
    """The sign-up form's consent box, as read: 我已阅读并同意《隐私政策》和《用户协议》 (with two links)."""
    return t("我已阅读并同意《%(privacy)s》和《%(terms)s》", privacy=t("隐私政策"), terms=t("用户协议"))


def uscc(first17: str) -> str:
    from marketplace.shops.validation import uscc_check_char

    return first17 + uscc_check_char(first17)


def data_texts(live_server) -> list[str]:
    """Texts that are data, not interface: the configured site name and the regions file's
    specialties (the file has Chinese specialties only)."""
    from marketplace.extensions import db
    from marketplace.regions.models import Region

    with live_server.app.app_context():
        specialties = [s for s in db.session.scalars(sa.select(Region.specialties)) if s]
    return [live_server.app.config["SITE_NAME"], *specialties]


def assert_english(page: Page, *user_data: str) -> None:
    """No Chinese on the page except the given data and the language button (lang=zh-CN)."""
    text = page.evaluate("""() => {
        const clone = document.body.cloneNode(true);
        clone.querySelectorAll('script, style, [lang^="zh"]').forEach(e => e.remove());
        return clone.innerText;
    }""")
    for value in sorted(user_data, key=len, reverse=True):
        text = text.replace(value, "")
    leftover = sorted({line.strip() for line in text.splitlines() if HAN.search(line)})
    assert not leftover, f"Chinese UI text on the English page {page.url}: {leftover}"


def select_region(page: Page, label: str, region_name: str) -> None:
    """Pick a township in the region select (its options are indented with ideographic spaces)."""
    select = page.get_by_label(label, exact=True)
    value = select.locator("option", has_text=region_name).first.get_attribute("value")
    select.select_option(value=value)


SHOPS = {
    "zh": {"name": "起台镇红辣椒批发", "market": "柘城县辣椒大市场", "stall": "B区12号",
           "description": "自产自销三樱椒、朝天椒，支持整车批发。\n欢迎饭店、调料厂来电洽谈。",
           "address": "起台镇人民路 88 号", "phone": "0370-7123456", "licence": uscc("91411424MA9KQ7HX1"),
           "email": "laojiao@example.com", "person": "王老椒"},
    "en": {"name": "Qitai Red Chili Traders", "market": "Zhecheng Chili Market", "stall": "B-12",
           "description": "Sanying and skyward chilies from our own fields, by the sack or the truckload.",
           "address": "88 Renmin Road, Qitai", "phone": "13937012345", "licence": uscc("92411424MA4LLW3P0"),
           "email": "chili.trader@example.com", "person": "Wang"},
}


def shop_journey(live_server, page: Page, browser, browser_context_args, tmp_path, lang: str) -> None:
    from marketplace.shops.labels import SHOP_STATUS_LABELS, SHOP_TYPE_LABELS
    from marketplace.shops.models import ShopStatus, ShopType

    t = Texts(live_server, lang)
    shop = SHOPS[lang]
    pending, approved = t.label(SHOP_STATUS_LABELS[ShopStatus.PENDING]), t.label(SHOP_STATUS_LABELS[ShopStatus.APPROVED])
    market_stall = t.label(SHOP_TYPE_LABELS[ShopType.MARKET_STALL])
    data = data_texts(live_server)
    make_admin(live_server, "admin@example.com", PASSWORD, name="Li Na" if lang == "en" else "李娜",
               locale="en" if lang == "en" else "zh_CN")

    # A visitor arrives (the browser speaks Chinese) and, for the English run, presses "English".
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    if lang == "en":
        switch_language(page, "en")
        assert_english(page, *data)
    screenshot(page, f"home-{lang}")

    # Sign up from the menu.
    open_menu(page)
    page.get_by_role("link", name=t("注册"), exact=True).click()
    expect(page.get_by_role("heading", name=t("注册账号"))).to_be_visible()
    page.get_by_label(t("邮箱"), exact=True).fill(shop["email"])
    page.get_by_label(t("称呼"), exact=True).fill(shop["person"])
    page.get_by_label(t("密码"), exact=True).fill(PASSWORD)
    page.get_by_label(t("再次输入新密码"), exact=True).fill(PASSWORD)
    page.get_by_label(consent_label(t), exact=True).check()
    page.get_by_role("button", name=t("注册"), exact=True).click()
    expect(page.get_by_role("heading", name=t("请查收邮件"))).to_be_visible()
    if lang == "en":
        assert_english(page, *data, shop["email"])

    # Apply for a shop, filling every field like a person would.
    page.get_by_role("link", name=t("申请开店"), exact=True).click()
    expect(page.get_by_role("heading", name=t("申请开店"), exact=True)).to_be_visible()
    if lang == "en":
        assert_english(page, *data)
    page.get_by_label(t("店铺名称"), exact=True).fill(shop["name"])
    page.get_by_label(t("店铺类型"), exact=True).select_option(label=market_stall)
    page.get_by_label(t("批发市场名称"), exact=True).fill(shop["market"])
    page.get_by_label(t("摊位号"), exact=True).fill(shop["stall"])
    page.get_by_label(t("店铺介绍"), exact=True).fill(shop["description"])
    select_region(page, t("所在县区/乡镇"), "Qitai Town" if lang == "en" else "起台镇")
    page.get_by_label(t("详细地址"), exact=True).fill(shop["address"])
    page.get_by_label(t("联系电话"), exact=True).fill(shop["phone"])
    page.get_by_label(t("营业执照号码"), exact=True).fill(shop["licence"])
    page.get_by_label(t("营业执照照片"), exact=True).set_input_files(licence_png(tmp_path))
    page.get_by_label(t("店铺标志（可选）"), exact=True).set_input_files(
        licence_png(tmp_path, "logo.png", text="红辣椒"))
    screenshot(page, f"apply-{lang}")
    page.get_by_role("button", name=t("提交申请")).click()

    # The applicant sees his application is pending.
    expect(page.get_by_text(t("申请已提交，平台审核后会通过邮件通知您"))).to_be_visible()
    expect(page.locator(".badge", has_text=pending)).to_be_visible()
    if lang == "en":
        assert_english(page, *data, shop["name"], shop["email"])
    screenshot(page, f"application-pending-{lang}")
    logout(page)

    # The admin opens the queue and approves.
    login(page, "admin@example.com", PASSWORD)
    open_menu(page)
    page.get_by_role("link", name=t("管理后台"), exact=True).click()
    page.locator("nav.admin-nav").get_by_role("link", name=t("开店申请与店铺")).click()
    expect(page.get_by_role("heading", name=t("开店申请与店铺"))).to_be_visible()
    row = page.locator("tr", has_text=shop["name"])
    expect(row.locator(".badge")).to_have_text(pending)
    if lang == "en":
        assert_english(page, *data, shop["name"])
    screenshot(page, f"admin-queue-{lang}")
    row.get_by_role("link", name=shop["name"]).click()
    page.get_by_role("button", name=t("批准开店")).click()
    expect(page.get_by_text(t("已批准开店申请，店主会收到通知。"))).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text(approved)
    logout(page)

    # The merchant finds his public page from his shop's home.
    login(page, shop["email"], PASSWORD)
    open_menu(page)
    page.get_by_role("link", name=t("我的店铺"), exact=True).click()
    page.get_by_role("link", name=t("店铺主页"), exact=True).click()
    expect(page.get_by_role("heading", name=shop["name"], level=1)).to_be_visible()

    # An anonymous visitor opens it from the shop directory.
    visitor = browser.new_context(**browser_context_args)
    try:
        other = visitor.new_page()
        other.goto("/")
        if lang == "en":
            switch_language(other, "en")
        open_menu(other)
        other.get_by_role("link", name=t("店铺"), exact=True).click()
        expect(other.get_by_role("heading", name=t("店铺"), exact=True)).to_be_visible()
        screenshot(other, f"directory-{lang}")
        other.get_by_role("link", name=shop["name"]).click()
        expect(other.get_by_role("heading", name=shop["name"], level=1)).to_be_visible()
        body = other.locator("article.shop-page")
        expect(body).to_contain_text(market_stall)
        expect(body).to_contain_text(shop["market"])
        expect(body).to_contain_text(shop["stall"])
        from marketplace.privacy.masking import mask_phone

        expect(body).to_contain_text(mask_phone(shop["phone"]))  # a public page: the phone masked
        expect(body).not_to_contain_text(shop["phone"])
        expect(body).to_contain_text(shop["description"].split("\n")[0])
        expect(body).to_contain_text("Zhecheng County" if lang == "en" else "柘城县")
        if lang == "en":
            assert_english(other, *data, shop["name"], shop["market"], shop["stall"], shop["description"],
                           shop["address"])
        screenshot(other, f"shop-{lang}")
        screenshot(other, f"shop-{lang}-mobile", width=390, height=844)
    finally:
        visitor.close()

    # The applicant was e-mailed at each step, in his language.
    from marketplace.extensions import db
    from marketplace.mail.models import OutboxMessage

    with live_server.app.app_context():
        mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == shop["email"])).all()
        locales = {m.locale for m in mails}
    assert len(mails) >= 2, "the applicant is e-mailed when he applies and when he is approved"
    assert locales == {"en" if lang == "en" else "zh_CN"}


def test_register_apply_approve_public_shop_in_chinese(live_server, page, browser, browser_context_args,
                                                       tmp_path):
    shop_journey(live_server, page, browser, browser_context_args, tmp_path, "zh")


def test_register_apply_approve_public_shop_in_english(live_server, page, browser, browser_context_args,
                                                       tmp_path):
    shop_journey(live_server, page, browser, browser_context_args, tmp_path, "en")


def test_skip_link_and_login_form_work_by_keyboard_alone(live_server, page):
    from .helpers import make_user

    make_user(live_server, "keys@example.com", PASSWORD)
    page.goto("/account/login")

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["width"] > 0, "the focused skip link must be visible"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.locator("#email")).to_be_focused()
    page.keyboard.type("keys@example.com")
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.locator("#remember")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#remember")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("main form button[type=submit]")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/account/login"))
    # Logged in: the menu now offers the logout button.
    open_menu(page)
    expect(page.locator("header form[action$='/account/logout'] button")).to_be_visible()
