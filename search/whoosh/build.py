"""The whoosh backend's rebuild (a fresh folder swapped in) and check (index against database)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from itertools import chain

from flask import current_app

from marketplace.db import atomic
from marketplace.extensions import db
from search.checking import chunks, compare
from search.models import SearchQueue
from search.spec import CheckReport
from search.whoosh import engine as search_engine
from search.whoosh.writer import BATCH, handle_for, node_of, wait_until_drained

#: A rebuild of at least this many documents analyses them in several processes (Whoosh's MpWriter).
MULTIPROCESS_FROM = 20_000


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
            for chunk in chunks(ids, BATCH):
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
