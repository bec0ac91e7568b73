"""CSV import: every error class, encodings, re-import, images in a zip, zip guards, dry runs, export."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from catalog.csv_io import COLUMNS, CsvFileError, export_csv, import_csv
from catalog.models import Product, ProductImage, StockMovement, Variant
from marketplace.exports import neutralise
from tests.catalog.catalog_helpers import png_bytes

HEADER = ",".join(COLUMNS)


def make_csv(rows: list[dict], header=COLUMNS, encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def row(code="ZC-001", variant="5kg 袋装", **kw):
    base = {"product_code": code, "title": "柘城三樱椒 干辣椒", "category": "农产品/干货调料", "variant": variant,
            "unit": "袋", "price": "150.00", "stock": "200", "moq": "1", "step": "1", "tiers": "10:140.00;50:130.00",
            "origin": "柘城县", "subtitle": "中国辣椒之乡", "description": "色红味辣", "attributes": "品种=三樱椒;等级=一级",
            "certifications": "地理标志", "status": "published", "images": ""}
    base.update(kw)
    return base


@pytest.fixture
def shop_ctx(categories, shop, owner):
    return shop, owner


def count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_import_creates_products_with_variants(db, shop_ctx):
    shop, owner = shop_ctx
    data = make_csv([row(), row(variant="25kg 编织袋", price="700.00", tiers="", moq="2", title="", category="",
                                origin="", subtitle="", description="", attributes="", certifications="", status="")])
    report = import_csv(shop, owner, data)
    assert report.ok, report.errors
    assert (report.products_created, report.variants_created) == (1, 2)
    product = db.session.scalar(db.select(Product))
    assert product.title == "柘城三樱椒 干辣椒" and product.origin.name == "柘城县"
    assert product.attributes == [["品种", "三樱椒"], ["等级", "一级"]] and product.certifications == ["gi"]
    assert product.status == "published" and product.min_price_cents == 15000
    v1, v2 = product.variants
    assert [(t.min_quantity, t.unit_price_cents) for t in v1.tiers] == [(10, 14000), (50, 13000)]
    assert (v2.price_cents, v2.moq, v2.stock) == (70000, 2, 200)
    kinds = {m.kind for m in db.session.scalars(db.select(StockMovement))}
    assert kinds == {"import"}


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gbk", False)])
def test_encodings(db, shop_ctx, encoding, bom):
    shop, owner = shop_ctx
    report = import_csv(shop, owner, make_csv([row()], encoding=encoding, bom=bom))
    assert report.ok, report.errors
    assert db.session.scalar(db.select(Product.title)) == "柘城三樱椒 干辣椒"


def test_undecodable_file_refused_with_advice(db, shop_ctx):
    shop, owner = shop_ctx
    with pytest.raises(CsvFileError, match="CSV UTF-8"):
        import_csv(shop, owner, HEADER.encode() + b"\n\xff\xfe\xfa\x80\x81,x\n")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "文件是空的"),
    (HEADER.encode(), "没有商品行"),
    (b"product_code,title,category,variant,unit\nA,b,c,d,e\n", "缺少列：price"),
    ((HEADER + ",colour\n").encode(), "未知的列：colour"),
    (b"product_code,title,category,variant,unit,price,price\n", "列名重复"),
])
def test_file_level_errors(db, shop_ctx, data, message):
    shop, owner = shop_ctx
    with pytest.raises(CsvFileError, match=message):
        import_csv(shop, owner, data)


@pytest.mark.parametrize(("changes", "column", "message"), [
    ({"product_code": ""}, "product_code", "必填"),
    ({"product_code": "有 空格"}, "product_code", "商品编码"),
    ({"title": ""}, "title", "必填"),
    ({"title": "长" * 121}, "title", "120"),
    ({"subtitle": "长" * 201}, "subtitle", "200"),
    ({"description": "长" * 20_001}, "description", "20000"),
    ({"category": "农产品/不存在"}, "category", "找不到分类"),
    ({"variant": ""}, "variant", "必填"),
    ({"variant": "长" * 81}, "variant", "80"),
    ({"unit": "坨"}, "unit", "未知的单位"),
    ({"price": "abc"}, "price", "金额格式不正确"),
    ({"price": "-1"}, "price", "负数"),
    ({"price": "1.234"}, "price", "小数"),
    ({"stock": "-1"}, "stock", "不小于 0"),
    ({"stock": "1.5"}, "stock", "整数"),
    ({"moq": "0"}, "moq", "不小于 1"),
    ({"step": "x"}, "step", "整数"),
    ({"tiers": "10-11"}, "tiers", "数量:单价"),
    ({"tiers": "1:140.00"}, "tiers", "大于 1"),
    ({"tiers": "10:160.00"}, "tiers", "不能高于"),
    ({"tiers": "50:130.00;10:140.00"}, "tiers", "从小到大"),
    ({"origin": "火星县"}, "origin", "找不到产地"),
    ({"attributes": "品种"}, "attributes", "名称=值"),
    ({"certifications": "米其林"}, "certifications", "未知的认证"),
    ({"status": "hidden"}, "status", "published"),
    ({"images": "a.jpg"}, "images", "没有上传图片压缩包"),
])
def test_row_errors_are_listed_with_row_and_column(db, shop_ctx, changes, column, message):
    shop, owner = shop_ctx
    report = import_csv(shop, owner, make_csv([row(code="OK-1"), row(**changes)]))
    assert not report.ok
    assert any(e.row == 3 and e.column == column and message in e.message for e in report.errors), report.errors
    assert count(db, Product) == 0  # all or nothing: the good row is not imported either


def test_group_errors(db, shop_ctx):
    shop, owner = shop_ctx
    report = import_csv(shop, owner, make_csv([row(), row(title="别的标题"), row(variant="5kg 袋装", title="")]))
    assert {(e.row, e.column) for e in report.errors} == {(3, "title"), (3, "variant"), (4, "variant")}


def test_a_rows_errors_are_listed_in_column_order(db, shop_ctx):
    shop, owner = shop_ctx
    bad = row(code="有 空格", title="长" * 121, origin="火星县", unit="坨", price="x", status="hidden", images="a.png")
    report = import_csv(shop, owner, make_csv([bad, row(code="OK-1", price="")]))
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "product_code"), (2, "title"), (2, "origin"), (2, "unit"), (2, "price"), (2, "status"), (2, "images"),
        (3, "price")]


def test_every_error_of_every_row_is_reported(db, shop_ctx):
    shop, owner = shop_ctx
    rows = [row(code=f"C{i}", price="x", unit="坨") for i in range(50)]
    report = import_csv(shop, owner, make_csv(rows))
    assert len(report.errors) == 100
    assert sorted({e.row for e in report.errors}) == list(range(2, 52))


def test_dry_run_changes_nothing(db, shop_ctx):
    shop, owner = shop_ctx
    report = import_csv(shop, owner, make_csv([row(), row(code="B", variant="x")]), dry_run=True)
    assert report.ok and report.products_created == 2
    assert count(db, Product) == 0 and count(db, Variant) == 0 and count(db, StockMovement) == 0


def test_reimport_updates_never_duplicates(db, shop_ctx):
    shop, owner = shop_ctx
    rows = [row(code=f"P{i:03d}", variant=v, price=f"{100 + i}.00", tiers="") for i in range(150)
            for v in ("小包", "大包")]
    data = make_csv(rows)
    assert import_csv(shop, owner, data).ok
    assert (count(db, Product), count(db, Variant)) == (150, 300)
    again = import_csv(shop, owner, data, dry_run=True)
    assert (again.products_created, again.products_updated, again.variants_updated) == (0, 150, 300)
    rows[0]["price"] = "99.50"
    rows[0]["stock"] = "7"
    report = import_csv(shop, owner, make_csv(rows))
    assert report.ok and report.products_created == 0
    assert (count(db, Product), count(db, Variant)) == (150, 300)
    db.session.expire_all()
    v = db.session.scalar(db.select(Variant).join(Product).where(Product.code == "P000", Variant.name == "小包"))
    assert (v.price_cents, v.stock) == (9950, 7)
    assert v.product.min_price_cents == 9950


def test_reimport_can_unpublish_to_draft_and_brings_back_deleted(db, shop_ctx):
    from catalog.services import soft_delete

    shop, owner = shop_ctx
    import_csv(shop, owner, make_csv([row()]))
    product = db.session.scalar(db.select(Product))
    soft_delete(product, owner)
    assert import_csv(shop, owner, make_csv([row(status="draft")])).ok
    db.session.expire_all()
    product = db.session.scalar(db.select(Product))
    assert product.deleted_at is None and product.status == "draft"


def test_another_shops_codes_are_separate(db, shop_ctx, make_shop):
    shop, owner = shop_ctx
    other = make_shop(name="别家")
    import_csv(other, other.members[0].user, make_csv([row()]))
    report = import_csv(shop, owner, make_csv([row()]))
    assert report.ok and report.products_created == 1
    assert count(db, Product) == 2


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_images_from_zip(db, shop_ctx):
    shop, owner = shop_ctx
    zdata = zip_of({"photos/a.png": png_bytes(colour=(1, 1, 1)), "b.jpg": png_bytes(colour=(2, 2, 2), fmt="JPEG")})
    data = make_csv([row(images="a.png;b.jpg")])
    report = import_csv(shop, owner, data, zip_data=zdata)
    assert report.ok, report.errors
    assert report.images_added == 2 and count(db, ProductImage) == 2
    assert db.session.scalar(db.select(Product.primary_image)).startswith("public/products/")
    again = import_csv(shop, owner, data, zip_data=zdata)  # the same photos are not added twice
    assert again.ok and again.images_added == 0 and count(db, ProductImage) == 2


def test_bad_images_in_zip_are_row_errors(db, shop_ctx):
    shop, owner = shop_ctx
    zdata = zip_of({"a.png": b"<html>not an image</html>", "ok.png": png_bytes()})
    report = import_csv(shop, owner, make_csv([row(images="a.png;missing.png;ok.png")]), zip_data=zdata)
    messages = [e.message for e in report.errors if e.column == "images"]
    assert len(messages) == 2 and any("不是支持的图片" in m for m in messages) and any("没有图片" in m for m in messages)
    assert count(db, ProductImage) == 0


def test_a_bad_image_named_on_two_rows_is_an_error_on_each(db, shop_ctx):
    shop, owner = shop_ctx
    zdata = zip_of({"a.png": b"<html>not an image</html>"})
    report = import_csv(shop, owner, make_csv([row(images="a.png"), row(variant="1kg", images="a.png")]),
                        zip_data=zdata)
    assert [(e.row, e.column) for e in report.errors] == [(2, "images"), (3, "images")]
    assert all("不是支持的图片" in e.message for e in report.errors)


@pytest.mark.parametrize(("files", "message"), [
    ({"../evil.png": b"x"}, "不安全的路径"),
    ({"/etc/evil.png": b"x"}, "不安全的路径"),
    ({"a/../../evil.png": b"x"}, "不安全的路径"),
    ({f"f{i}.png": b"x" for i in range(1001)}, "文件过多"),
    ({"bomb.png": b"\0" * (20 * 1024 * 1024)}, "压缩比异常"),
])
def test_zip_slip_and_bombs_refused(db, shop_ctx, files, message):
    shop, owner = shop_ctx
    with pytest.raises(CsvFileError, match=message):
        import_csv(shop, owner, make_csv([row()]), zip_data=zip_of(files))
    assert count(db, Product) == 0


def test_not_a_zip_refused(db, shop_ctx):
    shop, owner = shop_ctx
    with pytest.raises(CsvFileError, match="zip"):
        import_csv(shop, owner, make_csv([row()]), zip_data=b"PK\x03\x04garbage")


def test_export_round_trips_and_neutralises_formulas(db, shop_ctx):
    shop, owner = shop_ctx
    rows = [row(title="=HYPERLINK(\"http://evil\")", description="- 要点一\n- 要点二", attributes="@等级=+一级"),
            row(variant="大包", title="", category="", origin="", subtitle="", description="", attributes="",
                certifications="", status="", tiers="", price="20.00")]
    assert import_csv(shop, owner, make_csv(rows)).ok
    exported = export_csv(shop)
    assert exported.startswith(b"\xef\xbb\xbf")
    text = exported.decode("utf-8-sig")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["title"].startswith("'=") and parsed[0]["description"].startswith("'-")
    assert parsed[0]["attributes"].startswith("'@")
    assert parsed[0]["tiers"] == "10:140.00;50:130.00"
    # re-importing the export changes nothing and creates nothing
    report = import_csv(shop, owner, exported)
    assert report.ok, report.errors
    assert report.products_created == 0 and report.variants_created == 0
    db.session.expire_all()
    product = db.session.scalar(db.select(Product))
    assert product.title == "=HYPERLINK(\"http://evil\")" and product.description.startswith("- 要点一")


@pytest.mark.parametrize(("value", "expected"), [("=1+1", "'=1+1"), ("+86", "'+86"), ("-3", "'-3"), ("@x", "'@x"),
                                                  ("\tx", "'\tx"), ("\rx", "'\rx"), ("正常", "正常"), (12, "12")])
def test_neutralise(value, expected):
    assert neutralise(value) == expected
