"""The change queue of the whoosh backend, for one machine or several.

With the whoosh backend every machine keeps its own index (a Whoosh index is a folder on a local
disk, one writer at a time). So a change is not "applied" once: it is applied when it is in *this
machine's* index. Each machine is a node (``search_nodes``: an id kept in its SEARCH_INDEX_DIR);
a change is queued once per live node, in the transaction that makes it, and each node applies
and deletes only its own rows. No node deletes a row another still needs, and a node that is
down finds its rows waiting when it comes back.

Within a node, the processes that share the index take its Whoosh writer lock in turn; on
PostgreSQL the applying process also claims its rows with ``FOR UPDATE SKIP LOCKED`` and deletes
them in the same transaction after the index commit, so two processes that (wrongly) share a node
id never apply the same row twice, and a crash leaves the rows to apply again. SQLite has one
machine and one writer at a time: there the writer lock alone orders the appliers.

Limits: a node unseen for SEARCH_NODE_EXPIRY_DAYS (7) is forgotten with its rows (the periodic job
``search.prune_nodes``); if it returns, its index has missed changes and it says so in the log:
run ``flask search check --fix`` (or ``rebuild``) there. A machine whose index folder is new is a
new node, with an empty index: build it with ``flask search rebuild`` before it serves. Changes are
re-read from the database when applied, so each index ends up with the database's state, not a
replay of the history.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from marketplace.db import utcnow
from search.models import SearchNode, SearchQueue

log = logging.getLogger(__name__)

NODE_FILE = "node-id"
#: A node's last-seen time is refreshed at most this often.
HEARTBEAT = dt.timedelta(minutes=10)
DEFAULT_EXPIRY_DAYS = 7


def node_id(app: Flask) -> str:
    """This machine's node: SEARCH_NODE, else an id generated once and kept in SEARCH_INDEX_DIR (so
    the processes that share that folder are one node)."""
    if app.config.get("SEARCH_NODE"):
        return str(app.config["SEARCH_NODE"])[:64]
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NODE_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(uuid.uuid4().hex)
    return path.read_text().strip()


def label(app: Flask) -> str:
    return f"{socket.gethostname()}:{os.path.abspath(app.config['SEARCH_INDEX_DIR'])}"[:300]


def expiry(app: Flask) -> dt.timedelta:
    return dt.timedelta(days=float(app.config.get("SEARCH_NODE_EXPIRY_DAYS", DEFAULT_EXPIRY_DAYS)))


def live_nodes(connection, app: Flask) -> list[str]:
    """Nodes seen within the expiry: each gets its own row of every change."""
    table = SearchNode.__table__
    since = utcnow() - expiry(app)
    return list(connection.execute(sa.select(table.c.node).where(table.c.seen_at >= since)).scalars())


def register(connection, app: Flask, node: str) -> bool:
    """Add this node, or mark it seen. Returns True when it was not registered (new, or forgotten)."""
    table = SearchNode.__table__
    now = utcnow()
    seen = connection.execute(sa.select(table.c.seen_at).where(table.c.node == node)).scalar()
    if seen is None:
        insert = _insert(connection).values(node=node, label=label(app), registered_at=now, seen_at=now)
        connection.execute(insert.on_conflict_do_nothing(index_elements=["node"]))
        return True
    if _aware(seen) < now - HEARTBEAT:
        connection.execute(sa.update(table).where(table.c.node == node).values(seen_at=now, label=label(app)))
    return False


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _insert(connection):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(SearchNode.__table__)


def enqueue(connection, app: Flask, node: str, name: str, keys: set[str]) -> set[str]:
    """Queue ``keys`` of index ``name`` for every live node (this one always), in the caller's
    transaction. Returns the nodes it queued them for."""
    nodes = set(live_nodes(connection, app))
    if node not in nodes:
        register(connection, app, node)
        nodes.add(node)
    now = dt.datetime.now(dt.UTC)
    connection.execute(SearchQueue.__table__.insert(), [
        {"node": n, "index_name": name, "object_id": key, "enqueued_at": now}
        for n in sorted(nodes) for key in sorted(keys)])
    return nodes


def pending_query(node: str, name: str | None = None):
    q = SearchQueue.__table__
    stmt = sa.select(q.c.id, q.c.object_id).where(q.c.node == node)
    return stmt.where(q.c.index_name == name) if name else stmt


def pending_names(connection, node: str) -> list[str]:
    q = SearchQueue.__table__
    return list(connection.execute(sa.select(q.c.index_name).where(q.c.node == node).distinct()).scalars())


def claim(session, node: str, name: str, limit: int) -> list[tuple[int, str]]:
    """The oldest ``limit`` rows of this node and index. On PostgreSQL they stay locked until the
    transaction ends, and rows another process holds are skipped."""
    stmt = pending_query(node, name).order_by(SearchQueue.__table__.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [tuple(r) for r in session.execute(stmt).all()]


def delete(session, ids: list[int]) -> None:
    session.execute(sa.delete(SearchQueue.__table__).where(SearchQueue.__table__.c.id.in_(ids)))


def prune(app: Flask, session) -> list[str]:
    """Forget nodes unseen past the expiry, with their rows. Returns the nodes that went."""
    table, q = SearchNode.__table__, SearchQueue.__table__
    since = utcnow() - expiry(app)
    gone = list(session.execute(sa.select(table.c.node).where(table.c.seen_at < since)).scalars())
    if gone:
        session.execute(sa.delete(q).where(q.c.node.in_(gone)))
        session.execute(sa.delete(table).where(table.c.node.in_(gone)))
        log.warning("search: forgot nodes unseen for %s: %s", expiry(app), ", ".join(gone))
    return gone
