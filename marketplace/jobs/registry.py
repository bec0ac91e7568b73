"""Jobs declared by name, enqueued after the transaction commits, run in-process with retries or,
with ``JOBS_BACKEND=rq``, pushed onto the real queue (marketplace.jobs.queue).

A job is a function that takes JSON-serialisable keyword arguments, loads what it needs by id and
commits its own work (``atomic()``), so it can run anywhere: in this process after the request, or
on a worker of the queue (which carries only the name and the arguments).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, has_request_context

from marketplace.db import atomic, in_atomic
from marketplace.extensions import db
from marketplace.jobs import failures, runs
from marketplace.jobs.models import JobFailure

log = logging.getLogger(__name__)

#: session.info key: jobs enqueued in the session's open transaction, run once it commits.
PENDING = "jobs_pending"
#: session.info key: {id(savepoint): how many jobs were pending when it began}.
MARKS = "jobs_savepoints"
#: g key (request's app context): jobs whose transaction committed, run when the request ends.
AFTER_REQUEST = "_jobs_after_request"
#: app.extensions key: the queue's push(app, name, kwargs) -> bool, set when JOBS_BACKEND is "rq".
PUSH = "jobs_push"
#: g key set in the app context a job runs in: jobs it enqueues run at once, not "after the request".
WORKER = "_jobs_worker"


class UnknownJob(LookupError):
    """No job is registered under that name (a typo, or the domain is not installed)."""


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[..., Any]
    #: Run every this long (``jobs run-due``); None: only when enqueued or run by name.
    every: timedelta | None = None
    #: How many more times a failing enqueued run is tried (with backoff) before it is left to the
    #: next periodic run or sweeper.
    retries: int = 3
    #: Keep an in-process run whose every attempt failed, with its arguments, for the admin to run
    #: again (``job_failures``); by default the jobs without a schedule (marketplace.jobs.failures).
    keep_failures: bool = True


def jobs(app: Flask | None = None) -> dict[str, Job]:
    """The app's jobs by name, in registration order."""
    return (app or current_app).extensions.setdefault("jobs", {})


def register_job(app: Flask, name: str, func: Callable[..., Any], *, every: timedelta | None = None,
                 retries: int = 3, keep_failures: bool | None = None) -> Job:
    """Declare a job (from the owning domain's ``init_app``); a name registered twice is an error.
    ``keep_failures`` defaults to "no schedule": a periodic job's next run redoes a failed one."""
    registered = jobs(app)
    if name in registered:
        raise RuntimeError(f"job {name!r} is registered twice")
    if every is not None and every < timedelta(minutes=1):
        raise ValueError(f"job {name!r}: every must be at least a minute (run-due runs once a minute)")
    if retries < 0:
        raise ValueError(f"job {name!r}: retries must be 0 or more")
    keep = every is None if keep_failures is None else keep_failures
    registered[name] = job = Job(name, func, every, retries, keep)
    return job


def get_job(name: str, app: Flask | None = None) -> Job:
    try:
        return jobs(app)[name]
    except KeyError:
        raise UnknownJob(f"no job named {name!r} (registered: {', '.join(sorted(jobs(app))) or 'none'})") from None


def check_arguments(name: str, kwargs: dict) -> None:
    """Refuse arguments a queue could not carry: they must survive a JSON round trip unchanged."""
    try:
        same = json.loads(json.dumps(kwargs)) == kwargs
    except (TypeError, ValueError) as exc:
        raise TypeError(f"job {name!r}: arguments must be JSON-serialisable ({exc})") from None
    if not same:
        raise TypeError(f"job {name!r}: arguments change in a JSON round trip (tuples, non-string keys?)")


def enqueue(name: str, **kwargs) -> None:
    """Run job ``name`` with ``kwargs`` once the current transaction commits.

    Inside a transaction (or an ``atomic()`` block) the job waits for the commit and is dropped if
    the transaction rolls back; with no transaction open it is due at once. In a web request it
    then runs when the request ends; elsewhere (CLI, tests, another job) right away. The same
    name and arguments enqueued twice in one transaction run once.
    """
    get_job(name)
    check_arguments(name, kwargs)
    session = db.session()
    if in_atomic() and not session.in_transaction():
        session.begin()  # else a rollback of a block that ran no SQL would fire no event
    if session.in_transaction():
        _add(session.info.setdefault(PENDING, []), name, kwargs)
    else:
        _dispatch([(name, kwargs)])


def dispatch(name: str, **kwargs) -> None:
    """Run job ``name`` as if its transaction had just committed, whatever the session's state: for
    a hook that runs after a commit (marketplace.cache.on_bump), where ``enqueue`` would attach the
    job to the transaction that is ending. In a web request it runs when the request ends (or on
    the queue); elsewhere at once."""
    get_job(name)
    check_arguments(name, kwargs)
    _dispatch([(name, kwargs)])


def _add(items: list, name: str, kwargs: dict) -> None:
    if (name, kwargs) not in items:
        items.append((name, kwargs))


def _dispatch(items: list) -> None:
    push = current_app.extensions.get(PUSH)
    if push is not None:  # the real queue (marketplace.jobs.queue, JOBS_BACKEND=rq)
        app = current_app._get_current_object()
        items = [(name, kwargs) for name, kwargs in items if not push(app, name, kwargs)]
        if not items:
            return  # on the queue; what Redis could not take runs here, below
    if has_request_context() and not g.get(WORKER):
        after = g.setdefault(AFTER_REQUEST, [])
        for name, kwargs in items:
            _add(after, name, kwargs)
        return
    app = current_app._get_current_object()
    for name, kwargs in items:
        run_job(name, kwargs, app=app)


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _after_commit(session) -> None:
    items = session.info.pop(PENDING, None)
    if items and has_app_context():
        # The committing session cannot run SQL any more; each job runs in a fresh app context
        # (its own session), as on a queue's worker.
        _dispatch(items)


@sa.event.listens_for(sa.orm.Session, "after_transaction_create")
def _savepoint_started(session, transaction) -> None:
    if transaction.nested:
        session.info.setdefault(MARKS, {})[id(transaction)] = len(session.info.get(PENDING, ()))


@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _savepoint_rolled_back(session, previous_transaction) -> None:
    # (after_transaction_end has run already: the mark is dropped here or with the root transaction)
    mark = session.info.get(MARKS, {}).pop(id(previous_transaction), None)
    if previous_transaction.nested and mark is not None:
        del session.info.get(PENDING, [])[mark:]  # only what was enqueued inside the savepoint


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _transaction_ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(MARKS, None)
        # after_commit took the jobs of a committed transaction: these were rolled back or closed
        dropped = session.info.pop(PENDING, None)
        if dropped:
            log.info("jobs: transaction not committed, not running %s", [name for name, _ in dropped])


def run_after_request(app: Flask) -> None:
    """Run the jobs the request's committed transactions enqueued (called at request teardown).
    Jobs still waiting for a commit that never came are dropped, like their transaction."""
    items = g.pop(AFTER_REQUEST, None)
    for name, kwargs in items or ():
        run_job(name, kwargs, app=app)
    uncommitted = db.session().info.pop(PENDING, None)
    if uncommitted:
        log.warning("jobs: the request ended without committing, not running %s", [n for n, _ in uncommitted])


@contextmanager
def worker_context(app: Flask):
    """A fresh app context (own session, own ``g``) to run a job in, as a queue's worker would."""
    with app.app_context():
        g.setdefault(WORKER, True)
        yield


def run_job(name: str, kwargs: dict | None = None, *, app: Flask | None = None, raise_errors: bool = False):
    """Run a job now, in a fresh app context, retrying a failure ``retries`` times with backoff
    (``JOBS_RETRY_BACKOFF_SECONDS``, doubled each time).

    Returns the job's result, or None when every attempt failed: then the error is logged and
    recorded in ``job_runs`` (a later success clears it), or raised with ``raise_errors`` (the CLI
    exits 1). A job with ``keep_failures`` (an on-event job) is then kept in ``job_failures`` with
    its arguments, for the admin to run again; a periodic job's work waits for its next run.
    """
    app = app or current_app._get_current_object()
    job = get_job(name, app)
    kwargs = kwargs or {}
    backoff = float(app.config.get("JOBS_RETRY_BACKOFF_SECONDS", 0.5))
    for attempt in range(job.retries + 1):
        try:
            with worker_context(app):
                result = job.func(**kwargs)
        except Exception as exc:  # noqa: BLE001 - a job never breaks its caller; it is retried
            last = exc
            log.exception("job %s %s failed (attempt %d of %d)", name, kwargs, attempt + 1, job.retries + 1)
            if attempt < job.retries:
                time.sleep(min(backoff * 2 ** attempt, 30))
        else:
            with worker_context(app):
                runs.record_success(name)
            return result
    with worker_context(app):
        runs.record_failure(name, last)
        if job.keep_failures and not raise_errors:
            failures.keep(name, kwargs, last, job.retries + 1)
    if raise_errors:
        raise last
    return None


def rerun_failure(failure_id: int, *, actor_id: int | None = None, app: Flask | None = None,
                  audit: Callable[[str], Any] | None = None) -> str:
    """Run a kept failure's job again, once, in this process, with its kept arguments.

    Returns "ok" (the row is resolved), "failed" (it stays, with the new error), "busy" (resolved
    already, or being run by another click: nothing ran) or "unknown" (no job of that name is
    registered any more: nothing ran). ``audit(outcome)`` is called in the transaction that records
    the outcome.
    """
    app = app or current_app._get_current_object()
    row = db.session.get(JobFailure, failure_id)
    if row is None or row.resolved_at is not None:
        return "busy"
    name, kwargs = row.name, dict(row.kwargs or {})
    if name not in jobs(app):
        return "unknown"
    token = failures.claim(failure_id, app)
    if token is None:
        return "busy"
    error = None
    try:
        with worker_context(app):
            get_job(name, app).func(**kwargs)
    except Exception as exc:  # noqa: BLE001 - the admin sees the new error; the row stays
        log.exception("job %s %s failed when run again", name, kwargs)
        error = exc
    outcome = "failed" if error else "ok"
    with worker_context(app):
        with atomic():
            failures.finish(failure_id, token, error=error, actor_id=actor_id)
            if audit is not None:
                audit(outcome)
        if error is None:
            runs.record_success(name)
        else:
            runs.record_failure(name, error)
    return outcome
