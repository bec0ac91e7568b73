"""The whoosh change queue on the real job queue (JOBS_BACKEND=rq, the test Redis): a change asks
one job per other node on that node's own RQ queue (at most one waiting), the committing machine
applies its own rows at once, each machine's worker runs only its own queue, and the periodic sweep
catches a lost push. Embedded mode keeps its threads (tests/catalog/test_search_consistency.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
import sqlalchemy as sa

from marketplace.jobs import jobs, queue, run_job
from search.models import SearchNode, SearchQueue
from search.whoosh import node_jobs
from tests.conftest import make_config
from tests.marketplace.perf_helpers import redis_url_or_none
from tests.search.test_queue import rows, titles_found

REDIS_URL = redis_url_or_none()
RQ = {"REDIS_URL": REDIS_URL, "JOBS_BACKEND": "rq", "JOBS_RETRY_BACKOFF_SECONDS": 0, "SEARCH_BACKEND": "whoosh"}


@pytest.fixture
def app_config(app_config, request):
    app_config["SEARCH_BACKEND"] = "whoosh"
    if not request.function.__name__.startswith("test_embedded"):
        if REDIS_URL is None:
            pytest.skip("needs Redis (TEST_REDIS_URL)")
        redis.Redis.from_url(REDIS_URL).flushdb()  # this worker's own database number
        app_config.update(RQ)
    return app_config


@pytest.fixture
def second_node(app, tmp_path):
    """Machine B: its own data folder (its own index and node) on the same database and Redis."""
    from marketplace import create_app
    from marketplace.extensions import db

    other = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "machine-b", **RQ))
    with other.test_request_context():
        other.preprocess_request()  # its first request registers the node
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def waiting(app, node: str) -> int:
    return queue.get_queue(app, node_jobs.queue_name(node)).count


def work(app) -> None:
    """The machine's `flask worker` in burst mode: its own node queue first, then the shared one."""
    queue.make_worker(app).work(burst=True, with_scheduler=False)


def nodes(app, second_node) -> tuple[str, str]:
    return app.extensions["search"].node, second_node.extensions["search"].node


def test_a_change_asks_the_other_node_once_and_its_worker_applies_it(app, db, second_node, make_product):
    a, b = nodes(app, second_node)
    pear = make_product(title="宁陵金顶谢花酥梨")
    assert titles_found(app, "酥梨") == [pear.id]  # read-your-writes: A applied its own row at once
    assert rows(db, a) == [] and waiting(app, a) == 0
    assert waiting(app, b) == 1 and titles_found(second_node, "酥梨") == []

    chili = make_product(title="柘城三樱椒")  # while B's job waits: no second job
    pear.title = "宁陵白皮酥梨"
    db.session.commit()
    assert waiting(app, b) == 1 and {key for _n, key in rows(db, b)} == {str(pear.id), str(chili.id)}

    work(app)  # A's worker runs A's queue and the shared one, never B's
    assert waiting(app, b) == 1 and titles_found(second_node, "三樱椒") == []
    work(second_node)
    assert waiting(app, b) == 0 and rows(db) == []
    assert titles_found(second_node, "三樱椒") == [chili.id]
    assert titles_found(second_node, "白皮") == [pear.id] and titles_found(second_node, "金顶") == []

    pear.title = "宁陵酥梨 新果"  # the job cleared its flag when it started: the next change asks again
    db.session.commit()
    assert waiting(app, b) == 1


def test_a_lost_push_is_caught_by_the_sweep(app, db, second_node, make_product):
    a, b = nodes(app, second_node)
    assert node_jobs.SWEEP in jobs(app) and jobs(app)[node_jobs.SWEEP].every == dt.timedelta(minutes=1)
    make_product(title="永城面粉")
    queue.get_queue(app, node_jobs.queue_name(b)).empty()  # the pushed job is lost (its flag stays)
    flour2 = make_product(title="永城小麦面粉 二号")
    assert waiting(app, b) == 0  # the flag still says "asked": nothing pushed, rows wait

    assert node_jobs.SWEEP in queue.schedule_due(app)  # the scheduler pushes the sweep onto the shared queue
    work(app)  # any machine's worker runs it: one job for B (A has no rows)
    assert waiting(app, b) == 1 and waiting(app, a) == 0
    assert run_job(node_jobs.SWEEP, app=app) == []  # a job waits for B: the sweep adds none
    assert waiting(app, b) == 1
    work(second_node)
    assert rows(db) == [] and titles_found(second_node, "面粉") and flour2.id in titles_found(second_node, "面粉")


def test_a_busy_writer_leaves_the_own_rows_to_the_own_queue(app, db, make_product):
    """No background thread with the queue: the change waits for this machine's worker."""
    from search.whoosh.writer import handle_for

    a = app.extensions["search"].node
    app.config["SEARCH_WRITE_WAIT"] = 0.05
    held = handle_for("products").writer(timeout=5)
    try:
        tape = make_product(title="虞城钢卷尺 5米")
        assert {key for _n, key in rows(db, a)} == {str(tape.id)} and waiting(app, a) == 1
    finally:
        held.cancel()
    assert titles_found(app, "卷尺") == []
    work(app)
    assert titles_found(app, "卷尺") == [tape.id] and rows(db) == []


def test_a_worker_refuses_another_nodes_job_and_the_cli_runs_its_own_queue(app, second_node):
    a, b = nodes(app, second_node)
    with pytest.raises(RuntimeError, match="not " + b):
        run_job(node_jobs.JOB, {"node": b}, app=app, raise_errors=True)

    runner = app.test_cli_runner()
    result = runner.invoke(args=["worker", "--burst", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert f"Running queues: search-{a}, marketplace" in result.output
    result = runner.invoke(args=["worker", "--burst", "--no-scheduler", "--no-shared-queue"])
    assert f"Running queues: search-{a}\n" in result.output
    result = runner.invoke(args=["worker", "--burst", "--no-node-queues", "--no-shared-queue"])
    assert result.exit_code == 2 and "no queue to run" in result.output


def test_a_forgotten_node_loses_its_queue(app, db, second_node, make_product):
    _a, b = nodes(app, second_node)
    make_product(title="民权干红葡萄酒")
    assert waiting(app, b) == 1
    db.session.execute(sa.update(SearchNode).where(SearchNode.node == b)
                       .values(seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)))
    db.session.commit()
    assert app.extensions["search"].prune_nodes() == 1
    assert waiting(app, b) == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(SearchQueue)) == 0


def test_embedded_mode_has_no_node_queue(app, db, make_product):
    """No Redis: no sweep, no node queue; the committing process applies the change as before."""
    assert app.config["JOBS_BACKEND"] == "inline"
    assert node_jobs.SWEEP not in jobs(app) and queue.node_queues(app) == []
    pear = make_product(title="宁陵酥梨")
    assert titles_found(app, "酥梨") == [pear.id] and rows(db) == []


def test_a_failed_node_job_is_shown_to_the_admin_and_requeued_on_its_node_queue(app, db, second_node, make_product):
    """A worker pointed at another machine's queue (a misconfiguration) fails the job: kept as failed,
    listed with the shared queue's, requeued onto the node's own queue."""
    _a, b = nodes(app, second_node)
    make_product(title="睢县 运动鞋")
    queue.make_worker(app, queues=[node_jobs.queue_name(b)]).work(burst=True, with_scheduler=False)
    [failed] = queue.failed_jobs(app)
    assert failed["name"] == node_jobs.JOB and failed["queue"] == node_jobs.queue_name(b)
    assert failed["kwargs"] == {"node": b} and "RuntimeError" in failed["error"]
    assert queue.stats(app)["failed"] == 1
    assert queue.requeue(app, failed["id"]) and waiting(app, b) == 1 and queue.failed_jobs(app) == []
    assert not queue.requeue(app, "no-such-job")
    work(second_node)
    assert rows(db) == [] and titles_found(second_node, "运动鞋")
