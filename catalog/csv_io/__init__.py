"""CSV import (dry-run preview, then all-or-nothing) and export of a shop's catalogue.

Columns: product_code, title, category, variant, unit, price, stock, moq, step, tiers, origin,
subtitle, description, attributes, certifications, status, images. Rows with the same
product_code are variants of one product; re-importing updates by (shop, product_code, variant).
Files may be UTF-8 (with or without BOM) or GBK (Excel's default "CSV" on Chinese Windows).
``cells`` holds the format and the cell parsers, ``rows`` the checks of one row, ``importer`` the
file's checks and the import, ``exporter`` the export.
"""

from __future__ import annotations

from catalog.csv_io.cells import COLUMNS, CellError
from catalog.csv_io.exporter import export_csv, export_rows
from catalog.csv_io.importer import CsvFileError, ImportReport, RowError, import_csv, parse

__all__ = ["COLUMNS", "CellError", "CsvFileError", "ImportReport", "RowError", "export_csv", "export_rows",
           "import_csv", "parse"]
