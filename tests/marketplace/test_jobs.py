"""The job registry: named jobs enqueued after the commit (never after a rollback), retried when they
fail, periodic jobs claimed by exactly one of several processes, and the ``jobs`` CLI."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.jobs import UnknownJob, enqueue, register_job
from marketplace.jobs.models import JobRun
from marketplace.jobs.periodic import run_due
from marketplace.mail.models import OutboxMessage


@pytest.fixture
def calls(app):
    """Jobs "test.record" (records its argument), "test.seen" (whether a committed outbox row is
    visible to the job's own session), "test.fail" (always fails) and "test.flaky" (fails once)."""
    seen: list = []

    def record(n=None):
        seen.append(n)

    def visible(message_id):
        seen.append(db.session.get(OutboxMessage, message_id) is not None)

    def fail():
        seen.append("fail")
        raise RuntimeError("boom")

    def flaky():
        seen.append("flaky")
        if seen.count("flaky") == 1:
            raise RuntimeError("once")

    app.config["JOBS_RETRY_BACKOFF_SECONDS"] = 0
    register_job(app, "test.record", record)
    register_job(app, "test.seen", visible)
    register_job(app, "test.fail", fail, retries=2)
    register_job(app, "test.flaky", flaky)
    return seen


def _outbox_row() -> OutboxMessage:
    row = OutboxMessage(to_addr="x@example.com", subject="s", body_text="b", locale="zh_CN")
    db.session.add(row)
    db.session.flush()
    return row


def _run(name: str) -> JobRun | None:
    db.session.expire_all()
    return db.session.get(JobRun, name)


# --- registry -----------------------------------------------------------------------------------------

def test_registry_refuses_a_duplicate_an_unknown_name_and_arguments_a_queue_cannot_carry(app, calls):
    with pytest.raises(RuntimeError, match="registered twice"):
        register_job(app, "mail.deliver", lambda: None)
    with pytest.raises(UnknownJob, match="test.nope"):
        enqueue("test.nope")
    with pytest.raises(ValueError, match="at least a minute"):
        register_job(app, "test.fast", lambda: None, every=dt.timedelta(seconds=5))
    for bad in ({"n": utcnow()}, {"n": (1, 2)}, {"n": {1: "a"}}, {"n": object()}):
        with pytest.raises(TypeError, match="test.record"):
            enqueue("test.record", **bad)
    db.session.commit()
    assert calls == []
    assert set(app.extensions["jobs"]) >= {"mail.deliver", "orders.expire_overdue", "orders.auto_complete",
                                            "payments.refund", "payments.transfer", "payments.reconcile"}


# --- after the commit, never after a rollback -----------------------------------------------------------

def test_building_a_link_inside_a_transaction_keeps_its_jobs(app, calls):
    """A mail link built outside a request (a cron job's mail) pushes no throwaway request, whose
    teardown would drop the open transaction's enqueued jobs or run them before the commit."""
    from marketplace.web import absolute_url

    with atomic():
        enqueue("test.record", n=1)
        assert absolute_url("orders.my_orders") == "http://localhost/orders"  # PUBLIC_BASE_URL of the tests
        assert calls == []
    assert calls == [1]
    app.config["PUBLIC_BASE_URL"] = "https://market.example.com"
    assert absolute_url("orders.my_orders") == "https://market.example.com/orders"


def test_enqueued_job_runs_after_the_commit_in_its_own_session(app, calls):
    with atomic():
        row = _outbox_row()
        enqueue("test.seen", message_id=row.id)
        enqueue("test.seen", message_id=row.id)  # the same job twice in one transaction: once
        assert calls == []
    assert calls == [True]


def test_enqueued_job_does_not_run_when_the_transaction_rolls_back(app, calls):
    with pytest.raises(DomainError), atomic():
        row = _outbox_row()
        enqueue("test.seen", message_id=row.id)
        raise DomainError("no")
    assert calls == []
    with pytest.raises(DomainError), atomic():  # a block that ran no SQL at all
        enqueue("test.record", n=1)
        raise DomainError("no")
    with atomic():  # and a later transaction does not pick them up
        enqueue("test.record", n=2)
    assert calls == [2]


def test_a_savepoint_rolled_back_drops_only_the_jobs_enqueued_inside_it(app, calls):
    with atomic():
        enqueue("test.record", n=1)
        savepoint = db.session.begin_nested()
        enqueue("test.record", n=2)
        savepoint.rollback()
        with db.session.begin_nested():
            enqueue("test.record", n=3)
    assert calls == [1, 3]


def test_a_session_closed_without_commit_runs_nothing(app, calls):
    _outbox_row()
    enqueue("test.record", n=1)
    db.session.close()
    with atomic():
        enqueue("test.record", n=2)
    assert calls == [2]


def test_outside_a_transaction_a_job_runs_at_once(app, calls):
    db.session.commit()
    enqueue("test.record", n=1)
    assert calls == [1]


def test_in_a_request_the_job_runs_after_the_request_and_not_after_a_refusal(app, client, calls):
    def ok():
        with atomic():
            enqueue("test.seen", message_id=_outbox_row().id)
        return f"ran {len(calls)}"

    def refused():
        with atomic():
            enqueue("test.record", n="refused")
            raise DomainError("refused", status=409)

    app.add_url_rule("/_jobs/ok", "jobs_ok", ok, methods=["POST"])
    app.add_url_rule("/_jobs/refused", "jobs_refused", refused)
    response = client.post("/_jobs/ok")
    assert response.get_data(as_text=True) == "ran 0"  # not yet while the request ran
    assert calls == [True]
    assert client.get("/_jobs/refused").status_code == 409
    assert calls == [True]


def test_a_failing_job_does_not_break_the_request_and_is_retried(app, client, calls):
    def view():
        with atomic():
            enqueue("test.fail")
            enqueue("test.record", n=1)
        return "done"

    app.add_url_rule("/_jobs/fail", "jobs_fail", view, methods=["POST"])
    response = client.post("/_jobs/fail")
    assert response.status_code == 200 and response.get_data(as_text=True) == "done"
    assert calls == ["fail", "fail", "fail", 1]  # 1 + retries=2 attempts, then the next job still runs
    run = _run("test.fail")
    assert run.last_status == "failed" and run.last_error == "RuntimeError: boom"


def test_a_job_that_fails_once_succeeds_on_the_retry_and_clears_its_failure(app, calls):
    db.session.commit()
    enqueue("test.flaky")
    assert calls == ["flaky", "flaky"]
    assert _run("test.flaky") is None  # a success leaves no row to write
    with atomic():
        db.session.add(JobRun(name="test.flaky", last_status="failed", last_error="earlier", run_count=0))
    enqueue("test.flaky")
    run = _run("test.flaky")
    assert calls == ["flaky", "flaky", "flaky"] and run.last_status == "ok" and run.last_error is None


# --- periodic jobs ---------------------------------------------------------------------------------------

def test_two_processes_racing_run_due_run_each_period_exactly_once(app_config):
    ran: list[tuple[int, str]] = []
    lock = threading.Lock()

    def tick(process):
        def job():
            with lock:
                ran.append((process, "tick"))
            threading.Event().wait(0.05)  # hold the run a moment, as real work does
        return job

    apps = [create_app(app_config) for _ in range(2)]
    for i, application in enumerate(apps):
        register_job(application, "test.tick", tick(i), every=dt.timedelta(minutes=1))
    start = utcnow()
    errors: list[BaseException] = []
    rounds = 4

    def race(application, barrier):
        try:
            with application.app_context():
                for r in range(rounds):
                    barrier.wait(timeout=60)
                    run_due(application, now=start + dt.timedelta(minutes=r))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    barrier = threading.Barrier(4)
    threads = [threading.Thread(target=race, args=(apps[i % 2], barrier)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert not errors, errors
        assert len(ran) == rounds, ran
        with apps[0].app_context():
            run = db.session.get(JobRun, "test.tick")
            assert run.run_count == rounds and run.last_status == "ok"
    finally:
        for application in apps:
            with application.app_context():
                db.session.remove()
                db.engine.dispose()
        from tests.conftest import empty_tables

        empty_tables(apps[0])


def test_run_due_runs_a_job_once_per_period_and_records_failures(app, calls):
    counter = []
    register_job(app, "test.every", lambda: counter.append(1), every=dt.timedelta(minutes=10))
    register_job(app, "test.broken", lambda: 1 / 0, every=dt.timedelta(minutes=10))
    now = utcnow()
    first = {o.name: o.status for o in run_due(app, now=now)}
    assert first["test.every"] == "ok" and first["test.broken"] == "failed"
    assert first["mail.deliver"] == "ok" and first["orders.expire_overdue"] == "ok"
    soon = {o.name for o in run_due(app, now=now + dt.timedelta(minutes=5))}
    assert "mail.deliver" in soon and not soon & {"test.every", "test.broken", "payments.reconcile"}
    assert counter == [1]
    later = {o.name for o in run_due(app, now=now + dt.timedelta(minutes=10))}
    assert {"test.every", "test.broken", "payments.reconcile"} <= later and "orders.auto_complete" not in later
    assert counter == [1, 1]
    broken = _run("test.broken")
    assert broken.last_status == "failed" and "ZeroDivisionError" in broken.last_error and broken.run_count == 2


def test_run_due_after_requests_at_most_once_a_minute_per_process(app_config):
    app_config["JOBS_RUN_DUE_AFTER_REQUEST"] = True
    application = create_app(app_config)
    counter = []
    register_job(application, "test.every", lambda: counter.append(1), every=dt.timedelta(minutes=1))
    try:
        with application.app_context():
            client = application.test_client()
            assert client.get("/account/login").status_code == 200
            db.session.execute(sa.update(JobRun).values(last_started_at=None))  # as if a period went by
            db.session.commit()
            client.get("/account/login")
            assert counter == [1]  # the second request came within the minute
    finally:
        from tests.conftest import empty_tables

        empty_tables(application)


def test_development_runs_due_jobs_after_requests_by_default_tests_and_production_do_not(app, app_config):
    assert app.config["JOBS_RUN_DUE_AFTER_REQUEST"] is False  # TESTING
    development = create_app({**app_config, "TESTING": False})
    assert development.config["JOBS_RUN_DUE_AFTER_REQUEST"] is True


# --- the CLI --------------------------------------------------------------------------------------------

def test_cli_list_run_and_run_due(app, calls):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert lines["mail.deliver"].split()[1:3] == ["1m", "never"]
    assert lines["orders.expire_overdue"].split()[1] == "5m" and lines["orders.auto_complete"].split()[1] == "1h"
    assert lines["payments.refund"].split()[1] == "-"

    result = runner.invoke(args=["jobs", "run", "test.record", "--kwargs", '{"n": 5}'])
    assert result.exit_code == 0 and "test.record: ok" in result.output and calls == [5]
    result = runner.invoke(args=["jobs", "run", "test.nope"])
    assert result.exit_code != 0 and "no job named 'test.nope'" in result.output
    result = runner.invoke(args=["jobs", "run", "test.record", "--kwargs", "[1]"])
    assert result.exit_code != 0 and "JSON object" in result.output
    result = runner.invoke(args=["jobs", "run", "test.fail"])
    assert result.exit_code == 1 and "RuntimeError: boom" in result.output

    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "mail.deliver: ok" in result.output and "orders.auto_complete: ok" in result.output
    assert "No job is due." in runner.invoke(args=["jobs", "run-due"]).output
    listing = runner.invoke(args=["jobs", "list"]).output
    mail = next(line for line in listing.splitlines() if line.startswith("mail.deliver"))
    assert " ok " in mail and mail.split()[-1] == "1"
    assert "test.fail" in listing and "RuntimeError: boom" in listing


def test_cli_run_due_exits_1_when_a_job_fails(app):
    register_job(app, "test.broken", lambda: 1 / 0, every=dt.timedelta(minutes=10))
    result = app.test_cli_runner().invoke(args=["jobs", "run-due"])
    assert result.exit_code == 1 and "test.broken: failed" in result.output
