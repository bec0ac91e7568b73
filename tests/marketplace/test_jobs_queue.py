"""The job registry on a real queue (RQ on the test Redis): jobs pushed after the commit and run by a
real RQ worker once, retried with backoff, kept as failed for the admin to requeue; periodic jobs
scheduled without cron, once per period however many schedulers; Redis down: the job runs here."""

from __future__ import annotations

import pytest
import redis

from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.jobs import enqueue, queue, register_job
from marketplace.jobs.models import JobRun
from tests.at_once import at_once
from tests.marketplace.perf_helpers import redis_url_or_none

REDIS_URL = redis_url_or_none()
pytestmark = pytest.mark.skipif(REDIS_URL is None, reason="needs Redis (TEST_REDIS_URL)")


@pytest.fixture
def app_config(app_config):
    redis.Redis.from_url(REDIS_URL).flushdb()  # this worker's own database number
    app_config.update(REDIS_URL=REDIS_URL, JOBS_BACKEND="rq", JOBS_RETRY_BACKOFF_SECONDS=0,
                      RATELIMIT_STORAGE_URI="memory://")
    return app_config


@pytest.fixture
def counter(app):
    """A job that counts its runs in Redis (what a second process would see too)."""
    client = redis.Redis.from_url(REDIS_URL)

    def count(key: str = "runs", fail_until: int = 0) -> None:
        done = client.incr(f"test:{key}")
        if done <= fail_until:
            raise RuntimeError(f"attempt {done} fails on purpose")

    register_job(app, "test.count", count, retries=3)
    register_job(app, "test.broken", lambda: 1 / 0, retries=1)
    return lambda key="runs": int(client.get(f"test:{key}") or 0)


def work(app) -> None:
    queue.make_worker(app).work(burst=True, with_scheduler=False)


def test_a_job_waits_for_the_commit_then_a_worker_runs_it_once(app, counter):
    with atomic():
        enqueue("test.count")
        enqueue("test.count")  # the same job twice in one transaction: once
        assert queue.get_queue(app).count == 0  # not before the commit
    assert queue.get_queue(app).count == 1 and counter() == 0  # on the queue, not run here
    with pytest.raises(RuntimeError), atomic():
        enqueue("test.count", key="rolled-back")
        raise RuntimeError("the transaction fails")
    assert queue.get_queue(app).count == 1  # a rolled-back transaction's job is never pushed
    work(app)
    assert counter() == 1 and counter("rolled-back") == 0 and queue.get_queue(app).count == 0


def test_a_failing_job_is_retried_then_succeeds(app, counter):
    enqueue("test.count", key="flaky", fail_until=2)
    work(app)
    assert counter("flaky") == 3  # two failures, then the third attempt ran
    assert queue.stats(app)["failed"] == 0


def test_a_job_that_keeps_failing_is_kept_for_the_admin_to_requeue(app, counter, client, login, make_user):
    enqueue("test.broken")
    work(app)
    [failed] = queue.failed_jobs(app)
    assert failed["name"] == "test.broken" and "ZeroDivisionError" in failed["error"]
    run = db.session.get(JobRun, "test.broken")
    assert run.last_status == "failed" and "ZeroDivisionError" in run.last_error

    login(make_user())
    assert client.get("/admin/jobs").status_code == 403
    assert client.post(f"/admin/jobs/failed/{failed['id']}/requeue").status_code == 403
    login(make_user(roles=("admin",)))
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "test.broken" in page and "ZeroDivisionError" in page and "重新排队" in page
    assert client.post("/admin/jobs/failed/no-such-job/requeue").status_code == 404
    assert client.post(f"/admin/jobs/failed/{failed['id']}/requeue").status_code == 303
    assert queue.get_queue(app).count == 1 and queue.failed_jobs(app) == []
    client.post("/language", data={"locale": "en"})
    english = client.get("/admin/jobs").get_data(as_text=True)
    assert "Background jobs" in english and "Requeue" not in english  # (none failed now)


def test_periodic_jobs_are_scheduled_once_per_period_by_any_number_of_schedulers(app, counter):
    from marketplace.jobs.periodic import periodic_jobs

    periodic = {job.name for job in periodic_jobs(app)}
    assert "orders.expire_overdue" in periodic
    pushed = at_once(app, lambda _prepared: queue.schedule_due(app), threads=2)
    first, second = pushed
    assert sorted(first + second) == sorted(periodic)  # each due job pushed by exactly one scheduler
    assert queue.schedule_due(app) == []  # nothing is due again within the period
    assert queue.get_queue(app).count == len(periodic)
    work(app)
    runs = {r.name: r for r in db.session.scalars(db.select(JobRun))}
    assert runs["orders.expire_overdue"].last_status == "ok"
    assert runs["orders.expire_overdue"].last_finished_at is not None


def test_redis_down_the_job_runs_in_this_process(app_config, counter):
    from marketplace import create_app

    down = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:9/0"})
    ran = []
    register_job(down, "test.here", lambda: ran.append(1))
    with down.app_context():
        enqueue("test.here")
        assert ran == [1]
        health = down.test_client().get("/healthz")
        assert health.status_code == 503 and health.get_json()["checks"]["queue"]["ok"] is False


def test_healthz_reports_the_queue_and_the_commands_run_it(app, counter, client):
    enqueue("test.count")
    checks = client.get("/healthz").get_json()["checks"]
    assert checks["queue"]["depth"] == 1 and checks["queue"]["oldest_seconds"] >= 0
    runner = app.test_cli_runner()
    result = runner.invoke(args=["worker", "--burst", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert counter() == 1
    scheduled = runner.invoke(args=["scheduler", "--once"])
    assert scheduled.exit_code == 0 and "orders.expire_overdue" in scheduled.output


def test_without_the_queue_the_commands_say_what_to_do(app_config):
    from marketplace import create_app

    inline = create_app({**app_config, "JOBS_BACKEND": "inline"})
    result = inline.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 2 and "REDIS_URL" in result.output


def test_a_worker_stops_without_waiting_a_minute_for_its_command_listener(app):
    """RQ polls its command channel for 60 s and redis-py 8 waits for that poll when the worker stops:
    every burst run (and a SIGTERM) took a minute. Ours polls every second (queue.PUBSUB_POLL_SECONDS)."""
    import time

    started = time.monotonic()
    work(app)  # nothing queued: subscribe, find nothing, stop
    assert time.monotonic() - started < 15
