"""marketplace.figures: local days (any time zone, summer time included), totals per local day in
SQL on both databases, the panel registry, charts' data."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.domains import Panel, add_panel, page_panels
from marketplace.extensions import db
from marketplace.figures import Action, Chart, Series, Window

UTC = dt.UTC


def test_days_and_edges_are_the_sites_local_midnights(app):
    # 2026-05-04 01:00 in Shangqiu is still 2026-05-03 in UTC: today is the 4th
    window = Window.last(3, now=dt.datetime(2026, 5, 3, 17, 0, tzinfo=UTC))
    assert window.days == (dt.date(2026, 5, 2), dt.date(2026, 5, 3), dt.date(2026, 5, 4))
    assert window.edges[0] == dt.datetime(2026, 5, 1, 16, 0, tzinfo=UTC)
    assert window.edges[-1] == dt.datetime(2026, 5, 4, 16, 0, tzinfo=UTC)
    assert window.zone_label == "UTC+08:00"
    assert window.week_index == 2  # 2026-05-04 is a Monday


def test_a_day_with_a_clock_change_has_its_real_length(app):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "America/New_York"  # summer time from 2026-03-08 02:00
    window = Window.last(3, now=dt.datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    lengths = [b - a for a, b in zip(window.edges, window.edges[1:], strict=False)]
    assert window.days[1] == dt.date(2026, 3, 8)
    assert lengths == [dt.timedelta(hours=24), dt.timedelta(hours=23), dt.timedelta(hours=24)]
    assert window.week_index == 2  # the 9th is a Monday


def _user(at: dt.datetime) -> None:
    db.session.add(User(email=f"u{at.timestamp():.0f}@example.com", name="x", password_hash="x", created_at=at))


def test_rows_are_counted_on_their_local_day_in_sql(app):
    now = dt.datetime(2026, 5, 3, 17, 0, tzinfo=UTC)  # 01:00 on the 4th in Shangqiu
    window = Window.last(3, now=now)
    for at in (dt.datetime(2026, 5, 3, 16, 30, tzinfo=UTC),   # 00:30 on the 4th: today
               dt.datetime(2026, 5, 3, 15, 59, tzinfo=UTC),   # 23:59 on the 3rd
               dt.datetime(2026, 5, 2, 16, 0, tzinfo=UTC),    # 00:00 on the 3rd
               dt.datetime(2026, 5, 1, 16, 0, tzinfo=UTC),    # 00:00 on the 2nd: the first day
               dt.datetime(2026, 5, 1, 15, 59, tzinfo=UTC),   # 23:59 on the 1st: before the window
               dt.datetime(2026, 5, 4, 16, 0, tzinfo=UTC)):   # tomorrow: after it
        _user(at)
    db.session.commit()
    totals = window.totals(sa.select(window.day_of(User.created_at).label("day"), User.id.label("ids"))
                           .where(window.holds(User.created_at)))
    assert totals["count"] == [1, 2, 1]
    assert set(totals) == {"count", "ids"} and all(isinstance(v, int) for v in totals["ids"])


def test_panels_of_every_provider_in_order(app):
    add_panel(app, "test_page", lambda x: [Panel("b.html", {"x": x}, order=20), Action("a", 1, "/a", order=5)])
    add_panel(app, "test_page", lambda x: [Panel("c.html", order=10)])
    assert [getattr(p, "template", None) for p in page_panels(app, "test_page", 1)] == [None, "c.html", "b.html"]
    assert page_panels(app, "nobody_fills_this") == []


def test_a_charts_data_has_the_tables_texts(app):
    with app.test_request_context():
        chart = Chart(id="c", title="t", kind="bar", labels=["5月3日"], label_header="日期",
                      series=[Series("金额", [123456], money=True), Series("单数", [1234], plotted=False)])
        spec = chart.spec()
        assert spec["money"] is True and spec["scale"] == 100 and spec["currency"] == "CNY"
        assert spec["series"] == [{"name": "金额", "values": [123456], "shown": ["¥1,234.56"]}]
        assert chart.series[1].shown(0) == "1,234" and not chart.empty
        assert Chart(id="e", title="t", kind="hbar", labels=[], series=[], label_header="").empty
