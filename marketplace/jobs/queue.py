"""The real queue: the registry's jobs on RQ (Redis) when ``JOBS_BACKEND`` is "rq".

``JOBS_BACKEND`` is "rq" by default when ``REDIS_URL`` is set, "inline" otherwise (``make run``
needs no server). With rq:

* an enqueued job is pushed onto the ``marketplace`` queue when its transaction commits (only its
  name and JSON arguments travel, JSONSerializer), and a worker (``flask worker``) runs it, with
  RQ's retries (``Job.retries`` times, backoff ``JOBS_RETRY_BACKOFF_SECONDS`` doubled each time);
* a job that failed every attempt stays in RQ's failed registry (the admin's /admin/jobs shows it
  and requeues it) and in ``job_runs`` (``flask jobs list``);
* periodic jobs need no cron: ``flask scheduler`` (or ``flask worker``'s scheduler thread) claims
  each due job through ``job_runs`` (one claim per period, whatever the number of schedulers on
  however many machines) and pushes it;
* Redis down when a job is pushed: the job runs in this process instead, as embedded mode would
  (after the request, with the same retries; one warning per outage): nothing is lost and the
  request does not fail. For ``JOBS_QUEUE_RETRY_SECONDS`` after a failed push, jobs go straight to
  this process (a Redis that times out costs one timeout, not one per job). A job whose every
  attempt failed in-process is in ``job_runs`` as failed; a periodic job's sweep (the mail outbox,
  reconciliation) picks its work up again, an on-event job is kept in ``job_failures`` with its
  arguments (marketplace.jobs.failures), beside RQ's failed jobs on /admin/jobs;
* work that must run on one machine goes onto a queue of that machine's own (a domain names it with
  ``add_node_queue``: the whoosh search backend's ``search-<node>``); ``flask worker`` listens to
  those of its machine before the shared one.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app

from marketplace.jobs import runs
from marketplace.jobs.periodic import claim, periodic_jobs, run_claimed
from marketplace.jobs.registry import get_job, worker_context

log = logging.getLogger(__name__)

QUEUE = "marketplace"
#: What the workers call: a dotted path, so the queue carries no code.
PERFORM = "marketplace.jobs.queue.perform"
#: The app the jobs of this worker process run in (set by ``flask worker`` and the tests' worker).
_worker_app: Flask | None = None


def enabled(app: Flask | None = None) -> bool:
    return (app or current_app).config.get("JOBS_BACKEND") == "rq"


def connection(app: Flask):
    """One Redis client per app; short timeouts, so a Redis that is down fails fast."""
    ext = app.extensions
    if "jobs_redis" not in ext:
        import redis

        ext["jobs_redis"] = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=3,
                                                 socket_connect_timeout=2)
    return ext["jobs_redis"]


def get_queue(app: Flask, name: str = QUEUE):
    from rq import Queue
    from rq.serializers import JSONSerializer

    return Queue(name, connection=connection(app), serializer=JSONSerializer,
                 default_timeout=int(app.config.get("JOBS_TIMEOUT_SECONDS", 600)))


def _intervals(app: Flask, retries: int) -> list[int]:
    backoff = float(app.config.get("JOBS_RETRY_BACKOFF_SECONDS", 0.5))
    return [min(int(backoff * 2 ** n), 300) for n in range(retries)]


def add_node_queue(app: Flask, name_of: Callable[[], str]) -> None:
    """Declare a queue of this machine's own (``name_of()`` gives its name when a worker starts):
    ``flask worker`` on each machine listens to its own, besides the shared one."""
    app.extensions.setdefault("jobs_node_queues", []).append(name_of)


def node_queues(app: Flask) -> list[str]:
    return [name_of() for name_of in app.extensions.get("jobs_node_queues", ())]


def push(app: Flask, name: str, kwargs: dict, *, periodic: bool = False, queue: str = QUEUE) -> bool:
    """Put a job on the queue (the shared one, or ``queue``); False when Redis cannot take it (the
    caller runs it in-process, or leaves it to a sweep)."""
    from redis.exceptions import RedisError
    from rq import Retry

    job = get_job(name, app)
    retry = Retry(max=job.retries, interval=_intervals(app, job.retries)) if job.retries else None
    outage = app.extensions.setdefault("jobs_outage", {"until": 0.0, "down": False})
    if time.monotonic() < outage["until"]:  # failed a moment ago: no new timeout per job
        log.info("jobs: the queue is still unreachable; running %s in this process", name)
        return False
    try:
        get_queue(app, queue).enqueue(PERFORM, name, kwargs, periodic, retry=retry, description=name,
                               result_ttl=0, failure_ttl=int(app.config.get("JOBS_FAILED_KEEP_SECONDS", 7 * 86400)))
    except RedisError as exc:
        outage["until"] = time.monotonic() + float(app.config.get("JOBS_QUEUE_RETRY_SECONDS", 5))
        level = logging.INFO if outage["down"] else logging.WARNING  # one warning per outage
        outage["down"] = True
        log.log(level, "jobs: the queue is unreachable (%s); %s is not queued (%s)", type(exc).__name__, name,
                "the caller runs it in this process" if queue == QUEUE else f"for {queue}")
        return False
    if outage["down"]:
        outage["down"] = False
        log.warning("jobs: the queue answers again")
    return True


def perform(name: str, kwargs: dict, periodic: bool = False) -> None:
    """Run one queued job on a worker (RQ calls this). A failure is re-raised for RQ's retry; the
    last attempt's failure is also recorded in ``job_runs``."""
    from rq import get_current_job

    app = _worker_app
    if app is None:
        raise RuntimeError("no app for queued jobs in this process: start workers with `flask worker`")
    job = get_job(name, app)
    try:
        with worker_context(app):
            job.func(**kwargs)
    except Exception as exc:
        current = get_current_job()
        if current is None or not current.retries_left:
            with worker_context(app):
                runs.record_failure(name, exc)
        raise
    with worker_context(app):
        if periodic:
            runs.record_finished(name)
        else:
            runs.record_success(name)


def schedule_due(app: Flask, now: dt.datetime | None = None) -> list[str]:
    """Push every periodic job that is due and that this scheduler claims; their names."""
    pushed = []
    for job in periodic_jobs(app):
        with worker_context(app):
            claimed = claim(job, now)
        if not claimed:
            continue
        if push(app, job.name, {}, periodic=True):
            pushed.append(job.name)
        else:
            run_claimed(app, job)  # Redis down: the claimed period still runs, here
    return pushed


class Scheduler(threading.Thread):
    """``schedule_due`` every ``interval`` seconds until stopped (a daemon thread of the worker,
    or the main loop of ``flask scheduler``)."""

    def __init__(self, app: Flask, interval: float = 30.0):
        super().__init__(name="jobs-scheduler", daemon=True)
        self.app = app
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                pushed = schedule_due(self.app)
                if pushed:
                    log.info("jobs: scheduled %s", ", ".join(pushed))
            except Exception:  # noqa: BLE001 - the scheduler keeps going; the next tick tries again
                log.exception("jobs: scheduling failed")
            self.stopped.wait(self.interval)


#: Seconds the worker's command listener (RQ's pubsub thread) waits for a message before looking
#: whether it should stop. RQ asks for 60; redis-py 8 waits for that thread when the worker stops,
#: so a worker took a minute to end (a SIGTERM, a burst run).
PUBSUB_POLL_SECONDS = 1


def make_worker(app: Flask, *, name: str | None = None, queues: list[str] | None = None):
    """An RQ worker that runs jobs in this process (no fork: the app's database pool is not shared
    with children), on ``queues``: by default this machine's own queues first, then the shared one."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    class Worker(SimpleWorker):
        def subscribe(self):
            """RQ's own subscription to the worker's command channel, polled every second."""
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=PUBSUB_POLL_SECONDS, daemon=True,
                                                           exception_handler=self._pubsub_exception_handler)

    global _worker_app
    _worker_app = app
    queues = [*node_queues(app), QUEUE] if queues is None else queues
    return Worker([get_queue(app, q) for q in queues], connection=connection(app), serializer=JSONSerializer, name=name)


def all_queues(app: Flask) -> list:
    """The shared queue, then every other queue RQ knows (the machines' own, ``search-<node>``)."""
    from rq import Queue

    others = sorted(q.name for q in Queue.all(connection=connection(app)) if q.name != QUEUE)
    return [get_queue(app, name) for name in (QUEUE, *others)]


def stats(app: Flask) -> dict:
    """The shared queue's depth and oldest waiting job's age, failed jobs of every queue: for
    /healthz and /admin/jobs."""
    from rq.registry import FailedJobRegistry

    queue = get_queue(app)
    depth = queue.count
    oldest = None
    ids = queue.get_job_ids(0, 1) if depth else []
    if ids:
        first = queue.fetch_job(ids[0])
        if first is not None and first.enqueued_at:
            enqueued = first.enqueued_at.replace(tzinfo=dt.UTC) if first.enqueued_at.tzinfo is None else first.enqueued_at
            oldest = round((dt.datetime.now(dt.UTC) - enqueued).total_seconds(), 1)
    failed = sum(FailedJobRegistry(queue=q).count for q in all_queues(app))
    return {"depth": depth, "oldest_seconds": oldest, "failed": failed}


def failed_jobs(app: Flask, limit: int = 50) -> list[dict]:
    """The failed registries' newest jobs (every queue): id, job name, arguments, queue, when and
    why (the last line)."""
    from rq.registry import FailedJobRegistry

    out = []
    for queue in all_queues(app):
        for job_id in FailedJobRegistry(queue=queue).get_job_ids(0, limit - 1, desc=True):
            job = queue.fetch_job(job_id)
            if job is None:
                continue
            result = job.latest_result()  # one Redis round trip, not two
            error = (result.exc_string if result else "") or ""
            args = list(job.args or ())
            out.append({"id": job.id, "name": args[0] if args else job.description,
                        "kwargs": args[1] if len(args) > 1 else {}, "queue": queue.name, "ended_at": job.ended_at,
                        "error": error.strip().splitlines()[-1] if error.strip() else ""})
    out.sort(key=lambda f: f["ended_at"].timestamp() if f["ended_at"] else 0, reverse=True)
    return out[:limit]


def requeue(app: Flask, job_id: str) -> bool:
    """Put a failed job back on the queue it failed on; False when no failed registry holds it."""
    from rq.exceptions import InvalidJobOperation, NoSuchJobError
    from rq.registry import FailedJobRegistry

    try:
        for queue in all_queues(app):
            registry = FailedJobRegistry(queue=queue)
            if job_id in registry:
                registry.requeue(job_id)
                return True
        return False
    except (InvalidJobOperation, NoSuchJobError):
        return False
