"""The job_runs table: one row per named job, its last run and outcome (``jobs list`` shows it).

Both the enqueued runs (registry) and the periodic claims (periodic) write here; neither imports
the other for it.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.jobs.models import JobRun

log = logging.getLogger(__name__)


def ensure_row(name: str) -> None:
    """Insert the job's row if it is missing (concurrent inserts of the same name are harmless)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app runs on SQLite and PostgreSQL only
        raise RuntimeError(f"job_runs: no upsert for {dialect}")
    db.session.execute(insert(JobRun).values(name=name, run_count=0).on_conflict_do_nothing(index_elements=["name"]))


def update_run(name: str, *where, **values) -> int:
    stmt = sa.update(JobRun).where(JobRun.name == name, *where).values(**values)
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def record_finished(name: str, error: BaseException | None = None) -> None:
    """A claimed periodic run ended (here or on a queue's worker)."""
    with atomic():
        update_run(name, last_finished_at=utcnow(), last_status="failed" if error else "ok",
                   last_error=describe(error) if error else None)


def record_failure(name: str, error: BaseException) -> None:
    """An enqueued run failed every attempt: show it in ``jobs list`` (never raises)."""
    try:
        with atomic():
            ensure_row(name)
            update_run(name, last_finished_at=utcnow(), last_status="failed", last_error=describe(error))
    except Exception:  # noqa: BLE001 - the failure is logged already; the record is a courtesy
        log.exception("jobs: could not record the failure of %s", name)


def record_success(name: str) -> None:
    """An enqueued run succeeded: clear a failure recorded earlier. Only read otherwise (a write
    per run would take SQLite's write lock after every request that sends mail)."""
    try:
        with atomic():
            if db.session.scalar(sa.select(JobRun.last_status).where(JobRun.name == name)) == "failed":
                update_run(name, JobRun.last_status == "failed", last_finished_at=utcnow(), last_status="ok",
                           last_error=None)
    except Exception:  # noqa: BLE001
        log.exception("jobs: could not record the success of %s", name)
