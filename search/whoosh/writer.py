"""The single-writer path into the whoosh indexes: the change queue, applied after each commit.

1. Queue: every change search.tracking hands over (watched models, notify_changed) becomes a
   SearchQueue row, in the same transaction as the change (WhooshBackend.changed).
2. Drain: right after the commit, the committing process tries the index's Whoosh writer lock
   without blocking. The holder applies queued rows in batches (documents re-read from the
   database), commits the index, deletes the rows it covered and tries again until the queue is
   empty. A process that finds the lock taken waits for it a little (SEARCH_WRITE_WAIT, 2 s; an
   index commit takes tens of milliseconds), so that when its commit returns its own change is
   searchable; the holder re-checks the queue after every release, and a short background retry
   covers a holder that finished just before the row was committed. Nobody sees a LockError.
   With JOBS_BACKEND=rq other nodes' rows and the retry are jobs on each node's own queue
   (search.whoosh.node_jobs); the committing process still applies its own node's rows.
3. Rebuild (search.whoosh.build) writes a fresh folder and swaps it in while holding the old
   index's lock (changes meanwhile stay queued and are applied to the new index).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app
from whoosh.index import LockError

from marketplace.cache import bump
from marketplace.db import atomic
from marketplace.extensions import db
from search import queue
from search.spec import get_spec, index_group, registered
from search.whoosh import engine as search_engine

log = logging.getLogger(__name__)

BATCH = 500
#: Seconds a committer waits for a busy writer before leaving its change to the background retry
#: (config SEARCH_WRITE_WAIT). An index commit takes tens of milliseconds, so this is rarely reached.
WRITE_WAIT = 2.0
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)
#: (database URI, node) -> the latest app initialised for them (background retries of older apps stop)
serving: dict[tuple[str, str], Flask] = {}


def handle_for(name: str, app: Flask | None = None) -> search_engine.IndexHandle:
    app = app or current_app
    return search_engine.open_index(get_spec(name), app.config["SEARCH_INDEX_DIR"])


# --- draining --------------------------------------------------------------------------------

def drain_after_commit(app: Flask) -> None:
    """Apply the queue now, in a fresh app context (the caller's session has just committed)."""
    try:
        with app.app_context():
            drain(app, wait=app.config.get("SEARCH_WRITE_WAIT", WRITE_WAIT))
    except Exception:  # the user's change is committed and queued; the next drain or check applies it
        log.exception("search: draining the queue failed; it stays queued")


def node_of(app: Flask) -> str:
    return app.extensions["search"].node


def _pending_names(app: Flask) -> list[str]:
    names = queue.pending_names(db.session.connection(), node_of(app))
    db.session.rollback()
    return [n for n in names if n in registered()]


def drain(app: Flask | None = None, names: list[str] | None = None, max_rounds: int = 1000,
          wait: float = 0.0, retry: Callable[[Flask, str], None] | None = None) -> int:
    """Apply queued changes while this process can get the writer. Returns how many objects it applied.

    When another writer holds the index, wait up to ``wait`` seconds (once) for it: the holder
    applies what is queued, or we do, so the caller's own change is in the index when the call
    returns (read-your-writes). Past that, ``retry(app, name)`` takes over: a background thread
    by default, the node's queue job with JOBS_BACKEND=rq (search.whoosh.node_jobs).
    """
    app = app or current_app._get_current_object()
    done = 0
    for name in names or _pending_names(app):
        waited = False
        for _round in range(max_rounds):
            status, n = _drain_once(app, name)
            if status == "busy" and wait > 0 and not waited:
                waited = True
                status, n = _drain_once(app, name, writer_timeout=wait)
            done += n
            if status == "empty":
                break
            if status == "busy":
                (retry or _schedule_retry)(app, name)
                break
    return done


def _queued(app: Flask, name: str) -> bool:
    found = db.session.execute(queue.pending_query(node_of(app), name).limit(1)).first()
    db.session.rollback()  # end the read transaction: the next look must see new commits
    return found is not None


def _drain_once(app: Flask, name: str, writer_timeout: float = 0.0) -> tuple[str, int]:
    if not _queued(app, name):
        return "empty", 0
    handle = handle_for(name, app)
    path = handle.current_path()
    try:
        writer = handle.writer(path, timeout=writer_timeout)
    except LockError:
        return "busy", 0
    # Keep the lock until the rows this holder applied are deleted (Whoosh's commit would release
    # it first). Otherwise the next holder reads the same rows, the first deletes them, a new change
    # is queued under a re-used id (SQLite re-uses the ids of deleted rows) and the next holder's
    # delete-by-id removes that new row although it applied only the old one: a lost update.
    lock, writer.writelock = writer.writelock, None
    postgres = db.session.get_bind().dialect.name == "postgresql"
    try:
        try:
            if handle.current_path() != path:  # a rebuild swapped folders meanwhile: start again
                writer.cancel()
                return "again", 0
            # PostgreSQL: the claimed rows stay locked (SKIP LOCKED for anyone else) until they are
            # deleted, in this same transaction, after the index commit. SQLite: one machine, and
            # the writer lock we hold orders the appliers; end the read transaction before writing.
            rows = queue.claim(db.session, node_of(app), name, BATCH)
            if not rows:
                writer.cancel()
                db.session.rollback()
                return "empty", 0
            spec = handle.spec
            keys = list(dict.fromkeys(obj_id for _id, obj_id in rows))
            ids = [spec.id_type(k) for k in keys]
            docs = dict(spec.load_documents(ids))
            if not postgres:
                db.session.rollback()
            handle.write(writer, ((i, docs.get(i)) for i in ids))
            writer.commit()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            db.session.rollback()
            raise
        with atomic():
            queue.delete(db.session, [r[0] for r in rows])
    finally:
        if lock is not None:
            lock.release()
    # pages that show this index's results are kept under its group (the page cache, kept blocks):
    # a search between the catalogue's commit and this apply saw the old index, and must not be served
    bump(index_group(name))
    return "done", len(ids)


def _schedule_retry(app: Flask, name: str) -> None:
    """In the background, keep trying until the queue is empty (covers a holder that just finished)."""
    def run():
        for delay in RETRY_DELAYS:
            time.sleep(delay)
            if serving.get((app.config["SQLALCHEMY_DATABASE_URI"], node_of(app))) is not app:
                return  # a newer app serves this database (tests): its own drains take over
            try:
                with app.app_context():
                    status, _n = _drain_once(app, name)
                    while status in ("done", "again"):
                        status, _n = _drain_once(app, name)
                    if status == "empty":
                        return
            except Exception:
                log.exception("search: background drain of %s failed", name)
                return

    threading.Thread(target=run, name=f"search-drain-{name}", daemon=True).start()


def wait_until_drained(name: str, timeout: float = 10.0) -> bool:
    """Apply the queue now, waiting for the writer if needed (CLI, tests, rebuild)."""
    deadline = time.monotonic() + timeout
    app = current_app._get_current_object()
    while time.monotonic() < deadline:
        status, _n = _drain_once(app, name, writer_timeout=max(0.0, min(2.0, deadline - time.monotonic())))
        if status == "empty":
            return True
    return not _queued(app, name)


