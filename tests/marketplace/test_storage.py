"""Media storage: the same contract on the filesystem and on a real S3-compatible server
(SeaweedFS), photos and private files over HTTP through either, a store that is down, and the
commands that move a machine's media into the bucket."""

from __future__ import annotations

import uuid

import pytest

from catalog.images import add_image
from marketplace.storage import FileSystemStorage, S3Storage, StorageUnavailable, get_storage
from marketplace.templating import media_url
from tests.catalog.catalog_helpers import png_bytes
from tests.s3_server import s3_settings


@pytest.fixture(params=["filesystem", "s3"])
def app_config(app_config, request):
    """Every test here runs on both stores."""
    if request.param == "s3":
        app_config.update(s3_settings(request.getfixturevalue("s3_server")))
    return app_config


def _key(prefix: str = "public") -> str:
    return f"{prefix}/tests/{uuid.uuid4().hex}/商丘-酥梨.webp"


def test_the_contract(app):
    storage = get_storage()
    assert isinstance(storage, FileSystemStorage if app.config["MEDIA_STORAGE"] == "filesystem" else S3Storage)
    key = _key()
    assert not storage.exists(key) and storage.size(key) is None
    assert storage.save(key, b"RIFF1234WEBP") == key
    assert storage.exists(key) and storage.size(key) == 12 and storage.open(key) == b"RIFF1234WEBP"
    assert key in list(storage.keys(key.rsplit("/", 1)[0]))
    storage.delete(key)
    storage.delete(key)  # deleting what is gone is no error
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key)
    assert storage.check()["ok"] is True


def test_a_key_outside_the_store_is_not_found(app):
    storage = get_storage()
    assert not storage.exists("../../etc/passwd")
    with pytest.raises(FileNotFoundError):
        storage.open("../../etc/passwd")


def test_a_photo_is_served_from_the_store_with_a_years_cache(app, client, db, make_product):
    product = make_product()
    image = add_image(product, png_bytes(900, 600))
    key = image.variants["800"]
    url = media_url(key)
    assert url == "/media/" + key
    with client.get(url) as response:  # a file-backed response: closed, or a ResourceWarning
        assert response.status_code == 200 and response.mimetype == "image/webp"
        assert response.get_data()[8:12] == b"WEBP"
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        etag = response.headers["ETag"]
    with client.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
    assert client.get("/media/public/products/nope-800.webp").status_code == 404
    assert client.get("/media/public/../private/x.webp").status_code == 404


def test_a_private_file_has_no_url_and_only_its_viewers_read_it(app, client, db, make_shop, make_user, login):
    from marketplace.shops.models import ShopStatus

    prefix = f"private/licences/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"
    get_storage().save(prefix + "-full.webp", b"RIFF....WEBPVP8 ")
    assert media_url(prefix + "-full.webp") is None
    shop = make_shop(status=ShopStatus.PENDING, licence_image=prefix)
    login(make_user())
    assert client.get(f"/shops/{shop.id}/licence?size=full").status_code == 404
    login(make_user(roles=("admin",)))
    with client.get(f"/shops/{shop.id}/licence?size=full") as response:
        assert response.status_code == 200 and response.get_data() == b"RIFF....WEBPVP8 "
        assert "no-store" in response.headers["Cache-Control"]


def test_a_store_that_is_down_answers_503_and_the_pages_still_render(app_config):
    """The bucket unreachable (a closed port) or the folder unreadable: a photo is a 503 with the
    error page, /healthz says which check failed, and the home page still renders."""
    from marketplace import create_app

    if app_config.get("MEDIA_STORAGE") != "s3":
        pytest.skip("the filesystem store has no server to lose")
    app_config["MEDIA_S3_ENDPOINT_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
    down = create_app(app_config)
    client = down.test_client()
    photo = client.get("/media/public/products/ab/x-800.webp")
    assert photo.status_code == 503 and "text/html" in photo.content_type
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["checks"]["storage"]["ok"] is False
    assert client.get("/").status_code == 200
    with down.app_context(), pytest.raises(StorageUnavailable):
        get_storage().save(_key(), b"x")


def test_public_photos_may_be_linked_from_the_bucket_or_its_cdn(app_config):
    """MEDIA_PUBLIC_BASE_URL: photos are linked there (and the CSP lets the browser load them);
    private keys still have no URL at all."""
    from marketplace import create_app

    linked = create_app({**app_config, "MEDIA_PUBLIC_BASE_URL": "https://cdn.example.com/market/"})
    with linked.test_request_context():
        assert media_url("public/products/ab/x-800.webp") == "https://cdn.example.com/market/public/products/ab/x-800.webp"
        assert media_url("private/licences/ab/x-full.webp") is None
    csp = linked.test_client().get("/healthz").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://cdn.example.com;" in csp
