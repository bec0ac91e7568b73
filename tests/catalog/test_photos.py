"""Product photos through the real image pipeline, via the service and the merchant pages."""

from __future__ import annotations

import io

import pytest

from catalog.images import add_image, delete_image, set_primary
from catalog.models import ProductImage
from catalog.services import CatalogError
from tests.catalog.catalog_helpers import jpeg_with_exif, png_bytes, png_header_only


def test_add_image_makes_webp_derivatives_and_primary(app, db, make_product):
    product = make_product()
    image = add_image(product, png_bytes(2000, 1000))
    assert set(image.variants) == {"320", "800", "1600"}
    assert all(k.startswith("public/products/") and k.endswith(".webp") for k in image.variants.values())
    assert product.primary_image == image.variants["320"].rsplit("-", 1)[0]
    from PIL import Image

    from marketplace.media import get_storage

    data = get_storage().open(image.variants["800"])
    assert Image.open(io.BytesIO(data)).size == (800, 400)


def test_exif_is_applied_then_stripped(app, db, make_product):
    product = make_product()
    image = add_image(product, jpeg_with_exif(60, 40, orientation=6))
    assert (image.width, image.height) == (40, 60)  # rotated upright
    from marketplace.media import get_storage

    raw = get_storage().open(image.variants["320"])
    assert b"SecretCam" not in raw and b"Exif" not in raw


@pytest.mark.parametrize(("data", "message"), [
    (png_header_only(20000, 10000), "尺寸过大"),
    (png_header_only(8000, 6000), "尺寸过大"),  # between 1x and 2x of the limit: a warning made an error
    (b"<html><script>alert(1)</script></html>", "不是支持的图片"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "不是支持的图片"),
    (png_bytes(300, 300)[:200], "损坏"),
    (b"GIF89a" + b"\x00" * 100, "不是支持的图片"),
])
def test_hostile_images_refused(app, db, make_product, data, message):
    app.config["UPLOAD_IMAGE_MAX_PIXELS"] = 40_000_000
    product = make_product()
    with pytest.raises(CatalogError, match=message):
        add_image(product, data)
    assert product.images == []
    assert db.session.scalar(db.select(db.func.count()).select_from(ProductImage)) == 0


def test_same_photo_twice_refused_and_delete_keeps_shared_files(app, db, make_product, owner):
    from catalog.services import duplicate_product
    from marketplace.media import get_storage

    product = make_product()
    image = add_image(product, png_bytes())
    with pytest.raises(CatalogError):
        add_image(product, png_bytes())
    copy = duplicate_product(product, owner)
    key = image.variants["320"]
    delete_image(product, image)
    assert get_storage().exists(key)  # the copy still shows it
    delete_image(copy, copy.images[0])
    assert not get_storage().exists(key)
    assert copy.primary_image is None


def test_order_and_primary(app, db, make_product):
    product = make_product()
    a = add_image(product, png_bytes(colour=(1, 2, 3)))
    b = add_image(product, png_bytes(colour=(4, 5, 6)))
    set_primary(product, b)
    assert [i.id for i in sorted(product.images, key=lambda i: i.position)] == [b.id, a.id]
    assert product.primary_image == b.variants["320"].rsplit("-", 1)[0]


def test_upload_through_merchant_page_with_a_huge_file_name(app, db, client, login, make_product, owner):
    product = make_product()
    login(owner)
    name = "照片" * 3000 + ".jpg"
    response = client.post(f"/merchant/products/{product.id}/photos",
                           data={"photo": (io.BytesIO(png_bytes()), name)}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    keys = db.session.scalars(db.select(ProductImage.variants)).one()
    assert all("照片" not in k and len(k) < 120 for k in keys.values())


def test_upload_html_disguised_as_jpeg_shows_error(app, db, client, login, make_product, owner):
    product = make_product()
    login(owner)
    response = client.post(f"/merchant/products/{product.id}/photos",
                           data={"photo": (io.BytesIO(b"<html><body>hi</body></html>"), "cat.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "不是支持的图片" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ProductImage)) == 0


def test_oversized_upload_refused(app, db, client, login, make_product, owner):
    app.config["UPLOAD_IMAGE_MAX_BYTES"] = 1000
    product = make_product()
    login(owner)
    response = client.post(f"/merchant/products/{product.id}/photos",
                           data={"photo": (io.BytesIO(png_bytes(400, 400) + b"\0" * 2000), "a.png")},
                           content_type="multipart/form-data")
    assert "文件太大" in response.get_data(as_text=True)
