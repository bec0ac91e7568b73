"""The home page's choice with the real queue (JOBS_BACKEND=rq, Redis): a catalogue change pushes the
job ``catalog.refresh_home`` (not run in the web process), the page meanwhile shows the last stored
choice minus what is no longer public, and a worker's run stores the new choice."""

from __future__ import annotations

import pytest
import redis
import sqlalchemy as sa

from tests.catalog import search_fixtures
from tests.catalog.catalog_helpers import png_bytes
from tests.marketplace.perf_helpers import redis_url_or_none

REDIS_URL = redis_url_or_none()
pytestmark = pytest.mark.skipif(REDIS_URL is None, reason="needs Redis (TEST_REDIS_URL)")

add_product, shops = search_fixtures.add_product, search_fixtures.shops


@pytest.fixture
def app_config(app_config):
    redis.Redis.from_url(REDIS_URL).flushdb()  # this worker's own database number
    app_config.update(REDIS_URL=REDIS_URL, JOBS_BACKEND="rq", JOBS_RETRY_BACKOFF_SECONDS=0,
                      RATELIMIT_STORAGE_URI="memory://")
    return app_config


def _jobs_waiting(app) -> list[str]:
    from marketplace.jobs import queue

    q = queue.get_queue(app)
    return [q.fetch_job(i).description for i in q.get_job_ids()]


def test_a_change_pushes_the_job_and_a_worker_stores_the_choice(app, db, client, add_product, shops):
    from catalog.images import add_image
    from catalog.models import HomeBlock, Product
    from catalog.services import products as product_services
    from marketplace.jobs import queue

    first = add_product("柘城三樱椒 头批", category="农产品/干货调料")
    add_image(first, png_bytes())
    assert "catalog.refresh_home" in _jobs_waiting(app)  # on the queue (the page shows the last choice till it runs)
    assert client.get("/").status_code == 200
    queue.make_worker(app).work(burst=True, with_scheduler=False)
    assert client.get("/").get_data(as_text=True).count("柘城三樱椒 头批") == 2
    assert db.session.scalar(sa.select(HomeBlock.payload).where(HomeBlock.key == "featured"))["ids"] == [first.id]
    second = add_product("柘城朝天椒 二批", category="农产品/干货调料")
    add_image(second, png_bytes(colour=(1, 2, 3)))
    item = db.session.get(Product, first.id)
    product_services.hide(item, item.shop.members[0].user)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "柘城三樱椒 头批" not in html  # hidden: gone before any worker ran
    queue.make_worker(app).work(burst=True, with_scheduler=False)
    html = client.get("/").get_data(as_text=True)
    assert html.count("柘城朝天椒 二批") == 2 and "柘城三樱椒 头批" not in html
    assert queue.get_queue(app).count == 0
