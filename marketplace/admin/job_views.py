"""The admin's look at background work: every registered job with its last run (``job_runs``);
the on-event jobs that failed every attempt in this process (``job_failures``: embedded mode, and
the rq backend's fallback when Redis is down), each with "run again" and "discard"; and with the
queue (JOBS_BACKEND=rq) its depth, the oldest waiting job and the failed jobs, each with a requeue
button. Every button is audited."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.policy import admin_required
from marketplace.admin import bp
from marketplace.admin.services import record_audit
from marketplace.db import atomic
from marketplace.errors import error_response
from marketplace.extensions import db
from marketplace.jobs import failures, jobs
from marketplace.jobs import queue as job_queue
from marketplace.jobs.models import JobFailure, JobRun
from marketplace.jobs.registry import rerun_failure

#: job_runs' statuses as the page shows them.
RUN_STATUS = {"ok": "正常", "failed": "失败", "running": "运行中"}


def _every(job) -> int | None:
    return int(job.every.total_seconds() // 60) if job.every else None


@bp.get("/jobs")
@admin_required
def jobs_page():
    app = current_app._get_current_object()
    runs = {r.name: r for r in db.session.scalars(sa.select(JobRun))}
    rows = [(job, _every(job), runs.get(job.name)) for job in jobs(app).values()]
    queue, failed, unreachable = None, [], False
    if job_queue.enabled(app):
        from redis.exceptions import RedisError

        try:
            queue, failed = job_queue.stats(app), job_queue.failed_jobs(app)
        except RedisError:
            unreachable = True
    labels = {key: _(value) for key, value in RUN_STATUS.items()}
    kept = [(row, failures.is_claimed(row, app)) for row in failures.pending()]
    return render_template("admin/jobs.html", rows=rows, queue=queue, failed=failed, unreachable=unreachable,
                           backend=app.config["JOBS_BACKEND"], run_labels=labels, kept=kept)


@bp.post("/jobs/failed/<job_id>/requeue")
@admin_required
def requeue_job(job_id: str):
    app = current_app._get_current_object()
    if not job_queue.enabled(app) or len(job_id) > 100:
        abort(404)
    from redis.exceptions import RedisError

    try:
        done = job_queue.requeue(app, job_id)
    except RedisError:
        return error_response(503, _("任务队列（Redis）暂时无法连接，任务没有重新排队。请稍后再试。"), code="queue_unavailable")
    if not done:
        abort(404)
    with atomic():
        record_audit(current_user, "job.requeue", "rq_job", job_id[:40])
    flash(_("任务已重新排队"), "success")
    return redirect(url_for("admin.jobs_page"), 303)


def _snapshot(row: JobFailure) -> dict:
    return {"name": row.name, "kwargs": row.kwargs, "error": row.error, "attempts": row.attempts}


@bp.post("/jobs/kept/<int:failure_id>/run")
@admin_required
def rerun_kept_job(failure_id: int):
    """Run a kept failed job again, in this process, with its kept arguments (once, however many
    clicks: the row is claimed first)."""
    row = db.session.get(JobFailure, failure_id) or abort(404)
    before, actor = _snapshot(row), current_user._get_current_object()

    def audit(outcome: str) -> None:  # runs in the job's own app context: no current_user there
        record_audit(actor, "job.rerun", "job_failure", failure_id, before=before,
                     after={"outcome": outcome})

    outcome = rerun_failure(failure_id, actor_id=actor.id, audit=audit)
    if outcome == "ok":
        flash(_("任务“%(name)s”已重新运行成功。", name=before["name"]), "success")
    elif outcome == "failed":
        flash(_("任务“%(name)s”重新运行后仍然失败，错误已更新。", name=before["name"]), "error")
    elif outcome == "unknown":
        flash(_("没有名为“%(name)s”的任务（可能已停用），无法重新运行；可以忽略它。", name=before["name"]), "error")
    else:
        flash(_("这个任务已经处理过，或正在由别人重新运行。"), "warning")
    return redirect(url_for("admin.jobs_page"), 303)


@bp.post("/jobs/kept/<int:failure_id>/discard")
@admin_required
def discard_kept_job(failure_id: int):
    """Drop a kept failed job from the list without running it (audited, kept in the table)."""
    row = db.session.get(JobFailure, failure_id) or abort(404)
    before = _snapshot(row)
    with atomic():
        done = failures.discard(failure_id, current_user.id)
        if done:
            record_audit(current_user, "job.discard", "job_failure", failure_id, before=before)
    if done:
        flash(_("已忽略任务“%(name)s”。", name=before["name"]), "success")
    else:
        flash(_("这个任务已经处理过，或正在由别人重新运行。"), "warning")
    return redirect(url_for("admin.jobs_page"), 303)
