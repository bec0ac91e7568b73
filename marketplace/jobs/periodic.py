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
from marketplace.jobs import runs
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


def claim(job: Job, now: dt.datetime | None = None) -> bool:
    """Mark ``job`` started if it is due; True only in the one process whose UPDATE matched.

    The WHERE clause is re-checked on the current row by the database (PostgreSQL re-reads a row
    another transaction just changed; SQLite runs one writer at a time), so of several processes
    racing for the same period exactly one gets a row count of 1.
    """
    now = now or utcnow()
    due_before = now - job.every + min(GRACE, job.every / 10)
    with atomic():
        runs.ensure_row(job.name)
        claimed = runs.update_run(job.name, sa.or_(JobRun.last_started_at.is_(None), JobRun.last_started_at < due_before),
                          last_started_at=now, last_status="running", run_count=JobRun.run_count + 1)
    return claimed == 1


def run_claimed(app: Flask, job: Job, kwargs: dict | None = None) -> Outcome:
    """Run a claimed periodic job once; a failure waits for the next period (no retry loop)."""
    try:
        with worker_context(app):
            result = job.func(**(kwargs or {}))
    except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
        log.exception("periodic job %s failed", job.name)
        with worker_context(app):
            runs.record_finished(job.name, exc)
        return Outcome(job.name, "failed", exc)
    with worker_context(app):
        runs.record_finished(job.name)
    return Outcome(job.name, "ok", result)


def run_due(app: Flask, now: dt.datetime | None = None) -> list[Outcome]:
    """Run every periodic job that is due and that this process claims; what ran, in order."""
    outcomes = []
    for job in periodic_jobs(app):
        with worker_context(app):
            claimed = claim(job, now)
        if claimed:
            outcomes.append(run_claimed(app, job))
    return outcomes


def run_now(app: Flask, name: str, kwargs: dict | None = None):
    """Run a job by name at once whether due or not (``flask jobs run``); errors are raised.
    A periodic job's run is recorded as its last run, so run-due waits a full period after it."""
    job = get_job(name, app)
    if job.every is None:
        return run_job(name, kwargs, app=app, raise_errors=True)
    with worker_context(app), atomic():
        runs.ensure_row(name)
        runs.update_run(name, last_started_at=utcnow(), last_status="running", run_count=JobRun.run_count + 1)
    outcome = run_claimed(app, job, kwargs)
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
