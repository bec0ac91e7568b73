"""The merchant dashboard's figures: known orders in several statuses, refunds, a second shop whose
orders never show, the empty state, who sees it, and a statement count that does not grow with the
orders."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.figures import Window
from marketplace.shops.models import MemberRole, ShopMember, ShopStatus
from orders.figures import merchant
from orders.models import OrderStatus
from tests.marketplace.perf_helpers import count_statements
from tests.orders.figures_helpers import charts_of, day_at, refund, sale, table_row

S = OrderStatus
#: Statements of one dashboard request once warm, for 10 or 60 orders alike: every figure is one
#: aggregate query (7), the after-sales and messages panels one count each, the header's bell one
#: (unread notifications), the privacy consent one: 11 on SQLite and PostgreSQL.
BUDGET = 11


@pytest.fixture
def two_shops(make_user, make_shop, make_variant):
    """Shop A with a pear and a chili variant, shop B with one variant; a buyer."""
    owner_a, owner_b = make_user(name="老王"), make_user(name="老李")
    shop_a, shop_b = make_shop(owner=owner_a, name="宁陵酥梨合作社"), make_shop(owner=owner_b, name="柘城辣椒")
    pear = make_variant(shop_a, title="宁陵酥梨", unit="箱", stock=3, moq=2)
    chili = make_variant(shop_a, title="柘城三樱椒", unit="斤", stock=500, moq=10)
    other = make_variant(shop_b, title="别人的货", unit="件", stock=0, moq=1)
    return {"a": shop_a, "b": shop_b, "owner_a": owner_a, "owner_b": owner_b, "pear": pear, "chili": chili,
            "other": other, "buyer": make_user(name="采购员")}


def _known_orders(t, window):
    buyer, pear, chili = t["buyer"], t["pear"], t["chili"]
    sale(buyer, pear, at=day_at(window, -1), status=S.PAID, qty=2, unit_price=5000)          # today 100.00
    sale(buyer, chili, at=day_at(window, -1), status=S.ACCEPTED, qty=10, unit_price=450,      # today 45.00 + 5.00
         fee=500)
    sale(buyer, pear, at=day_at(window, -1), status=S.PENDING_PAYMENT, qty=1, unit_price=3000,  # not a sale yet
         expires_in=dt.timedelta(days=3))
    sale(buyer, pear, at=day_at(window, -3), status=S.PENDING_PAYMENT, qty=1, unit_price=3000)  # overdue: not waiting
    cancelled = sale(buyer, pear, at=day_at(window, -1), status=S.CANCELLED, qty=1, unit_price=7000)
    refund(cancelled, 7000)  # its refund is not taken off a second time
    done = sale(buyer, pear, at=day_at(window, -4), status=S.COMPLETED, qty=4, unit_price=5000)  # 200.00
    refund(done, 2000, units=0)          # 20.00 back on the order
    refund(done, 500, succeeded=False)   # a failed refund gave nothing back
    sale(buyer, chili, at=window.start - dt.timedelta(days=10), status=S.COMPLETED, qty=100,
         unit_price=450)                 # 40 days ago: outside the window
    sale(buyer, t["other"], at=day_at(window, -1), status=S.PAID, qty=1, unit_price=12345)  # shop B's


def test_known_orders_give_known_figures(app, client, login, two_shops):
    t, window = two_shops, Window.last()
    _known_orders(t, window)
    login(t["owner_a"])
    page = client.get("/merchant").get_data(as_text=True)

    sales = merchant._sales_by_day(t["a"], window)
    assert sales["count"][-1] == 2 and sales["revenue"][-1] == 15000
    assert sales["count"][-4] == 1 and sales["revenue"][-4] == 18000
    assert sum(sales["count"]) == 3 and sum(sales["revenue"]) == 33000
    week = window.week_index
    week_orders = 2 + (1 if len(window.days) - 4 >= week else 0)
    week_revenue = 15000 + (18000 if len(window.days) - 4 >= week else 0)

    tiles = dict(re.findall(r'<p class="figure-label">([^<]+)</p><p class="figure-value">([^<]+)</p>', page))
    assert tiles["今日订单"] == "2" and tiles["今日销售额"] == "¥150.00"
    assert tiles["本周订单"] == str(week_orders) and tiles["本周销售额"] == f"¥{week_revenue / 100:,.2f}"
    assert tiles["近 30 天订单"] == "3" and tiles["近 30 天销售额"] == "¥330.00"
    assert "¥123.45" not in page and "别人的货" not in page  # shop B's order and stock

    chart = charts_of(page)["chart-shop-sales"]
    assert chart["kind"] == "bar" and chart["money"] is True and len(chart["labels"]) == 30
    assert [s["name"] for s in chart["series"]] == ["销售额"]
    assert chart["series"][0]["values"][-1] == 15000 and chart["series"][0]["values"][-4] == 18000
    labels = window.labels()
    assert table_row(page, "chart-shop-sales", labels[-1]) == ["¥150.00", "2"]
    assert table_row(page, "chart-shop-sales", labels[-4]) == ["¥180.00", "1"]
    assert table_row(page, "chart-shop-sales", labels[-2]) == ["¥0.00", "0"]

    # waiting orders link to the filtered lists: one to accept, one to ship, one unpaid
    actions = {label: count for count, label in re.findall(r'<span class="action-count">(\d+)</span> ([^<]+)</a>', page)}
    assert actions["待接单"] == "1" and actions["待发货 / 备货"] == "1" and actions["待付款"] == "1"
    assert actions["运输中"] == "0"
    assert 'href="/merchant/orders?status=paid"' in page and 'href="/merchant/orders?status=accepted"' in page


def test_top_products_net_of_refunded_lines(app, two_shops):
    t, window = two_shops, Window.last()
    buyer = t["buyer"]
    sale(buyer, t["pear"], at=day_at(window, -1), qty=2, unit_price=5000)                     # 100.00, 2 箱
    returned = sale(buyer, t["pear"], at=day_at(window, -3), status=S.COMPLETED, qty=3, unit_price=5000)
    refund(returned, 5000, units=1)                                                             # 1 箱 back
    sale(buyer, t["chili"], at=day_at(window, -2), status=S.SHIPPED, qty=60, unit_price=450)  # 270.00, 60 斤
    by_revenue = merchant.top_products(t["a"], window, "revenue")
    assert [(r.title, r.revenue, r.quantity, r.unit) for r in by_revenue] == [
        ("柘城三樱椒", 27000, 60, "斤"), ("宁陵酥梨", 20000, 4, "箱")]
    by_quantity = merchant.top_products(t["a"], window, "quantity")
    assert [r.title for r in by_quantity] == ["柘城三樱椒", "宁陵酥梨"]


def test_low_stock_lists_the_shops_published_variants_running_out(app, client, login, two_shops, make_variant):
    t = two_shops
    make_variant(t["a"], title="草稿梨", stock=0, moq=1, status=ProductStatus.DRAFT)  # not on sale: left out
    sold_out = make_variant(t["a"], title="永城面粉", unit="袋", stock=4, moq=5)
    login(t["owner_a"])
    page = client.get("/merchant").get_data(as_text=True)
    low = page[page.index('id="low-stock"'):page.index("</table>", page.index('id="low-stock"'))]
    rows = re.findall(r'/merchant/products/(\d+)/edit">([^<]+)</a>', low)
    # sold out first (4 < 5), then the pear (3 < 2 x 2); the chili (500 >= 20) and shop B's are fine
    assert [title for _id, title in rows] == ["永城面粉", "宁陵酥梨"]
    assert int(rows[0][0]) == sold_out.product_id
    assert "缺货" in low and "库存低" in low and "草稿梨" not in page and "别人的货" not in page


def test_a_new_shop_shows_zeros_and_an_empty_chart(app, client, login, make_user, make_shop):
    owner = make_user()
    make_shop(owner=owner)
    login(owner)
    response = client.get("/merchant")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    chart = charts_of(page)["chart-shop-sales"]
    assert chart["series"][0]["values"] == [0] * 30
    assert "这段时间还没有数据。" in page and "近 30 天还没有成交。" in page and "所有在售规格库存充足。" in page
    assert '<p class="figure-value">¥0.00</p>' in page
    assert "echarts.common.min.js" in page and "js/charts.js" in page


def test_only_the_shops_members_see_its_figures(app, client, login, make_user, two_shops):
    t = two_shops
    sale(t["buyer"], t["pear"], at=day_at(Window.last(), -1), qty=1, unit_price=98700)
    staff = make_user()
    db.session.add(ShopMember(user=staff, scope_id=t["a"].id, role=MemberRole.STAFF))
    db.session.commit()
    login(staff)
    assert "¥987.00" in client.get("/merchant").get_data(as_text=True)  # staff see the shop's figures

    client.post("/account/logout")
    login(t["owner_b"])  # another shop's owner: his own (empty) figures only
    page = client.get("/merchant").get_data(as_text=True)
    assert "¥987.00" not in page and "柘城辣椒" in page

    client.post("/account/logout")
    login(make_user())  # no shop: sent to apply, no figures
    response = client.get("/merchant")
    assert response.status_code == 302 and response.headers["Location"].endswith("/shops/apply")

    client.post("/account/logout")
    assert client.get("/merchant").status_code == 302  # a visitor signs in first


def test_a_pending_shop_has_no_figures(app, client, login, make_user, make_shop):
    owner = make_user()
    make_shop(owner=owner, status=ShopStatus.PENDING)
    login(owner)
    page = client.get("/merchant").get_data(as_text=True)
    assert "店铺还在审核中" in page and "data-chart" not in page and "待接单" not in page


def test_figures_in_english(app, client, login, make_user, two_shops):
    t = two_shops
    owner = t["owner_a"]
    owner.locale = "en"
    db.session.commit()
    sale(t["buyer"], t["pear"], at=day_at(Window.last(), -1), qty=1, unit_price=5000)
    login(owner)
    client.post("/language", data={"locale": "en"})
    page = client.get("/merchant").get_data(as_text=True)
    main = page[page.index("<main"):page.index("</main>")]
    for data_text in ("宁陵酥梨合作社", "宁陵酥梨", "柘城三樱椒", "箱", "斤"):  # the shop's own data
        main = main.replace(data_text, "")
    main = re.sub(r"规格\d+", "", main)  # the factory's variant names
    assert not re.search(r"[\u4e00-\u9fff]", html.unescape(main)), re.findall(r".{20}[\u4e00-\u9fff]+.{20}", main)[:5]
    assert "Sales" in main and "To accept" in main and "Low stock" in main
    chart = charts_of(page)["chart-shop-sales"]
    assert chart["locale"] == "en" and chart["series"][0]["name"] == "Sales"


def _orders(t, window, n: int) -> None:
    for i in range(n):
        status = (S.PAID, S.ACCEPTED, S.COMPLETED, S.CANCELLED, S.PENDING_PAYMENT)[i % 5]
        order = sale(t["buyer"], (t["pear"], t["chili"])[i % 2], at=day_at(window, -1 - (i % 30)), status=status,
                     qty=1 + i % 3, commit=False)
        if i % 7 == 0 and status == S.COMPLETED:
            db.session.flush()
            refund(order, 100, units=1)
    db.session.commit()


def test_statements_do_not_grow_with_the_orders(app, client, login, two_shops):
    t, window = two_shops, Window.last()
    login(t["owner_a"])
    counts = []
    for n in (10, 60):
        _orders(t, window, n)
        client.get("/merchant")  # warm: the first request loads what every page loads once
        with count_statements(db.engine) as seen:
            assert client.get("/merchant").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert counts[1] <= BUDGET, counts


def test_the_shop_comes_from_the_membership_not_the_request(app, client, login, two_shops):
    """No shop id to change in the URL: asking for another shop's shows one's own figures."""
    t = two_shops
    sale(t["buyer"], t["other"], at=day_at(Window.last(), -1), qty=1, unit_price=4321)
    login(t["owner_a"])
    page = client.get(f"/merchant?shop_id={t['b'].id}&shop={t['b'].slug}").get_data(as_text=True)
    assert "¥43.21" not in page and "宁陵酥梨合作社" in page
