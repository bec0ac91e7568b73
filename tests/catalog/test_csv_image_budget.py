"""The decoding budget of a CSV import's zip (issue 12, finding 9).

Images whose files are small but whose dimensions are huge (single-colour PNGs), and zips with many
images, are refused from their headers before a single pixel is decoded, with a message in the
user's language, and nothing changes. Pillow's own decoder is watched (not replaced) to prove it.
"""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageFile

from catalog.csv_io import CsvFileError, import_csv
from catalog.models import Product, ProductImage
from tests.catalog.catalog_helpers import png_bytes
from tests.catalog.test_csv_import import count, make_csv, row, zip_of


def flat_png(width: int, height: int) -> bytes:
    """A one-colour PNG: a few kilobytes on disk, width x height pixels once decoded."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def shop_ctx(categories, shop, owner):
    return shop, owner


@pytest.fixture
def decoded(monkeypatch):
    """Every image Pillow decodes during the test, by size (the real decoder still runs)."""
    seen: list[tuple[int, int]] = []
    original = ImageFile.ImageFile.load

    def load(self):
        seen.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return seen


def test_huge_dimensions_in_small_files_are_refused_before_decoding(db, shop_ctx, decoded):
    shop, owner = shop_ctx
    photos = {f"p{i}.png": flat_png(6000, 6000) for i in range(5)}  # 36 MP each, 180 MP together
    assert all(len(data) < 200_000 for data in photos.values())
    data = make_csv([row(code=f"ZC-{i}", images=name) for i, name in enumerate(photos)])
    started = time.perf_counter()
    for dry_run in (True, False):
        with pytest.raises(CsvFileError, match="像素总数超过了一次导入的上限（150,000,000 像素）"):
            import_csv(shop, owner, data, zip_data=zip_of(photos), dry_run=dry_run)
    assert time.perf_counter() - started < 10  # decoding them would take seconds each
    assert decoded == []
    assert count(db, Product) == 0 and count(db, ProductImage) == 0


def test_one_image_over_the_per_image_limit_is_a_row_error_never_decoded(db, shop_ctx, decoded):
    shop, owner = shop_ctx
    photos = {"huge.png": flat_png(8000, 6000), "bomb.png": flat_png(20000, 20000), "ok.png": png_bytes()}
    report = import_csv(shop, owner, make_csv([row(images="huge.png;ok.png"), row(code="B", images="bomb.png")]),
                        zip_data=zip_of(photos))
    messages = {e.row: e.message for e in report.errors if e.column == "images"}
    assert messages[2] == "huge.png：图片尺寸过大：8000×6000 像素，单张最多 40,000,000 像素"
    assert messages[3] == "bomb.png：图片尺寸过大"
    assert (8000, 6000) not in decoded and (20000, 20000) not in decoded
    assert count(db, Product) == 0


def test_too_many_images_are_refused(db, shop_ctx, decoded, app):
    shop, owner = shop_ctx
    photos = {f"p{i}.png": png_bytes(colour=(i, 0, 0)) for i in range(101)}
    data = make_csv([row(code=f"ZC-{i}", images=name) for i, name in enumerate(photos)])
    with pytest.raises(CsvFileError, match="一次导入最多处理 100 张图片，这个文件用到了 101 张"):
        import_csv(shop, owner, data, zip_data=zip_of(photos))
    assert decoded == [] and count(db, Product) == 0
    # the same image named on many rows counts once; images the CSV does not name are not counted
    app.config["CSV_IMPORT_MAX_IMAGES"] = 2
    data = make_csv([row(code=f"ZC-{i}", images="p1.png;photos/p2.png") for i in range(3)])
    report = import_csv(shop, owner, data, zip_data=zip_of({"p1.png": photos["p1.png"],
                                                            "photos/p2.png": photos["p2.png"], **photos}))
    assert report.ok, report.errors
    assert report.images_added == 6 and count(db, ProductImage) == 6


def test_the_merchant_page_says_why_in_english(client, login, owner, categories, decoded):
    login(owner)
    client.post("/language", data={"locale": "en", "next": "/"})
    photos = {f"p{i}.png": flat_png(6000, 6000) for i in range(5)}
    data = make_csv([row(code=f"ZC-{i}", images=name) for i, name in enumerate(photos)])
    response = client.post("/merchant/products/import", content_type="multipart/form-data", data={
        "csv_file": (io.BytesIO(data), "products.csv", "text/csv"),
        "images": (io.BytesIO(zip_of(photos)), "photos.zip", "application/zip")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "more pixels together than one import may process (150,000,000 pixels)" in html
    assert decoded == []
