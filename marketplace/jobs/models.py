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
