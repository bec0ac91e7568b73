"""Public price pages: the board (change against the previous published day, risers and fallers),
a commodity's chart and table, CSV and JSON export, and their statement budgets at two data sizes."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io

import sqlalchemy as sa

from marketplace.extensions import db
from prices.services import local_today

#: Statements per page whatever the number of commodities, markets and days (measured on SQLite:
#: the board 3 = its rows (each market's latest day, each row's previous price), the markets, the
#: categories; a commodity page 2 = the commodity, its series).
BOARD_BUDGET = 3
COMMODITY_BUDGET = 2


@contextlib.contextmanager
def count_statements():
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def _fill(make_commodity, make_market, published, commodities: int, markets: int, days: int, prefix: str):
    from catalog.categories import find_category, load_categories

    if find_category("农产品/蔬菜") is None:
        load_categories()
    category = find_category("农产品/蔬菜")
    items = [make_commodity(f"{prefix}c{i}", f"品种{prefix}{i}", f"Item {prefix}{i}", category_id=category.id)
             for i in range(commodities)]
    places = [make_market(f"市场{prefix}{m}", name_en=f"Market {prefix}{m}") for m in range(markets)]
    today = local_today()
    for c_index, c in enumerate(items):
        for m in places:
            for d in range(days):
                published(c, m, today - dt.timedelta(days=d), 500 + 10 * c_index + d)
    return items, places


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


def test_board_and_commodity_budget_do_not_grow(app, client, make_commodity, make_market, published):
    from catalog.units.table import unit_table

    _fill(make_commodity, make_market, published, commodities=2, markets=1, days=2, prefix="a")
    unit_table()
    client.get("/prices")  # the process's first request registers its search node: steady state after
    db.session.remove()
    with count_statements() as board_small:
        assert client.get("/prices").status_code == 200
    with count_statements() as page_small:
        assert client.get("/prices/ac0?days=30").status_code == 200
    _fill(make_commodity, make_market, published, commodities=6, markets=3, days=8, prefix="b")
    db.session.remove()
    with count_statements() as board_big:
        page = client.get("/prices").get_data(as_text=True)
    assert "品种b5" in page
    with count_statements() as page_big:
        assert client.get("/prices/bc0?days=30").status_code == 200
    print(f"\nSQL statements: board {len(board_small)} / {len(board_big)}; "
          f"commodity {len(page_small)} / {len(page_big)}")
    assert len(board_small) == len(board_big) <= BOARD_BUDGET
    assert len(page_small) == len(page_big) <= COMMODITY_BUDGET


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
