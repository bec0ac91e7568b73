"""The admin dashboard's figures: GMV and orders by day, new buyers, new shops and accounts, GMV by
county and by category, for known orders; the empty state; admins only; a statement count that
does not grow with the orders; English."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.figures import Window
from marketplace.regions.models import Region, RegionLevel
from orders.figures import admin
from orders.models import OrderStatus
from tests.marketplace.perf_helpers import count_statements
from tests.orders.figures_helpers import charts_of, day_at, refund, sale, table_row

S = OrderStatus
#: Statements of one dashboard request once warm (measured: 13 on SQLite and PostgreSQL), for 10
#: or 60 orders alike (12 or 72 here): every figure is one aggregate query.
BUDGET = 15


@pytest.fixture
def market(make_user, make_shop, make_variant):
    """Shops in 柘城县 (one at the county, one in a township of it) and in 睢县; a fruit and a
    vegetable; buyers."""
    township = db.session.scalar(sa.select(Region).where(Region.level == RegionLevel.TOWNSHIP,
                                                         Region.code.like("411424%")).order_by(Region.code))
    zhecheng = make_shop(name="柘城一号", county="柘城县")
    village_shop = make_shop(name="柘城乡镇店", region=township)
    suixian = make_shop(name="睢县鞋厂", county="睢县")
    fruit = make_variant(zhecheng, title="酥梨", category="农产品/水果")
    veg = make_variant(village_shop, title="辣椒", category="农产品/蔬菜")
    shoes = make_variant(suixian, title="布鞋", category="工业品/纺织鞋服")
    return {"zhecheng": zhecheng, "suixian": suixian, "fruit": fruit, "veg": veg, "shoes": shoes,
            "buyers": [make_user(name=f"买家{i}") for i in range(3)]}


def _known(m, window):
    old, new, never = m["buyers"]
    sale(old, m["fruit"], at=window.start - dt.timedelta(days=5), status=S.COMPLETED, unit_price=99900)  # before
    sale(old, m["fruit"], at=day_at(window, -1), status=S.PAID, qty=2, unit_price=5000)        # 100.00 today
    first = sale(new, m["veg"], at=day_at(window, -5), status=S.COMPLETED, qty=10, unit_price=800,
                 fee=1000)                                                                       # 90.00
    refund(first, 1600, units=2)                                                                 # -16.00 on the line
    sale(new, m["shoes"], at=day_at(window, -1), status=S.ACCEPTED, qty=3, unit_price=3000)    # 90.00 today
    sale(never, m["shoes"], at=day_at(window, -1), status=S.CANCELLED, unit_price=50000)       # no sale
    sale(never, m["fruit"], at=day_at(window, -2), status=S.PENDING_PAYMENT, unit_price=40000,
         expires_in=dt.timedelta(days=3))                                                      # no sale yet


def test_known_orders_give_known_market_figures(app, client, login, make_user, market):
    m, window = market, Window.last()
    _known(m, window)
    sales = admin.turnover_by_day(window)
    assert sales["gmv"][-1] == 19000 and sales["count"][-1] == 2
    assert sales["gmv"][-5] == 7400 and sales["count"][-5] == 1
    assert sum(sales["gmv"]) == 26400 and sum(sales["count"]) == 3
    buyers = admin.new_buyers_by_day(window)
    assert buyers[-5] == 1 and sum(buyers) == 1  # "new" bought first 5 days ago; "old" bought before

    county = admin.by_county(window)
    assert county.labels == ["柘城县", "睢县"]  # the township's shop counts for its county
    assert county.series[0].values == [10000 + 7400, 9000] and county.series[1].values == [2, 1]
    category = admin.by_category(window)
    assert category.labels == ["水果", "纺织鞋服", "蔬菜"]
    assert category.series[0].values == [10000, 9000, 8000 - 1600] and category.series[1].values == [1, 1, 1]

    login(make_user(roles=("admin",)))
    page = client.get("/admin").get_data(as_text=True)
    assert "成交额（GMV）：已付款或已接单" in page and "UTC+08:00" in page
    tiles = dict(re.findall(r'<p class="figure-label">([^<]+)</p><p class="figure-value">([^<]+)</p>', page))
    assert tiles["近 30 天成交额"] == "¥264.00" and tiles["近 30 天订单"] == "3" and tiles["今日成交额"] == "¥190.00"
    assert tiles["近 30 天新买家"] == "1"
    charts = charts_of(page)
    assert set(charts) == {"chart-gmv-daily", "chart-orders-daily", "chart-gmv-county", "chart-gmv-category",
                           "chart-growth-daily"}
    assert charts["chart-gmv-county"]["kind"] == "hbar" and charts["chart-gmv-county"]["labels"] == ["柘城县", "睢县"]
    assert table_row(page, "chart-gmv-county", "睢县") == ["¥90.00", "1"]
    assert table_row(page, "chart-gmv-daily", window.labels()[-1]) == ["¥190.00", "2"]
    assert table_row(page, "chart-orders-daily", window.labels()[-5]) == ["1", "1"]
    assert 'class="stat"' in page  # the counters are still there


def test_new_shops_and_accounts_per_day(app, client, login, make_user, make_shop):
    window = Window.last()
    opened = make_shop(name="新店")
    opened.approved_at = day_at(window, -3)
    make_shop(name="老店").approved_at = window.start - dt.timedelta(days=1)
    db.session.commit()
    admin_user = make_user(roles=("admin",))
    login(admin_user)
    page = client.get("/admin").get_data(as_text=True)
    chart = charts_of(page)["chart-growth-daily"]
    shops, users = chart["series"]
    assert shops["values"][-3] == 1 and sum(shops["values"]) == 1
    assert sum(users["values"]) == 3  # the two owners and the admin, all made today
    assert table_row(page, "chart-growth-daily", window.labels()[-3])[0] == "1"


def test_an_empty_market_shows_zeros(app, client, login, make_user):
    login(make_user(roles=("admin",)))
    response = client.get("/admin")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    charts = charts_of(page)
    assert charts["chart-gmv-daily"]["series"][0]["values"] == [0] * 30
    assert "chart-gmv-county" not in charts and page.count("这段时间还没有数据。") >= 4
    assert '<p class="figure-value">¥0.00</p>' in page


@pytest.mark.parametrize("roles", [(), ("officer",), ("reviewer",)])
def test_only_admins_see_the_market_figures(client, login, make_user, make_shop, roles):
    user = make_user(roles=roles)
    login(user)
    assert client.get("/admin").status_code == 403


def test_a_merchant_and_a_visitor_cannot_see_them(client, login, make_user, make_shop):
    assert client.get("/admin").status_code in (302, 401)
    owner = make_user()
    make_shop(owner=owner)
    login(owner)
    assert client.get("/admin").status_code == 403


def _orders(m, window, n: int) -> None:
    for i in range(n):
        status = (S.PAID, S.COMPLETED, S.CANCELLED, S.SHIPPED)[i % 4]
        order = sale(m["buyers"][i % 3], (m["fruit"], m["veg"], m["shoes"])[i % 3], at=day_at(window, -1 - i % 30),
                     status=status, qty=1 + i % 4, commit=False)
        if status == S.COMPLETED and i % 3 == 0:
            db.session.flush()
            refund(order, 100, units=1)
    db.session.commit()


def test_statements_do_not_grow_with_the_orders(app, client, login, make_user, market):
    m, window = market, Window.last()
    login(make_user(roles=("admin",)))
    counts = []
    for n in (12, 72):
        _orders(m, window, n)
        client.get("/admin")
        with count_statements(db.engine) as seen:
            assert client.get("/admin").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert counts[1] <= BUDGET, counts


def test_market_figures_in_english(app, client, login, make_user, market):
    m, window = market, Window.last()
    _known(m, window)
    admin_user = make_user(roles=("admin",), locale="en")
    login(admin_user)
    client.post("/language", data={"locale": "en"})
    page = client.get("/admin").get_data(as_text=True)
    main = html.unescape(page[page.index("<main"):page.index("</main>")])
    assert "GMV: the totals" in main and "GMV by county, last 30 days" in main
    assert "Zhecheng" in main  # counties by their English names
    for data_text in ("水果", "纺织鞋服", "蔬菜"):  # test categories have no English names
        main = main.replace(data_text, "")
    assert not re.search(r"[\u4e00-\u9fff]", main), re.findall(r"[^<>]{0,20}[\u4e00-\u9fff]+[^<>]{0,20}", main)[:5]
    assert charts_of(page)["chart-gmv-daily"]["locale"] == "en"
