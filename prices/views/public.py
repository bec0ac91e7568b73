"""Public pages: today's board, a commodity's chart and table, its series as CSV and JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask import abort, current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from catalog.models import Category
from catalog.units import unit_name
from marketplace import money
from marketplace.exports import csv_response
from marketplace.extensions import db
from marketplace.figures import Chart, Series
from marketplace.i18n import current_locale_code
from marketplace.templating import _formatted
from prices import bp, queries
from prices.models import Commodity
from prices.services import local_today


@dataclass
class PriceSeries(Series):
    """A market's line: a day without a price is a gap (None), shown as a dash in the table.

    Its figures are formatted with the locale and currency read once per chart: a year of five
    markets is 4,000 figures, and asking Flask-Babel for the locale per figure cost 70 ms a page."""

    locale: str = "zh_CN"
    currency: str = "CNY"

    def shown(self, i: int) -> str:
        value = self.values[i]
        return "—" if value is None else _formatted(int(value), self.currency, self.locale)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/prices")
def board():
    market_id, category_id = _int_arg("market"), _int_arg("category")
    markets = queries.markets()
    rows = queries.board(market_id, category_id)
    day = max((r.day for r in rows), default=None)
    risers, fallers = queries.movers(rows)
    categories = list(db.session.scalars(sa.select(Category).where(Category.id.in_(
        sa.select(Commodity.category_id).where(Commodity.active))).order_by(Category.sort_order, Category.id)))
    return render_template("prices/board.html", markets=markets, day=day, rows=rows, risers=risers, fmt=money_in(current_locale_code()),
                           fallers=fallers, board_days=queries.BOARD_DAYS, market_id=market_id, category_id=category_id, categories=categories,
                           today=local_today())


def commodity_or_404(code: str) -> Commodity:
    found = db.session.scalar(sa.select(Commodity).where(Commodity.code == code, Commodity.active)
                              .options(sa.orm.joinedload(Commodity.category)))
    if found is None:
        abort(404)
    return found


def _days() -> int:
    days = _int_arg("days") or 30
    return days if days in queries.WINDOWS else 30


def _chart(commodity: Commodity, points, days: int, today: dt.date, platform=()) -> Chart:
    locale = current_locale_code()
    window = [today - dt.timedelta(days=days - 1 - i) for i in range(days)]
    index = {d: i for i, d in enumerate(window)}
    lines: dict[tuple[int, str], list] = {}
    names: dict[tuple[int, str], str] = {}
    for p in points:
        key = (p.market_id, p.spec)
        name = p.market_en if locale.startswith("en") and p.market_en else p.market
        names[key] = f"{name} · {p.spec}" if p.spec else name
        lines.setdefault(key, [None] * days)[index[p.day]] = p.avg
    currency = current_app.config["CURRENCY"]
    series = [PriceSeries(names[k], v, money=True, locale=locale, currency=currency) for k, v in lines.items()]
    own = [None] * days
    for row in platform:
        if row.avg_cents is not None:
            own[index[row.day]] = row.avg_cents
    if any(v is not None for v in own):  # the platform's transaction price: a series of its own
        series.append(PriceSeries(_("平台成交价"), own, money=True, locale=locale, currency=currency))
    skeleton = "yMMMd" if days > 90 else "MMMd"
    babel_locale = get_locale()  # once: asked per day it cost more than the rest of the chart
    labels = [_skeleton(d, skeleton, babel_locale) for d in window]
    return Chart(id="price-chart", title=_("%(name)s 平均价（元/%(unit)s），最近 %(n)d 天",
                                           name=commodity.localized_name(locale), unit=unit_name(commodity.unit),
                                           n=days),
                 kind="line", labels=labels, axis_labels=[_skeleton(d, "Md", babel_locale) for d in window],
                 series=series,
                 label_header=_("日期"))


@lru_cache(maxsize=8192)
def _skeleton(day: dt.date, skeleton: str, locale) -> str:
    """A day's label in the locale (kept: a year's chart labels 730 days, the same ones every time)."""
    from babel.dates import format_skeleton

    return format_skeleton(skeleton, day, locale=locale)


def money_in(locale: str):
    """A money formatter for one page's many figures (the locale and currency read once)."""
    currency = current_app.config["CURRENCY"]

    def fmt(cents: int | None) -> str:
        return "" if cents is None else _formatted(int(cents), currency, locale)

    return fmt


@bp.get("/prices/<code>")
def commodity(code: str):
    return commodity_page(commodity_or_404(code))


def commodity_page(item: Commodity, *, alert_form=None, alert_errors=None, status: int = 200):
    """The commodity page (its subscribe form refilled with ``alert_form`` and its errors, when refused)."""
    from flask_login import current_user

    from prices.alerts import unit_choices

    signed_in = current_user.is_authenticated  # a visitor sees a sign-in link, not the form
    days = _days()
    today = local_today()
    points = queries.series(item, days, today)
    platform = queries.platform_series(item, days, today)
    chart = _chart(item, points, days, today, platform)
    latest = {}
    for p in points:  # the newest price per market line
        latest[(p.market_id, p.spec)] = p
    priced = [row for row in platform if row.avg_cents is not None]
    return render_template("prices/commodity.html", commodity=item, days=days, windows=queries.WINDOWS,
                           price_chart=chart, latest=list(latest.values()), points=points,
                           platform_latest=priced[-1] if priced else None,
                           platform_left_out=sum(row.lines_left_out for row in platform),
                           platform_lines=sum(row.line_count for row in platform),
                           alert_units=unit_choices(item) if signed_in else [],
                           alert_markets=queries.markets() if signed_in else [],
                           alert_form=alert_form or {}, alert_errors=alert_errors or {}), status


def _rows(item: Commodity, points):
    return [(p.day.isoformat(), p.market, p.spec, unit_name(item.unit, "zh_CN"), money.format_plain(p.low),
             money.format_plain(p.avg), money.format_plain(p.high), p.origin) for p in points]


@bp.get("/prices/<code>/export.csv")
def commodity_csv(code: str):
    item = commodity_or_404(code)
    points = queries.series(item, _days())
    header = ("day", "market", "spec", "unit", "low", "avg", "high", "origin")
    return csv_response(f"prices-{item.code}.csv", header, _rows(item, points))


@bp.get("/prices/<code>/series.json")
def commodity_json(code: str):
    item = commodity_or_404(code)
    days = _days()
    points = queries.series(item, days)
    return jsonify({"commodity": {"code": item.code, "name": item.name, "name_en": item.name_en, "unit": item.unit},
                    "days": days, "currency": current_app.config["CURRENCY"],
                    "prices": [{"day": p.day.isoformat(), "market": p.market, "market_id": p.market_id,
                                "spec": p.spec, "low_cents": p.low, "avg_cents": p.avg, "high_cents": p.high,
                                "origin": p.origin} for p in points]})
