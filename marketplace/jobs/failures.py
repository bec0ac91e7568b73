"""The job_failures table: on-event jobs run in this process whose every attempt failed, kept with
their arguments so that nothing is lost (``registry.run_job`` keeps them; /admin/jobs runs them
again or discards them; ``flask jobs list`` and /healthz count them).

Which runs are kept: those of jobs without a schedule (``Job.keep_failures``, by default
``every is None``): their work exists only in their arguments (``prices.check_alerts`` with its
observation ids, ``media.derivatives`` with its image). A periodic job's failed run is not kept,
whatever its arguments (``mail.deliver``'s batch size): its next periodic run does the same work.
Runs with ``raise_errors`` (``flask jobs run``) are not kept either: the operator saw the error.

The same job failing again with the same arguments while an earlier failure waits adds its
attempts to that row instead of a second one. "Run again" claims the row with a conditional UPDATE
(``claimed_at``), so two clicks or two admins run the job once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import sqlalchemy as sa
from flask import Flask, current_app

from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.jobs.models import JobFailure

log = logging.getLogger(__name__)

#: The error text kept: the exception's type and message, cut to this many characters.
ERROR_CHARS = 2000
#: How many unresolved failures of one job are compared with a new one (merging is a courtesy).
MERGE_WINDOW = 100


def describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS - 1] + "…"


def keep(name: str, kwargs: dict, error: BaseException, attempts: int) -> JobFailure | None:
    """Keep a failed run (never raises: the failure is logged already). Returns the row."""
    try:
        kwargs = json.loads(json.dumps(kwargs))
        now = utcnow()
        with atomic():
            candidates = db.session.scalars(
                sa.select(JobFailure).where(JobFailure.name == name, JobFailure.resolved_at.is_(None),
                                            JobFailure.claimed_at.is_(None))
                .order_by(JobFailure.id.desc()).limit(MERGE_WINDOW))
            row = next((c for c in candidates if c.kwargs == kwargs), None)
            if row is None:
                row = JobFailure(name=name, kwargs=kwargs, attempts=0)
                db.session.add(row)
            row.attempts += attempts
            row.error, row.failed_at = describe(error), now
        return row
    except Exception:  # noqa: BLE001
        log.exception("jobs: could not keep the failed run of %s %s", name, kwargs)
        return None


def pending(limit: int = 100) -> list[JobFailure]:
    """Unresolved failures, newest first."""
    return list(db.session.scalars(sa.select(JobFailure).where(JobFailure.resolved_at.is_(None))
                                   .order_by(JobFailure.failed_at.desc(), JobFailure.id.desc()).limit(limit)))


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count(JobFailure.id)).where(JobFailure.resolved_at.is_(None))) or 0


def stale_before(app: Flask | None = None, now: dt.datetime | None = None) -> dt.datetime:
    """A claim older than this is taken to be dead (the process running it stopped)."""
    seconds = int((app or current_app).config.get("JOBS_TIMEOUT_SECONDS", 600))
    return (now or utcnow()) - dt.timedelta(seconds=seconds)


def is_claimed(row: JobFailure, app: Flask | None = None) -> bool:
    return row.claimed_at is not None and _aware(row.claimed_at) >= stale_before(app)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _free(failure_id: int, app: Flask | None = None):
    """The row, unresolved and not claimed by a live "run again"."""
    return (JobFailure.id == failure_id, JobFailure.resolved_at.is_(None),
            sa.or_(JobFailure.claimed_at.is_(None), JobFailure.claimed_at < stale_before(app)))


def _update(*where, **values) -> int:
    stmt = sa.update(JobFailure).where(*where).values(**values)
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def claim(failure_id: int, app: Flask | None = None) -> dt.datetime | None:
    """Claim the row for one "run again" (committed at once); its claim time (the token the run
    finishes with), or None when it is resolved or being run by someone else."""
    now = utcnow()
    with atomic():
        claimed = _update(*_free(failure_id, app), claimed_at=now)
    return now if claimed == 1 else None


def finish(failure_id: int, token: dt.datetime, *, error: BaseException | None = None,
           actor_id: int | None = None) -> bool:
    """End a claimed run, in the caller's transaction: resolved ("ran"), or still failing with the new
    error. False if the claim was lost meanwhile (it went stale and another run took it)."""
    mine = (JobFailure.id == failure_id, JobFailure.claimed_at == token)
    if error is None:
        return _update(*mine, claimed_at=None, resolved_at=utcnow(), resolved_by_id=actor_id, resolution="ran") == 1
    return _update(*mine, claimed_at=None, error=describe(error), failed_at=utcnow(),
                   attempts=JobFailure.attempts + 1) == 1


def discard(failure_id: int, actor_id: int | None, app: Flask | None = None) -> bool:
    """Drop the failure from the list, in the caller's transaction; False when it is resolved or
    being run."""
    return _update(*_free(failure_id, app), resolved_at=utcnow(), resolved_by_id=actor_id,
                   resolution="discarded") == 1
