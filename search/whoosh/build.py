"""The whoosh backend's rebuild (a fresh folder swapped in) and check (index against database)."""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import shutil
import time
import traceback
from collections.abc import Callable
from itertools import chain

from flask import current_app
from whoosh import index as whoosh_index

from marketplace.db import atomic
from marketplace.extensions import db
from search.analysis import word_pinyin
from search.checking import chunks, compare
from search.models import SearchQueue
from search.spec import CheckReport
from search.whoosh import engine as search_engine
from search.whoosh.bulk import BulkSegmentWriter
from search.whoosh.writer import BATCH, handle_for, node_of, wait_until_drained

#: A rebuild of at least this many documents is split between several processes, each writing
#: its own segment from a slice of the ids (the searcher reads a multi-segment index as one).
MULTIPROCESS_FROM = 20_000
MAX_PROCS = 4
#: A writer process that sends nothing (no progress, no result) for this long is taken for stuck
#: (a fork can inherit a lock another thread of the parent held at that instant) and the rebuild
#: goes on in this process instead. Overridden by ``SEARCH_REBUILD_STALL_SECONDS``.
STALL_SECONDS = 120.0


class WritersStalled(RuntimeError):
    """The forked writers stopped answering; the caller rebuilds in one process instead."""


def rebuild(name: str, progress: Callable[[int], None] | None = None, lock_timeout: float = 60.0,
            procs: int | None = None) -> int:
    """Build index ``name`` from the database into a fresh folder and swap it in. Returns the doc count.

    The ids are cut into ``procs`` consecutive slices (default: one per core, up to MAX_PROCS, from
    MULTIPROCESS_FROM documents); each slice becomes one segment, written by its own process with
    the bulk writer (search.whoosh.bulk), and the new index is those segments in id order: the
    same documents, numbered as a one-process build numbers them, with the same terms.
    """
    handle = handle_for(name)
    spec = handle.spec
    old_path = handle.current_path()
    old_writer = handle.writer(old_path, timeout=lock_timeout)  # changes meanwhile stay queued
    try:
        new_path = handle.new_folder()
        ids = list(spec.all_ids())
        db.session.rollback()
        if procs is None:
            procs = min(os.cpu_count() or 1, MAX_PROCS) if len(ids) >= MULTIPROCESS_FROM else 1
        procs = max(1, min(procs, len(ids) or 1))
        writer = handle.writer(new_path, timeout=lock_timeout)  # the new index's lock, held to the end
        try:
            built = None
            if procs > 1:
                try:
                    built = _parallel_segments(handle, new_path, ids, procs, progress)
                except WritersStalled as stalled:
                    current_app.logger.warning("%s; rebuilding %s in one process", stalled, name)
            if built is None:  # the killed writers' files are not in the TOC: _commit_toc removes them
                built = [write_segment(handle, new_path, ids, progress)]
            writer._close_segment()  # this writer's own segment stays empty: the TOC lists the built ones
            writer._commit_toc([segment for segment, _count in built if segment is not None])
            writer._finish()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        handle.swap(new_path)
    finally:
        old_writer.cancel()
    wait_until_drained(name)
    _remove_old_generations(handle, keep={new_path, old_path})
    return sum(count for _segment, count in built)


def write_segment(handle: search_engine.IndexHandle, path: str, ids: list,
                  progress: Callable[[int], None] | None = None) -> tuple[object | None, int]:
    """Write the documents of ``ids`` (those the database still has) as one new segment of the index
    in ``path``, without committing it. Returns (the segment or None when empty, its document count)."""
    spec = handle.spec
    writer = BulkSegmentWriter(whoosh_index.open_dir(path), _lk=False, **search_engine.WRITER_OPTIONS)
    try:
        names = set(writer.schema.names())
        count = 0
        for chunk in chunks(ids, BATCH):
            for key, doc in spec.load_documents(chunk):
                if doc is not None:
                    writer.add_document(**{k: v for k, v in search_engine.to_whoosh(spec, key, doc).items()
                                           if k in names})
                    count += 1
            db.session.rollback()
            if progress:
                progress(len(chunk))
        if not count:
            writer._close_segment()
            return None, 0
        return writer._finalize_segment(), count
    except BaseException:
        if not writer.is_closed:
            writer._close_segment()
        raise


def _parallel_segments(handle, path: str, ids: list, procs: int,
                       progress: Callable[[int], None] | None) -> list[tuple[object | None, int]]:
    """``write_segment`` for ``procs`` consecutive slices of ``ids``, each in a forked process."""
    app = current_app._get_current_object()
    word_pinyin("中")  # load pypinyin here once: the forked writers share it
    size = -(-len(ids) // procs)
    slices = [ids[i:i + size] for i in range(0, len(ids), size)]
    ctx = multiprocessing.get_context("fork")
    messages = ctx.Queue()
    workers = [ctx.Process(target=_segment_process, args=(app, handle, path, part, n, messages),
                           name=f"search-rebuild-{handle.spec.name}-{n}", daemon=True)
               for n, part in enumerate(slices)]
    for worker in workers:
        worker.start()
    stall = float(current_app.config.get("SEARCH_REBUILD_STALL_SECONDS") or STALL_SECONDS)
    results: dict[int, tuple[object | None, int]] = {}
    heard = time.monotonic()
    try:
        while len(results) < len(workers):
            try:
                message = messages.get(timeout=min(1.0, stall))
            except queue_module.Empty:
                dead = [w for w in workers if w.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"search rebuild: {dead[0].name} exited with code "
                                       f"{dead[0].exitcode}") from None
                if time.monotonic() - heard > stall:
                    raise WritersStalled(f"search rebuild: no word from the writer processes for "
                                         f"{stall:.0f} s") from None
                continue
            heard = time.monotonic()
            kind, n, payload = message
            if kind == "progress":
                if progress:
                    progress(payload)
            elif kind == "done":
                results[n] = payload
            else:
                raise RuntimeError(f"search rebuild: {workers[n].name} failed:\n{payload}")
        for worker in workers:
            worker.join()
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
                worker.join(5)
            if worker.is_alive():  # a forked child keeps the parent's signal handlers: SIGTERM may not end it
                worker.kill()
                worker.join()
    return [results[n] for n in range(len(workers))]


def _segment_process(app, handle, path: str, ids: list, n: int, messages) -> None:
    """A forked writer: its own database connections, one segment of ``ids``."""
    try:
        for engine in db.engines.values():
            engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        with app.app_context():
            result = write_segment(handle, path, ids, lambda done: messages.put(("progress", n, done)))
        messages.put(("done", n, result))
    except BaseException:
        messages.put(("error", n, traceback.format_exc()))
        raise


def _remove_old_generations(handle: search_engine.IndexHandle, keep: set[str]) -> None:
    base = handle.base_dir
    prefix = handle.spec.name + "."
    for entry in os.listdir(base):
        path = os.path.join(base, entry)
        if entry.startswith(prefix) and os.path.isdir(path) and not os.path.islink(path) and path not in keep:
            shutil.rmtree(path, ignore_errors=True)


def signature(spec, key, doc: dict) -> str:
    return search_engine.to_whoosh(spec, key, doc)[search_engine.SIG]


def check(name: str, fix: bool = False, progress: Callable[[int], None] | None = None) -> CheckReport:
    """Compare the database with the index: missing, stale (different content) and extra documents."""
    handle = handle_for(name)
    spec = handle.spec
    indexed = {key: fields.get(search_engine.SIG) for key, fields in handle.stored_keys().items()}
    report = compare(spec, indexed, lambda key, doc: signature(spec, key, doc), progress)
    if fix and not report.ok:
        with atomic():  # the after-commit drain applies them ...
            for obj_id in chain(report.missing, report.stale, report.extra):
                db.session.add(SearchQueue(node=node_of(current_app), index_name=name, object_id=str(obj_id)))
        wait_until_drained(name)  # ... or, if another process holds the writer, we wait for it
        report.fixed = True
    return report
