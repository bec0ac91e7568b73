"""The whoosh change queue on the real job queue (JOBS_BACKEND=rq): one RQ queue per node.

Every machine keeps its own index, so applying a change is work for *that* machine: each node has
its own RQ queue, ``search-<node>``, and the ``flask worker`` of each machine listens to its own
(marketplace.jobs.queue.add_node_queue) besides the shared one.

* After a commit that queued changes, the committing process pushes the job ``search.apply_node_queue``
  onto the queue of every *other* node that got rows, and applies its *own* node's rows itself, at
  once, as in embedded mode: whoever saved a product finds it when the response arrives (read your
  writes), whether or not this machine's worker is busy with a long import. Only when its index's
  writer stays busy (or applying fails) does it leave its own rows to a job on its own queue
  instead of a background thread.
* At most one job waits per node: a Redis key ``search:apply-asked:<node>`` (SET NX) is set with
  the push and deleted by the job as it starts, so a change committed while the job runs asks for
  the next one, and a burst of changes while a job waits adds none.
* A push can be lost (Redis down at that moment, flushed, a worker killed): the periodic job
  ``search.sweep_node_queues`` (every minute, on any worker) pushes a job for every node that has
  rows and no job waiting on its queue.

Embedded mode (JOBS_BACKEND=inline) does none of this: search.whoosh.writer's threads apply the
queue after each commit, as before.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from marketplace.extensions import db
from marketplace.jobs import queue as jobs_queue
from marketplace.jobs import register_job
from search.models import SearchQueue
from search.whoosh import writer

log = logging.getLogger(__name__)

JOB = "search.apply_node_queue"
SWEEP = "search.sweep_node_queues"
#: The Redis key that says "a job for this node is asked for and has not started yet".
ASKED = "search:apply-asked:{node}"
#: A key left by a lost push expires after this long (the sweep does not wait for it).
ASKED_TTL = 3600
#: Seconds a job waits for the index's writer before failing (and RQ retrying it).
APPLY_TIMEOUT = 30.0


class IndexBusy(RuntimeError):
    """The index's writer stayed busy: the job fails and RQ retries it with backoff."""


def enabled(app: Flask) -> bool:
    return jobs_queue.enabled(app)


def queue_name(node: str) -> str:
    return f"search-{node}"


def register(app: Flask, node_of) -> None:
    """Declare the jobs (from WhooshBackend); ``node_of()`` gives this machine's node."""
    register_job(app, JOB, apply_node_queue, retries=3)
    if enabled(app):
        register_job(app, SWEEP, sweep, every=timedelta(minutes=1), retries=0)
        jobs_queue.add_node_queue(app, lambda: queue_name(node_of()))


def ask(app: Flask, node: str, *, force: bool = False) -> bool:
    """Have ``node``'s worker apply its queue: push a job unless one is asked for already. True when
    a job waits; False when Redis could not take it (the rows stay for the sweep or the node's own
    commit). ``force``: push whatever the key says (the sweep, which saw no job waiting).
    """
    from redis.exceptions import RedisError

    client = jobs_queue.connection(app)
    key = ASKED.format(node=node)
    try:
        if not client.set(key, "1", nx=not force, ex=ASKED_TTL):
            return True  # a job waits for this node: it will see these rows too
    except RedisError as exc:
        log.warning("search: the queue is unreachable (%s); node %s's changes wait for its next commit or "
                    "the sweep", type(exc).__name__, node)
        return False
    if jobs_queue.push(app, JOB, {"node": node}, queue=queue_name(node)):
        return True
    with contextlib.suppress(RedisError):
        client.delete(key)  # let the next commit ask again
    return False


def after_commit(app: Flask, own: str, nodes: set[str]) -> None:
    """The committing process's share: ask the other nodes' workers, apply this node's rows now."""
    for node in sorted(nodes - {own}):
        if not ask(app, node):
            break  # Redis is down: do not wait for it once per node

    def leave_to_job(app: Flask, name: str) -> None:
        if not ask(app, own):
            writer._schedule_retry(app, name)  # no queue: the embedded way

    try:
        with app.app_context():
            writer.drain(app, wait=app.config.get("SEARCH_WRITE_WAIT", writer.WRITE_WAIT), retry=leave_to_job)
    except Exception:  # the change is committed and queued; the node's job applies it
        log.exception("search: applying the queue failed; leaving it to node %s's worker", own)
        ask(app, own)


def apply_node_queue(node: str) -> int:
    """The job: apply this node's queued changes to this machine's index. Returns how many objects."""
    app = current_app._get_current_object()
    mine = writer.node_of(app)
    if node != mine:
        raise RuntimeError(f"this worker serves search node {mine}, not {node}: each machine's worker must "
                           f"listen only to its own queue ({queue_name(mine)})")
    jobs_queue.connection(app).delete(ASKED.format(node=node))  # a change committed from now on asks again
    done = 0
    for name in writer._pending_names(app):
        done += writer.drain(app, names=[name], retry=_busy)
    return done


def _busy(app: Flask, name: str) -> None:
    if not writer.wait_until_drained(name, timeout=float(app.config.get("SEARCH_APPLY_TIMEOUT", APPLY_TIMEOUT))):
        raise IndexBusy(f"the writer of index {name} stayed busy; the job is retried")


def nodes_with_rows() -> list[str]:
    q = SearchQueue.__table__
    nodes = list(db.session.execute(sa.select(q.c.node).distinct()).scalars())
    db.session.rollback()
    return sorted(nodes)


def sweep() -> list[str]:
    """The periodic job: push a job for every node that has rows and none waiting on its queue (a
    push was lost). Returns the nodes it pushed a job for."""
    app = current_app._get_current_object()
    return [node for node in nodes_with_rows()
            if not jobs_queue.get_queue(app, queue_name(node)).count and ask(app, node, force=True)]


def forget(app: Flask, nodes: list[str]) -> None:
    """Nodes pruned for being unseen: drop their queues and keys (nobody will run them)."""
    from redis.exceptions import RedisError

    try:
        for node in nodes:
            jobs_queue.get_queue(app, queue_name(node)).delete(delete_jobs=True)
            jobs_queue.connection(app).delete(ASKED.format(node=node))
    except RedisError:
        log.warning("search: could not drop the queues of the forgotten nodes %s", ", ".join(nodes))
