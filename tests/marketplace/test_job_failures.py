"""In-process runs of on-event jobs whose every attempt failed are kept with their arguments
(``job_failures``): the admin sees them at /admin/jobs, runs them again (once, however many clicks)
or discards them; ``flask jobs list`` and /healthz count them. Periodic jobs are not kept."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa

from marketplace.admin.models import AuditEntry
from marketplace.extensions import db
from marketplace.jobs import enqueue, failures, register_job, run_job
from marketplace.jobs.models import JobFailure
from tests.at_once import at_once


@pytest.fixture
def effects(app):
    """Job "test.effect" (fails while ``broken`` is set, else records its ``n``; ``slow`` seconds
    long), "test.periodic" (scheduled, always fails) and "test.flaky" (fails on its first attempt)."""
    state = {"broken": True, "done": [], "attempts": 0, "slow": 0.0}
    lock = threading.Lock()

    def effect(n):
        with lock:
            state["attempts"] += 1
        time.sleep(state["slow"])
        if state["broken"]:
            raise RuntimeError(f"the gateway is down for {n}")
        with lock:
            state["done"].append(n)

    def flaky(n):
        state["attempts"] += 1
        if state["attempts"] == 1:
            raise RuntimeError("once")
        state["done"].append(n)

    def periodic():
        raise RuntimeError("periodic boom")

    app.config["JOBS_RETRY_BACKOFF_SECONDS"] = 0
    register_job(app, "test.effect", effect, retries=2)
    register_job(app, "test.flaky", flaky)
    register_job(app, "test.periodic", periodic, every=dt.timedelta(minutes=5))
    return state


def _kept() -> list[JobFailure]:
    """The rows as they are now, detached (the read's transaction is closed, so a job enqueued next
    is due at once rather than waiting for a commit)."""
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(JobFailure).order_by(JobFailure.id)))
    for row in rows:
        db.session.expunge(row)
    db.session.rollback()
    return rows


def _failed_once() -> JobFailure:
    db.session.rollback()  # (a request of the test client may have left a read open)
    enqueue("test.effect", n=7)
    [row] = _kept()
    return row


def test_a_job_that_keeps_failing_is_kept_with_its_arguments(app, effects):
    enqueue("test.effect", n=7)
    assert effects["attempts"] == 3 and effects["done"] == []  # the first attempt and two retries
    [row] = _kept()
    assert (row.name, row.kwargs, row.attempts) == ("test.effect", {"n": 7}, 3)
    assert row.error == "RuntimeError: the gateway is down for 7" and row.resolved_at is None
    enqueue("test.effect", n=7)  # the same work failing again: one row, its attempts added
    enqueue("test.effect", n=8)
    assert [(r.kwargs, r.attempts) for r in _kept()] == [({"n": 7}, 6), ({"n": 8}, 3)]
    assert failures.count() == 2


def test_a_long_error_is_cut_and_a_success_on_a_retry_or_a_periodic_job_keeps_nothing(app, effects):
    assert len(failures.describe(RuntimeError("x" * 5000))) == failures.ERROR_CHARS
    enqueue("test.flaky", n=1)
    assert effects["done"] == [1]
    run_job("test.periodic", app=app)  # its next period does the work again
    with pytest.raises(RuntimeError):  # `flask jobs run`: the operator sees the error
        run_job("test.effect", {"n": 2}, app=app, raise_errors=True)
    assert _kept() == []


def test_the_admin_page_lists_them_to_admins_only(app, effects, client, login, make_user):
    row = _failed_once()
    login(make_user())
    assert client.get("/admin/jobs").status_code == 403
    assert client.post(f"/admin/jobs/kept/{row.id}/run").status_code == 403
    assert client.post(f"/admin/jobs/kept/{row.id}/discard").status_code == 403
    assert effects["attempts"] == 3 and _kept()[0].resolved_at is None
    login(make_user(roles=("admin",)))
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "进程内失败的任务" in page and "test.effect" in page and "{\"n\": 7}" in page
    assert "the gateway is down for 7" in page and "重新运行" in page and "忽略" in page
    client.post("/language", data={"locale": "en"})
    english = client.get("/admin/jobs").get_data(as_text=True)
    assert "Jobs that failed in this process" in english and "Run again" in english and "Discard" in english
    assert "进程内" not in english
    assert client.post("/admin/jobs/kept/999999/run").status_code == 404


def test_run_again_after_the_cause_is_fixed_runs_it_once_and_resolves_it(app, effects, client, login,
                                                                          make_user):
    row = _failed_once()
    admin = make_user(roles=("admin",))
    login(admin)
    response = client.post(f"/admin/jobs/kept/{row.id}/run", follow_redirects=True)
    assert "重新运行后仍然失败" in response.get_data(as_text=True)  # still broken: it stays
    [still] = _kept()
    assert still.resolved_at is None and still.attempts == 4 and still.claimed_at is None

    effects["broken"] = False
    response = client.post(f"/admin/jobs/kept/{row.id}/run", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已重新运行成功" in page and "没有进程内失败的任务" in page
    [done] = _kept()
    assert done.resolved_at is not None and done.resolved_by_id == admin.id and done.resolution == "ran"
    assert effects["done"] == [7] and failures.count() == 0
    assert client.post(f"/admin/jobs/kept/{row.id}/run").status_code == 303  # a second click: nothing runs
    assert effects["done"] == [7]
    audit = [(a.action, a.after) for a in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
    assert audit == [("job.rerun", {"outcome": "failed"}), ("job.rerun", {"outcome": "ok"})]


def test_two_admins_running_it_again_at_once_run_it_once(app, effects, make_user):
    row = _failed_once()
    effects.update(broken=False, slow=0.3)
    admin = make_user(roles=("admin",))

    def prepare():
        client = app.test_client()
        client.post("/account/login", data={"email": admin.email, "password": "correct horse 42"})
        return client

    results = at_once(app, lambda client: client.post(f"/admin/jobs/kept/{row.id}/run").status_code,
                      prepare=prepare)
    assert results == [303, 303] and effects["done"] == [7]
    assert _kept()[0].resolution == "ran"


def test_a_claimed_row_is_not_run_or_discarded_until_its_claim_is_stale(app, effects):
    row = _failed_once()
    effects["broken"] = False
    assert failures.claim(row.id, app) is not None
    assert failures.claim(row.id, app) is None
    db.session.rollback()
    from marketplace.jobs.registry import rerun_failure

    assert rerun_failure(row.id, app=app) == "busy" and effects["done"] == []
    app.config["JOBS_TIMEOUT_SECONDS"] = 0  # the process that claimed it died
    time.sleep(0.01)
    assert rerun_failure(row.id, app=app) == "ok" and effects["done"] == [7]


def test_discard_drops_it_without_running_it(app, effects, client, login, make_user):
    row = _failed_once()
    login(make_user(roles=("admin",)))
    response = client.post(f"/admin/jobs/kept/{row.id}/discard", follow_redirects=True)
    assert "已忽略任务" in response.get_data(as_text=True)
    [gone] = _kept()
    assert gone.resolution == "discarded" and failures.count() == 0 and effects["attempts"] == 3
    assert client.post(f"/admin/jobs/kept/{row.id}/run", follow_redirects=True).status_code == 200
    assert effects["attempts"] == 3  # a discarded job is not run again
    assert db.session.scalar(sa.select(AuditEntry.action)) == "job.discard"


def test_jobs_list_and_healthz_count_them(app, effects, client):
    assert client.get("/healthz").get_json()["checks"]["failed_jobs"]["kept"] == 0
    _failed_once()
    health = client.get("/healthz")
    assert health.get_json()["checks"]["failed_jobs"] == {"ok": True, "kept": 1, "ms": pytest.approx(0, abs=5000)}
    out = app.test_cli_runner().invoke(args=["jobs", "list"])
    assert out.exit_code == 0 and "Failed jobs kept with their arguments: 1" in out.output
