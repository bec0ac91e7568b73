"""Steps that many browser journeys share. ``page`` is bound to the live server (relative URLs work).

The helpers find fields by their ids (WTForms uses the field name), so they work in either language;
journeys that check what a person reads should use labels and texts (``get_by_label``,
``get_by_role``) in the language under test.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from marketplace.config import ROOT

#: Set MARKETPLACE_SCREENSHOTS=docs/screenshots to refresh the README's screenshots while the journeys run.
SCREENSHOTS_ENV = "MARKETPLACE_SCREENSHOTS"
DEFAULT_PASSWORD = "correct horse 42"


#: A navigation's timeout. Twice in full runs on 2026-12-07 (both cores busy with the other test worker
#: and PostgreSQL) Chromium sent a page's request only 34 s after goto() with the server idle meanwhile;
#: a missing element still fails in 20 s.
NAVIGATION_TIMEOUT_MS = 60_000

#: An ``expect(...)`` assertion's timeout (Playwright's own is 5 s). On 2026-12-07 CI's loaded machine
#: answered the region picker's /regions/children.json after more than 5 s and a journey failed there;
#: the same 20 s as an element action's timeout, so a missing element still fails in 20 s.
EXPECT_TIMEOUT_MS = 20_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def shorter_timeouts(page: Page) -> Page:
    """A page's element timeout 20 s, not half a minute (20 s: a click that submits a form waits for the
    answer, which took over 10 s on a loaded CI machine); its navigations NAVIGATION_TIMEOUT_MS."""
    page.set_default_timeout(20_000)
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return page


def submit(page: Page, form_selector: str = "main form[method=post]") -> None:
    """Press the form's submit button and wait for the next page."""
    with page.expect_navigation():
        page.locator(form_selector).locator("button[type=submit], input[type=submit]").first.click()


def register(page: Page, email: str, password: str = DEFAULT_PASSWORD, name: str = "") -> None:
    """Sign up through the real form; the new user is then logged in."""
    page.goto("/account/register")
    page.fill("#email", email)
    if name:
        page.fill("#name", name)
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.check("#consent")  # 我已阅读并同意《隐私政策》和《用户协议》
    submit(page, "main form[action$='/account/register']")
    expect(page).to_have_url(re.compile(r"/account/registered$"))


def login(page: Page, email: str, password: str = DEFAULT_PASSWORD, next_path: str | None = None) -> None:
    """Log in through the real form (optionally with ?next=)."""
    page.goto("/account/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#email", email)
    page.fill("#password", password)
    submit(page, "main form[action$='/account/login']")
    expect(page).not_to_have_url(re.compile(r"/account/login"))


def open_menu(page: Page) -> None:
    """Open the header's menu (a <details> element, closed by default on every page)."""
    menu = page.locator("details.nav-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()


def logout(page: Page) -> None:
    """Log out with the header's button (a POST form with a CSRF token)."""
    open_menu(page)
    with page.expect_navigation():
        page.locator("header form[action$='/account/logout'] button").click()


def switch_language(page: Page, locale: str) -> None:
    """Press the header's language button (``"en"`` or ``"zh_CN"``) and wait for the page in it."""
    with page.expect_navigation():
        page.locator(f"header form.lang-switch button[value='{locale}']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en" if locale == "en" else "zh-CN")


def pick_region(page: Page, *names: str, prefix: str = "region") -> None:
    """Choose a region in the cascading picker, one level after another (each next select is filled
    by static/js/region-picker.js from the server)."""
    for level, name in enumerate(names, start=1):
        select = page.locator(f"#{prefix}-{level}")
        expect(select.locator("option", has_text=name).first).to_be_attached()
        select.select_option(label=name)


def make_user(live_server, email: str, password: str = DEFAULT_PASSWORD, roles=(), name: str = "",
              locale: str = "zh_CN"):
    """A user created directly in the live app's database (for actors the journey does not sign up)."""
    from marketplace.accounts.models import Role, User, UserRole
    from marketplace.accounts.passwords import hash_password
    from marketplace.extensions import db

    with live_server.app.app_context():
        user = User(email=email.lower(), name=name, password_hash=hash_password(password), locale=locale)
        for role in roles:
            user.roles.append(UserRole(role=Role(role)))
        db.session.add(user)
        db.session.commit()
        return user.id


def make_admin(live_server, email: str = "admin@example.com", password: str = DEFAULT_PASSWORD,
               name: str = "平台管理员", locale: str = "zh_CN") -> int:
    """A platform admin; returns the user's id."""
    return make_user(live_server, email, password, roles=("admin",), name=name, locale=locale)


def licence_png(directory: Path, name: str = "licence.png", text: str = "营业执照") -> Path:
    """A believable scan of a business licence, generated with Pillow, as a file to upload."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 640), (250, 246, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 880, 620), outline=(170, 40, 40), width=8)
    draw.rectangle((60, 80, 840, 140), fill=(200, 60, 50))
    for y in range(200, 560, 50):
        draw.line((80, y, 820, y), fill=(120, 120, 120), width=3)
    draw.ellipse((640, 420, 800, 580), outline=(200, 30, 30), width=6)
    from marketplace.seed import cjk_font_path

    font_path = cjk_font_path()
    if font_path:  # without a CJK font the scan has no title; the journeys need no text on it
        from PIL import ImageFont

        draw.text((330, 84), text, fill=(255, 255, 255), font=ImageFont.truetype(font_path, 44))
    path = directory / name
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def screenshot(page: Page, name: str, width: int = 1000, height: int = 800, at: str | None = None) -> Path | None:
    """Save a small PNG of the current page for the README, only when MARKETPLACE_SCREENSHOTS names a
    folder (a normal test run never writes into the tree). ``at``: a selector to scroll to the top
    (the page's top by default)."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    if not folder:
        return None
    from PIL import Image

    target = Path(folder)
    if not target.is_absolute():
        target = ROOT / target
    target.mkdir(parents=True, exist_ok=True)
    old = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate("""(at) => {
        if (document.activeElement) document.activeElement.blur();
        const target = at && document.querySelector(at);
        if (target) target.scrollIntoView({block: "start"}); else window.scrollTo(0, 0);
    }""", at)
    try:
        png = page.screenshot(full_page=False, animations="disabled")
    finally:
        if old:
            page.set_viewport_size(old)
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    path = target / f"{name}.png"
    image.save(path, "PNG", optimize=True)
    return path


def wechat_trade_no(live_server) -> str:
    """The newest WeChat Pay trade's out_trade_no (what the fake's pay() settles)."""
    from marketplace.extensions import db
    from payments.models import Payment, PaymentMethod

    with live_server.app.app_context():
        return db.session.scalar(db.select(Payment.idempotency_key).where(Payment.method == PaymentMethod.WECHAT_PAY)
                                 .order_by(Payment.id.desc()))
