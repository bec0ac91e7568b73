"""The media store (the S3 bucket) unreachable: an upload answers 503 with a clear message in the
visitor's language (the form itself when it can show it, else the error page), nothing is
half-saved (no row points to an object that was never stored), and what needs no file still renders.

"Unreachable" is real: MEDIA_STORAGE=s3 with the endpoint on a closed port (127.0.0.1:9, the discard
port, where nothing listens) and credentials set, so boto3 really tries to connect and fails.
Other domains' uploads: tests/payments/test_uploads_storage_down.py.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from catalog.models import ImportRun, ProductImage
from marketplace.extensions import db
from tests.catalog.catalog_helpers import png_bytes
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY

ZH = "文件存储暂时无法连接"
EN = "The file store cannot be reached"


@pytest.fixture
def app_config(app_config, monkeypatch):
    # the test server's credentials: boto3's default session keeps the first it finds for the run
    for name, value in {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    app_config.update(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET="media", MEDIA_S3_ENDPOINT_URL="http://127.0.0.1:9")
    return app_config


def _speak(client, language: str) -> None:
    """The visitor's language, as the header's switch sets it (a signed-in user's choice wins over
    Accept-Language)."""
    client.post("/language", data={"locale": "en" if language == "en" else "zh_CN", "next": "/"})


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("language,message", [("zh-CN", ZH), ("en", EN)])
def test_a_photo_upload_reshows_the_form_with_503_and_adds_nothing(client, login, make_product, language, message):
    product = make_product()
    login(product.shop.members[0].user)
    _speak(client, language)
    headers = {"Accept-Language": language}
    response = client.post(f"/merchant/products/{product.id}/photos", headers=headers,
                           data={"photo": (io.BytesIO(png_bytes(900, 600)), "梨.png")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and message in html
    assert 'name="photo"' in html  # the form again, with the error next to its field
    assert "Traceback" not in html and "127.0.0.1" not in html and "put_object" not in html
    db.session.expire_all()
    assert _count(ProductImage) == 0 and product.primary_image is None
    # the product's page (no photo) and the home page still render
    assert client.get(f"/p/{product.id}", headers=headers).status_code == 200
    assert client.get("/", headers=headers).status_code == 200


def test_a_csv_preview_is_shown_but_cannot_be_confirmed(client, login, make_product):
    product = make_product(category="农产品/粮油")
    login(product.shop.members[0].user)
    csv_text = "product_code,title,category,variant,unit,price,stock\nA1,永城面粉 特一粉,农产品/粮油,25kg 袋,袋,95.00,300\n"
    response = client.post("/merchant/products/import", data={"csv_file": (io.BytesIO(csv_text.encode()), "a.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and ZH in html
    assert 'name="token"' not in html  # no confirm button for a stash that was never kept
    assert _count(ImportRun) == 0


def test_any_other_upload_gets_the_503_page_and_is_rolled_back(client, login, make_shop):
    """The licence form has no special case: the one handler (marketplace.errors) answers."""
    from licences.models import ShopLicence
    from licences.services import local_today

    shop = make_shop()
    login(shop.members[0].user)
    today = local_today()
    data = {"licence_type": "seed", "number": "C（豫商柘）农种许字（2025）第0001号", "holder": "柘城种业",
            "scope": "辣椒种子经营", "issued_on": today.replace(year=today.year - 1).isoformat(),
            "expires_on": today.replace(year=today.year + 2).isoformat(),
            "scan": (io.BytesIO(png_bytes(600, 400)), "licence.png")}
    for language, message in (("zh-CN", ZH), ("en", EN)):
        _speak(client, language)
        response = client.post("/merchant/licences", data=dict(data, scan=(io.BytesIO(png_bytes(600, 400)), "l.png")),
                               content_type="multipart/form-data", headers={"Accept-Language": language})
        assert response.status_code == 503 and message in response.get_data(as_text=True)
        assert response.headers["Retry-After"] and response.headers["Cache-Control"] == "no-store"
    assert _count(ShopLicence) == 0


def test_a_private_file_asked_for_is_a_503_that_names_the_file_store(client, login, make_shop, make_user):
    from marketplace.shops.models import ShopStatus

    shop = make_shop(status=ShopStatus.PENDING, licence_image="private/licences/ab/abcdef")
    login(make_user(roles=("admin",)))
    _speak(client, "en")
    response = client.get(f"/shops/{shop.id}/licence?size=full", headers={"Accept-Language": "en"})
    assert response.status_code == 503 and "The file store cannot be reached" in response.get_data(as_text=True)
    assert client.get("/admin/shops", headers={"Accept-Language": "en"}).status_code == 200
