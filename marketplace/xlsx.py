"""The Excel (.xlsx) reader of the imports: the first worksheet's rows as text cells, read with
openpyxl in read-only mode with ``data_only`` (a formula gives its saved value, never its text; a
formula Excel never calculated is an empty cell). A hostile file is refused with a clear message
before or while it is read: the bytes are limited, the zip's declared unpacked size and member count
are checked before anything is unpacked (zipfile never unpacks more than a member declares), the rows
and columns read are limited, and the XML is parsed through defusedxml when it is installed (openpyxl
picks it up itself).

    from marketplace.xlsx import SpreadsheetError, is_spreadsheet, xlsx_rows
    for line, cells in xlsx_rows(data, max_bytes=5 * 1024 * 1024, max_rows=2000):  # SpreadsheetError
        ...

The rows come with the sheet's own row numbers (what Excel shows), empty rows left out; every cell
is a string, numbers as Excel displays them in general format (7.6, 12, never 7.6000000000000005)."""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Iterator

from flask_babel import gettext as _

from marketplace.errors import DomainError

ZIP_MAGIC = b"PK\x03\x04"
#: An OLE compound file: the old binary .xls, and any password-protected Office file.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: What the parts of a workbook may unpack to, at most (a 5 MB sheet of text is far less).
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 2000
#: Columns read per row; cells to the right are ignored (the imports have fewer than 20 columns).
MAX_COLUMNS = 64
#: Excel's own limit: a sheet claiming more rows is not an Excel file.
MAX_SHEET_ROWS = 1_048_576


class SpreadsheetError(DomainError):
    """The file cannot be read as an Excel workbook; the message says what to do."""

    code = "invalid_spreadsheet"


def is_spreadsheet(data: bytes, filename: str = "") -> bool:
    """Whether an upload is meant as Excel: by its content (a zip or an OLE file, which no CSV starts
    with) or by its name (so a renamed file gets the Excel reader's clear refusal, not a CSV error)."""
    return data[:4] == ZIP_MAGIC or data[:8] == OLE_MAGIC or filename.lower().endswith(SUFFIXES)


def _not_xlsx() -> SpreadsheetError:
    return SpreadsheetError(_("这不是有效的 Excel（.xlsx）文件：请在 Excel 中“另存为”Excel 工作簿（.xlsx）或 CSV 后再导入"))


def _check_zip(data: bytes) -> None:
    if data[:8] == OLE_MAGIC:
        raise SpreadsheetError(_("这是旧版 Excel（.xls）或设了密码的文件：请在 Excel 中“另存为”Excel 工作簿（.xlsx，不设密码）或 CSV 后再导入"))
    if data[:4] != ZIP_MAGIC:
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _not_xlsx() from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_xlsx()
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(_("这个 Excel 文件解压后太大，无法导入：请只保留要导入的工作表，或另存为 CSV"))


def cell_text(value) -> str:
    """A cell as the text a person typed: numbers in Excel's general format, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def xlsx_rows(data: bytes, *, max_bytes: int, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """The non-empty rows of the workbook's first sheet (the header among them) as (row number, cells).

    Raises SpreadsheetError for a file that is too big, not an .xlsx, or has more than ``max_rows``
    non-empty rows."""
    if len(data) > max_bytes:
        raise SpreadsheetError(_("文件太大：不能超过 %(mb)d MB，请分成几个文件导入", mb=max(1, max_bytes // 1048576)))
    _check_zip(data)
    import openpyxl

    rows: list[tuple[int, list[str]]] = []
    try:
        with warnings.catch_warnings():  # openpyxl warns of features it drops (styles, validation): not ours
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            try:
                if not book.worksheets:
                    raise _not_xlsx()
                sheet = book.worksheets[0]
                for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                    if number > MAX_SHEET_ROWS:
                        raise _not_xlsx()
                    if values.count(None) == len(values):
                        continue
                    cells = [cell_text(v) for v in values]
                    while cells and not cells[-1].strip():
                        cells.pop()
                    if not cells:
                        continue
                    if len(rows) > max_rows:  # the header and max_rows rows
                        raise SpreadsheetError(_("行数太多：一次最多导入 %(n)d 行，请分成几个文件", n=max_rows))
                    rows.append((number, cells))
            finally:
                book.close()
    except SpreadsheetError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl, zipfile and the XML parser raise many types on a broken file
        raise _not_xlsx() from None
    return iter(rows)
