"""Periodic jobs: each due job is claimed with a conditional UPDATE of its ``job_runs`` row, so with
any number of processes (cron on two machines, every web worker after its requests) exactly one
runs it per period. ``flask jobs run-due`` is what cron calls; in development the app itself calls
it after a request, at most once a minute per process (``JOBS_RUN_DUE_AFTER_REQUEST``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import NamedTuple

import sqlalchemy as sa
from flask import Flask

from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.jobs.models import JobRun
from marketplace.jobs.registry import Job, get_job, jobs, run_job, worker_context

log = logging.getLogger(__name__)

#: A run started this much less than a period ago still counts as due, so a cron minute that
#: fires a little early does not skip a period (at most a tenth of the period).
GRACE = dt.timedelta(seconds=10)


class Outcome(NamedTuple):
    name: str
    status: str  # "ok" or "failed"
    result: object = None


def periodic_jobs(app: Flask) -> list[Job]:
    return [job for job in jobs(app).values() if job.every is not None]


def _ensure_row(name: str) -> None:
    """Insert the job's row if it is missing (concurrent inserts of the same name are harmless)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app runs on SQLite and PostgreSQL only
        raise RuntimeError(f"job_runs: no upsert for {dialect}")
    db.session.execute(insert(JobRun).values(name=name, run_count=0).on_conflict_do_nothing(index_elements=["name"]))


def _update(name: str, *where, **values) -> int:
    stmt = sa.update(JobRun).where(JobRun.name == name, *where).values(**values)
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def claim(job: Job, now: dt.datetime | None = None) -> bool:
    """Mark ``job`` started if it is due; True only in the one process whose UPDATE matched.

    The WHERE clause is re-checked on the current row by the database (PostgreSQL re-reads a row
    another transaction just changed; SQLite runs one writer at a time), so of several processes
    racing for the same period exactly one gets a row count of 1.
    """
    now = now or utcnow()
    due_before = now - job.every + min(GRACE, job.every / 10)
    with atomic():
        _ensure_row(job.name)
        claimed = _update(job.name, sa.or_(JobRun.last_started_at.is_(None), JobRun.last_started_at < due_before),
                          last_started_at=now, last_status="running", run_count=JobRun.run_count + 1)
    return claimed == 1


def _finish(name: str, error: BaseException | None) -> None:
    with atomic():
        _update(name, last_finished_at=utcnow(), last_status="failed" if error else "ok",
                last_error=_describe(error) if error else None)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def record_failure(app: Flask, name: str, error: BaseException) -> None:
    """An enqueued run failed every attempt: show it in ``jobs list`` (never raises)."""
    try:
        with worker_context(app), atomic():
            _ensure_row(name)
            _update(name, last_finished_at=utcnow(), last_status="failed", last_error=_describe(error))
    except Exception:  # noqa: BLE001 - the failure is logged already; the record is a courtesy
        log.exception("jobs: could not record the failure of %s", name)


def record_success(app: Flask, name: str) -> None:
    """An enqueued run succeeded: clear a failure recorded earlier. Only read otherwise (a write
    per run would take SQLite's write lock after every request that sends mail)."""
    try:
        with worker_context(app), atomic():
            if db.session.scalar(sa.select(JobRun.last_status).where(JobRun.name == name)) == "failed":
                _update(name, JobRun.last_status == "failed", last_finished_at=utcnow(), last_status="ok",
                        last_error=None)
    except Exception:  # noqa: BLE001
        log.exception("jobs: could not record the success of %s", name)


def _run_once(app: Flask, job: Job, kwargs: dict | None = None) -> Outcome:
    """Run a claimed periodic job once; a failure waits for the next period (no retry loop)."""
    try:
        with worker_context(app):
            result = job.func(**(kwargs or {}))
    except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
        log.exception("periodic job %s failed", job.name)
        with worker_context(app):
            _finish(job.name, exc)
        return Outcome(job.name, "failed", exc)
    with worker_context(app):
        _finish(job.name, None)
    return Outcome(job.name, "ok", result)


def run_due(app: Flask, now: dt.datetime | None = None) -> list[Outcome]:
    """Run every periodic job that is due and that this process claims; what ran, in order."""
    outcomes = []
    for job in periodic_jobs(app):
        with worker_context(app):
            claimed = claim(job, now)
        if claimed:
            outcomes.append(_run_once(app, job))
    return outcomes


def run_now(app: Flask, name: str, kwargs: dict | None = None):
    """Run a job by name at once whether due or not (``flask jobs run``); errors are raised.
    A periodic job's run is recorded as its last run, so run-due waits a full period after it."""
    job = get_job(name, app)
    if job.every is None:
        return run_job(name, kwargs, app=app, raise_errors=True)
    with worker_context(app), atomic():
        _ensure_row(name)
        _update(name, last_started_at=utcnow(), last_status="running", run_count=JobRun.run_count + 1)
    outcome = _run_once(app, job, kwargs)
    if outcome.status == "failed":
        raise outcome.result
    return outcome.result


class AfterRequest:
    """Run due jobs after a request, at most once a minute in this process, one thread at a time."""

    INTERVAL = 60.0

    def __init__(self):
        self._lock = threading.Lock()
        self._last = None

    def maybe_run(self, app: Flask) -> None:
        if self._last is not None and time.monotonic() - self._last < self.INTERVAL:
            return
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._last = time.monotonic()
            run_due(app)
        except Exception:  # noqa: BLE001 - never break the request
            log.exception("jobs: run-due after the request failed")
        finally:
            self._lock.release()
