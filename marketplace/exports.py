"""CSV exports: the one formula neutraliser and the one response every export uses.

A spreadsheet runs a cell that starts with = + - @ (and, in some programs, tab or carriage return)
as a formula; exported text comes from users, so every exported cell goes through ``neutralise``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Response, current_app

from marketplace.db import as_utc

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading quote.
    A number (an amount, a count) is written as a number: -13.56 stays a number, not text."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as the site's clock shows it, for an export cell."""
    if value is None:
        return ""
    return as_utc(value).astimezone(_zone()).strftime(fmt)


def time_header(label: str) -> str:
    """A time column's header with the site's offset, e.g. "下单时间 (UTC+08:00)": the cells carry none."""
    offset = dt.datetime.now(_zone()).strftime("%z")
    return f"{label} (UTC{offset[:3]}:{offset[3:]})"


def unneutralise(value: str) -> str:
    """Undo ``neutralise`` on a re-imported cell (a quote before one of the formula characters)."""
    if len(value) >= 2 and value[0] == "'" and value[1] in "".join(FORMULA_START):
        return value[1:]
    return value


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """CSV text with a UTF-8 BOM (Excel opens Chinese correctly only with it), CRLF line ends and
    every cell neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> Response:
    """A CSV download named ``filename`` (ASCII name; the browser saves it as is)."""
    response = Response(csv_text(header, rows), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
