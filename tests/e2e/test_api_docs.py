"""The API reference page in a real browser: the vendored Swagger UI renders the generated document
under the site's strict CSP (a blocked script, style or eval is a console error here)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import screenshot
from .test_demo_pages import PageProblems

pytestmark = pytest.mark.e2e


def test_reference_page_renders_every_operation_without_csp_violations(live_server, page):
    problems = PageProblems(page, str(live_server))
    response = page.goto(live_server.url("api.docs"))
    assert response is not None and response.status == 200
    # Swagger UI adds its own h1 (the document's title) inside main once it has rendered
    expect(page.get_by_role("heading", name="API 文档", exact=True)).to_be_visible()
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    summaries = page.locator(".swagger-ui .opblock-summary-path").all_inner_texts()
    assert any("/api/v1/orders/{order_id}/cancel" in s.replace("\u200b", "") for s in summaries)
    page.locator(".swagger-ui .opblock").first.click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "api-docs")
    assert problems.take() == []
