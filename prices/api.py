"""The prices API under /api/v1 (public, read only): ``GET /prices`` the board of a market and day,
``GET /prices/<code>`` a commodity's series over 7 to 365 days at every market and on the platform.
The same queries as the pages (prices/queries.py), so the same statement counts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from catalog.units import unit_name
from marketplace.api import api_bp
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.openapi import api_doc, parse_query
from prices import api_schemas as s
from prices import queries
from prices.models import Commodity
from prices.services import local_today

TAGS = ["prices"]


def _name(row_name: str, row_en: str, locale: str) -> str:
    return row_en if locale.startswith("en") and row_en else row_name


@api_bp.get("/prices")
@api_doc("The price board: each commodity's latest published price per market (7 days up to the day), "
         "its change and the platform's transaction price", tags=TAGS, query=s.BoardQuerySchema,
         responses={200: s.BoardSchema})
def prices_board_api():
    args = parse_query(s.BoardQuerySchema)
    today = local_today()
    day = args.get("day") or today
    if day > today:
        raise ApiError(400, "invalid_day", _("日期不能晚于今天（%(d)s）", d=today.isoformat()), field="day")
    locale = current_locale_code()
    rows = queries.board(args.get("market"), args.get("category"), today=day)
    return {"day": day.isoformat(), "currency": current_app.config["CURRENCY"], "rows": [
        {"day": r.day.isoformat(), "commodity": r.commodity_code,
         "commodity_name": _name(r.commodity, r.commodity_en, locale), "unit": r.std_unit,
         "unit_label": unit_name(r.std_unit), "market_id": r.market_id, "market": _name(r.market, r.market_en, locale),
         "spec": r.spec, "origin": r.origin, "low_cents": r.low, "avg_cents": r.avg, "high_cents": r.high,
         "previous_avg_cents": r.previous, "change_permille": r.change_permille, "platform_avg_cents": r.platform,
         "platform_day": r.platform_day.isoformat() if r.platform_day else None} for r in rows]}


@api_bp.get("/prices/<code>")
@api_doc("A commodity's prices over the last 7, 30, 90 or 365 days: every market's published prices and "
         "the platform's daily transaction prices", tags=TAGS, query=s.SeriesQuerySchema,
         responses={200: s.SeriesSchema, 404: "error"})
def prices_series_api(code: str):
    args = parse_query(s.SeriesQuerySchema)
    item = db.session.scalar(sa.select(Commodity).where(Commodity.code == code, Commodity.active))
    if item is None:
        raise ApiError(404, "not_found", _("没有这个品种"))
    days = args.get("days") or 30
    today = local_today()
    locale = current_locale_code()
    points = queries.series(item, days, today)
    platform = queries.platform_series(item, days, today)
    return {"commodity": {"code": item.code, "name": item.name, "name_en": item.name_en, "unit": item.unit,
                          "unit_label": unit_name(item.unit), "category_id": item.category_id},
            "days": days, "currency": current_app.config["CURRENCY"],
            "markets": [{"day": p.day.isoformat(), "market_id": p.market_id, "market": _name(p.market, p.market_en, locale),
                         "spec": p.spec, "origin": p.origin, "low_cents": p.low, "avg_cents": p.avg,
                         "high_cents": p.high} for p in points],
            "platform": [{"day": r.day.isoformat(), "avg_cents": r.avg_cents, "low_cents": r.low_cents,
                          "high_cents": r.high_cents, "volume": str(r.volume), "order_count": r.order_count,
                          "line_count": r.line_count, "lines_left_out": r.lines_left_out} for r in platform]}
