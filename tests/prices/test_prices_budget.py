"""Statement budgets of the public price pages at two data sizes (issue 18 item 7): the board of a
market and a commodity's page run the same number of statements whatever the number of
commodities, markets and days. The data is built once for the module (bench/prices_data.py)."""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from prices.services import local_today
from tests.marketplace.test_demo_data import _suite

#: The board 3 = its rows (each market's latest day, each row's previous price and the platform's
#: price as correlated subqueries), the markets, the categories. A commodity page 3 = the
#: commodity, its markets' series, its platform series.
BOARD_BUDGET = 3
COMMODITY_BUDGET = 3


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


@pytest.fixture(scope="module")
def sized(_schema, tmp_path_factory):
    """One app whose database holds a small set (2 commodities, 1 market, 2 days) and a big one
    (30 commodities, 5 markets, 60 days, with platform prices): built once, emptied at the end."""
    from bench.prices_data import build
    from catalog.categories import find_category, load_categories
    from marketplace import create_app

    suite = _suite()
    app = create_app(suite.make_config(_schema, tmp_path_factory.mktemp("prices-budget")))
    try:
        with app.app_context():
            load_categories()
            veg = find_category("农产品/蔬菜").id
            today = local_today()
            small = build(db, commodities=2, markets=1, days=2, prefix="s", today=today, category_id=veg)
            big = build(db, commodities=30, markets=5, days=60, prefix="b", today=today, category_id=veg)
            db.session.remove()
        app.sizes = {"small": small, "big": big}
        yield app
    finally:
        suite.empty_tables(app)


def _count(app, url: str) -> tuple[int, str]:
    client = app.test_client()
    with app.app_context():
        assert client.get(url).status_code == 200  # warm: the unit table, templates
        db.session.remove()
        with count_statements() as seen:
            response = client.get(url)
        assert response.status_code == 200
        return len(seen), response.get_data(as_text=True)


def test_board_of_a_market_at_two_sizes(sized):
    (_codes, [small_market]), (codes, big_markets) = sized.sizes["small"], sized.sizes["big"]
    small, _page = _count(sized, f"/prices?market={small_market}")
    big, page = _count(sized, f"/prices?market={big_markets[-1]}")
    every, _all = _count(sized, "/prices")
    print(f"\nSQL statements: board {small} / {big} / every market {every}")
    assert small == big == every <= BOARD_BUDGET
    assert "品种b29" in page and page.count('class="num platform"') == len(codes)


def test_commodity_page_at_two_sizes(sized):
    (small_codes, _m), (big_codes, _ms) = sized.sizes["small"], sized.sizes["big"]
    small, _page = _count(sized, f"/prices/{small_codes[0]}?days=30")
    big, page = _count(sized, f"/prices/{big_codes[-1]}?days=365")
    print(f"\nSQL statements: commodity {small} / {big}")
    assert small == big <= COMMODITY_BUDGET
    assert "平台成交价" in page and page.count("<tr><th scope=\"row\">") >= 365


def test_api_at_two_sizes(sized):
    (small_codes, _m), (big_codes, _ms) = sized.sizes["small"], sized.sizes["big"]
    counts = [_count(sized, url)[0] for url in (f"/api/v1/prices/{small_codes[0]}?days=7",
                                                 f"/api/v1/prices/{big_codes[0]}?days=365")]
    assert counts[0] == counts[1] <= COMMODITY_BUDGET
