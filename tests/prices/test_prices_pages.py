"""Public price pages: the board (change against the previous published day, risers and fallers),
a commodity's chart and table, CSV and JSON export (statement budgets: test_prices_budget.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa

from marketplace.extensions import db
from prices.services import local_today


def test_board_shows_change_and_movers(client, make_commodity, make_market, published):
    garlic, pear = make_commodity(), make_commodity("pear", "酥梨", "Crisp pear")
    market = make_market()
    today = local_today()
    published(garlic, market, today - dt.timedelta(days=3), 700)  # the previous published day: 3 days ago
    published(garlic, market, today, 770)
    published(pear, market, today - dt.timedelta(days=1), 500)
    published(pear, market, today, 450)
    page = client.get("/prices").get_data(as_text=True)
    assert "▲ 10.0%" in page and "▼ 10.0%" in page
    risers = page.split('id="risers"')[1].split("</section>")[0]
    fallers = page.split('id="fallers"')[1].split("</section>")[0]
    assert "大蒜" in risers and "酥梨" in fallers
    english = client.get("/prices", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Crisp pear" in english and "Central Market" in english


def test_commodity_page_chart_table_and_windows(client, make_commodity, make_market, published):
    garlic = make_commodity()
    market = make_market()
    today = local_today()
    for d in (0, 5, 40):
        published(garlic, market, today - dt.timedelta(days=d), 700 + d)
    page = client.get("/prices/garlic?days=30").get_data(as_text=True)
    assert 'data-chart=' in page and "¥7.05" in page and "¥7.40" not in page  # 40 days ago: outside 30
    assert "¥7.40" in client.get("/prices/garlic?days=90").get_data(as_text=True)
    assert "echarts" in page and "cdn" not in page.lower()
    assert client.get("/prices/garlic?days=12").status_code == 200  # an odd window falls back to 30
    assert client.get("/prices/nothing").status_code == 404


def test_exports_csv_neutralised_and_json(client, make_commodity, make_market, published):
    garlic = make_commodity()
    market = make_market("=HYPERLINK(1)市场")
    published(garlic, market, local_today(), 760, low=700, high=820)
    response = client.get("/prices/garlic/export.csv?days=7")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["day", "market", "spec", "unit", "low", "avg", "high", "origin"]
    assert rows[1][1].startswith("'=") and rows[1][4:7] == ["7.00", "7.60", "8.20"]
    data = client.get("/prices/garlic/series.json?days=7").get_json()
    assert data["commodity"]["code"] == "garlic" and data["prices"][0]["avg_cents"] == 760


def test_demo_seed_is_idempotent(app, regions):
    from prices.models import Commodity, Market, PriceObservation
    from prices.seed import seed_demo

    first = seed_demo()
    assert first["prices"] > 30 * 365 and first["markets"] == 3
    assert seed_demo()["prices"] == 0
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Market)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commodity)) == 35  # 5 groups + 30
    jin = db.session.scalar(sa.select(PriceObservation).where(PriceObservation.unit == "斤").limit(1))
    assert abs(jin.std_avg_cents - 2 * jin.avg_cents) <= 1


def test_demo_prices_are_seasonal(app, regions):
    """朝天椒 (dear before the harvest, in June; cheap in December when the new crop is dried) and
    napa cabbage (dear in July, cheap in January): each calendar month's average, per standard unit,
    peaks near the configured month and its peak beats its trough by about the configured swing, at the
    central market (per 公斤) and at a county market quoting per 斤."""
    from prices.models import Commodity, Market, PriceObservation
    from prices.seed import COMMODITIES, seed_demo

    seed_demo()
    db.session.commit()
    specs = {c[0]: c for c in COMMODITIES}
    for code, market_name in (("chili-sanying", "商丘农产品中心批发市场"), ("chili-sanying", "柘城县辣椒大市场"),
                              ("cabbage", "商丘农产品中心批发市场")):
        *_names, base, swing, peak = specs[code]
        rows = db.session.execute(sa.select(PriceObservation.day, PriceObservation.std_avg_cents)
                                  .join(Commodity, Commodity.id == PriceObservation.commodity_id)
                                  .join(Market, Market.id == PriceObservation.market_id)
                                  .where(Commodity.code == code, Market.name == market_name)).all()
        assert len(rows) == 365
        by_month: dict[int, list[int]] = {}
        for day, cents in rows:
            by_month.setdefault(day.month, []).append(cents)
        monthly = {m: sum(v) / len(v) for m, v in by_month.items()}
        high, low = max(monthly, key=monthly.get), min(monthly, key=monthly.get)
        trough = (peak + 5) % 12 + 1  # six months after the peak
        assert min((high - peak) % 12, (peak - high) % 12) <= 1, (code, market_name, monthly)
        assert min((low - trough) % 12, (trough - low) % 12) <= 1, (code, market_name, monthly)
        # a cosine of amplitude ``swing`` around the base: peak / trough is about (1 + swing) / (1 - swing),
        # less a little for a month's averaging, and the day-to-day drift (at most 12 %) moves it
        expected = (1 + swing) / (1 - swing)
        ratio = monthly[high] / monthly[low]
        assert expected * 0.85 < ratio < expected * 1.15, (code, market_name, ratio, expected)
        mean = sum(monthly.values()) / 12
        assert 0.85 < mean / (base * 100) < 1.15, (code, market_name, mean)



def test_a_market_that_has_not_reported_today_shows_its_last_day(client, make_commodity, make_market, published):
    garlic = make_commodity()
    central, county = make_market(), make_market("宁陵县农贸批发市场", name_en="Ningling Market")
    today = local_today()
    published(garlic, central, today, 760)
    published(garlic, county, today - dt.timedelta(days=2), 700)
    published(garlic, county, today - dt.timedelta(days=9), 600)
    published(garlic, county, today - dt.timedelta(days=1), 999, spec="一级")  # another spec: its own row
    page = client.get("/prices").get_data(as_text=True)
    sections = page.split('class="price-market"')[1:]
    assert len(sections) == 2
    assert (today - dt.timedelta(days=1)).isoformat() in sections[1] and "今天的价格尚未发布" in sections[1]
    assert "▲ 16.6%" in sections[1]  # 7.00 against 6.00, the previous published day at that market
    assert (today - dt.timedelta(days=2)).strftime("%m-%d") in sections[1]
    only = client.get(f"/prices?market={county.id}").get_data(as_text=True)
    assert only.count('class="price-market"') == 1 and "一级" in only


def test_officer_grants_a_reporter_his_market(client, login, make_user, make_market, officer):
    from marketplace.accounts.models import Role

    market = make_market()
    clerk = make_user(email="zhou@example.com")
    login(officer)
    client.post("/prices/reporters", data={"email": "zhou@example.com", "market_id": market.id, "action": "grant"})
    db.session.expire_all()
    assert clerk.has_role(Role.MARKET_REPORTER, market) and not clerk.has_role(Role.MARKET_REPORTER)
    assert "zhou@example.com" in client.get("/prices/reporters").get_data(as_text=True)
    client.post("/account/logout")
    login(clerk)
    assert "/prices/report" in client.get("/").get_data(as_text=True)  # the user menu's entry
    assert client.get("/prices/reporters").status_code == 403
