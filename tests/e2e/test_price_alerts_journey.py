"""Browser journey of price alerts, in Chinese and in English: a visitor on a commodity's price page
follows "sign in to subscribe", subscribes (a refused value first: the message in his language,
nothing saved), finds the alert on "my price alerts"; the next day's price is published crossing it;
he sees the notice in his notification centre and the e-mail is in the outbox."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import make_user, screenshot, switch_language

pytestmark = pytest.mark.e2e

TEXT = {
    "zh_CN": {"login": "登录后可订阅价格提醒", "bad": "价格必须大于零", "saved": "已订阅价格提醒",
              "condition": "均价达到或低于 ¥3.50/斤", "any": "任一市场", "notice": "价格提醒",
              "told": "大蒜：商丘农产品中心批发市场", "reached": "已达到或低于您设的 ¥3.50/斤"},
    "en": {"login": "Sign in to subscribe to a price alert", "bad": "The price must be above zero",
           "saved": "Price alert saved", "condition": "Average price at or below CN¥3.50/jin", "any": "Any market",
           "notice": "Price alerts", "told": "Garlic: the average price at Central Market",
           "reached": "has reached or fallen below your ¥3.50/jin"},
}


def _setup(live_server, email: str, locale: str) -> dict:
    """Garlic at the central market, yesterday ¥7.60/公斤 (¥3.80/斤); a reporter; the visitor's account."""
    from marketplace.extensions import db
    from prices.models import Commodity, Market, MarketCommodity, MarketKind, PriceObservation, PriceStatus
    from prices.services import local_today

    user = make_user(live_server, email, name="王芳", locale=locale)
    reporter = make_user(live_server, f"reporter-{locale}@example.com", name="周师傅")
    with live_server.app.app_context():
        garlic = Commodity(code="garlic", name="大蒜", name_en="Garlic", unit="公斤")
        market = Market(name="商丘农产品中心批发市场", name_en="Central Market", kind=MarketKind.CENTRAL)
        market.usual.append(MarketCommodity(commodity=garlic))
        db.session.add(market)
        db.session.flush()
        yesterday = local_today() - dt.timedelta(days=1)
        db.session.add(PriceObservation(commodity_id=garlic.id, market_id=market.id, day=yesterday, unit="公斤",
                                        low_cents=720, avg_cents=760, high_cents=800, std_low_cents=720,
                                        std_avg_cents=760, std_high_cents=800, status=PriceStatus.PUBLISHED,
                                        source="test"))
        db.session.commit()
        return {"user": user, "reporter": reporter, "garlic": garlic.id, "market": market.id}


def _publish_today(live_server, ids: dict, avg: str) -> None:
    """The reporter's publish of today's price, through the service (its job runs after the commit)."""
    from marketplace.accounts.models import User
    from marketplace.db import atomic
    from marketplace.extensions import db
    from prices.models import Commodity, Market
    from prices.services import check_values, local_today, record

    with live_server.app.app_context():
        commodity = db.session.get(Commodity, ids["garlic"])
        with atomic():
            record(db.session.get(Market, ids["market"]), commodity, local_today(),
                   check_values(commodity, unit="公斤", low=None, avg=avg, high=None),
                   db.session.get(User, ids["reporter"]))


def _outbox(live_server, email: str) -> list:
    import sqlalchemy as sa

    from marketplace.extensions import db
    from marketplace.mail.models import OutboxMessage

    with live_server.app.app_context():
        return [(m.subject, m.body_text) for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.to_addr == email))]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_subscribe_then_the_next_days_price_crosses_it(live_server, page: Page, locale):
    t = TEXT[locale]
    email = f"canteen-{locale.lower()}@example.com"
    ids = _setup(live_server, email, locale)

    # a visitor reads the garlic page and follows "sign in to subscribe"
    page.goto("/prices/garlic")
    if locale == "en":
        switch_language(page, "en")
    link = page.locator("#alert-login")
    expect(link).to_have_text(t["login"])
    with page.expect_navigation():
        link.click()
    page.fill("#email", email)
    page.fill("#password", "correct horse 42")
    with page.expect_navigation():
        page.locator("main form[action*='/account/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/prices/garlic$"))

    # a price of zero is refused in his language, and nothing is saved
    form = page.locator("#alert-form")
    form.locator("#alert-direction").select_option("below")
    form.locator("#alert-price").fill("0")
    form.locator("#alert-unit").select_option("斤")
    with page.expect_navigation():
        page.locator("#alert-submit").click()
    expect(page.locator("#alert-error")).to_contain_text(t["bad"])
    expect(page.locator("#alert-direction")).to_have_value("below")
    screenshot(page, f"price-alert-refused-{locale}", at="#price-alert")

    # ¥3.50 per 斤 (¥7.00 per 公斤), any market: saved and listed
    page.locator("#alert-price").fill("3.50")
    expect(page.locator("#alert-unit")).to_have_value("斤")
    with page.expect_navigation():
        page.locator("#alert-submit").click()
    expect(page).to_have_url(re.compile(r"/prices/alerts$"))
    expect(page.locator(".flashes")).to_contain_text(t["saved"])
    row = page.locator("table#alerts tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(t["condition"])
    expect(row).to_contain_text(t["any"])
    screenshot(page, f"price-alerts-{locale}")

    # today's price falls to ¥6.90 per 公斤 (¥3.45 per 斤): crossing it
    _publish_today(live_server, ids, "6.90")
    page.goto("/notifications")
    notice = page.locator("ol.notice-list li").first
    expect(notice).to_contain_text(t["notice"])
    expect(notice).to_contain_text(t["told"])
    expect(notice).to_contain_text(t["reached"])
    expect(notice).to_contain_text("¥3.45")
    screenshot(page, f"price-alert-notice-{locale}")
    mails = _outbox(live_server, email)
    assert len(mails) == 1 and "¥3.45" in mails[0][1] and "/prices/garlic" in mails[0][1], mails

    # a correction the same day tells nobody again; the notice links to the price page
    _publish_today(live_server, ids, "6.80")
    page.reload()
    expect(page.locator("ol.notice-list li")).to_have_count(1)
    with page.expect_navigation():
        notice.locator("button.notice-open").click()
    expect(page).to_have_url(re.compile(r"/prices/garlic$"))
    assert len(_outbox(live_server, email)) == 1
