"""The platform's own transaction prices (issue 18 item 3): which order lines are a commodity's,
volume-weighted per its standard unit, lines that do not convert left out and counted, the daily
job idempotent; shown on the commodity page (a series of its own), the board and the API."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.extensions import db
from prices.services import local_today


@pytest.fixture
def garlic_setup(app, make_commodity, make_market, make_product, make_shop, published):
    from catalog.categories import find_category, load_categories

    load_categories()
    veg, dried = find_category("农产品/蔬菜"), find_category("农产品/干货调料")
    garlic = make_commodity(category_id=veg.id, keywords="蒜头,-蒜苗")
    make_commodity("radish", "萝卜", "Radish", category_id=veg.id)
    make_commodity("radish-white", "白萝卜", "White radish", category_id=veg.id)
    market = make_market(commodities=[garlic])
    shop = make_shop()
    products = {
        "jin": make_product(shop, title="精品大蒜 按斤", unit="斤", price=400, category=veg, direct=True),
        "case": make_product(shop, title="大蒜 整件", unit="件", weight_grams=20000, price=14000, category=veg,
                             direct=True),
        "gift": make_product(shop, title="大蒜 礼盒", unit="个", price=3000, category=veg, direct=True),
        "sprout": make_product(shop, title="蒜苗 大蒜苗", unit="斤", price=300, category=veg, direct=True),
        "dried": make_product(shop, title="大蒜片", unit="斤", price=900, category=dried, direct=True),
        "radish": make_product(shop, title="白萝卜 精品", unit="斤", price=100, category=veg, direct=True),
    }
    return {"garlic": garlic, "market": market, "products": products, "veg": veg}


def _yesterday_noon() -> dt.datetime:
    from marketplace.figures import site_zone

    day = local_today() - dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(12), tzinfo=site_zone()).astimezone(dt.UTC)


def _row(commodity, day):
    from prices.platform_models import PlatformPrice

    db.session.expire_all()
    return db.session.scalars(sa.select(PlatformPrice).where(PlatformPrice.commodity_id == commodity.id,
                                                              PlatformPrice.day == day)).all()


def test_volume_weighted_per_standard_unit_and_left_out_lines_counted(garlic_setup, paid_line):
    from decimal import Decimal

    from orders.models import OrderStatus
    from prices.platform import compute_day

    p, garlic = garlic_setup["products"], garlic_setup["garlic"]
    when = _yesterday_noon()
    first = paid_line(p["jin"], 10, 400, paid=when)  # 10 斤 = 5 kg for ¥40.00: ¥8.00/kg
    paid_line(p["case"], 2, 14000, paid=when, order=first.order)  # 2 x 20 kg for ¥280.00: ¥7.00/kg
    paid_line(p["gift"], 3, 3000, paid=when)  # 个 without a weight: left out, counted
    paid_line(p["sprout"], 10, 300, paid=when)  # excluded word 蒜苗: not garlic
    paid_line(p["dried"], 10, 900, paid=when)  # another category: not garlic
    paid_line(p["jin"], 10, 9999, paid=when, status=OrderStatus.CANCELLED)  # unsold: not counted
    paid_line(p["jin"], 10, 9999, paid=when + dt.timedelta(days=1))  # another day
    day = local_today() - dt.timedelta(days=1)
    compute_day(day)
    [row] = _row(garlic, day)
    assert row.avg_cents == 711  # ¥320.00 / 45 kg, rounded half up
    assert (row.low_cents, row.high_cents) == (700, 800)
    assert row.volume == Decimal("45.000") and row.order_count == 1 and row.line_count == 2
    assert row.lines_left_out == 1


def test_the_longest_word_wins_and_only_leaves_in_the_category_match(garlic_setup, paid_line):
    from prices.matching import load_matcher

    matcher = load_matcher()
    veg = garlic_setup["veg"].id
    assert matcher.match("白萝卜 精品", veg).code == "radish-white"
    assert matcher.match("水萝卜", veg).code == "radish"
    assert matcher.match("新蒜头", veg).code == "garlic"  # a keyword
    assert matcher.match("大蒜苗", veg) is None  # an excluded word
    assert matcher.match("大蒜", None) is None and matcher.match("大蒜", 999_999) is None


def test_the_daily_job_replaces_a_day_never_duplicates(app, garlic_setup, paid_line):
    from marketplace.jobs.periodic import run_now
    from orders.models import Order, OrderStatus

    p, garlic = garlic_setup["products"], garlic_setup["garlic"]
    day = local_today() - dt.timedelta(days=1)
    line = paid_line(p["jin"], 10, 400, paid=_yesterday_noon())
    paid_line(p["jin"], 10, 500, paid=_yesterday_noon())
    result = run_now(app, "prices.platform_daily")
    assert result["to"] == day.isoformat()
    assert [r.avg_cents for r in _row(garlic, day)] == [900]
    run_now(app, "prices.platform_daily", {"day": day.isoformat()})
    run_now(app, "prices.platform_daily")
    assert [r.avg_cents for r in _row(garlic, day)] == [900]  # the same day again: still one row
    db.session.execute(sa.update(Order).where(Order.id == line.order_id).values(status=OrderStatus.CANCELLED))
    db.session.commit()
    run_now(app, "prices.platform_daily")
    assert [(r.avg_cents, r.line_count) for r in _row(garlic, day)] == [(1000, 1)]  # recomputed, replaced
    with pytest.raises(ValueError):
        run_now(app, "prices.platform_daily", {"day": (local_today() + dt.timedelta(days=1)).isoformat()})


def test_a_day_with_only_unconvertible_lines_keeps_the_count(garlic_setup, paid_line, client):
    from prices.platform import compute_day

    p, garlic = garlic_setup["products"], garlic_setup["garlic"]
    day = local_today() - dt.timedelta(days=1)
    paid_line(p["gift"], 3, 3000, paid=_yesterday_noon())
    paid_line(p["gift"], 1, 3000, paid=_yesterday_noon())
    compute_day(day)
    [row] = _row(garlic, day)
    assert row.avg_cents is None and row.lines_left_out == 2 and row.line_count == 0
    page = client.get("/prices/garlic?days=7").get_data(as_text=True)
    assert "有 2 条订单行的单位无法换算" in page and 'id="platform-latest"' not in page


def test_commodity_page_board_and_api_show_the_platform_price(garlic_setup, paid_line, client, published):
    from prices.platform import compute_day

    p, garlic, market = garlic_setup["products"], garlic_setup["garlic"], garlic_setup["market"]
    day = local_today() - dt.timedelta(days=1)
    published(garlic, market, day, 760)
    paid_line(p["jin"], 10, 400, paid=_yesterday_noon())
    paid_line(p["gift"], 1, 3000, paid=_yesterday_noon())
    compute_day(day)
    page = client.get("/prices/garlic?days=30").get_data(as_text=True)
    table = page.split('class="chart-table"')[1].split("</table>")[0]
    assert '<th scope="col" class="num">平台成交价</th>' in table and "¥8.00" in table  # a series of its own
    assert "¥8.00" in page.split('id="platform-latest"')[1].split("</tr>")[0]
    assert "有 1 条订单行的单位无法换算" in page
    english = client.get("/prices/garlic?days=30", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Platform transaction price" in english and "1 order line" in english
    board = client.get("/prices").get_data(as_text=True)
    row = board.split('<a href="/prices/garlic">')[1].split("</tr>")[0]
    assert "¥7.60" in row and "¥8.00" in row
    data = client.get("/api/v1/prices").get_json()
    assert data["rows"][0]["platform_avg_cents"] == 800 and data["rows"][0]["avg_cents"] == 760
    series = client.get("/api/v1/prices/garlic?days=7").get_json()
    assert series["markets"][0]["avg_cents"] == 760
    assert series["platform"] == [{"day": day.isoformat(), "avg_cents": 800, "low_cents": 800, "high_cents": 800,
                                   "volume": "5.000", "order_count": 1, "line_count": 1, "lines_left_out": 1}]


def test_api_bad_input(client, garlic_setup):
    future = (local_today() + dt.timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/prices?day={future}").status_code == 400
    assert client.get("/api/v1/prices?day=yesterday").status_code == 400
    assert client.get("/api/v1/prices?market=0").status_code == 400
    assert client.get("/api/v1/prices/garlic?days=12").status_code == 400
    assert client.get("/api/v1/prices/nothing").status_code == 404
    past = client.get(f"/api/v1/prices?day={(local_today() - dt.timedelta(days=400)).isoformat()}").get_json()
    assert past["rows"] == []


def test_product_page_shows_the_reference_price(garlic_setup, client, published, make_market):
    from prices.models import MarketKind

    p, garlic, central = garlic_setup["products"], garlic_setup["garlic"], garlic_setup["market"]
    county = make_market("柘城县辣椒大市场", name_en="Zhecheng Market", kind=MarketKind.COUNTY)
    published(garlic, county, local_today(), 999)  # a county market is not the reference
    published(garlic, central, local_today() - dt.timedelta(days=1), 760, low=700, high=820)
    page = client.get(f"/p/{p['case'].id}").get_data(as_text=True)
    block = page.split('id="price-reference"')[1].split("</aside>")[0]
    assert "¥7.60" in block and "/公斤" in block and "/prices/garlic" in block
    assert (local_today() - dt.timedelta(days=1)).isoformat() in block
    assert "¥152.00" in block and "20 公斤" in block  # per 件 of 20 kg
    jin = client.get(f"/p/{p['jin'].id}").get_data(as_text=True).split('id="price-reference"')[1]
    assert "¥3.80" in jin.split("</aside>")[0]  # per 斤
    english = client.get(f"/p/{p['jin'].id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Wholesale market reference price" in english and "Central Market" in english
    assert 'id="price-reference"' not in client.get(f"/p/{p['sprout'].id}").get_data(as_text=True)


def test_the_reference_price_costs_the_product_page_no_statement(garlic_setup, client, published):
    from prices.models import Commodity, Market
    from tests.prices.test_prices_budget import count_statements

    p, garlic, central = garlic_setup["products"], garlic_setup["garlic"], garlic_setup["market"]
    published(garlic, central, local_today(), 760)
    ids = {name: product.id for name, product in p.items()} | {"garlic": garlic.id, "central": central.id}
    counts = {}
    for name in ("jin", "sprout"):  # with the block, and a product of no commodity
        url = f"/p/{ids[name]}"
        assert client.get(url).status_code == 200  # warm: the matcher and prices are read once per version
        db.session.remove()
        with count_statements() as seen:
            page = client.get(url).get_data(as_text=True)
        counts[name] = len(seen)
        assert ('id="price-reference"' in page) == (name == "jin")
    assert counts["jin"] == counts["sprout"]
    garlic, central = db.session.get(Commodity, ids["garlic"]), db.session.get(Market, ids["central"])
    published(garlic, central, local_today(), 800, spec="一级")  # another grade: the ordinary one stays
    assert "¥7.60" in client.get(f"/p/{ids['jin']}").get_data(as_text=True)
    db.session.execute(sa.update(Market).values(kind="county"))  # no central market any more: no block
    db.session.commit()
    assert 'id="price-reference"' not in client.get(f"/p/{ids['jin']}").get_data(as_text=True)


@given(st.lists(st.tuples(st.integers(1, 10_000_000), st.integers(1, 5000), st.integers(1, 50_000)), min_size=1,
                max_size=20), st.integers(0, 5))
@settings(max_examples=200, deadline=None)
def test_a_days_figures_are_ordered_whatever_the_lines(lines, left_out):
    """Property: average = paid / quantity lies between the cheapest and the dearest line (the row
    always satisfies the table's CHECK), the volume is the quantities' sum, left-out lines only counted."""
    from decimal import Decimal
    from fractions import Fraction

    from prices.platform import _Tally

    tally = _Tally()
    for n, (total, qty, grams) in enumerate(lines):
        tally.add(n % 3, total, Fraction(qty * grams, 1000))
    for _ in range(left_out):
        tally.add(99, 100, None)
    row = tally.row(1, dt.date(2026, 1, 1))
    assert 0 < row["low_cents"] <= row["avg_cents"] <= row["high_cents"]
    assert row["line_count"] == len(lines) and row["lines_left_out"] == left_out
    assert row["order_count"] == len({n % 3 for n in range(len(lines))})
    exact = sum(Fraction(q * g, 1000) for _t, q, g in lines)
    assert abs(row["volume"] - Decimal(exact.numerator) / Decimal(exact.denominator)) <= Decimal("0.0005")
