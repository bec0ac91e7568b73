"""Finding 13 of issue 12 in a real browser: sign up (refused without the consent box, then with it),
read the privacy policy, download my data, delete my account, and find the login gone. Once in
Chinese and once in English, every label and button found by the text a person reads."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from .helpers import open_menu, screenshot, switch_language
from .test_shell_journeys import Texts, assert_english, consent_label, data_texts

pytestmark = pytest.mark.e2e

PASSWORD = "Ningling pear 2024!"
PEOPLE = {"zh": {"email": "sun.li@example.com", "name": "孙丽", "phone": "13937000000"},
          "en": {"email": "grace.ho@example.com", "name": "Grace", "phone": "13937000001"}}


def privacy_journey(live_server, page: Page, tmp_path, lang: str) -> None:
    t = Texts(live_server, lang)
    person = PEOPLE[lang]
    data = data_texts(live_server)

    page.goto("/account/register")
    if lang == "en":
        switch_language(page, "en")
    expect(page.get_by_role("heading", name=t("注册账号"))).to_be_visible()
    page.get_by_label(t("邮箱"), exact=True).fill(person["email"])
    page.get_by_label(t("称呼"), exact=True).fill(person["name"])
    page.get_by_label(t("密码"), exact=True).fill(PASSWORD)
    page.get_by_label(t("再次输入新密码"), exact=True).fill(PASSWORD)
    consent = page.get_by_label(consent_label(t), exact=True)
    expect(consent).not_to_be_checked()

    # Without the consent box: refused, with the reason beside it, and no account.
    page.get_by_role("button", name=t("注册"), exact=True).click()
    expect(page.locator("#consent-error")).to_have_text(t("请阅读并勾选同意《隐私政策》和《用户协议》后再注册。"))
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    with live_server.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0

    # The policy is one link away (it opens in a new tab) and reads in the page's language.
    with page.context.expect_page() as opened:
        page.locator(".consent-field").get_by_role("link", name=t("隐私政策")).click()
    policy = opened.value
    expect(policy.get_by_role("heading", name=t("隐私政策"), level=1)).to_be_visible()
    expect(policy.get_by_role("heading", name=t("四、您的权利"))).to_be_visible()
    if lang == "en":
        assert_english(policy, *data)
    policy.close()

    # With it: the account exists, the consent recorded.
    page.get_by_label(t("密码"), exact=True).fill(PASSWORD)
    page.get_by_label(t("再次输入新密码"), exact=True).fill(PASSWORD)
    page.get_by_label(consent_label(t), exact=True).check()
    page.get_by_role("button", name=t("注册"), exact=True).click()
    expect(page.get_by_role("heading", name=t("请查收邮件"))).to_be_visible()
    expect(page.locator(".consent-banner")).to_have_count(0)

    # He adds his phone, then opens "Privacy and data" from the menu.
    page.goto("/account/")
    page.get_by_label(t("联系电话"), exact=True).fill(person["phone"])
    page.get_by_role("button", name=t("保存"), exact=True).click()
    open_menu(page)
    page.get_by_role("link", name=t("隐私与数据"), exact=True).click()
    expect(page.get_by_role("heading", name=t("隐私与数据"), level=1)).to_be_visible()
    screenshot(page, f"privacy-{lang}")
    if lang == "en":
        assert_english(page, *data, person["email"])

    # Download my data: a ZIP with his e-mail and phone, explained in both languages.
    with page.expect_download() as download:
        page.get_by_role("button", name=t("下载我的数据")).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert re.fullmatch(r"my-data-\d{8}\.zip", path.name)
    with zipfile.ZipFile(path) as archive:
        exported = json.loads(archive.read("data.json"))
        readme = archive.read("README.txt").decode()
    assert exported["sections"]["account"]["email"] == person["email"]
    assert exported["sections"]["account"]["phone"] == person["phone"]
    assert exported["sections"]["consents"][0]["source"] == "register"
    assert "您的个人数据" in readme and "your personal data" in readme

    # Delete the account: a wrong password is refused, the right one deletes it.
    page.get_by_label(t("当前密码"), exact=True).fill("not my password 1")
    page.get_by_label(t("我了解注销后账号无法恢复，个人资料会被删除或匿名化"), exact=True).check()
    page.get_by_role("button", name=t("永久注销账号")).click()
    expect(page.locator("#password-error")).to_have_text(t("密码不正确。"))
    page.get_by_label(t("当前密码"), exact=True).fill(PASSWORD)
    page.get_by_label(t("我了解注销后账号无法恢复，个人资料会被删除或匿名化"), exact=True).check()
    page.get_by_role("button", name=t("永久注销账号")).click()
    expect(page.get_by_role("heading", name=t("账号已注销"))).to_be_visible()
    if lang == "en":
        assert_english(page, *data)
    with live_server.app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.deleted_at is not None and user.email.endswith("@deleted.invalid") and user.phone is None

    # The login is gone.
    page.goto("/account/login")
    page.get_by_label(t("邮箱"), exact=True).fill(person["email"])
    page.get_by_label(t("密码"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("登录"), exact=True).click()
    expect(page.get_by_text(t("邮箱或密码不正确。"))).to_be_visible()
    expect(page.locator("header form[action$='/account/logout']")).to_have_count(0)


def test_consent_export_and_deletion_in_chinese(live_server, page, tmp_path):
    privacy_journey(live_server, page, tmp_path, "zh")


def test_consent_export_and_deletion_in_english(live_server, page, tmp_path):
    privacy_journey(live_server, page, tmp_path, "en")
