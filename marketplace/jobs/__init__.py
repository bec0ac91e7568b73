"""Background work declared by name: run after the transaction commits, later, or every N minutes.

Each domain registers its jobs from its own ``init_app``::

    register_job(app, "orders.expire_overdue", expire_overdue, every=timedelta(minutes=5))
    register_job(app, "payments.refund", refund_job)           # enqueue("payments.refund", refund_id=7)

Embedded mode (the default, no server): an enqueued job runs in this process once the enqueuing
transaction commits (after the request in a web request), with retries; periodic jobs run from
``flask --app marketplace jobs run-due`` (cron, once a minute) or, in development, after a request
(``JOBS_RUN_DUE_AFTER_REQUEST``). A real queue (RQ with a worker and a scheduler) replaces
``registry._dispatch`` and ``run-due`` behind the same ``register_job``/``enqueue``.
"""

from __future__ import annotations

from flask import Flask, g

from marketplace.jobs.registry import Job, UnknownJob, enqueue, get_job, jobs, register_job, run_job

__all__ = ["Job", "UnknownJob", "enqueue", "get_job", "init_app", "jobs", "register_job", "run_job"]


def init_app(app: Flask) -> None:
    from marketplace.config import env_flag
    from marketplace.domains import register
    from marketplace.jobs import periodic, registry

    #: Run due periodic jobs after a request (at most once a minute per process), so a development
    #: server needs no cron. Off in production (cron calls ``jobs run-due``) and in tests.
    app.config.setdefault("JOBS_RUN_DUE_AFTER_REQUEST", env_flag(
        "MARKETPLACE_JOBS_RUN_DUE_AFTER_REQUEST", app.config.get("ENV") == "development" and not app.testing))
    #: Seconds before the first retry of a failed enqueued job; doubled for each next one.
    app.config.setdefault("JOBS_RETRY_BACKOFF_SECONDS", 0.5)
    register(app, "jobs", package=__name__, models=("models",), cli=("cli",))
    due = periodic.AfterRequest()

    @app.before_request
    def _mark_request():
        g.jobs_request = True

    @app.teardown_request
    def _after_request(exc):
        # Only a request this app dispatched: a throwaway request context (a link built inside a
        # job or a CLI command) must not run, or drop, what the open transaction enqueued.
        if not g.pop("jobs_request", False):
            return
        registry.run_after_request(app)
        if app.config["JOBS_RUN_DUE_AFTER_REQUEST"]:
            due.maybe_run(app)
