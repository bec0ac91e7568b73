"""The single-writer path into the search indexes.

1. Queue: SQLAlchemy session events record every change to a watched model (IndexSpec.watches)
   and every notify_changed() as a SearchQueue row, in the same transaction as the change.
2. Drain: right after the commit, the committing process tries the index's Whoosh writer lock
   without blocking. The holder applies queued rows in batches (documents re-read from the
   database), commits the index, deletes the rows it covered and tries again until the queue is
   empty. A process that finds the lock taken waits for it a little (SEARCH_WRITE_WAIT, 2 s; an
   index commit takes tens of milliseconds), so that when its commit returns its own change is
   searchable; the holder re-checks the queue after every release, and a short background retry
   covers a holder that finished just before the row was committed. Nobody sees a LockError.
3. Rebuild writes a fresh folder and swaps it in while holding the old index's lock (changes meanwhile
   stay queued and are applied to the new index); check compares database and index.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from whoosh.index import LockError

from catalog import search_engine
from catalog.search import get_spec, registered
from catalog.search_models import SearchQueue
from marketplace.config import env_flag
from marketplace.db import atomic
from marketplace.extensions import db

log = logging.getLogger(__name__)

FLAG = "search_queued"
BATCH = 500
#: A rebuild of at least this many documents analyses them in several processes (Whoosh's MpWriter).
MULTIPROCESS_FROM = 20_000
#: Seconds a committer waits for a busy writer before leaving its change to the background retry
#: (config SEARCH_WRITE_WAIT). An index commit takes tens of milliseconds, so this is rarely reached.
WRITE_WAIT = 2.0
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)


def handle_for(name: str, app: Flask | None = None) -> search_engine.IndexHandle:
    app = app or current_app
    return search_engine.open_index(get_spec(name), app.config["SEARCH_INDEX_DIR"])


# --- queueing (rows are added by catalog.search.notify_changed and by the session events) --------

def _after_flush(session: Session, _flush_context) -> None:
    if not has_app_context() or "search" not in current_app.extensions:
        return
    specs = [s for s in registered().values() if s.watches]
    rows: set[tuple[str, str]] = set()
    queued_directly = False
    conn = None
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, SearchQueue):
            queued_directly = True
            continue
        for spec in specs:
            for cls, ids_for in spec.watches.items():
                if isinstance(obj, cls):
                    conn = conn or session.connection()
                    rows.update((spec.name, str(i)) for i in ids_for(conn, obj) if i is not None)
    if rows:
        now = dt.datetime.now(dt.UTC)
        session.connection().execute(SearchQueue.__table__.insert(), [
            {"index_name": n, "object_id": i, "enqueued_at": now} for n, i in sorted(rows)])
    if rows or queued_directly:
        session.info[FLAG] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(FLAG, False) and has_app_context() and "search" in current_app.extensions:
        drain_after_commit(current_app._get_current_object())


def _after_rollback(session: Session) -> None:
    session.info.pop(FLAG, None)


_installed = False
#: database URI -> the latest app initialised for it (background retries of older apps stop)
_serving: dict[str, Flask] = {}


def _install_events() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    _installed = True


# --- draining --------------------------------------------------------------------------------

def drain_after_commit(app: Flask) -> None:
    """Apply the queue now, in a fresh app context (the caller's session has just committed)."""
    try:
        with app.app_context():
            drain(app, wait=app.config.get("SEARCH_WRITE_WAIT", WRITE_WAIT))
    except Exception:  # the user's change is committed and queued; the next drain or check applies it
        log.exception("search: draining the queue failed; it stays queued")


def _pending_names() -> list[str]:
    names = db.session.scalars(sa.select(SearchQueue.index_name).distinct()).all()
    db.session.rollback()
    return [n for n in names if n in registered()]


def drain(app: Flask | None = None, names: list[str] | None = None, max_rounds: int = 1000,
          wait: float = 0.0) -> int:
    """Apply queued changes while this process can get the writer. Returns how many objects it applied.

    When another writer holds the index, wait up to ``wait`` seconds (once) for it: the holder
    applies what is queued, or we do, so the caller's own change is in the index when the call
    returns (read-your-writes). Past that, a background retry takes over.
    """
    app = app or current_app._get_current_object()
    done = 0
    for name in names or _pending_names():
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
                _schedule_retry(app, name)
                break
    return done


def _queued(name: str, limit: int = BATCH) -> list[tuple[int, str]]:
    rows = db.session.execute(sa.select(SearchQueue.id, SearchQueue.object_id)
                              .where(SearchQueue.index_name == name)
                              .order_by(SearchQueue.id).limit(limit)).all()
    db.session.rollback()  # end the read transaction: the next look must see new commits
    return [tuple(r) for r in rows]


def _drain_once(app: Flask, name: str, writer_timeout: float = 0.0) -> tuple[str, int]:
    if not _queued(name, 1):
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
    try:
        try:
            if handle.current_path() != path:  # a rebuild swapped folders meanwhile: start again
                writer.cancel()
                return "again", 0
            rows = _queued(name)
            if not rows:
                writer.cancel()
                return "empty", 0
            spec = handle.spec
            keys = list(dict.fromkeys(obj_id for _id, obj_id in rows))
            ids = [spec.id_type(k) for k in keys]
            docs = dict(spec.load_documents(ids))
            db.session.rollback()
            handle.write(writer, ((i, docs.get(i)) for i in ids))
            writer.commit()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        with atomic():
            db.session.execute(sa.delete(SearchQueue).where(SearchQueue.id.in_([r[0] for r in rows])))
    finally:
        if lock is not None:
            lock.release()
    return "done", len(ids)


def _schedule_retry(app: Flask, name: str) -> None:
    """In the background, keep trying until the queue is empty (covers a holder that just finished)."""
    def run():
        for delay in RETRY_DELAYS:
            time.sleep(delay)
            if _serving.get(app.config["SQLALCHEMY_DATABASE_URI"]) is not app:
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
    return not _queued(name, 1)


# --- rebuild and check -----------------------------------------------------------------------

def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def rebuild(name: str, progress: Callable[[int], None] | None = None, lock_timeout: float = 60.0) -> int:
    """Build index ``name`` from the database into a fresh folder and swap it in. Returns the doc count."""
    handle = handle_for(name)
    spec = handle.spec
    old_path = handle.current_path()
    old_writer = handle.writer(old_path, timeout=lock_timeout)  # changes meanwhile stay queued
    try:
        new_path = handle.new_folder()
        ids = list(spec.all_ids())
        db.session.rollback()
        procs = min(os.cpu_count() or 1, 4) if len(ids) >= MULTIPROCESS_FROM else 1
        parallel = {"procs": procs, "limitmb": 128, "multisegment": False} if procs > 1 else {}
        writer = handle.writer(new_path, timeout=lock_timeout, **parallel)
        count = 0
        try:
            for chunk in _chunks(ids, BATCH):
                pairs = [(i, d) for i, d in spec.load_documents(chunk) if d is not None]
                db.session.rollback()
                names = set(writer.schema.names())
                for key, doc in pairs:
                    writer.add_document(**{k: v for k, v in search_engine.to_whoosh(spec, key, doc).items()
                                           if k in names})
                count += len(pairs)
                if progress:
                    progress(len(chunk))
            writer.commit(optimize=True)
        except BaseException:
            writer.cancel()
            raise
        handle.swap(new_path)
    finally:
        old_writer.cancel()
    wait_until_drained(name)
    _remove_old_generations(handle, keep={new_path, old_path})
    return count


def _remove_old_generations(handle: search_engine.IndexHandle, keep: set[str]) -> None:
    base = handle.base_dir
    prefix = handle.spec.name + "."
    for entry in os.listdir(base):
        path = os.path.join(base, entry)
        if entry.startswith(prefix) and os.path.isdir(path) and not os.path.islink(path) and path not in keep:
            shutil.rmtree(path, ignore_errors=True)


@dataclass
class CheckReport:
    name: str
    missing: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    fixed: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def signature(spec, key, doc: dict) -> str:
    return search_engine.to_whoosh(spec, key, doc)[search_engine.SIG]


def check(name: str, fix: bool = False, progress: Callable[[int], None] | None = None) -> CheckReport:
    """Compare the database with the index: missing, stale (different content) and extra documents."""
    handle = handle_for(name)
    spec = handle.spec
    report = CheckReport(name)
    indexed = {key: fields.get(search_engine.SIG) for key, fields in handle.stored_keys().items()}
    ids = list(spec.all_ids())
    db.session.rollback()
    expected: set[str] = set()
    for chunk in _chunks(ids, BATCH):
        for obj_id, doc in spec.load_documents(chunk):
            if doc is None:
                continue
            key = str(obj_id)
            expected.add(key)
            if key not in indexed:
                report.missing.append(obj_id)
            elif indexed[key] != signature(spec, key, doc):
                report.stale.append(obj_id)
        db.session.rollback()
        if progress:
            progress(len(chunk))
    report.extra = sorted((spec.id_type(k) for k in set(indexed) - expected), key=str)
    if fix and not report.ok:
        with atomic():  # the after-commit drain applies them ...
            for obj_id in chain(report.missing, report.stale, report.extra):
                db.session.add(SearchQueue(index_name=name, object_id=str(obj_id)))
        wait_until_drained(name)  # ... or, if another process holds the writer, we wait for it
        report.fixed = True
    return report


def init_search(app: Flask) -> None:
    """Install the queue's session events and the health check, load jieba once (the catalogue
    registers its products index itself, before this)."""
    from catalog.search_text import init_jieba
    from marketplace.health import register_check

    app.extensions["search"] = True
    register_check(app, "search", check_indexes)
    _serving[app.config["SQLALCHEMY_DATABASE_URI"]] = app
    _install_events()
    init_jieba(app.config.get("DATA_DIR"))
    if app.config.get("SEARCH_WARM_UP", not app.testing and env_flag("MARKETPLACE_SEARCH_WARM_UP", True)):
        threading.Thread(target=warm_up, args=(app,), name="search-warm-up", daemon=True).start()


def check_indexes() -> dict:
    """/healthz: every registered index opens and answers a document count."""
    base = current_app.config["SEARCH_INDEX_DIR"]
    if not os.path.isdir(base):
        return {"ok": False, "error": "index folder missing"}
    counts = {}
    for name, spec in registered().items():
        link = os.path.join(base, name)
        if not os.path.lexists(link) or not os.path.isdir(link):
            return {"ok": False, "error": f"index {name} missing"}
        counts[name] = search_engine.open_index(spec, base).doc_count()
    return {"ok": True, "indexes": counts}


def warm_up(app: Flask) -> None:
    """Build the per-segment caches (filter bitmaps, columns, sort orders) before the first buyer
    needs them: about 2.5 s of CPU at 100,000 products, once per process."""
    from catalog import search_query

    try:
        with app.app_context():
            for name in registered():
                if os.path.lexists(os.path.join(app.config["SEARCH_INDEX_DIR"], name)):
                    handle = handle_for(name, app)
                    search_query.warm(handle.spec, handle.searcher())
                    handle.close()
    except Exception:  # warming is an optimisation only
        log.exception("search: warm-up failed")
