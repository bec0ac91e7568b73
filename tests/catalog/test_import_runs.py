"""A confirmed CSV import runs as a background job: its progress page, its outcome (done or failed
with reasons, nothing half-imported), a double submit, another shop's run, old previews cleaned up;
and on the real queue (RQ on the test Redis), run by a worker."""

from __future__ import annotations

import io
import re

import pytest
import redis
import sqlalchemy as sa

from catalog import import_runs
from catalog.models import ImportRun, Product
from marketplace.cache import cache
from marketplace.extensions import db
from marketplace.jobs import queue
from marketplace.storage import get_storage
from tests.marketplace.perf_helpers import redis_url_or_none

CSV = ("product_code,title,category,variant,unit,price,stock\n"
       "A1,永城面粉 特一粉,农产品/粮油,25kg 袋,袋,95.00,300\n"
       "A1,永城面粉 特一粉,,5kg 袋,袋,21.00,100\n"
       "B2,夏邑新小麦,农产品/粮油,50kg 袋,袋,130.00,80\n")


def preview(client, text: str = CSV) -> str:
    html = client.post("/merchant/products/import", data={"csv_file": (io.BytesIO(text.encode()), "a.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    return re.search(r'name="token" value="([0-9a-f-]+)"', html).group(1)


def products() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Product))


def test_the_run_page_shows_progress_then_the_outcome(client, login, shop, owner, categories):
    login(owner)
    token = preview(client)
    run = ImportRun(shop_id=shop.id, actor_id=owner.id, token=token, status="queued")  # as start() makes it
    db.session.add(run)
    db.session.commit()
    page = client.get(f"/merchant/products/import/runs/{run.id}").get_data(as_text=True)
    assert "已排队" in page and 'http-equiv="refresh"' in page and products() == 0
    db.session.execute(sa.update(ImportRun).where(ImportRun.id == run.id).values(status="running"))
    db.session.commit()
    cache.set(f"import-progress:{run.id}", (2, 3))
    page = client.get(f"/merchant/products/import/runs/{run.id}").get_data(as_text=True)
    assert "已处理 2 / 3 行" in page and 'max="3" value="2"' in page
    db.session.execute(sa.update(ImportRun).where(ImportRun.id == run.id).values(status="queued"))
    db.session.commit()
    assert import_runs.run_import(run.id) == "done"
    assert import_runs.run_import(run.id) == "not queued"  # a retry of a finished run does nothing
    page = client.get(f"/merchant/products/import/runs/{run.id}").get_data(as_text=True)
    assert "导入完成" in page and "http-equiv" not in page and products() == 2
    assert import_runs.unstash(run.shop_id, token) is None  # the stash is gone once imported
    client.post("/language", data={"locale": "en"})
    assert "Import finished" in client.get(f"/merchant/products/import/runs/{run.id}").get_data(as_text=True)


def test_a_run_that_fails_changes_nothing_and_says_why(client, login, shop, owner, categories):
    from catalog.models import Category

    login(owner)
    token = preview(client)
    db.session.execute(sa.update(Category).where(Category.path == "农产品/粮油").values(active=False))
    db.session.commit()  # the catalogue changed between the preview and the confirm
    location = client.post("/merchant/products/import/confirm", data={"token": token}).location
    page = client.get(location).get_data(as_text=True)
    assert "没有任何改动" in page and products() == 0
    [run] = db.session.scalars(sa.select(ImportRun).where(ImportRun.shop_id == shop.id)).all()
    assert run.status == "failed" and run.errors


def test_another_shops_run_and_token_are_not_found(client, login, shop, owner, categories, make_shop):
    login(owner)
    token = preview(client)
    run = import_runs.start(shop, owner, token)
    other = make_shop(name="别家")
    client.post("/account/logout")
    login(other.members[0].user)
    assert client.get(f"/merchant/products/import/runs/{run.id}").status_code == 404
    assert client.get("/merchant/products/import/runs/999999").status_code == 404
    refused = client.post("/merchant/products/import/confirm", data={"token": "../../etc/passwd"})
    assert refused.status_code == 302 and refused.location.endswith("/merchant/products/import")


def test_old_previews_are_cleaned_up(app, shop, categories):
    storage = get_storage()
    stale = f"private/imports/{shop.id}/0000000001-{'a' * 32}.csv"
    storage.save(stale, b"old")
    token = import_runs.stash(shop, CSV.encode(), None)
    assert not storage.exists(stale) and import_runs.unstash(shop.id, token) == (CSV.encode(), None)
    assert import_runs.unstash(shop.id + 1, token) is None  # another shop's token opens nothing


@pytest.mark.skipif(redis_url_or_none() is None, reason="needs Redis (TEST_REDIS_URL)")
def test_on_the_queue_a_worker_runs_the_import(app, client, login, owner, categories):
    url = redis_url_or_none()
    redis.Redis.from_url(url).flushdb()
    from marketplace.jobs import registry

    app.config.update(JOBS_BACKEND="rq", REDIS_URL=url)  # as create_app does when REDIS_URL is set
    app.extensions.pop("jobs_redis", None)
    app.extensions[registry.PUSH] = queue.push
    login(owner)
    location = client.post("/merchant/products/import/confirm", data={"token": preview(client)}).location
    assert "已排队" in client.get(location).get_data(as_text=True) and products() == 0
    assert queue.get_queue(app).count == 1
    queue.make_worker(app).work(burst=True, with_scheduler=False)
    assert products() == 2 and "导入完成" in client.get(location).get_data(as_text=True)
