"""CSV exports: the one formula neutraliser and the one response every export uses.

A spreadsheet runs a cell that starts with = + - @ (and, in some programs, tab or carriage return)
as a formula; exported text comes from users, so every exported cell goes through ``neutralise``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


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
