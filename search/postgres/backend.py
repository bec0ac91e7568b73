"""PostgresBackend: documents in a PostgreSQL table, written in the changing transaction.

Changes handed over by search.tracking (or notify_changed) are collected per session and, just
before the session commits, the documents are re-read and written in that same transaction
(search.postgres.writer): a commit carries its search documents, a rollback drops them, and any
other process or machine finds the change as soon as the commit returns. Queries are SQL
(search.postgres.query).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from marketplace.extensions import db
from search.backend import Backend, SearchConfigError
from search.models import SearchDocument
from search.postgres import query, writer
from search.spec import CheckReport, Hits, IndexSpec, get_spec

#: session.info key: {index name: {object ids}} changed in the open transaction
PENDING = "search_pending"
#: Rounds of (flush, write) before a commit: writing documents reads the database, which may flush
#: more changes; they settle in one or two.
MAX_ROUNDS = 10


class PostgresBackend(Backend):
    name = "postgres"

    def __init__(self, app: Flask):
        super().__init__(app)
        #: index name -> (documents, monotonic time counted): N of the idf, recounted now and then
        self._counts: dict[str, tuple[int, float]] = {}
        self.count_ttl = float(app.config.get("SEARCH_COUNT_TTL", 30))

    @classmethod
    def validate(cls, config: dict) -> None:
        url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
        if not url.startswith("postgresql"):
            scheme = url.split(":", 1)[0] or "none"
            raise SearchConfigError(
                f"SEARCH_BACKEND=postgres keeps the search documents in PostgreSQL, but DATABASE_URL is "
                f"{scheme}: set DATABASE_URL=postgresql://... or use SEARCH_BACKEND=whoosh")

    # --- queries ------------------------------------------------------------------------------
    def doc_count(self, name: str) -> int:
        cached = self._counts.get(name)
        now = time.monotonic()
        if cached is None or now - cached[1] > self.count_ttl:
            table = SearchDocument.__table__
            count = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                      .where(table.c.index_name == name)) or 0
            cached = self._counts[name] = (count, now)
        return cached[0]

    def run(self, spec: IndexSpec, parsed, *, filters, ranges, facets, sort, limit, offset) -> Hits:
        present: dict[str, bool] = {}
        asks = query.checks(spec, parsed)
        if asks:
            sql, params = query.exists_statement(spec, asks)
            present = dict(zip(asks, db.session.execute(sa.text(sql), params).one(), strict=True))
        words = query.plan(spec, parsed, present)
        args = {"doc_count": self.doc_count(spec.name) if words else 0, "filters": filters, "ranges": ranges,
                "facets": facets, "sort": sort, "limit": limit, "offset": offset}
        hits = self._run(spec, words, require_all=True, **args)
        if len(words) > 1 and not hits.total:
            hits = self._run(spec, words, require_all=False, **args)
            hits.partial = hits.total > 0
        return hits

    def _run(self, spec: IndexSpec, words, **args) -> Hits:
        sql, params = query.statement(spec, words, **args)
        hits = Hits()
        page, counts = [], {}
        for kind, value, stored, n in db.session.execute(sa.text(sql), params):
            if kind == "p":
                page.append((n, value, stored or {}))
            elif kind == "f":
                field, _, facet_value = value.partition("=")
                counts.setdefault(field, []).append((facet_value, n))
            else:
                hits.total = n
        hits.page = [(value, stored) for _n, value, stored in sorted(page)]
        hits.facets = {name: sorted(counts.get(name, []), key=lambda kv: (-kv[1], kv[0])) for name in args["facets"]}
        return hits

    # --- changes: written in the changing transaction -------------------------------------------
    def changed(self, session: Session, name: str, keys: set[str]) -> None:
        session.info.setdefault(PENDING, {}).setdefault(name, set()).update(keys)

    def committing(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint: the documents are written with the outer commit
        if session is not db.session():
            raise RuntimeError("search (postgres backend): changes to indexed objects must be committed "
                               "through db.session, whose transaction the documents are read in")
        for _round in range(MAX_ROUNDS):
            session.flush()
            pending = session.info.pop(PENDING, None)
            if not pending:
                return
            for name, keys in pending.items():
                writer.write_documents(session, get_spec(name), keys)
        raise RuntimeError("search: writing documents kept changing the database")

    def committed(self, session: Session) -> None:
        session.info.pop(PENDING, None)

    def rolled_back(self, session: Session) -> None:
        session.info.pop(PENDING, None)

    # --- maintenance -------------------------------------------------------------------------
    def rebuild(self, name: str, progress: Callable[[int], None] | None = None) -> int:
        self._counts.pop(name, None)
        return writer.rebuild(name, progress=progress)

    def check(self, name: str, fix: bool = False, progress: Callable[[int], None] | None = None) -> CheckReport:
        return writer.check(name, fix=fix, progress=progress)

    def health(self) -> dict:
        table = SearchDocument.__table__
        rows = db.session.execute(sa.select(table.c.index_name, sa.func.count()).group_by(table.c.index_name))
        counts = dict(rows.all())
        db.session.rollback()
        return {"ok": True, "backend": self.name, "indexes": counts}
