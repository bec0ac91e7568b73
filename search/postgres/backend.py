"""PostgresBackend: documents in a PostgreSQL table, written in the changing transaction.

Changes handed over by search.tracking (or notify_changed) are collected per session and, just
before the session commits, the documents are re-read and written in that same transaction
(search.postgres.writer): a commit carries its search documents, a rollback drops them, and any
other process or machine finds the change as soon as the commit returns. Queries are SQL
(search.postgres.query).
"""

from __future__ import annotations

import math
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
from search.models import RUM_INDEX, SearchDocument, SearchWord
from search.postgres import query, writer
from search.spec import CheckReport, Hits, IndexSpec, get_spec

#: session.info key: {index name: {object ids}} changed in the open transaction
PENDING = "search_pending"
#: session.info key: index names whose documents the open transaction wrote (their totals are forgotten)
WRITTEN = "search_written"
#: Rounds of (flush, write) before a commit: writing documents reads the database, which may flush
#: more changes; they settle in one or two.
MAX_ROUNDS = 10
#: Document counts kept per process (search.postgres.backend: idf).
MAX_COUNTS = 20_000
#: Seconds between two looks for the RUM index (created by migration 0041 where the extension exists).
RUM_RECHECK = 300


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
        #: Read the top of a ranking from the RUM index when the database has it (search.models.RUM_INDEX):
        #: None until looked up (again after RUM_RECHECK seconds); SEARCH_RUM=False never uses it.
        self.use_rum = bool(app.config.get("SEARCH_RUM", True))
        self._rum: tuple[bool, float] | None = None
        #: (index name, statement, parameters) -> (total, monotonic time counted), as the counts above;
        #: this process's own writes to an index forget its totals.
        self._totals: OrderedDict[tuple, tuple[int, float]] = OrderedDict()

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

    def has_rum(self) -> bool:
        """Whether the RUM index exists (looked up once, then every RUM_RECHECK seconds)."""
        if not self.use_rum:
            return False
        now = time.monotonic()
        if self._rum is None or now - self._rum[1] > RUM_RECHECK:
            found = db.session.scalar(sa.text("SELECT 1 FROM pg_indexes WHERE tablename = 'search_documents' "
                                              "AND indexname = :name"), {"name": RUM_INDEX})
            self._rum = (bool(found), now)
        return self._rum[0]

    def _top_tier(self, spec: IndexSpec, words: list[query.Word], idfs: list[float], filters, ranges,
                  limit: int, require_all: bool = True) -> list | None:
        """The first ``limit`` documents of the ranking from its top tier, or None when that is not
        known to be them (no RUM index, the tier holds fewer, another tier scores the same)."""
        if not self.has_rum():
            return None
        candidates, bound = query.tiers(words, idfs, require_all)
        for n, tier in enumerate(candidates):
            if tier.score <= bound + 1e-9:
                return None  # a document outside the tiers tried may score as much
            sql, params = query.tier_statement(spec, tier, filters=filters, ranges=ranges, limit=limit)
            rows = db.session.execute(sa.text(sql), params).all()
            if rows:
                tied = any(t.score >= tier.score - 1e-9 for t in candidates[n + 1:])
                return rows if len(rows) == limit and not tied else None
        return None

    def total(self, spec: IndexSpec, words: list[query.Word], filters, ranges, require_all: bool = True) -> int:
        """How many documents match every group and the filters: a single group's count is its idf's
        (counted for the idf just now, or within SEARCH_COUNT_TTL); others are counted and kept as long."""
        if len(words) == 1 and not filters and not ranges:
            found = self._cached((spec.name, words[0].match))
            if found is not None:
                return found
        sql, params = query.total_statement(spec, words, filters=filters, ranges=ranges, require_all=require_all)
        key = (spec.name, sql, tuple(sorted((k, str(v)) for k, v in params.items())))
        with self._counts_lock:
            found = self._totals.get(key)
            if found is not None and time.monotonic() - found[1] <= self.count_ttl:
                self._totals.move_to_end(key)
                return found[0]
        count = db.session.execute(sa.text(sql), params).scalar() or 0
        with self._counts_lock:
            self._totals[key] = (count, time.monotonic())
            while len(self._totals) > MAX_COUNTS:
                self._totals.popitem(last=False)
        return count

    def forget_totals(self, names) -> None:
        """Drop the kept totals and counts of these indexes (this process just wrote to them)."""
        with self._counts_lock:
            for cache in (self._totals, self._counts):
                for key in [k for k in cache if k[0] in names]:
                    del cache[key]

    def run(self, spec: IndexSpec, parsed, *, filters, ranges, facets, sort, limit, offset, prefer=()) -> Hits:
        args = {"filters": filters, "ranges": ranges, "facets": facets, "sort": sort, "limit": limit,
                "offset": offset, "facet_sample": self.facet_sample, "prefer": tuple(prefer)}
        if not parsed.words:
            return self._search(spec, [], [], **args)
        vocabulary = self.vocabulary(spec.name)
        words = query.compile_query(spec, expand_query(parsed, vocabulary))
        hits = self._search(spec, words, self.idfs(spec, words), **args)
        if words and not hits.total:
            # nothing: read slips of the pinyin keyboard (one letter off, a homophone), then any word
            fuzzy = query.compile_query(spec, expand_query(parsed, vocabulary, fuzzy=True))
            idfs = self.idfs(spec, fuzzy)
            if fuzzy != words:  # no slip read: the same statement would find nothing again
                hits = self._search(spec, fuzzy, idfs, **args)
            words = fuzzy
            if len(words) > 1 and not hits.total:
                hits = self._search(spec, words, idfs, require_all=False, **args)
                hits.partial = hits.total > 0
        return hits

    def _search(self, spec: IndexSpec, words: list[query.Word], idfs: list[float], require_all: bool = True,
                **args) -> Hits:
        """The quick statements when they answer, else the full one."""
        hits = self._quick(spec, words, idfs, require_all, **args)
        return hits if hits is not None else self._run(spec, words, require_all=require_all, idfs=idfs, **args)

    def _quick(self, spec: IndexSpec, words: list[query.Word], idfs: list[float], require_all: bool, *, filters,
               ranges, facets, sort, limit, offset, facet_sample, prefer) -> Hits | None:
        """Many matches, without visiting each: the total from a kept count, the facets counted over a
        sample of hash buckets (scaled, marked as estimates), the page by relevance from the top tier
        of the ranking through the RUM index when that tier fills it (the page the full ranking gives:
        search.postgres.query.tiers), newest first by its own statement (the "newest" index walks only
        as far as the page). None: the full statement answers (few matches, in stock first, no RUM
        index, a short top tier, a sort by a number)."""
        if prefer or limit <= offset or not facet_sample:
            return None
        total = self.total(spec, words, filters, ranges, require_all)
        if total <= facet_sample:
            # few matches: the full statement is cheap, its facets exact, and it never trusts a kept
            # count of none (a document another machine just saved is found at once)
            return None
        if words and sort == "relevance":
            page = self._top_tier(spec, words, idfs, filters, ranges, limit, require_all)
            if page is None:
                return None
        elif sort not in ("newest", "relevance"):
            return None  # a sort without an index visits every match: the full statement does it once
        else:
            sql, params = query.page_statement(spec, words, filters=filters, ranges=ranges, sort=sort,
                                               limit=limit, offset=0, require_all=require_all)
            page = db.session.execute(sa.text(sql), params).all()
        hits = Hits(total=total, page=[(value, stored or {}) for value, stored in page[offset:limit]])
        buckets = min(query.BUCKETS, max(1, math.ceil(query.BUCKETS * facet_sample / total)))
        sql, params = query.sample_statement(spec, words, filters=filters, ranges=ranges, buckets=buckets,
                                             require_all=require_all)
        counts, sampled = {}, 0
        for kind, value, n in db.session.execute(sa.text(sql), params):
            if kind == "s":
                sampled = n
            else:
                field, _, facet_value = value.partition("=")
                if field in facets:
                    counts.setdefault(field, []).append((facet_value, n))
        if buckets < query.BUCKETS:
            hits.facets_estimated = True
            counts = {name: [(v, max(1, round(c * total / max(sampled, 1)))) for v, c in pairs]
                      for name, pairs in counts.items()}
        hits.facets = {name: sorted(counts.get(name, []), key=lambda kv: (-kv[1], kv[0])) for name in facets}
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
            session.info.setdefault(WRITTEN, set()).update(pending)
            for name, keys in pending.items():
                writer.write_documents(session, get_spec(name), keys)
        raise RuntimeError("search: writing documents kept changing the database")

    def committed(self, session: Session) -> None:
        session.info.pop(PENDING, None)
        self.forget_totals(session.info.pop(WRITTEN, ()))

    def rolled_back(self, session: Session) -> None:
        session.info.pop(PENDING, None)
        session.info.pop(WRITTEN, None)

    # --- maintenance -------------------------------------------------------------------------
    def rebuild(self, name: str, progress: Callable[[int], None] | None = None) -> int:
        with self._counts_lock:
            self._counts.clear()
            self._totals.clear()
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
