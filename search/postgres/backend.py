"""PostgresBackend: documents in a PostgreSQL table, written in the changing transaction.

Changes handed over by search.tracking (or notify_changed) are collected per session and, just
before the session commits, the documents are re-read and written in that same transaction
(search.postgres.writer): a commit carries its search documents, a rollback drops them, and any
other process or machine finds the change as soon as the commit returns. Queries are SQL
(search.postgres.query).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from marketplace.extensions import db
from search.analysis.expand import expand_query
from search.analysis.vocabulary import Vocabulary
from search.backend import Backend, SearchConfigError
from search.models import SearchDocument, SearchWord
from search.postgres import query, writer
from search.spec import CheckReport, Hits, IndexSpec, get_spec

#: session.info key: {index name: {object ids}} changed in the open transaction
PENDING = "search_pending"
#: Rounds of (flush, write) before a commit: writing documents reads the database, which may flush
#: more changes; they settle in one or two.
MAX_ROUNDS = 10
#: Document counts kept per process (search.postgres.backend: idf).
MAX_COUNTS = 20_000


class PostgresBackend(Backend):
    name = "postgres"

    def __init__(self, app: Flask):
        super().__init__(app)
        #: (index name, tsquery or "") -> (documents, monotonic time counted): the N and df of the idf.
        #: Counting a common word's documents reads thousands of rows (~15 ms at 100,000 products), and
        #: the idf barely moves in a minute, so counts are kept for SEARCH_COUNT_TTL seconds; popular
        #: words are then answered without counting, rare ones are cheap to count.
        self._counts: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()
        self._counts_lock = threading.Lock()
        self.count_ttl = float(app.config.get("SEARCH_COUNT_TTL", 60))
        #: Facets are counted over at most this many matches (then scaled, and the page says they are
        #: estimates); 0: always exact.
        self.facet_sample = int(app.config.get("SEARCH_FACET_SAMPLE", 1000))
        #: index name -> [Vocabulary, last search_words id read, when read, when read in full]
        self._vocab: dict[str, list] = {}
        self._vocab_lock = threading.Lock()
        self.vocabulary_ttl = float(app.config.get("SEARCH_VOCABULARY_TTL", 5))

    @classmethod
    def validate(cls, config: dict) -> None:
        url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
        if not url.startswith("postgresql"):
            scheme = url.split(":", 1)[0] or "none"
            raise SearchConfigError(
                f"SEARCH_BACKEND=postgres keeps the search documents in PostgreSQL, but DATABASE_URL is "
                f"{scheme}: set DATABASE_URL=postgresql://... or use SEARCH_BACKEND=whoosh")

    # --- queries ------------------------------------------------------------------------------
    def _cached(self, key: tuple[str, str]) -> int | None:
        with self._counts_lock:
            found = self._counts.get(key)
            if found is None or time.monotonic() - found[1] > self.count_ttl:
                return None
            self._counts.move_to_end(key)
            return found[0]

    def _remember(self, key: tuple[str, str], count: int) -> None:
        with self._counts_lock:
            self._counts[key] = (count, time.monotonic())
            self._counts.move_to_end(key)
            while len(self._counts) > MAX_COUNTS:
                self._counts.popitem(last=False)

    def doc_count(self, name: str) -> int:
        count = self._cached((name, ""))
        if count is None:
            table = SearchDocument.__table__
            count = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                      .where(table.c.index_name == name)) or 0
            self._remember((name, ""), count)
        return count

    def idfs(self, spec: IndexSpec, words: list[query.Word]) -> list[float]:
        """Each word's idf: ln(1 + N / (1 + documents matching it)), as the whoosh backend's."""
        if not words:
            return []
        n = self.doc_count(spec.name)
        counts = {w.match: self._cached((spec.name, w.match)) for w in words}
        missing = [match for match, count in counts.items() if count is None]
        if missing:
            sql, params = query.count_statement(spec, missing)
            for match, count in zip(missing, db.session.execute(sa.text(sql), params).one(), strict=True):
                counts[match] = count
                self._remember((spec.name, match), count)
        return [query.idf(n, counts[w.match]) for w in words]

    def vocabulary(self, name: str) -> Vocabulary:
        """The index's words by pinyin (search_words): loaded once per process, then the words added
        since are read at most every SEARCH_VOCABULARY_TTL seconds, and all of them again every ten
        such periods (a word whose transaction committed after a later one's is not missed for long)."""
        table = SearchWord.__table__
        now = time.monotonic()
        with self._vocab_lock:
            entry = self._vocab.get(name)
            if entry is not None and now - entry[2] < self.vocabulary_ttl:
                return entry[0]
            full = entry is None or now - entry[3] >= self.vocabulary_ttl * 10
            after = 0 if full else entry[1]
            rows = db.session.execute(sa.select(table.c.id, table.c.word, table.c.documents)
                                      .where(table.c.index_name == name, table.c.id > after)).all()
            last = max((r[0] for r in rows), default=after)
            found = {word: documents for _id, word, documents in rows}
            if full:
                entry = [Vocabulary(found), last, now, now]
            else:
                entry[0].add(found)
                entry[1], entry[2] = last, now
            self._vocab[name] = entry
            return entry[0]

    def run(self, spec: IndexSpec, parsed, *, filters, ranges, facets, sort, limit, offset, prefer=()) -> Hits:
        args = {"filters": filters, "ranges": ranges, "facets": facets, "sort": sort, "limit": limit,
                "offset": offset, "facet_sample": self.facet_sample, "prefer": tuple(prefer)}
        if not parsed.words:
            return self._run(spec, [], require_all=True, idfs=[], **args)
        vocabulary = self.vocabulary(spec.name)
        words = query.compile_query(spec, expand_query(parsed, vocabulary))
        hits = self._run(spec, words, require_all=True, idfs=self.idfs(spec, words), **args)
        if words and not hits.total:
            # nothing: read slips of the pinyin keyboard (one letter off, a homophone), then any word
            fuzzy = query.compile_query(spec, expand_query(parsed, vocabulary, fuzzy=True))
            idfs = self.idfs(spec, fuzzy)
            if fuzzy != words:  # no slip read: the same statement would find nothing again
                hits = self._run(spec, fuzzy, require_all=True, idfs=idfs, **args)
            words = fuzzy
            if len(words) > 1 and not hits.total:
                hits = self._run(spec, words, require_all=False, idfs=idfs, **args)
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
        sample = args["facet_sample"]
        if sample and hits.total > sample:  # counted over a sample of the matches: scale, and say so
            hits.facets_estimated = True
            counts = {name: [(v, max(1, round(c * hits.total / sample))) for v, c in pairs]
                      for name, pairs in counts.items()}
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
        with self._counts_lock:
            self._counts.clear()
        count = writer.rebuild(name, progress=progress)
        with self._vocab_lock:
            self._vocab.pop(name, None)
        return count

    def check(self, name: str, fix: bool = False, progress: Callable[[int], None] | None = None) -> CheckReport:
        return writer.check(name, fix=fix, progress=progress)

    def health(self) -> dict:
        table = SearchDocument.__table__
        rows = db.session.execute(sa.select(table.c.index_name, sa.func.count()).group_by(table.c.index_name))
        counts = dict(rows.all())
        db.session.rollback()
        return {"ok": True, "backend": self.name, "indexes": counts}
