"""One row per job name: when it last ran and how it ended (periodic jobs are claimed through it)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base


class JobRun(Base):
    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    #: Set by the process that claims a periodic run (a conditional UPDATE): it doubles as the lock
    #: that makes several processes run a job once per period.
    last_started_at: Mapped[dt.datetime | None]
    last_finished_at: Mapped[dt.datetime | None]
    #: "running", "ok" or "failed".
    last_status: Mapped[str | None] = mapped_column(sa.String(20))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    run_count: Mapped[int] = mapped_column(default=0)


class JobFailure(Base):
    """An on-event job run in this process whose every attempt failed, kept with its arguments until
    an admin runs it again (``resolution`` "ran") or discards it ("discarded"): /admin/jobs.

    Only in-process runs are kept (embedded mode, and the rq backend's fallback when Redis refuses a
    push); a queued job that fails stays in RQ's failed registry instead. Jobs with a schedule are not
    kept: their next periodic run does the work again (marketplace.jobs.failures).
    """

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kwargs: Mapped[dict] = mapped_column(sa.JSON)
    #: The last attempt's error ("Type: message", at most ERROR_CHARS characters).
    error: Mapped[str] = mapped_column(sa.Text)
    #: When the last attempt failed.
    failed_at: Mapped[dt.datetime]
    #: Attempts so far (the retries, the same job failing again, each run again).
    attempts: Mapped[int] = mapped_column(default=1)
    #: Set while an admin's "run again" runs it (a conditional UPDATE claims the row, so two clicks run
    #: it once); a claim older than JOBS_TIMEOUT_SECONDS is taken to be dead.
    claimed_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: "ran" (run again, succeeded) or "discarded".
    resolution: Mapped[str | None] = mapped_column(sa.String(20))
