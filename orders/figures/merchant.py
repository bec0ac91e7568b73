"""The merchant dashboard's order figures: what waits for the shop, sales today, this week and by
day for 30 days, and the products that sold most. A fixed number of statements, however many
orders the shop has (tests/orders/test_dashboard_figures.py counts them)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.db import utcnow
from marketplace.domains import Panel
from marketplace.extensions import db
from marketplace.figures import Action, Series, Window, daily_chart
from marketplace.templating import money_filter
from orders.figures import SALE, S, refunded
from orders.models import Order, OrderLine

#: Open orders that wait for someone, in the order the merchant works them: (status, label, hint).
WAITING = (
    (S.PAID, _l("待接单"), _l("已付款，请确认接单")),
    (S.ACCEPTED, _l("待发货 / 备货"), _l("已接单，请发货或备好自提")),
    (S.SHIPPED, _l("运输中"), _l("已发货，送达后请标记")),
    (S.READY_FOR_PICKUP, _l("待买家自提"), _l("已备好，等买家来取")),
    (S.PENDING_PAYMENT, _l("待付款"), _l("买家尚未付款")),
)
TOP = 5


def actions(shop) -> list[Action]:
    """One count per waiting status, each linking to the order list filtered to it. An unpaid order
    past its payment time is not counted: it is about to expire (the list expires it when opened)."""
    now = utcnow()
    counts = dict(db.session.execute(
        sa.select(Order.status, sa.func.count())
        .where(Order.shop_id == shop.id, Order.status.in_([s for s, *_ in WAITING]),
               sa.or_(Order.status != S.PENDING_PAYMENT, Order.expires_at > now))
        .group_by(Order.status)).all())
    return [Action(label=str(label), count=counts.get(status, 0), hint=str(hint), order=10 * (i + 1),
                   url=url_for("orders.merchant_orders", status=status.value))
            for i, (status, label, hint) in enumerate(WAITING)]


@dataclass
class Ranked:
    product_id: int | None
    title: str
    unit: str
    revenue: int
    quantity: int


def _sales_by_day(shop, window: Window) -> dict[str, list[int]]:
    return window.totals(
        sa.select(window.day_of(Order.created_at).label("day"),
                  (Order.total_cents - refunded("order", Order.id)).label("revenue"))
        .where(Order.shop_id == shop.id, Order.status.in_(SALE), window.holds(Order.created_at)))


def top_products(shop, window: Window, by: str, limit: int = TOP) -> list[Ranked]:
    """The shop's products that sold most in the window, ``by`` "revenue" or "quantity" (net of
    refunds), per product and unit (quantities in different units do not add up)."""
    lines = (sa.select(OrderLine.product_id, OrderLine.product_title, OrderLine.unit,
                       (OrderLine.line_total_cents - refunded("line_amount", OrderLine.id)).label("revenue"),
                       (OrderLine.quantity - refunded("line_quantity", OrderLine.id)).label("quantity"))
             .join(Order, Order.id == OrderLine.order_id)
             .where(Order.shop_id == shop.id, Order.status.in_(SALE), window.holds(Order.created_at))
             .subquery())
    revenue, quantity = sa.func.sum(lines.c.revenue), sa.func.sum(lines.c.quantity)
    stmt = (sa.select(lines.c.product_id, sa.func.max(lines.c.product_title), lines.c.unit, revenue, quantity)
            .group_by(lines.c.product_id, lines.c.unit)
            .order_by((revenue if by == "revenue" else quantity).desc(), lines.c.product_id)
            .limit(limit))
    return [Ranked(pid, title, unit, int(rev or 0), int(qty or 0))
            for pid, title, unit, rev, qty in db.session.execute(stmt)]


def panels(shop, window: Window) -> list[Panel]:
    sales = _sales_by_day(shop, window)
    week = window.week_index
    revenue = Series(_("销售额"), sales["revenue"], money=True)
    orders = Series(_("订单数"), sales["count"], plotted=False)
    tiles = [
        (_("今日订单"), format_number(orders.values[-1]), ""),
        (_("今日销售额"), money_filter(revenue.values[-1]), ""),
        (_("本周订单"), format_number(sum(orders.values[week:])), _("自本周一起")),
        (_("本周销售额"), money_filter(sum(revenue.values[week:])), _("自本周一起")),
        (_("近 30 天订单"), format_number(orders.total), ""),
        (_("近 30 天销售额"), money_filter(revenue.total), ""),
    ]
    chart = daily_chart(window, "chart-shop-sales", _("近 30 天每日销售额"), [revenue, orders])
    return [Panel("orders/dashboard/merchant.html", order=10, values={
        "tiles": tiles, "chart": chart, "zone": window.zone_label,
        "top_revenue": top_products(shop, window, "revenue"),
        "top_quantity": top_products(shop, window, "quantity"),
    })]
