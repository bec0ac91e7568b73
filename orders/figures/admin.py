"""The admin dashboard's order figures: turnover (GMV) and orders by day, new buyers by day, and
turnover by county and by category, for the last 30 days. GMV is defined once, in
orders.figures (paid or accepted orders, not cancelled, minus their refunds, by the day placed);
the page and docs/architecture.md say so. Five statements, whatever the number of orders."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from catalog.models import Category, Product
from marketplace.domains import Panel
from marketplace.extensions import db
from marketplace.figures import Chart, Series, Window, daily_chart
from marketplace.i18n import current_locale_code
from marketplace.regions.models import Region, RegionLevel
from marketplace.shops.models import Shop
from marketplace.templating import money_filter
from orders.figures import SALE, refunded
from orders.models import Order, OrderLine

#: Counties and categories shown (the largest first).
RANKED = 15


def _sold() -> sa.ColumnElement[bool]:
    return Order.status.in_(SALE)


def turnover_by_day(window: Window) -> dict[str, list[int]]:
    """Orders ("count") and their value net of refunds ("gmv") per day placed."""
    return window.totals(
        sa.select(window.day_of(Order.created_at).label("day"),
                  (Order.total_cents - refunded("order", Order.id)).label("gmv"))
        .where(_sold(), window.holds(Order.created_at)))


def new_buyers_by_day(window: Window) -> list[int]:
    """Buyers whose first sale falls on each day: a first order in the window and none before it."""
    earlier = aliased(Order)
    before = (sa.select(earlier.id).where(earlier.buyer_id == Order.buyer_id, earlier.status.in_(SALE),
                                          earlier.created_at < window.start).exists())
    first = (sa.select(sa.func.min(Order.created_at).label("first"))
             .where(_sold(), window.holds(Order.created_at), ~before)
             .group_by(Order.buyer_id).subquery())
    return window.totals(sa.select(window.day_of(first.c.first).label("day")))["count"]


def _name(name: str | None, name_en: str | None, missing: str) -> str:
    if name is None:
        return missing
    return name_en if current_locale_code() == "en" and name_en else name


def _ranking(chart_id: str, title: str, header: str, rows, missing: str, note: str = "") -> Chart:
    rows = list(rows)
    return Chart(id=chart_id, title=title, kind="hbar", label_header=header, note=note,
                 labels=[_name(name, name_en, missing) for name, name_en, _n, _g in rows],
                 series=[Series(_("成交额"), [int(g or 0) for *_x, g in rows], money=True),
                         Series(_("订单数"), [int(n) for _a, _b, n, _g in rows], plotted=False)])


def by_county(window: Window) -> Chart:
    """Turnover by the county the selling shop is in (a shop placed in a township or a village
    counts for its county: the first six digits of a division code are its county's)."""
    place, county = aliased(Region), aliased(Region)
    rows = (sa.select(county.id.label("county_id"), county.name.label("name"), county.name_en.label("name_en"),
                      (Order.total_cents - refunded("order", Order.id)).label("gmv"))
            .join(Shop, Shop.id == Order.shop_id).join(place, place.id == Shop.region_id)
            .outerjoin(county, sa.and_(county.code == sa.func.substr(place.code, 1, 6),
                                       county.level == RegionLevel.COUNTY))
            .where(_sold(), window.holds(Order.created_at))
            .subquery())
    gmv = sa.func.sum(rows.c.gmv)
    stmt = (sa.select(rows.c.name, rows.c.name_en, sa.func.count(), gmv)
            .group_by(rows.c.county_id, rows.c.name, rows.c.name_en)
            .order_by(gmv.desc(), rows.c.county_id).limit(RANKED))
    return _ranking("chart-gmv-county", _("近 30 天各县区成交额"), _("县区"), db.session.execute(stmt),
                    _("其他地区"), note=_("按卖家店铺所在县区"))


def by_category(window: Window) -> Chart:
    """Turnover of goods by the product's category: line amounts net of the refunds of those lines
    (delivery fees and refunds of an amount without lines belong to no category)."""
    rows = (sa.select(OrderLine.order_id, Category.id.label("category_id"), Category.name.label("name"),
                      Category.name_en.label("name_en"),
                      (OrderLine.line_total_cents - refunded("line_amount", OrderLine.id)).label("gmv"))
            .join(Order, Order.id == OrderLine.order_id)
            .outerjoin(Product, Product.id == OrderLine.product_id)
            .outerjoin(Category, Category.id == Product.category_id)
            .where(_sold(), window.holds(Order.created_at))
            .subquery())
    gmv = sa.func.sum(rows.c.gmv)
    stmt = (sa.select(rows.c.name, rows.c.name_en, sa.func.count(sa.distinct(rows.c.order_id)), gmv)
            .group_by(rows.c.category_id, rows.c.name, rows.c.name_en)
            .order_by(gmv.desc(), rows.c.category_id).limit(RANKED))
    return _ranking("chart-gmv-category", _("近 30 天各类目成交额"), _("类目"), db.session.execute(stmt),
                    _("未分类"), note=_("商品金额（不含运费），已扣除按商品退款的金额；订单数为含该类目商品的订单"))


def panels(window: Window) -> list[Panel]:
    sales = turnover_by_day(window)
    gmv = Series(_("成交额"), sales["gmv"], money=True)
    orders = Series(_("订单数"), sales["count"])
    buyers = Series(_("新买家"), new_buyers_by_day(window))
    tiles = [
        (_("近 30 天成交额"), money_filter(gmv.total), ""),
        (_("近 30 天订单"), format_number(orders.total), ""),
        (_("今日成交额"), money_filter(gmv.values[-1]), ""),
        (_("近 30 天新买家"), format_number(buyers.total), _("首次成交的买家")),
    ]
    charts = [
        daily_chart(window, "chart-gmv-daily", _("近 30 天每日成交额"), [gmv, Series(orders.name, orders.values,
                                                                                   plotted=False)]),
        daily_chart(window, "chart-orders-daily", _("近 30 天每日订单数与新买家"), [orders, buyers], kind="line"),
        by_county(window),
        by_category(window),
    ]
    return [Panel("orders/dashboard/admin.html", order=10, values={"tiles": tiles, "charts": charts, "zone": window.zone_label})]
