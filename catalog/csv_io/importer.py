"""CSV or Excel (.xlsx) import: read and check every row (the dry-run preview), then import all rows or none."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.csv_io.cells import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    PRODUCT_COLUMNS,
    REQUIRED_COLUMNS,
    SPLIT,
)
from catalog.csv_io.rows import ParsedRow, RowError, RowReader
from catalog.models import Product, ProductStatus, Variant
from catalog.services import CatalogError, create_product, set_status, stock_edit_refusals, update_product
from catalog.units import unit_table
from catalog.zipimages import ZipError, ZipImages
from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.exports import unneutralise
from marketplace.extensions import db
from marketplace.shops.policy import ensure_not_suspended
from marketplace.xlsx import SpreadsheetError, is_spreadsheet, xlsx_rows


class CsvFileError(DomainError):
    """The file as a whole cannot be read (encoding, header, size); the message says what to do."""

    code = "invalid_csv"


@dataclass
class ImportReport:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    products_created: int = 0
    products_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    images_added: int = 0
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_by_row(self) -> dict[int, list[RowError]]:
        out: dict[int, list[RowError]] = {}
        for e in self.errors:
            out.setdefault(e.row, []).append(e)
        return out


def decode(data: bytes) -> str:
    """Text of the file: UTF-8 (BOM or not), else GBK; anything else is refused with advice."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvFileError(_("文件太大：CSV 不能超过 %(mb)d MB，请分成几个文件导入", mb=MAX_FILE_BYTES // 1048576))
    for encoding in ("utf-8-sig", "gbk", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvFileError(_("无法识别文件编码：请在 Excel 中“另存为”选择“CSV UTF-8（逗号分隔）”后再导入"))


def table_rows(data: bytes, filename: str = "", max_rows: int = MAX_ROWS) -> Iterator[tuple[int, list[str]]]:
    """The file's lines as (line number, cells): an Excel workbook's first sheet (by content, or by an
    .xlsx name: a renamed file is refused clearly) or CSV text in UTF-8 or GBK."""
    if is_spreadsheet(data, filename):
        try:
            yield from xlsx_rows(data, max_bytes=MAX_FILE_BYTES, max_rows=max_rows)
        except SpreadsheetError as exc:
            raise CsvFileError(str(exc)) from None
        return
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise CsvFileError(_("CSV 格式有误：%(e)s", e=str(exc)[:100])) from None


def read_rows(lines: Iterator[tuple[int, list[str]]]) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header and the non-empty rows of ``table_rows``, each a dict by column name."""
    _line, header = next(lines, (0, None))
    if header is None:
        raise CsvFileError(_("文件是空的：第一行应为列名，例如 product_code,title,category,..."))
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(_("缺少列：%(cols)s", cols=", ".join(missing)))
        if unknown:
            parts.append(_("未知的列：%(cols)s", cols=", ".join(unknown[:10])))
        raise CsvFileError("；".join(parts) + _("。第一行应为列名：%(cols)s", cols=",".join(COLUMNS)))
    if len({h for h in header if h}) != len([h for h in header if h]):
        raise CsvFileError(_("列名重复了，请检查第一行"))
    rows = []
    for index, cells in lines:
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise CsvFileError(_("行数太多：一次最多导入 %(n)d 行，请分成几个文件", n=MAX_ROWS))
        values = {col: unneutralise(cells[i]) if i < len(cells) else "" for i, col in enumerate(header) if col}
        rows.append((index, values))
    return header, rows


def parse(shop, data: bytes, images: ZipImages | None = None, filename: str = "") -> ImportReport:
    """Read and check every row of a CSV or an .xlsx; nothing is written. The report lists each error
    by row and column."""
    report = ImportReport()
    header, raw_rows = read_rows(table_rows(data, filename))
    if not raw_rows:
        raise CsvFileError(_("文件里没有商品行"))
    reader = RowReader(header, images, report.errors)
    if images is not None:  # the decoding budget, from the images' headers, before any is decoded
        names = [n.strip() for _line, values in raw_rows for n in SPLIT.split(values.get("images", "")) if n.strip()]
        try:
            reader.image_problems.update(images.plan(names))
        except ZipError as exc:
            raise CsvFileError(str(exc)) from None
    report.rows = [reader.read(line, values) for line, values in raw_rows]
    _check_groups(report)
    _plan(shop, report)
    return report


def groups(report: ImportReport) -> dict[str, list[ParsedRow]]:
    out: dict[str, list[ParsedRow]] = {}
    for row in report.rows:
        if row.code:
            out.setdefault(row.code, []).append(row)
    return out


def _check_groups(report: ImportReport) -> None:
    """Rows of one product_code must agree on the product's columns and name distinct variants."""
    def err(row: int, column: str, message: str):
        report.errors.append(RowError(row, column, message))

    for _code, rows in groups(report).items():
        first = rows[0]
        for col in ("title", "category"):
            if col not in first.given:
                err(first.row, col, _("必填，不能为空（同一商品的第一行）"))
        seen = {first.variant["name"]: first.row}
        for row in rows[1:]:
            for col in PRODUCT_COLUMNS:
                if col in row.given and col in first.given:
                    a = first.product.get(col) if col != "status" else first.status
                    b = row.product.get(col) if col != "status" else row.status
                    if a != b:
                        err(row.row, col, _("与第 %(r)d 行（同一商品编码）不一致", r=first.row))
                elif col in row.given and col not in first.given and col != "status":
                    err(row.row, col, _("同一商品的公共信息请写在它的第一行（第 %(r)d 行）", r=first.row))
            name = row.variant["name"]
            if name in seen:
                err(row.row, "variant", _("规格“%(v)s”在第 %(r)d 行已出现过", v=name[:40], r=seen[name]))
            seen.setdefault(name, row.row)


def _check_stock_edits(report: ImportReport, existing: dict[str, Product],
                       stocks: dict[int, dict[str, tuple[int, int]]]) -> None:
    """A row that changes the stock of a variant whose stock another domain keeps (trace: a
    batch-tracked variant) is refused, with the guard's message (an export re-imported unchanged passes)."""
    changing: dict[int, list[int]] = {}
    for code, rows in groups(report).items():
        product = existing.get(code)
        for row in rows:
            vid, stock = stocks.get(product.id, {}).get(row.variant["name"], (None, None)) if product else (None, None)
            if vid is not None and row.variant.get("stock") is not None and row.variant["stock"] != stock:
                changing.setdefault(vid, []).append(row.row)
    for vid, message in stock_edit_refusals(changing).items():
        for line in changing[vid]:
            report.errors.append(RowError(line, "stock", message))


def _plan(shop, report: ImportReport) -> None:
    """Count what an import would create and update (the preview's summary); a deactivated unit is
    refused unless the row's variant already has it."""
    codes = list(groups(report))
    existing = {}
    for chunk in range(0, len(codes), 500):
        for p in db.session.scalars(sa.select(Product).where(Product.shop_id == shop.id,
                                                             Product.code.in_(codes[chunk:chunk + 500]))):
            existing[p.code] = p
    names: dict[int, dict[str, str]] = {}
    stocks: dict[int, dict[str, tuple[int, int]]] = {}
    if existing:
        ids = [p.id for p in existing.values()]
        for pid, vid, vname, unit, stock in db.session.execute(
                sa.select(Variant.product_id, Variant.id, Variant.name, Variant.unit, Variant.stock)
                .where(Variant.product_id.in_(ids))):
            names.setdefault(pid, {})[vname] = unit
            stocks.setdefault(pid, {})[vname] = (vid, stock)
    _check_stock_edits(report, existing, stocks)
    table = unit_table()
    for code, rows in groups(report).items():
        product = existing.get(code)
        kept = names.get(product.id, {}) if product is not None else {}
        for row in rows:
            info = table.get(row.variant["unit"])
            if info is not None and not info.active and kept.get(row.variant["name"]) != info.code:
                report.errors.append(RowError(row.row, "unit", _("单位“%(unit)s”已停用，请选择其他单位",
                                                                 unit=info.label())))
        if product is None:
            report.products_created += 1
            report.variants_created += len(rows)
        else:
            report.products_updated += 1
            for row in rows:
                if row.variant["name"] in kept:
                    report.variants_updated += 1
                else:
                    report.variants_created += 1


# --- import -----------------------------------------------------------------------------------

def _moderated(product: Product, target: ProductStatus) -> bool:
    """The platform decides this product's status for now: hidden by the admin, or waiting for his
    approval with "published" asked again (a re-imported export). The rows' other changes apply."""
    return product.status == ProductStatus.BLOCKED or (
        product.status == ProductStatus.PENDING and target == ProductStatus.PUBLISHED)


def _import_product(shop, actor, code: str, rows: list[ParsedRow], images: ZipImages | None,
                    report: ImportReport) -> None:
    """Create or update one product from its rows (in the import's transaction)."""
    from catalog.images import add_image

    first = rows[0]
    product = db.session.scalar(sa.select(Product).where(Product.shop_id == shop.id, Product.code == code))
    fields = {**first.product, "code": code}
    if product is None:
        variant_rows = [{**r.variant, "stock": r.variant["stock"] or 0} for r in rows]
        product = create_product(shop, actor, fields, variant_rows, movement_kind="import")
    else:
        if product.deleted_at is not None:
            product.deleted_at = None  # re-importing a deleted product brings it back
        by_name = {v.name: v for v in product.variants}
        variant_rows = []
        for r in rows:
            existing = by_name.get(r.variant["name"])
            variant_rows.append({**r.variant, "id": existing.id if existing else None,
                                 "stock": r.variant["stock"] if (existing is not None or r.variant["stock"]
                                                                 is not None) else 0})
        update_product(product, actor, fields, variant_rows, deactivate_missing=False, movement_kind="import")
    target = ProductStatus(first.status)
    if product.status != target and not _moderated(product, target):
        set_status(product, target, actor, note=_("CSV 导入"))
    for r in rows:
        for name in r.images:
            if add_image(product, images.read(name), actor, skip_duplicate=True) is not None:
                report.images_added += 1


def import_csv(shop, actor, data: bytes, *, zip_data: bytes | None = None, dry_run: bool = False,
               progress: Callable[[int], None] | None = None, filename: str = "") -> ImportReport:
    """Check the file and, unless dry_run or any row has an error, import it in one transaction.

    Raises CsvFileError for a file that cannot be read at all (encoding, header, zip); otherwise
    returns the report, whose ``errors`` list is empty exactly when the import happened. A
    suspended shop is refused before its file is read (ShopError).
    """
    ensure_not_suspended(shop)
    try:
        images = ZipImages(zip_data) if zip_data else None
    except ZipError as exc:
        raise CsvFileError(str(exc)) from None
    report = parse(shop, data, images, filename)
    report.dry_run = dry_run
    if dry_run or report.errors:
        db.session.rollback()  # a preview writes nothing: end its read transaction at once
        return report
    try:
        with atomic():
            for code, rows in groups(report).items():
                _import_product(shop, actor, code, rows, images, report)
                if progress:
                    progress(len(rows))
    except CatalogError as exc:
        report.errors.append(RowError(0, "", str(exc)))
    return report
