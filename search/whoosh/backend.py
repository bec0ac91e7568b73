"""WhooshBackend: the embedded engine behind the Backend interface (SEARCH_BACKEND=whoosh, the default).

Changes are queued in the caller's transaction and applied after the commit by whoever gets the
index's writer (search.whoosh.writer); rebuild and check are in search.whoosh.build; queries are
evaluated on per-segment bitmaps (search.whoosh.query).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from marketplace.db import atomic
from marketplace.extensions import db
from search import queue
from search.backend import Backend
from search.models import SearchQueue
from search.spec import CheckReport, Hits, IndexSpec, registered
from search.whoosh import build, node_jobs, writer
from search.whoosh import engine as search_engine

log = logging.getLogger(__name__)

#: session.info key: this transaction queued changes (drain after its commit)
FLAG = "search_queued"
#: session.info key: the nodes it queued them for (JOBS_BACKEND=rq: each other node gets a job)
NODES = "search_queued_nodes"


class WhooshBackend(Backend):
    name = "whoosh"

    def __init__(self, app: Flask):
        super().__init__(app)
        self._node: str | None = None
        #: monotonic time this process last registered the node or marked it seen
        self._seen = -1e9
        app.before_request(self._heartbeat)
        from marketplace.jobs import register_job

        register_job(app, "search.prune_nodes", self.prune_nodes, every=timedelta(hours=1))
        node_jobs.register(app, lambda: self.node)

    @property
    def node(self) -> str:
        """This machine's node (search.queue): its own index, its own rows of every change."""
        if self._node is None:
            self._node = queue.node_id(self.app)
            writer.serving[(self.app.config["SQLALCHEMY_DATABASE_URI"], self._node)] = self.app
        return self._node

    def _heartbeat(self) -> None:
        """Register this node on its first request, then mark it seen now and then, so other nodes
        queue their changes for it (a node that only reads would otherwise never be known)."""
        if time.monotonic() - self._seen < queue.HEARTBEAT.total_seconds():
            return
        self._seen = time.monotonic()
        try:
            with atomic():
                new = queue.register(db.session.connection(), self.app, self.node)
        except sa.exc.SQLAlchemyError:  # never fail a request for this; the next one tries again
            log.exception("search: could not register node %s", self.node)
            self._seen = -1e9
            return
        if new and self._has_documents():
            log.warning("search: node %s was not known to the database (new, or forgotten after %s unseen) "
                        "but its index holds documents: it may have missed changes; run 'flask search check "
                        "--fix' on this machine", self.node, queue.expiry(self.app))

    def _has_documents(self) -> bool:
        base = self.app.config["SEARCH_INDEX_DIR"]
        for name, spec in registered().items():
            if os.path.lexists(os.path.join(base, name)) and search_engine.open_index(spec, base).doc_count():
                return True
        return False

    def prune_nodes(self) -> int:
        """The periodic job: forget nodes unseen past SEARCH_NODE_EXPIRY_DAYS, with their rows."""
        with atomic():
            gone = queue.prune(self.app, db.session)
        if gone and node_jobs.enabled(self.app):
            node_jobs.forget(self.app, gone)
        return len(gone)

    def run(self, spec: IndexSpec, parsed, *, filters, ranges, facets, sort, limit, offset, prefer=()) -> Hits:
        handle = search_engine.open_index(spec, self.app.config["SEARCH_INDEX_DIR"])
        return handle.run(parsed, filters=filters, ranges=ranges, facets=facets, sort=sort, limit=limit,
                          offset=offset, prefer=prefer)

    # --- changes: a queue row each, in the caller's transaction; applied after the commit ---------
    def changed(self, session: Session, name: str, keys: set[str]) -> None:
        nodes = queue.enqueue(session.connection(), self.app, self.node, name, keys)
        session.info[FLAG] = True
        session.info.setdefault(NODES, set()).update(nodes)

    def committed(self, session: Session) -> None:
        nodes = session.info.pop(NODES, set())
        if session.info.pop(FLAG, False):
            self._seen = time.monotonic()  # the commit registered this node, or saw it live
            if node_jobs.enabled(self.app):
                node_jobs.after_commit(self.app, self.node, nodes)
            else:
                writer.drain_after_commit(self.app)

    def rolled_back(self, session: Session) -> None:
        session.info.pop(FLAG, None)
        session.info.pop(NODES, None)

    # --- maintenance -------------------------------------------------------------------------
    def rebuild(self, name: str, progress: Callable[[int], None] | None = None) -> int:
        return build.rebuild(name, progress=progress)

    def check(self, name: str, fix: bool = False, progress: Callable[[int], None] | None = None) -> CheckReport:
        return build.check(name, fix=fix, progress=progress)

    def health(self) -> dict:
        """Every registered index opens and answers a document count."""
        base = self.app.config["SEARCH_INDEX_DIR"]
        if not os.path.isdir(base):
            return {"ok": False, "error": "index folder missing"}
        counts = {}
        for name, spec in registered().items():
            link = os.path.join(base, name)
            if not os.path.lexists(link) or not os.path.isdir(link):
                return {"ok": False, "error": f"index {name} missing"}
            counts[name] = search_engine.open_index(spec, base).doc_count()
        queued = db.session.scalar(sa.select(sa.func.count()).select_from(SearchQueue)
                                   .where(SearchQueue.node == self.node))
        db.session.rollback()
        return {"ok": True, "node": self.node, "indexes": counts, "queued": queued}

    def warm_up(self) -> None:
        """Build the per-segment caches (filter bitmaps, columns, sort orders) before the first buyer
        needs them: about 2.5 s of CPU at 100,000 products, once per process."""
        from search.whoosh import query

        try:
            with self.app.app_context():
                for name in registered():
                    if os.path.lexists(os.path.join(self.app.config["SEARCH_INDEX_DIR"], name)):
                        handle = writer.handle_for(name, self.app)
                        query.warm(handle.spec, handle.searcher())
                        handle.close()
        except Exception:  # warming is an optimisation only
            log.exception("search: warm-up failed")

    def after_fork(self) -> None:
        """The master's warm-up thread may have been inside the handle or cache locks at the fork: a
        lock held by a thread that does not exist in the child would hang the worker's first search."""
        import threading

        from search.whoosh import cache

        search_engine._handles_lock = threading.Lock()
        search_engine._handles.clear()
        cache.reset_caches()
