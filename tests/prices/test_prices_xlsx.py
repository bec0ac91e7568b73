"""The Excel (.xlsx) import of a day's prices: real workbooks built with openpyxl go through the same
dry run and all-or-nothing path as CSV; numbers typed as numbers and formulas (their saved values)
are read as a person sees them; a file that is not a workbook, the old .xls, a zip bomb and too many
rows are refused with a clear message in the user's language, and nothing is written."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from prices.models import PriceObservation
from prices.services import local_today

HEADER = ["commodity", "spec", "unit", "low", "avg", "high", "volume", "origin"]
ROWS = [["大蒜", None, "公斤", 7, 7.5, 8, 1200, "中牟县"], ["pear", "一级", "斤", 2.2, 2.4, 2.6, None, "宁陵县"]]


def workbook(rows, *, formula_values: dict[str, str] | None = None, title_row: bool = False) -> bytes:
    """An .xlsx as Excel saves it: ``formula_values`` gives formulas their calculated value (openpyxl
    writes none; Excel does)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "行情"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    if not formula_values:
        return out.getvalue()
    source, patched = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for formula, value in formula_values.items():
                    text = text.replace(f"<f>{formula}</f><v />", f"<f>{formula}</f><v>{value}</v>")
                data = text.encode()
            target.writestr(item, data)
    return patched.getvalue()


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PriceObservation))


def _upload(client, market, data: bytes, name: str = "行情.xlsx") -> str:
    return client.post(f"/prices/report/{market.id}/import",
                       data={"csv_file": (io.BytesIO(data), name)}).get_data(as_text=True)


@pytest.fixture
def setup(make_commodity, make_market, make_reporter):
    garlic = make_commodity()
    pear = make_commodity("pear", "酥梨", "Crisp pear")
    market = make_market(commodities=(garlic, pear))
    return garlic, pear, market, make_reporter(market)


def test_an_xlsx_previews_then_imports_every_row(client, login, setup):
    garlic, pear, market, reporter = setup
    login(reporter)
    # the avg of garlic is a formula Excel calculated: its value is imported, never its text
    rows = [HEADER, [*ROWS[0][:4], "=7+0.5", *ROWS[0][5:]], ROWS[1]]
    page = _upload(client, market, workbook(rows, formula_values={"7+0.5": "7.5"}))
    assert "新增 2 条" in page and _count() == 0  # the dry run wrote nothing
    token = page.split('name="token" value="')[1].split('"')[0]
    assert client.post(f"/prices/report/{market.id}/import", data={"token": token}).status_code == 302
    obs = {(o.commodity_id, o.spec): o for o in db.session.scalars(sa.select(PriceObservation))}
    assert set(obs) == {(garlic.id, ""), (pear.id, "一级")}
    row = obs[(garlic.id, "")]
    assert (row.low_cents, row.avg_cents, row.high_cents, row.volume, row.origin) == (700, 750, 800, 1200, "中牟县")
    assert row.day == local_today() and row.source == "Excel 导入"
    assert obs[(pear.id, "一级")].std_avg_cents == 480  # ¥2.40 per 斤 is ¥4.80 per 公斤
    # the same workbook again: nothing new (updates in place, never duplicates)
    page = _upload(client, market, workbook([HEADER, *ROWS]))
    assert "不变 2 条" in page and _count() == 2


def test_a_bad_row_refuses_the_whole_workbook(client, login, setup):
    _garlic, _pear, market, reporter = setup
    login(reporter)
    rows = [HEADER, *ROWS, [], ["大蒜", "特级", "公斤", 9, 8, 10], ["西瓜", None, "公斤", 1, 2, 3]]
    page = _upload(client, market, workbook(rows))
    assert "有 2 处错误，未导入任何价格" in page and "没有这个品种" in page
    # the rows are numbered as Excel shows them (the empty row 4 counts)
    assert "<td>5</td><td>low</td>" in page and "<td>6</td><td>commodity</td>" in page
    assert 'name="token"' not in page and _count() == 0


@pytest.mark.parametrize(("lang", "words"), [("zh_CN", "这不是有效的 Excel（.xlsx）文件"),
                                            ("en", "This is not a valid Excel (.xlsx) file")])
def test_a_file_that_is_not_a_workbook_is_refused_in_the_users_language(client, login, setup, make_reporter,
                                                                        lang, words):
    _garlic, _pear, market, _reporter = setup
    login(make_reporter(market, email=f"reporter-{lang}@example.com", locale=lang))
    csv_renamed = "commodity,unit,avg\n大蒜,公斤,7.5\n".encode()
    broken_zip = workbook([HEADER, *ROWS])[:600]
    for data in (csv_renamed, b"\x89PNG\r\n\x1a\n" + bytes(200), broken_zip):
        page = _upload(client, market, data, name="prices.xlsx")
        assert words in page, page[:2000]
        assert 'name="token"' not in page
    assert _count() == 0


@pytest.mark.parametrize(("lang", "words"), [("zh_CN", "这是旧版 Excel（.xls）或设了密码的文件"),
                                            ("en", "This is an old Excel (.xls) or password-protected file")])
def test_an_old_xls_is_refused_with_advice(client, login, setup, make_reporter, lang, words):
    _garlic, _pear, market, _reporter = setup
    login(make_reporter(market, email=f"reporter-{lang}@example.com", locale=lang))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000)
    assert words in _upload(client, market, ole, name="prices.xls")
    assert _count() == 0


def test_a_zip_bomb_is_refused_before_it_is_unpacked(client, login, setup):
    _garlic, _pear, market, reporter = setup
    login(reporter)
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook([HEADER, *ROWS]))) as source, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
        target.writestr("xl/media/padding.bin", bytes(70 * 1024 * 1024))  # 70 MB of zeros in about 70 KB
    assert len(bomb.getvalue()) < 1024 * 1024
    page = _upload(client, market, bomb.getvalue())
    assert "解压后太大" in page and _count() == 0


def test_too_many_rows_and_a_csv_still_work(app, setup):
    from catalog.csv_io.importer import CsvFileError
    from prices.csv_import import MAX_ROWS, parse

    _garlic, _pear, market, _reporter = setup
    many = [HEADER] + [["大蒜", f"规格{n}", "公斤", None, 7.5] for n in range(MAX_ROWS + 1)]
    with pytest.raises(CsvFileError, match="行数太多"):
        parse(market, local_today(), workbook(many), "big.xlsx")
    # a CSV named .csv, and a real workbook whatever its name, take their own reader
    assert parse(market, local_today(), "commodity,unit,avg\n大蒜,公斤,7.5\n".encode(), "day.csv").ok
    assert parse(market, local_today(), workbook([HEADER, *ROWS]), "day.csv").ok


def test_cells_read_as_a_person_sees_them():
    import datetime as dt

    from marketplace.xlsx import cell_text

    assert [cell_text(v) for v in (7.6, 7.0, 0.1 + 0.2, 12, None, True, "  大蒜 ")] == \
        ["7.6", "7", "0.3", "12", "", "TRUE", "  大蒜 "]
    assert cell_text(dt.datetime(2025, 3, 1)) == "2025-03-01"
