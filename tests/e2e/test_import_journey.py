"""Browser journey: a merchant imports a CSV: uploads it, reads the preview, confirms, and watches
the import run in the background to its outcome, in Chinese and in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DEFAULT_PASSWORD, login, screenshot, switch_language
from tests.e2e.test_catalog_journey import _approved_shop

pytestmark = pytest.mark.e2e

CSV = ("product_code,title,category,variant,unit,price,stock\n"
       "YC-01,永城面粉 特一粉,农产品/粮油,25kg 袋,袋,95.00,300\n"
       "YC-01,永城面粉 特一粉,,5kg 袋,袋,21.00,100\n"
       "XY-02,夏邑新小麦,农产品/粮油,50kg 袋,袋,130.00,80\n")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_merchant_imports_a_csv_and_watches_it_finish(live_server, page: Page, tmp_path, locale):
    _approved_shop(live_server, "mianfen@example.com")
    login(page, "mianfen@example.com", DEFAULT_PASSWORD)
    if locale == "en":
        switch_language(page, "en")
    english = locale == "en"
    path = tmp_path / "products.csv"
    path.write_text(CSV, encoding="utf-8")

    page.goto("/merchant/products/import")
    page.get_by_label("CSV or Excel file" if english else "CSV 或 Excel 文件").set_input_files(str(path))
    page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(page.get_by_role("heading", name="Preview: all checks passed" if english else "预览：检查通过")).to_be_visible()
    page.get_by_role("button", name="Import now" if english else "确认导入").click()

    expect(page.get_by_role("heading", name="Import finished" if english else "导入完成")).to_be_visible()
    status = page.get_by_role("status")
    expect(status).to_contain_text("2")  # two products created
    screenshot(page, f"import-run-{locale}", width=390, height=700)
    page.get_by_role("link", name="See the products" if english else "查看商品").click()
    expect(page.get_by_text("夏邑新小麦")).to_be_visible()
