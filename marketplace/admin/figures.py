"""The shell's own panel on the admin dashboard: shops opened and accounts created per day.

Other domains add theirs with ``marketplace.domains.add_panel(app, "admin_dashboard", provider)``
(the orders: turnover, orders, new buyers, counties, categories); this one never imports them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.domains import Panel
from marketplace.figures import Series, Window, daily_chart
from marketplace.shops.models import Shop


def panels(window: Window) -> list[Panel]:
    shops = window.totals(sa.select(window.day_of(Shop.approved_at).label("day")).where(window.holds(Shop.approved_at)))
    users = window.totals(sa.select(window.day_of(User.created_at).label("day")).where(window.holds(User.created_at)))
    opened = Series(_("新开店铺"), shops["count"])
    joined = Series(_("新注册用户"), users["count"])
    tiles = [(_("近 30 天新开店铺"), format_number(opened.total), _("按开店申请获批日")),
             (_("近 30 天新注册用户"), format_number(joined.total), "")]
    chart = daily_chart(window, "chart-growth-daily", _("近 30 天每日新开店铺与新注册用户"), [opened, joined], kind="line")
    return [Panel("admin/_growth.html", order=50, values={"tiles": tiles, "chart": chart})]
