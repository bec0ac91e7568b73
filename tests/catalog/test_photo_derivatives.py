"""Image sizes made by the job ``media.derivatives`` after the upload: at once in this process without a
queue; on the real queue (RQ on the test Redis) the page shows the original until a worker has run,
then the sizes. Idempotent, and a job whose original is gone fails visibly. Both media stores."""

from __future__ import annotations

import io
import random

import pytest
import redis

from catalog.models import ProductImage
from marketplace.extensions import db
from marketplace.jobs import queue, run_job
from marketplace.jobs.models import JobRun
from marketplace.media import JOB, get_storage, ingest_image, private_image
from marketplace.media.models import MediaImage
from tests.catalog.catalog_helpers import png_bytes
from tests.marketplace.perf_helpers import redis_url_or_none
from tests.s3_server import s3_settings

REDIS_URL = redis_url_or_none()
needs_redis = pytest.mark.skipif(REDIS_URL is None, reason="needs Redis (TEST_REDIS_URL)")


@pytest.fixture(params=["filesystem", "s3"])
def app_config(app_config, request):
    if request.param == "s3":
        app_config.update(s3_settings(request.getfixturevalue("s3_server")))
    if "on_the_queue" in request.node.name:  # the real queue for these tests
        if REDIS_URL is None:
            pytest.skip("needs Redis (TEST_REDIS_URL)")
        redis.Redis.from_url(REDIS_URL).flushdb()  # this run's own database number
        app_config.update(REDIS_URL=REDIS_URL, JOBS_BACKEND="rq", JOBS_RETRY_BACKOFF_SECONDS=0,
                          RATELIMIT_STORAGE_URI="memory://")
    else:
        app_config.update(JOBS_RETRY_BACKOFF_SECONDS=0)
    return app_config


def photo() -> bytes:
    """A picture no earlier test stored (the S3 bucket is shared by the run; names are content hashes)."""
    return png_bytes(1000, 500, colour=tuple(random.randrange(256) for _ in range(3)))


def upload(client, product) -> ProductImage:
    response = client.post(f"/merchant/products/{product.id}/photos", data={"photo": (io.BytesIO(photo()), "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    return db.session.scalars(db.select(ProductImage).where(ProductImage.product_id == product.id)).one()


def base_of(image: ProductImage) -> str:
    return image.variants["320"].rsplit("-", 1)[0]


def work(app) -> None:
    queue.make_worker(app).work(burst=True, with_scheduler=False)


def test_in_process_the_sizes_exist_right_after_the_upload(app, client, login, make_product, owner):
    product = make_product()
    login(owner)
    image = upload(client, product)
    storage = get_storage()
    assert all(storage.exists(key) for key in image.variants.values())
    assert storage.exists(f"{base_of(image)}-full.webp")  # the normalised original, kept
    row = db.session.scalars(db.select(MediaImage)).one()
    assert row.base == base_of(image) and row.ready_at is not None and (row.width, row.height) == (1000, 500)
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert image.variants["800"] in page and "-full.webp" not in page


def test_a_hostile_upload_stores_and_queues_nothing(app, client, login, make_product, owner):
    product = make_product()
    login(owner)
    response = client.post(f"/merchant/products/{product.id}/photos",
                           data={"photo": (io.BytesIO(b"<svg><script>alert(1)</script></svg>"), "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "不是支持的图片" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(MediaImage)) == 0


def test_the_same_picture_twice_is_one_row_and_one_set_of_files(app, db):
    data = photo()
    first = ingest_image(data, prefix="public/tests")
    db.session.commit()  # the job runs once the upload's transaction commits
    second = ingest_image(data, prefix="public/tests")
    db.session.commit()
    assert first.variants == second.variants
    assert db.session.scalar(db.select(db.func.count()).select_from(MediaImage)) == 1
    base = first.variants[320].rsplit("-", 1)[0]
    assert sorted(get_storage().keys(base)) == sorted([*first.variants.values(), f"{base}-full.webp"])
    assert run_job(JOB, {"base": base}) == []  # nothing more to make


def test_a_missing_original_fails_visibly(app, db):
    stored = ingest_image(photo(), prefix="public/tests", defer=False)
    base = stored.variants[320].rsplit("-", 1)[0]
    db.session.add(MediaImage(base=base, sizes=[320, 800, 1600], width=1000, height=500))
    db.session.commit()
    get_storage().delete(f"{base}-full.webp")
    assert run_job(JOB, {"base": base}) is None  # every attempt failed
    run = db.session.get(JobRun, JOB)
    assert run.last_status == "failed" and "FileNotFoundError" in run.last_error
    db.session.expire_all()
    assert db.session.scalars(db.select(MediaImage)).one().ready_at is None


def _lost(data: bytes, age) -> str:
    """An image whose sizes' job was lost: its row and original stored ``age`` ago, no size made."""
    from marketplace.db import utcnow

    stored = ingest_image(data, prefix="public/tests", defer=False)
    base = stored.variants[320].rsplit("-", 1)[0]
    for key in stored.variants.values():
        if not key.endswith("-full.webp"):
            get_storage().delete(key)
    db.session.add(MediaImage(base=base, sizes=[320, 800, 1600], width=1000, height=500, created_at=utcnow() - age))
    db.session.commit()
    return base


def test_the_sweep_makes_the_sizes_whose_job_was_lost_and_leaves_the_rest(app, db):
    """media.sweep_pending (every 10 minutes): an image still pending 30 minutes after its upload is
    enqueued again; a recent one (its job may be queued), one older than two days and one whose
    failure waits for an admin at /admin/jobs are left alone."""
    import datetime as dt

    from marketplace.jobs.failures import keep
    from marketplace.media import SWEEP_JOB

    lost = _lost(photo(), dt.timedelta(minutes=31))
    recent = _lost(photo(), dt.timedelta(minutes=5))
    ancient = _lost(photo(), dt.timedelta(days=3))
    failing = _lost(photo(), dt.timedelta(hours=1))
    keep(JOB, {"base": failing}, FileNotFoundError("gone"), 4)
    assert run_job(SWEEP_JOB) == 1
    db.session.expire_all()
    ready = {row.base: row.ready_at is not None for row in db.session.scalars(db.select(MediaImage))}
    assert ready == {lost: True, recent: False, ancient: False, failing: False}
    assert f"{lost}-320.webp" in set(get_storage().keys(lost))
    assert f"{recent}-320.webp" not in set(get_storage().keys(recent))
    assert run_job(SWEEP_JOB) == 0  # nothing left to do: it is idempotent


@needs_redis
def test_on_the_queue_the_page_shows_the_original_until_a_worker_made_the_sizes(app, client, login, make_product,
                                                                               owner):
    product = make_product()
    login(owner)
    image = upload(client, product)
    storage, base = get_storage(), base_of(image)
    assert not any(storage.exists(key) for key in image.variants.values())  # not made in the request
    assert [j.description for j in queue.get_queue(app).jobs].count(JOB) == 1
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    original = f"/media/{base}-full.webp"
    assert original in page and image.variants["800"] not in page and image.variants["320"] not in page
    assert f'src="{original}" srcset=""' in page and 'width="800" height="400"' in page  # scaled into its box
    merchant = client.get(f"/merchant/products/{product.id}/photos").get_data(as_text=True)
    assert original in merchant and image.variants["320"] not in merchant
    app.config["PAGE_CACHE_SECONDS"] = 60
    visitor = app.test_client()
    for _ in range(2):  # a page linking an original is not kept in the page cache
        anonymous = visitor.get(f"/p/{product.id}")
        assert original in anonymous.get_data(as_text=True) and anonymous.headers.get("X-Page-Cache") != "hit"
    with client.get(original) as response:
        assert response.status_code == 200 and response.mimetype == "image/webp"
    with client.get("/media/" + image.variants["800"]) as stale:  # a link printed before: the original, uncached
        assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]

    work(app)
    assert all(storage.exists(key) for key in image.variants.values())
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert image.variants["800"] in page and image.variants["320"] in page and original not in page
    assert image.variants["800"] in visitor.get(f"/p/{product.id}").get_data(as_text=True)
    assert visitor.get(f"/p/{product.id}").headers.get("X-Page-Cache") == "hit"  # kept now
    with client.get("/media/" + image.variants["800"]) as served:
        assert served.status_code == 200 and "immutable" in served.headers["Cache-Control"]

    before = {key: storage.size(key) for key in storage.keys(base)}
    queue.push(app, JOB, {"base": base})  # a second run
    work(app)
    assert {key: storage.size(key) for key in storage.keys(base)} == before
    assert len(before) == 4 and queue.stats(app)["failed"] == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(MediaImage)) == 1


@needs_redis
def test_on_the_queue_a_job_whose_original_is_gone_is_a_failed_job(app, client, login, make_product, owner,
                                                                  make_user):
    product = make_product()
    login(owner)
    image = upload(client, product)
    get_storage().delete(f"{base_of(image)}-full.webp")
    work(app)
    [failed] = queue.failed_jobs(app)
    assert failed["name"] == JOB and failed["kwargs"] == {"base": base_of(image)}
    assert "FileNotFoundError" in failed["error"]
    assert db.session.get(JobRun, JOB).last_status == "failed"
    login(make_user(roles=("admin",)))
    listed = client.get("/admin/jobs").get_data(as_text=True)
    assert JOB in listed and "FileNotFoundError" in listed


@needs_redis
def test_on_the_queue_a_private_photo_is_sent_as_its_original_meanwhile(app, db):
    stored = ingest_image(photo(), prefix="private/tests", sizes=(160, 800))
    db.session.commit()
    original = get_storage().open(stored.variants[160].rsplit("-", 1)[0] + "-full.webp")
    with app.test_request_context():
        body, status, headers = private_image(stored.key(160))
    assert status == 200 and body == original and headers["Cache-Control"].startswith("private")
    work(app)
    with app.test_request_context():
        body, status, _headers = private_image(stored.key(160))
    assert status == 200 and body == get_storage().open(stored.key(160)) != original
