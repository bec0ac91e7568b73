"""The product import reads an Excel workbook (.xlsx) as it reads CSV: the same checks, all rows or
none, the same preview and background run; a file named .xlsx that is not one is refused clearly."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from catalog import import_runs
from catalog.csv_io import COLUMNS, CsvFileError, import_csv
from catalog.models import ImportRun, Product, Variant
from marketplace.extensions import db

HEADER = ["product_code", "title", "category", "variant", "unit", "price", "stock"]
ROWS = [["A1", "永城面粉 特一粉", "农产品/粮油", "25kg 袋", "袋", 95, 300],
        ["A1", None, None, "5kg 袋", "袋", 21.5, 100],
        ["B2", "夏邑新小麦", "农产品/粮油", "50kg 袋", "袋", 130, 80]]


def workbook(rows) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def products() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Product))


def test_a_workbook_imports_like_a_csv(db, categories, shop, owner):
    assert set(HEADER) <= set(COLUMNS)
    report = import_csv(shop, owner, workbook([HEADER, *ROWS]), filename="货品.xlsx")
    assert report.ok, report.errors
    assert (report.products_created, report.variants_created) == (2, 3)
    prices = sorted(db.session.scalars(sa.select(Variant.price_cents)))
    assert prices == [2150, 9500, 13000]
    # one bad row (a price of minus one) refuses the whole workbook, listed by its Excel row
    bad = import_csv(shop, owner, workbook([HEADER, [*ROWS[2][:5], -1, 5], *ROWS[:2]]), filename="货品.xlsx")
    assert not bad.ok and [(e.row, e.column) for e in bad.errors] == [(2, "price")]
    assert products() == 2


def test_a_renamed_file_is_refused_clearly(db, categories, shop, owner):
    with pytest.raises(CsvFileError, match=r"这不是有效的 Excel（\.xlsx）文件"):
        import_csv(shop, owner, b"product_code,title\n", filename="货品.xlsx", dry_run=True)
    assert products() == 0


def test_the_preview_and_the_background_run_take_a_workbook(client, login, shop, owner, categories):
    login(owner)
    html = client.post("/merchant/products/import", data={"csv_file": (io.BytesIO(workbook([HEADER, *ROWS])), "a.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'accept=".csv,.xlsx"' in html
    token = re.search(r'name="token" value="([0-9a-f-]+)"', html).group(1)
    run = ImportRun(shop_id=shop.id, actor_id=owner.id, token=token, status="queued")
    db.session.add(run)
    db.session.commit()
    assert import_runs.run_import(run.id) == "done" and products() == 2
