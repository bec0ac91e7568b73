"""Two machines with the whoosh backend and the job queue, for real: two app processes with their
own data folders (their own indexes) on one database and one Redis, and machine B's own `flask
worker` process. A change saved on A is found on A at once and on B as soon as B's worker has run
the job A pushed onto B's queue, with no commit on B."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from app_process import AppProcess, api_search, create_product, rename_product

from tests.conftest import make_config
from tests.marketplace.perf_helpers import redis_url_or_none

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = redis_url_or_none()
SECRET = "node-workers-test-secret-key-0123456789"


@pytest.fixture
def app_config(app_config):
    if REDIS_URL is None:
        pytest.skip("needs Redis (TEST_REDIS_URL)")
    app_config.update(SEARCH_BACKEND="whoosh")
    return app_config


def node_of(app) -> str:
    return app.extensions["search"].node


def found_within(machine: AppProcess, text: str, expected: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if machine.call(api_search, text) == expected:
            return True
        time.sleep(0.2)
    return False


def test_a_change_on_a_reaches_b_through_bs_own_worker(app, make_shop, tmp_path):
    from catalog.categories import load_categories

    load_categories()
    shop = make_shop(name="宁陵酥梨合作社", county="宁陵县")
    redis.Redis.from_url(REDIS_URL).flushdb()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    rq = {"REDIS_URL": REDIS_URL, "JOBS_BACKEND": "rq", "SEARCH_BACKEND": "whoosh", "SEARCH_WARM_UP": False}
    configs = [make_config(url, tmp_path / name, **rq) for name in ("machine-a", "machine-b")]
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "MARKETPLACE_JOBS_BACKEND": "rq",
           "SEARCH_BACKEND": "whoosh", "MARKETPLACE_DATA_DIR": str(tmp_path / "machine-b"), "SECRET_KEY": SECRET,
           "MARKETPLACE_ENV": "development", "MARKETPLACE_SEARCH_WARM_UP": "0"}
    for name in ("TEST_DATABASE_URL", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    log = tmp_path / "worker-b.log"
    with AppProcess(configs[0]) as a, AppProcess(configs[1]) as b:
        assert a.call(api_search, "酥梨") == b.call(api_search, "酥梨") == []  # both nodes registered
        b_node = b.call(node_of)
        pear = a.call(create_product, shop.id, "宁陵金顶谢花酥梨 礼盒装")
        assert a.call(api_search, "酥梨") == [pear]  # read-your-writes on A
        assert b.call(api_search, "酥梨") == []  # B has no worker yet: its job waits on its queue
        with log.open("wb") as out:
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "marketplace", "worker",
                                       "--no-scheduler"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        try:
            assert found_within(b, "酥梨", [pear], 90), log.read_text(errors="replace")[-3000:]
            a.call(rename_product, pear, "宁陵白皮酥梨 新果")
            assert found_within(b, "白皮", [pear], 30) and b.call(api_search, "礼盒") == []
        finally:
            os.killpg(worker.pid, signal.SIGTERM)  # rq's warm shutdown: the job in hand, then out (seconds:
            worker.wait(timeout=60)                # queue.PUBSUB_POLL_SECONDS; it was a minute, and timed out)
    assert f"Running queues: search-{b_node}, marketplace" in log.read_text(errors="replace")
