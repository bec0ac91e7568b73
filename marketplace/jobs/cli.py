"""``flask --app marketplace jobs run-due | run NAME | list``: the one cron line, and a look at the jobs;
``flask worker`` and ``flask scheduler``: the processes of the real queue (JOBS_BACKEND=rq)."""

from __future__ import annotations

import json
import sys

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from marketplace.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs: run the due ones (cron, every minute), run one, list them.")


def _every(job) -> str:
    if job.every is None:
        return "-"
    minutes = int(job.every.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 and minutes >= 60 else f"{minutes}m"


@jobs_cli.command("run-due")
def run_due_command() -> None:
    """Run every periodic job that is due (what cron calls once a minute); exits 1 if one failed."""
    from marketplace.jobs.periodic import run_due

    outcomes = run_due(current_app._get_current_object())
    for outcome in outcomes:
        click.echo(f"{outcome.name}: {outcome.status}" + (f" ({outcome.result})" if outcome.status == "failed" else ""))
    if not outcomes:
        click.echo("No job is due.")
    if any(o.status == "failed" for o in outcomes):
        sys.exit(1)


@jobs_cli.command("run")
@click.argument("name")
@click.option("--kwargs", "raw_kwargs", default="{}", help='The job\'s arguments as a JSON object, e.g. \'{"refund_id": 7}\'.')
def run_command(name: str, raw_kwargs: str) -> None:
    """Run one job now, due or not; exits 1 if it fails."""
    from marketplace.jobs.periodic import run_now
    from marketplace.jobs.registry import UnknownJob

    try:
        kwargs = json.loads(raw_kwargs)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--kwargs") from None
    if not isinstance(kwargs, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--kwargs")
    try:
        result = run_now(current_app._get_current_object(), name, kwargs)
    except UnknownJob as exc:
        raise click.ClickException(str(exc.args[0])) from None
    except Exception as exc:  # noqa: BLE001 - the traceback is logged; say what failed and exit 1
        click.echo(f"{name}: failed ({type(exc).__name__}: {exc})", err=True)
        sys.exit(1)
    click.echo(f"{name}: ok" + ("" if result is None else f" ({result})"))


@jobs_cli.command("list")
def list_command() -> None:
    """Every registered job: how often it runs, when it last ran and how that ended; and how many
    failed in-process runs wait at /admin/jobs to be run again."""
    from marketplace.jobs import failures
    from marketplace.jobs.models import JobRun
    from marketplace.jobs.registry import jobs

    runs = {r.name: r for r in db.session.scalars(sa.select(JobRun))}
    click.echo(f"{'name':28}  {'every':>5}  {'last started (UTC)':19}  {'status':8}  {'runs':>5}  error")
    for job in jobs().values():
        run = runs.get(job.name)
        started = run.last_started_at.strftime("%Y-%m-%d %H:%M:%S") if run and run.last_started_at else "never"
        error = (run.last_error or "").splitlines()[0][:60] if run and run.last_error else ""
        click.echo(f"{job.name:28}  {_every(job):>5}  {started:19}  {(run and run.last_status) or '-':8}  "
                   f"{run.run_count if run else 0:>5}  {error}")
    kept = failures.count()
    click.echo(f"Failed jobs kept with their arguments: {kept}"
               + (" (run them again or discard them at /admin/jobs)" if kept else ""))


def _queue_or_exit():
    from marketplace.jobs import queue

    if not queue.enabled():
        click.echo("JOBS_BACKEND is not rq: set REDIS_URL (and MARKETPLACE_JOBS_BACKEND=rq if you set it to inline); "
                   "without Redis, jobs run inside the web process and `jobs run-due` runs the periodic ones.", err=True)
        sys.exit(2)
    return queue


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Run what is queued, then exit (tests, one-off catch-up).")
@click.option("--scheduler/--no-scheduler", default=True,
              help="Also push due periodic jobs every 30 s (safe on every machine: each period is claimed once).")
@click.option("--name", default=None, help="The worker's name in RQ (default: host and pid).")
@click.option("--node-queues/--no-node-queues", default=True,
              help="Also run this machine's own queues (with SEARCH_BACKEND=whoosh: search-<node>, "
                   "applying the search changes to this machine's index). Default: on.")
@click.option("--shared-queue/--no-shared-queue", default=True,
              help="Run the shared queue (mail, imports, reconciliation ...). Default: on.")
def worker_command(burst: bool, scheduler: bool, name: str | None, node_queues: bool, shared_queue: bool) -> None:
    """Run queued jobs (mail, search, reconciliation, order expiry ...) until stopped."""
    from redis.exceptions import RedisError

    queue = _queue_or_exit()
    app = current_app._get_current_object()
    queues = (queue.node_queues(app) if node_queues else []) + ([queue.QUEUE] if shared_queue else [])
    if not queues:
        raise click.UsageError("no queue to run: keep --shared-queue, or --node-queues on a machine that has one "
                               "(SEARCH_BACKEND=whoosh)")
    click.echo("Running queues: " + ", ".join(queues))
    ticker = queue.Scheduler(app) if scheduler and not burst else None
    if ticker:
        ticker.start()
    try:
        if burst and scheduler:
            queue.schedule_due(app)
        queue.make_worker(app, name=name, queues=queues).work(burst=burst, with_scheduler=True, logging_level="INFO")
    except RedisError as exc:
        click.echo(f"Redis is unreachable ({type(exc).__name__}): check REDIS_URL and that Redis runs, then start "
                   "the worker again. Queued jobs wait in Redis; nothing is lost.", err=True)
        sys.exit(1)
    finally:
        if ticker:
            ticker.stopped.set()


@click.command("scheduler")
@with_appcontext
@click.option("--once", is_flag=True, help="Push the due periodic jobs once and exit.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between looks.")
def scheduler_command(once: bool, interval: float) -> None:
    """Push due periodic jobs onto the queue (instead of cron); run one or several, anywhere."""
    queue = _queue_or_exit()
    app = current_app._get_current_object()
    if once:
        pushed = queue.schedule_due(app)
        click.echo("Scheduled: " + (", ".join(pushed) if pushed else "nothing is due."))
        return
    ticker = queue.Scheduler(app, interval=interval)
    click.echo(f"Scheduling due periodic jobs every {interval:g} s (Ctrl-C to stop).")
    try:
        ticker.run()
    except KeyboardInterrupt:
        ticker.stopped.set()


def register(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
