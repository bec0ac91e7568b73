"""Issue 14's phone journey in a real browser: a farmer without an e-mail address signs up with his
mobile number (the code read from the admin's outbox page, as a developer does with
SMS_PROVIDER=outbox), opens a shop through the existing onboarding, signs out and back in by code.

In Chinese on a 390 px wide phone screen, and in English at desktop width (every label by its
English text, and no Chinese interface text left on the pages).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import (
    licence_png,
    login,
    logout,
    make_admin,
    open_menu,
    screenshot,
    shorter_timeouts,
    switch_language,
)
from .test_shell_journeys import Texts, assert_english, consent_label, data_texts, select_region, uscc

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "Outbox reader 2024!"
FARMERS = {
    "zh": {"phone": "156 0370 0123", "masked": "156****0123", "name": "刘大叔", "shop": "会亭镇刘家菜园",
           "address": "会亭镇刘庄村 6 号", "licence": uscc("92411426MA4KX8Q2L")},
    "en": {"phone": "+86 139-0370-4567", "masked": "139****4567", "name": "Uncle Liu", "shop": "Liu Family Greens",
           "address": "6 Liuzhuang Village, Huiting", "licence": uscc("92411426MA4KX8Q3M")},
}
PHONE_SCREEN = {"width": 390, "height": 844}


def code_from_outbox(live_server, browser, browser_context_args, masked: str, lang: str) -> str:
    """The developer's way: sign in as the admin (his browser speaks Chinese), open the outbox, read
    the newest SMS to the number."""
    t = Texts(live_server, "zh")
    context = browser.new_context(**browser_context_args)
    try:
        admin = context.new_page()
        shorter_timeouts(admin)
        login(admin, "admin@example.com", ADMIN_PASSWORD)
        admin.goto("/admin/outbox")
        row = admin.locator("tr", has_text=masked).first
        expect(row.locator(".badge", has_text=t("短信"))).to_be_visible()
        expect(row).to_contain_text(t("未发送（仅存于发件箱）"))
        row.get_by_role("link").first.click()
        text = admin.locator("pre.mail-text").inner_text()
        screenshot(admin, f"phone-outbox-{lang}")
        return re.search(r"\b(\d{6})\b", text).group(1)
    finally:
        context.close()


def enter_code(page: Page, t, code: str) -> None:
    page.get_by_label(t("短信验证码"), exact=True).fill(code)
    page.get_by_role("button", name=t("确认"), exact=True).click()


def phone_journey(live_server, page: Page, browser, browser_context_args, tmp_path: Path, lang: str) -> None:
    t = Texts(live_server, lang)
    farmer = FARMERS[lang]
    data = data_texts(live_server)
    make_admin(live_server, "admin@example.com", ADMIN_PASSWORD)
    # signing out and in again within the minute: the resend cooldown is not what this journey checks
    live_server.app.config["RATELIMIT_SMS_PHONE"] = "5 per minute;20 per day"

    page.goto("/")
    if lang == "en":
        switch_language(page, "en")

    # Sign up: the menu's sign-up page offers the phone; he has no e-mail address.
    open_menu(page)
    page.get_by_role("link", name=t("注册"), exact=True).click()
    page.get_by_role("link", name=t("没有邮箱？用手机号注册")).click()
    expect(page.get_by_role("heading", name=t("手机号注册"))).to_be_visible()
    if lang == "en":
        assert_english(page, *data)
    page.get_by_label(t("手机号"), exact=True).fill(farmer["phone"])
    page.get_by_label(t("称呼"), exact=True).fill(farmer["name"])
    page.get_by_label(consent_label(t), exact=True).check()
    screenshot(page, f"phone-register-{lang}", **PHONE_SCREEN)
    page.get_by_role("button", name=t("获取验证码"), exact=True).click()

    expect(page.get_by_role("heading", name=t("填写验证码"))).to_be_visible()
    expect(page.locator("main")).to_contain_text(farmer["masked"])
    if lang == "en":
        assert_english(page, *data)
    code = code_from_outbox(live_server, browser, browser_context_args, farmer["masked"], lang)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    enter_code(page, t, wrong)  # a slip of the finger: told so, and he may try again
    expect(page.locator(".error")).to_contain_text(t("验证码不正确，还可以再试 %(n)d 次。", n=4))
    enter_code(page, t, code)

    expect(page.get_by_role("heading", name=t("注册成功"))).to_be_visible()
    if lang == "en":
        assert_english(page, *data, farmer["name"])
    screenshot(page, f"phone-welcome-{lang}", **PHONE_SCREEN)

    # He opens a shop through the existing onboarding.
    page.get_by_role("link", name=t("申请开店"), exact=True).click()
    expect(page.get_by_role("heading", name=t("申请开店"), exact=True)).to_be_visible()
    page.get_by_label(t("店铺名称"), exact=True).fill(farmer["shop"])
    page.get_by_label(t("店铺类型"), exact=True).select_option(value="farmer")
    page.get_by_label(t("店铺介绍"), exact=True).fill("自家菜园的青菜、萝卜、大葱，每天清早采摘。")
    select_region(page, t("所在县区/乡镇"), "Huiting Town" if lang == "en" else "会亭镇")
    page.get_by_label(t("详细地址"), exact=True).fill(farmer["address"])
    page.get_by_label(t("联系电话"), exact=True).fill(farmer["phone"].replace("+86 ", ""))
    page.get_by_label(t("营业执照号码"), exact=True).fill(farmer["licence"])
    page.get_by_label(t("营业执照照片"), exact=True).set_input_files(licence_png(tmp_path))
    page.get_by_role("button", name=t("提交申请")).click()
    expect(page.locator("main")).to_contain_text(farmer["shop"])
    # he has no e-mail address: he is told where the answer will be, not to wait for a mail
    expect(page.get_by_text(t("申请已提交，审核结果会显示在这个页面上，请过一两天回来查看"))).to_be_visible()
    expect(page.get_by_text(t("平台正在审核您的申请，审核结果会显示在这个页面上。"))).to_be_visible()
    if lang == "en":
        assert_english(page, *data, farmer["shop"], farmer["name"])
    screenshot(page, f"phone-shop-pending-{lang}", **PHONE_SCREEN)

    # Signed out, he comes back by phone: the login page offers it.
    logout(page)
    page.goto("/account/login")
    page.get_by_role("link", name=t("手机号验证码登录")).click()
    expect(page.get_by_role("heading", name=t("手机号登录"))).to_be_visible()
    if lang == "en":
        assert_english(page, *data)
    page.get_by_label(t("手机号"), exact=True).fill(farmer["phone"])
    page.get_by_role("button", name=t("获取验证码"), exact=True).click()
    enter_code(page, t, code_from_outbox(live_server, browser, browser_context_args, farmer["masked"], lang))
    open_menu(page)
    page.get_by_role("link", name=t("我的店铺"), exact=True).click()
    expect(page.locator("main")).to_contain_text(farmer["shop"])

    # His settings show the number he signs in with; he has no e-mail address.
    page.goto("/account/")
    expect(page.locator("main")).to_contain_text(t("未填写"))
    expect(page.locator("#phone-change-link")).to_have_text(t("更换手机号"))
    if lang == "en":
        assert_english(page, *data, farmer["name"], "中文")  # the language list names each in itself


def test_a_farmer_signs_up_by_phone_and_opens_a_shop_in_chinese_on_a_phone(live_server, page, browser,
                                                                          browser_context_args, tmp_path):
    page.set_viewport_size(PHONE_SCREEN)
    phone_journey(live_server, page, browser, browser_context_args, tmp_path, "zh")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_SCREEN["width"], "nothing wider than the phone's screen"


def test_a_farmer_signs_up_by_phone_and_opens_a_shop_in_english(live_server, page, browser,
                                                                browser_context_args, tmp_path):
    phone_journey(live_server, page, browser, browser_context_args, tmp_path, "en")
