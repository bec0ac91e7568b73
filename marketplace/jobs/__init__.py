"""Background work declared by name: run after the transaction commits, later, or every N minutes.

Each domain registers its jobs from its own ``init_app``::

    register_job(app, "orders.expire_overdue", expire_overdue, every=timedelta(minutes=5))
    register_job(app, "payments.refund", refund_job)           # enqueue("payments.refund", refund_id=7)

Embedded mode (the default, no server): an enqueued job runs in this process once the enqueuing
transaction commits (after the request in a web request), with retries; periodic jobs run from
``flask --app marketplace jobs run-due`` (cron, once a minute) or, in development, after a request
(``JOBS_RUN_DUE_AFTER_REQUEST``). With Redis (``JOBS_BACKEND=rq``) the same jobs go onto a real
queue: ``flask worker`` runs them, ``flask scheduler`` (or the worker's own scheduler thread) pushes
the periodic ones, behind the same ``register_job``/``enqueue`` (marketplace.jobs.queue).
"""

from __future__ import annotations

import os

from flask import Flask, g

from marketplace.jobs.registry import Job, UnknownJob, dispatch, enqueue, get_job, jobs, register_job, run_job

__all__ = ["Job", "UnknownJob", "dispatch", "enqueue", "get_job", "init_app", "jobs", "register_job", "run_job"]


def init_app(app: Flask) -> None:
    from marketplace.config import env_flag
    from marketplace.domains import register
    from marketplace.jobs import failures, periodic, registry

    #: "inline" (jobs in this process; embedded) or "rq" (a real queue on Redis with workers; the
    #: default when REDIS_URL is set), see marketplace.jobs.queue.
    app.config.setdefault("JOBS_BACKEND", os.environ.get("MARKETPLACE_JOBS_BACKEND")
                          or ("rq" if app.config.get("REDIS_URL") else "inline"))
    if app.config["JOBS_BACKEND"] not in ("inline", "rq"):
        raise RuntimeError(f"JOBS_BACKEND must be 'inline' or 'rq', not {app.config['JOBS_BACKEND']!r}")
    if app.config["JOBS_BACKEND"] == "rq" and not app.config.get("REDIS_URL"):
        raise RuntimeError("JOBS_BACKEND=rq needs REDIS_URL")
    #: Run due periodic jobs after a request (at most once a minute per process), so a development
    #: server needs no cron. Off in production (cron or the queue's scheduler), with the queue, in tests.
    app.config.setdefault("JOBS_RUN_DUE_AFTER_REQUEST", env_flag(
        "MARKETPLACE_JOBS_RUN_DUE_AFTER_REQUEST", app.config.get("ENV") == "development" and not app.testing
        and app.config["JOBS_BACKEND"] == "inline"))
    #: Seconds before the first retry of a failed enqueued job; doubled for each next one.
    app.config.setdefault("JOBS_RETRY_BACKOFF_SECONDS", 0.5)
    register(app, "jobs", package=__name__, models=("models",), cli=("cli",))
    from marketplace.health import register_check

    # In-process runs of on-event jobs whose every attempt failed, waiting at /admin/jobs (a count:
    # never unhealthy by itself).
    register_check(app, "failed_jobs", lambda: {"ok": True, "kept": failures.count()})
    if app.config["JOBS_BACKEND"] == "rq":
        from marketplace.jobs import queue

        register_check(app, "queue", lambda: {"ok": True, **queue.stats(app)})
        app.extensions[registry.PUSH] = queue.push
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
