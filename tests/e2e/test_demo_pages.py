"""The seeded demo in a real browser: the main pages load without a failed request or a console
error (a CSP violation from an inline script or style shows up as one), every visible form control
has a label, every button and link a name, every POST form a CSRF token; no page scrolls sideways
on a phone.

With MARKETPLACE_SCREENSHOTS=docs/screenshots the same walk refreshes the README's screenshots.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import login, screenshot, switch_language

pytestmark = pytest.mark.e2e

#: (screenshot name, endpoint, values) for the public pages, in the order a visitor meets them.
PUBLIC_PAGES = [
    ("home", "core.home", {}),
    ("directory", "shops.directory", {}),
    ("shop", "shops.show", {"slug": "zhecheng-lajiao-hezuoshe"}),
    ("county", "catalog.county", {"code": "411424"}),
    ("categories", "catalog.categories", {}),
    ("search", "catalog.search", {"q": "lajiao"}),
    ("investment", "investment.library", {}),
    ("prices", "prices.board", {}),
    ("prices-commodity", "prices.commodity", {"code": "pear-su", "days": 90}),
    ("region-county", "regions.page", {"code": "411424"}),
    ("region-village", "regions.page", {"code": "411424102203"}),
]
ADMIN_PAGES = [
    ("admin", "admin.index", {}),
    ("admin-queue", "admin.shops", {}),
    ("admin-products", "catalog.admin_products", {}),
]
MOBILE = {"home", "shop", "county", "prices"}


@pytest.fixture(scope="module")
def demo_server(_schema, tmp_path_factory):
    """One live server with the demo seeded, shared by this module's tests (seeding takes a while);
    the tables are emptied when the module is done."""
    from marketplace import create_app
    from marketplace.seed import seed_demo

    from .conftest import _suite, serve

    suite = _suite()
    app = create_app(suite.make_config(_schema, tmp_path_factory.mktemp("demo-data"), WTF_CSRF_ENABLED=True))
    try:
        with app.app_context():
            seed_demo(show_progress=False)
        with serve(app) as server:
            yield server
    finally:
        suite.empty_tables(app)


@pytest.fixture
def live_server(demo_server):
    """In this module the browser talks to the seeded demo server, not a fresh live server."""
    return demo_server


class PageProblems:
    """Console errors and failed same-origin requests seen while the page was open."""

    #: The browser asks for /favicon.ico on its own; the site declares no icon (yet).
    IGNORED = ("/favicon.ico",)

    def __init__(self, page: Page, base: str):
        self.items: list[str] = []
        self.base = base
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.items.append(f"script error: {e}"))
        page.on("requestfailed", lambda r: self._add(r.url, f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: self._add(r.url, f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

    def _add(self, url: str, text: str) -> None:
        if url.startswith(self.base) and not url[len(self.base):].startswith(self.IGNORED):
            self.items.append(text)

    def _console(self, message) -> None:
        # a failed load is reported with its URL by the response handler
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.items.append(f"console error: {message.text}")

    def take(self) -> list[str]:
        items, self.items = self.items, []
        return items


#: Visible form controls without an accessible name, and POST forms without a CSRF token.
PAGE_RULES_JS = """() => {
  const problems = [];
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  for (const e of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type) || !visible(e)) continue;
    const named = (e.labels && e.labels.length) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
      || e.getAttribute('title');
    if (!named) problems.push('no label: ' + e.outerHTML.slice(0, 120));
  }
  for (const f of document.querySelectorAll('form')) {
    if ((f.getAttribute('method') || '').toLowerCase() === 'post' && !f.querySelector('input[name=csrf_token]'))
      problems.push('POST form without csrf_token: ' + (f.getAttribute('action') || location.pathname));
  }
  for (const b of document.querySelectorAll('button, a[href]')) {
    if (visible(b) && !(b.textContent.trim() || b.getAttribute('aria-label') || b.querySelector('img[alt]:not([alt=""])')))
      problems.push('nameless ' + b.tagName.toLowerCase() + ': ' + b.outerHTML.slice(0, 120));
  }
  return problems;
}"""


def _walk(page: Page, server, pages) -> list[str]:
    problems = PageProblems(page, str(server))
    seen = []
    for name, endpoint, values in pages:
        assert server.has_endpoint(endpoint), f"the page {name} ({endpoint}) is gone"
        response = page.goto(server.url(endpoint, **values))
        assert response is not None and response.status == 200, f"{endpoint}: HTTP {response and response.status}"
        expect(page.locator("main h1").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert problems.take() == [], f"problems on {endpoint}"
        assert page.evaluate(PAGE_RULES_JS) == [], f"accessibility/CSRF problems on {endpoint}"
        screenshot(page, name)
        if name in MOBILE:
            screenshot(page, f"{name}-mobile", width=390, height=844)
        seen.append(endpoint)
    return seen


def test_demo_pages_load_cleanly(demo_server, page):
    seen = _walk(page, demo_server, PUBLIC_PAGES)
    assert {"core.home", "shops.directory", "shops.show"} <= set(seen)

    from marketplace.seed_data import ADMIN_EMAIL, DEMO_PASSWORD

    login(page, ADMIN_EMAIL, DEMO_PASSWORD)
    seen = _walk(page, demo_server, ADMIN_PAGES)
    assert "admin.shops" in seen


def test_phone_width_has_no_horizontal_scroll(demo_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    for name, endpoint, values in PUBLIC_PAGES:
        assert demo_server.has_endpoint(endpoint), f"the page {name} ({endpoint}) is gone"
        page.goto(demo_server.url(endpoint, **values))
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{endpoint} scrolls sideways by {overflow}px at 390px"


def test_home_tiles_show_each_countys_specialties(demo_server, page):
    """一县一品: a tile per county with its specialties, each linking to its products in the county."""
    page.goto(demo_server.url("core.home"))
    tile = page.locator(".county-block").filter(has=page.get_by_role("link", name="柘城县"))
    expect(tile.get_by_role("link", name="三樱椒/朝天椒")).to_be_visible()
    expect(tile.locator(".mini-list li")).to_have_count(4)
    expect(tile.locator(".mini-list")).to_contain_text("椒")
    expect(tile.locator(".mini-list")).to_contain_text("金刚石")
    wine = page.locator(".county-block").filter(has=page.get_by_role("link", name="民权县"))
    expect(wine.locator(".mini-list")).to_contain_text("葡萄酒")
    tile.get_by_role("link", name="三樱椒/朝天椒").click()
    expect(page.locator("main")).to_contain_text("柘城三樱椒 干椒")
    # in English the tiles keep the counties' names and specialties, and say so
    page.goto(demo_server.url("core.home"))
    switch_language(page, "en")
    expect(page.get_by_role("heading", name="One county, one product")).to_be_visible()
    expect(page.locator(".specialty-list").first).to_have_attribute("aria-label", re.compile("^Specialties of "))
