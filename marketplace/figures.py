"""Dashboard figures: the days of a window in the site's time zone, totals per local day summed in
SQL, and charts.

A chart is drawn in the browser by Apache ECharts (static/vendor/echarts, started by
static/js/charts.js from the chart's ``data-chart`` attribute: the CSP allows no inline script)
and always comes with a table of the same figures (templates/_charts.html), which is what screen
readers and browsers without JavaScript read. Money is summed in minor units and formatted by the
money filter; dates are formatted in the visitor's language.

Days are the site's days (``BABEL_DEFAULT_TIMEZONE``, as the CSV exports show times), not UTC's:
an order placed at 07:00 in Shangqiu belongs to that day, not to the UTC day before. SQLite has no
time zone database and PostgreSQL's ``AT TIME ZONE`` has no SQLite twin, so the day is found the
same way on both: the UTC instants of the window's local midnights are computed here (any zone,
summer time included) and a ``CASE`` compares the stored UTC time with them. One statement per
series whatever the number of rows; the rows never come to Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask import current_app
from flask_babel import format_number, get_locale
from flask_babel import gettext as _

from marketplace import money
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.templating import money_filter

#: The length of the dashboards' daily series.
DAYS = 30


def site_zone() -> ZoneInfo:
    """The site's time zone (the same setting the exports use)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


@dataclass(frozen=True)
class Window:
    """The last ``len(days)`` local days up to today (today included, oldest first)."""

    days: tuple[dt.date, ...]
    #: The UTC instant each day starts, then the instant the last one ends: len(days) + 1 edges.
    edges: tuple[dt.datetime, ...]
    #: The site's offset from UTC today, as the pages state it: "UTC+08:00".
    zone_label: str = "UTC"

    @classmethod
    def last(cls, n: int = DAYS, now: dt.datetime | None = None) -> Window:
        zone = site_zone()
        today = (now or utcnow()).astimezone(zone).date()
        days = tuple(today - dt.timedelta(days=n - 1 - i) for i in range(n))
        edges = tuple(dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
                      for day in (*days, today + dt.timedelta(days=1)))
        offset = dt.datetime.combine(today, dt.time(12), zone).strftime("%z")
        return cls(days=days, edges=edges, zone_label=f"UTC{offset[:3]}:{offset[3:]}")

    @property
    def start(self) -> dt.datetime:
        return self.edges[0]

    @property
    def end(self) -> dt.datetime:
        return self.edges[-1]

    @property
    def week_index(self) -> int:
        """Index of this week's Monday among the days (0 when the window is shorter than the week)."""
        return max(0, len(self.days) - 1 - self.days[-1].weekday())

    def holds(self, column) -> sa.ColumnElement[bool]:
        """``column`` (a stored UTC time) falls in the window."""
        return sa.and_(column >= self.start, column < self.end)

    def day_of(self, column) -> sa.ColumnElement[int]:
        """The index of the local day ``column`` falls on (for rows the window ``holds``)."""
        return sa.case(*((column < edge, i) for i, edge in enumerate(self.edges[1:-1])), else_=len(self.days) - 1)

    def totals(self, stmt: sa.Select) -> dict[str, list[int]]:
        """Per day, oldest first: the number of rows ``stmt`` selects ("count") and the sum of each of
        its other columns. ``stmt`` selects ``day_of(...)`` labelled "day" and is limited to the
        window; grouping happens in SQL on a subquery (PostgreSQL does not match a GROUP BY on an
        expression with bound parameters to the same expression in the SELECT list)."""
        sub = stmt.subquery()
        values = [c for c in sub.c if c.name != "day"]
        query = (sa.select(sub.c.day, sa.func.count(), *(sa.func.coalesce(sa.func.sum(c), 0) for c in values))
                 .group_by(sub.c.day))
        out = {name: [0] * len(self.days) for name in ("count", *(c.name for c in values))}
        for day, count, *sums in db.session.execute(query):
            out["count"][day] += count
            for column, total in zip(values, sums, strict=True):
                out[column.name][day] += int(total)
        return out

    def labels(self, skeleton: str = "MMMEd") -> list[str]:
        """The days as the visitor reads them ("5月3日周六", "Sat, May 3")."""
        locale = get_locale()
        return [format_skeleton(skeleton, day, locale=locale) for day in self.days]


@dataclass(frozen=True)
class Action:
    """A count of things waiting for the merchant, linking to the list that shows them."""

    label: str
    count: int
    url: str
    order: int = 100
    #: a one-line explanation under the count
    hint: str = ""


@dataclass
class Series:
    """One row of figures of a chart: its name, the values (minor units when ``money``)."""

    name: str
    values: list[int]
    money: bool = False
    #: False: shown in the table only (a count beside an amount on a chart of amounts)
    plotted: bool = True

    def shown(self, i: int) -> str:
        value = self.values[i]
        return money_filter(value) if self.money else format_number(value)

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass
class Chart:
    """A chart and its table: ``labels`` name the rows (days, counties...), ``series`` the columns.

    ``kind``: "bar" or "line" over days, "hbar" for a ranking (counties, categories)."""

    id: str
    title: str
    kind: str
    labels: list[str]
    series: list[Series]
    #: the heading of the labels' column ("日期", "县区")
    label_header: str
    #: shorter labels for the chart's axis (default: ``labels``)
    axis_labels: list[str] | None = None
    note: str = ""

    @property
    def empty(self) -> bool:
        return not self.labels or not any(v for s in self.series for v in s.values)

    def spec(self) -> dict:
        """What static/js/charts.js draws: plotted series with their values and their table texts."""
        currency = current_app.config.get("CURRENCY", "CNY")
        plotted = [s for s in self.series if s.plotted]
        return {
            "kind": self.kind,
            "labels": self.axis_labels or self.labels,
            "names": self.labels,
            "money": any(s.money for s in plotted),
            "currency": currency,
            "scale": 10 ** money.minor_digits(currency),
            "locale": current_locale_code().replace("_", "-"),
            "series": [{"name": s.name, "values": s.values, "shown": [s.shown(i) for i in range(len(s.values))]}
                       for s in plotted],
        }


def daily_chart(window: Window, chart_id: str, title: str, series: Iterable[Series], kind: str = "bar",
                note: str = "") -> Chart:
    """A chart of the window's days, labelled in the visitor's language."""
    return Chart(id=chart_id, title=title, kind=kind, labels=window.labels(), axis_labels=window.labels("Md"),
                 series=list(series), label_header=_("日期"), note=note)
