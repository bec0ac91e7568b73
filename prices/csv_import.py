"""CSV or Excel import of one market's prices for one day: every row checked first (the dry run lists
each error by row and column), then all rows written or none. Importing the same day again updates the
rows of the same (commodity, spec), never duplicates them. The file reading (size, UTF-8 or GBK,
formula cells, an .xlsx workbook's first sheet through marketplace.xlsx) is the product import's
(catalog.csv_io.importer.table_rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.csv_io.importer import CsvFileError, RowError, table_rows
from marketplace.db import atomic
from marketplace.exports import unneutralise
from marketplace.extensions import db
from marketplace.xlsx import is_spreadsheet
from prices.models import Commodity, Market, PriceObservation
from prices.services import PriceError, Values, check_day, check_values, is_outlier, record, references

COLUMNS = ["commodity", "spec", "unit", "low", "avg", "high", "volume", "origin"]
REQUIRED = ["commodity", "unit", "avg"]
MAX_ROWS = 2000


@dataclass
class ParsedPrice:
    row: int
    commodity: Commodity
    spec: str
    values: Values
    action: str = "create"  #: create, update or unchanged
    held: bool = False


@dataclass
class PriceImport:
    day: dt.date
    rows: list[ParsedPrice] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = True
    written: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def held(self) -> int:
        return sum(1 for r in self.rows if r.held and r.action != "unchanged")


def _read(lines: Iterator[tuple[int, list[str]]]) -> list[tuple[int, dict]]:
    _line, header = next(lines, (0, None))
    if header is None:
        raise CsvFileError(_("文件是空的：第一行应为列名：%(cols)s", cols=",".join(COLUMNS)))
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise CsvFileError(_("第一行应为列名：%(cols)s（必填：%(req)s）", cols=",".join(COLUMNS), req=",".join(REQUIRED)))
    rows = []
    for line, cells in lines:
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise CsvFileError(_("行数太多：一次最多导入 %(n)d 行", n=MAX_ROWS))
        rows.append((line, {col: unneutralise(cells[i]).strip() if i < len(cells) else ""
                            for i, col in enumerate(header) if col}))
    if not rows:
        raise CsvFileError(_("文件里没有价格行"))
    return rows


def parse(market: Market, day: dt.date, data: bytes, filename: str = "") -> PriceImport:
    """Check every row; nothing is written. ``data`` is CSV or an Excel workbook (its first sheet)."""
    try:
        check_day(day)
    except PriceError as exc:
        raise CsvFileError(str(exc)) from None
    report = PriceImport(day=day)
    raw = _read(table_rows(data, filename, max_rows=MAX_ROWS))
    commodities = list(db.session.scalars(sa.select(Commodity).where(Commodity.active)))
    by_text = {c.code.lower(): c for c in commodities} | {c.name: c for c in commodities}
    seen: dict[tuple[int, str], int] = {}
    for line, cells in raw:
        commodity = by_text.get(cells.get("commodity", "").lower()) or by_text.get(cells.get("commodity", ""))
        if commodity is None:
            report.errors.append(RowError(line, "commodity", _("没有这个品种：%(c)s", c=cells.get("commodity", "")[:20])))
            continue
        spec = cells.get("spec", "")[:60]
        if (commodity.id, spec) in seen:
            report.errors.append(RowError(line, "commodity", _("与第 %(n)d 行重复（同一品种和规格）", n=seen[(commodity.id, spec)])))
            continue
        seen[(commodity.id, spec)] = line
        try:
            values = check_values(commodity, unit=cells.get("unit", ""), low=cells.get("low"), avg=cells.get("avg"),
                                  high=cells.get("high"), volume=cells.get("volume"), origin=cells.get("origin", ""))
        except PriceError as exc:
            for column, messages in exc.errors.items():
                report.errors.extend(RowError(line, column, m) for m in messages)
            continue
        report.rows.append(ParsedPrice(line, commodity, spec, values))
    _plan(market, report)
    return report


def _plan(market: Market, report: PriceImport) -> None:
    ids = {r.commodity.id for r in report.rows}
    Obs = PriceObservation
    existing = {(o.commodity_id, o.spec): o for o in db.session.scalars(
        sa.select(Obs).where(Obs.market_id == market.id, Obs.day == report.day, Obs.commodity_id.in_(ids)))} if ids else {}
    refs = references(market, report.day, ids)
    for r in report.rows:
        ref = refs.get((r.commodity.id, r.spec))
        r.held = is_outlier(r.values.std_avg, ref.std_avg_cents if ref else None)
        old = existing.get((r.commodity.id, r.spec))
        if old is not None:
            same = (old.unit, old.low_cents, old.avg_cents, old.high_cents, old.volume, old.origin) == (
                r.values.unit, r.values.low, r.values.avg, r.values.high, r.values.volume, r.values.origin)
            r.action = "unchanged" if same else "update"


def import_prices(market: Market, day: dt.date, data: bytes, actor, *, dry_run: bool = False,
                  filename: str = "") -> PriceImport:
    """Check the file and, unless ``dry_run`` or a row is wrong, write every row in one transaction."""
    report = parse(market, day, data, filename)
    report.dry_run = dry_run
    if dry_run or report.errors:
        db.session.rollback()
        return report
    refs = references(market, day, {r.commodity.id for r in report.rows})
    source = _("Excel 导入") if is_spreadsheet(data, filename) else _("CSV 导入")
    try:
        with atomic():
            for r in report.rows:
                _obs, written = record(market, r.commodity, day, r.values, actor, spec=r.spec,
                                       source=source, reference=refs.get((r.commodity.id, r.spec)))
                report.written += int(written)
    except PriceError as exc:
        report.errors.append(RowError(0, "", str(exc)))
    return report
