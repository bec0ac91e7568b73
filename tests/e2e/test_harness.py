"""The harness itself: the live server answers, the browser renders Chinese, CSRF is on."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_home_page_renders_in_chinese(live_server, page):
    response = page.goto("/")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".skip-link").inner_text() == "跳到正文"
    # The CJK font is installed: Chinese text has real glyph widths, not zero-width boxes.
    width = page.evaluate("() => { const s = document.createElement('span'); s.textContent = '商丘本地集市';"
                          " document.body.appendChild(s); return s.getBoundingClientRect().width; }")
    assert width > 40


def test_live_app_runs_with_csrf_on(live_server):
    assert live_server.app.config["WTF_CSRF_ENABLED"] is True
    assert live_server.url("core.home") == live_server + "/"
