"""Changes reach the backend from the caller's own transaction: SQLAlchemy session events.

After each flush, the rows that changed are mapped to the documents they affect through each
spec's ``watches`` ({Model: fn(connection, obj) -> ids}) and handed to the app's backend, in the
same transaction; ``notify_changed`` does the same for a change the watches cannot see. The
backend decides what to do with them: the whoosh backend queues them and applies the queue after
the commit, the postgres backend writes the documents before the commit.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from search.spec import registered


def _backend():
    if not has_app_context():
        return None
    return current_app.extensions.get("search")


def _after_flush(session: Session, _flush_context) -> None:
    backend = _backend()
    if backend is None:
        return
    specs = [s for s in registered().values() if s.watches]
    if not specs:
        return
    changed: dict[str, set[str]] = defaultdict(set)
    conn = None
    for obj in chain(session.new, session.dirty, session.deleted):
        for spec in specs:
            for cls, ids_for in spec.watches.items():
                if isinstance(obj, cls):
                    conn = conn or session.connection()
                    changed[spec.name].update(str(i) for i in ids_for(conn, obj) if i is not None)
    for name, keys in changed.items():
        if keys:
            backend.changed(session, name, keys)


def _before_commit(session: Session) -> None:
    backend = _backend()
    if backend is not None:
        backend.committing(session)


def _after_commit(session: Session) -> None:
    backend = _backend()
    if backend is not None:
        backend.committed(session)


def _after_rollback(session: Session, previous_transaction) -> None:
    # A savepoint rolled back (begin_nested): the outer transaction's changes still commit.
    backend = _backend()
    if backend is not None and previous_transaction.parent is None:
        backend.rolled_back(session)


_installed = False


def install_events() -> None:
    """Listen on every session, once per process (each app's backend is found at event time)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed = True
