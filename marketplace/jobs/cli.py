"""``flask --app marketplace jobs run-due | run NAME | list``: the one cron line, and a look at the jobs."""

from __future__ import annotations

import json
import sys

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

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
    """Every registered job: how often it runs, when it last ran and how that ended."""
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


def register(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
