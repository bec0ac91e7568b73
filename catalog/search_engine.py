"""Whoosh underneath the adapter: schemas, index folders, searchers, query evaluation.

An index lives in ``SEARCH_INDEX_DIR/<name>.<generation>/``; ``SEARCH_INDEX_DIR/<name>`` is a
symlink to the current generation, so a rebuild writes a fresh folder and swaps the link
atomically while searches keep reading the old one. Searchers are per thread and refreshed when
the index changed. Per-segment data (posting sets of filter values, numeric columns, presorted
orders) is cached by Whoosh's segment id, which never changes while a segment exists: a write
only adds a small segment, so caches survive it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import logging
import math
import os
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang.porter import stem

from catalog.search_text import ParsedQuery, QueryWord, chinese_analyzer, pinyin_text, sub_terms

log = logging.getLogger(__name__)

KEY = "id"
LEN = "z_len"
#: The object id as a number (ties in every sort are broken by it, newest id first).
OID = "z_id"
#: Stored fingerprint of the indexed content (``search check`` compares it with the database).
SIG = "z_sig"
PY, PI = "__py", "__pi"
#: Pinyin fields weigh a little less than the Chinese text they come from.
PINYIN_WEIGHT = 0.8
#: Above this many candidates, sorted pages are picked by walking a presorted order.
PRESORT_THRESHOLD = 3000
MAX_PREFIX_TERMS = 64


def keyword_value(value) -> str:
    if isinstance(value, Enum):
        value = value.value
    return str(value).replace(",", " ").strip()


def numeric_value(value) -> int:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return int(value.timestamp())
    if isinstance(value, bool):
        return int(value)
    return int(value)


def build_schema(spec) -> Schema:
    # Numbers are columns only (no terms): ranges and sorts read the columns, which keeps both the
    # index and its build small. Keyword fields are "scorable" only so Whoosh keeps a length column
    # for them (without one it checks for the file on every posting while writing a segment).
    fields: dict = {KEY: ID(stored=True, unique=True), LEN: _number(), OID: _number(), SIG: STORED()}
    plain = StandardAnalyzer(minsize=1, stoplist=None)
    for name in spec.text_fields:
        fields[name] = TEXT(analyzer=chinese_analyzer(), phrase=False, stored=name in spec.highlighted)
    for name in spec.highlighted:
        fields.setdefault(name, STORED())
    for name in spec.pinyin_fields:
        fields[name + PY] = TEXT(analyzer=plain, phrase=False)
        fields[name + PI] = TEXT(analyzer=plain, phrase=False)
    for name in (*spec.keyword_fields, *spec.bool_fields):
        fields[name] = KEYWORD(commas=True, scorable=True, lowercase=False)
    for name in (*spec.numeric_fields, *spec.date_fields):
        fields[name] = _number()
    return Schema(**fields)


def _number() -> COLUMN:
    return COLUMN(NumericColumn("q"))


def to_whoosh(spec, key, doc: dict) -> dict:
    """The stored/indexed form of one document from ``spec.document``."""
    out: dict = {KEY: str(key)}
    try:
        out[OID] = int(key)
    except (TypeError, ValueError):
        out[OID] = 0
    for name in spec.text_fields:
        value = doc.get(name) or ""
        if isinstance(value, (list, tuple)):
            value = " ".join(str(v) for v in value)
        out[name] = str(value)
    for name in spec.highlighted:
        out.setdefault(name, str(doc.get(name) or ""))
    for name in spec.pinyin_fields:
        out[name + PY], out[name + PI] = pinyin_text(out.get(name, ""))
    for name in spec.keyword_fields:
        value = doc.get(name)
        values = value if isinstance(value, (list, tuple, set)) else ([] if value in (None, "") else [value])
        out[name] = ",".join(v for v in (keyword_value(v) for v in values) if v)
    for name in spec.bool_fields:
        out[name] = "1" if doc.get(name) else "0"
    for name in (*spec.numeric_fields, *spec.date_fields):
        value = doc.get(name)
        out[name] = numeric_value(value) if value is not None else 0
    first = spec.highlighted[0] if spec.highlighted else None
    out[LEN] = len(out.get(first, "")) if first else 0
    out = {k: v for k, v in out.items() if v != ""}
    out[SIG] = hashlib.blake2b(repr(sorted(out.items())).encode(), digest_size=16).hexdigest()
    return out


# --- per-segment caches ----------------------------------------------------------------------

_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_ENTRIES = 512


def _cached(key, build):
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = build()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > _CACHE_ENTRIES:
            _cache.popitem(last=False)
    return value


def _segid(reader) -> str:
    return reader.segment().segment_id() + ":" + str(reader.doc_count_all())


def _raw_postings(reader, fieldname: str, text: str) -> set[int]:
    """All document numbers with this term in this segment (deleted ones included)."""
    try:
        btext = reader._text_to_bytes(fieldname, text)
        if (fieldname, btext) not in reader._terms:
            return set()
        matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
        return set(matcher.all_ids())
    except Exception:  # a missing field or a term the field cannot encode simply matches nothing
        return set()


def _postings(reader, fieldname: str, text: str) -> set[int]:
    ids = _raw_postings(reader, fieldname, text)
    deleted = reader.deleted_docs_set if reader.has_deletions() else None
    return ids - deleted if deleted else ids


def _value_sets(reader, fieldname: str) -> dict[str, set[int]]:
    def build():
        if fieldname not in reader.schema:
            return {}
        return {b.decode("utf-8"): _raw_postings(reader, fieldname, b.decode("utf-8"))
                for b in reader.lexicon(fieldname)}

    return _cached((_segid(reader), "values", fieldname), build)


def _column(reader, fieldname: str) -> list:
    def build():
        if fieldname not in reader.schema or not reader.has_column(fieldname):
            return [0] * reader.doc_count_all()
        return list(reader.column_reader(fieldname))

    return _cached((_segid(reader), "column", fieldname), build)


def _order(reader, fieldname: str) -> list[int]:
    """Document numbers sorted by (value, object id) ascending."""
    def build():
        col, oid = _column(reader, fieldname), _column(reader, OID)
        return sorted(range(len(col)), key=lambda d: (col[d], oid[d]))

    return _cached((_segid(reader), "order", fieldname), build)


def _live(reader) -> set[int]:
    base = _cached((_segid(reader), "all"), lambda: set(range(reader.doc_count_all())))
    if reader.has_deletions():
        return base - reader.deleted_docs_set
    return set(base)


# --- query evaluation ------------------------------------------------------------------------

@dataclass
class Hits:
    total: int = 0
    facets: dict = field(default_factory=dict)
    #: [(key, stored fields)] for the requested page
    page: list = field(default_factory=list)
    partial: bool = False


def _word_match(reader, spec, word: QueryWord) -> tuple[set[int], list[tuple[float, set[int]]]]:
    """Documents matching one query word, and (weight, docs) pairs for scoring."""
    parts: list[tuple[float, set[int]]] = []
    if word.is_ascii:
        term = word.terms[0]
        stemmed = stem(term)
        for name, boost in spec.text_fields.items():
            ids = _postings(reader, name, stemmed)
            if ids:
                parts.append((boost, ids))
        for name in spec.pinyin_fields:
            boost = spec.text_fields.get(name, 1.0) * PINYIN_WEIGHT
            for suffix in (PY, PI):
                ids = _postings(reader, name + suffix, term)
                if ids:
                    parts.append((boost, ids))
        if word.prefix or (not parts and len(term) >= 3):
            for name in spec.pinyin_fields:
                boost = spec.text_fields.get(name, 1.0) * PINYIN_WEIGHT * 0.7
                for suffix in (PY, PI) if word.prefix else (PY,):
                    fname = name + suffix
                    if fname not in reader.schema:
                        continue
                    for n, btext in enumerate(reader.expand_prefix(fname, term)):
                        if n >= MAX_PREFIX_TERMS:
                            break
                        ids = _postings(reader, fname, btext.decode("utf-8"))
                        if ids:
                            parts.append((boost, ids))
        match = set().union(*(ids for _w, ids in parts)) if parts else set()
        return match, parts
    match: set[int] | None = None
    share = 1.0 / len(word.terms)
    for term in word.terms:
        term_parts = _term_parts(reader, spec, term, share)
        union = set().union(*(ids for _w, ids in term_parts)) if term_parts else set()
        if not union and (pieces := sub_terms(term)):
            # the whole word is not an indexed term here (jieba cut the document differently):
            # require each of its dictionary sub-words instead
            term_parts, union = [], None
            for piece in pieces:
                piece_parts = _term_parts(reader, spec, piece, share / len(pieces))
                piece_union = set().union(*(ids for _w, ids in piece_parts)) if piece_parts else set()
                union = piece_union if union is None else union & piece_union
                term_parts.extend(piece_parts)
            union = union or set()
        match = union if match is None else match & union
        parts.extend(term_parts)
        if not match:
            return set(), []
    return match or set(), parts


def _term_parts(reader, spec, term: str, weight: float) -> list[tuple[float, set[int]]]:
    return [(boost * weight, ids) for name, boost in spec.text_fields.items() if (ids := _postings(reader, name, term))]


class IndexHandle:
    """One named index in one SEARCH_INDEX_DIR (per process)."""

    def __init__(self, spec, base_dir: str):
        self.spec = spec
        self.base_dir = base_dir
        self.link = os.path.join(base_dir, spec.name)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._indexes: dict[str, object] = {}

    # folders ----------------------------------------------------------------------------
    def new_folder(self) -> str:
        os.makedirs(self.base_dir, exist_ok=True)
        path = os.path.join(self.base_dir, f"{self.spec.name}.{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}")
        os.makedirs(path)
        whoosh_index.create_in(path, build_schema(self.spec))
        return path

    def current_path(self) -> str:
        """The real folder of the current generation, created (empty) on first use."""
        if not os.path.lexists(self.link):
            path = self.new_folder()
            try:
                os.symlink(os.path.basename(path), self.link)
            except FileExistsError:  # another process won the race: use its index
                shutil.rmtree(path, ignore_errors=True)
        return os.path.realpath(self.link)

    def swap(self, new_path: str) -> str | None:
        """Point the link at ``new_path`` atomically; returns the previous folder."""
        old = os.path.realpath(self.link) if os.path.lexists(self.link) else None
        if old and not os.path.islink(self.link):  # a plain folder from an older layout
            aside = old + ".old-" + uuid.uuid4().hex[:6]
            os.rename(old, aside)
            old = aside
        tmp = self.link + ".swap-" + uuid.uuid4().hex[:6]
        os.symlink(os.path.basename(new_path), tmp)
        os.replace(tmp, self.link)
        return old

    def index(self, path: str | None = None):
        path = path or self.current_path()
        with self._lock:
            ix = self._indexes.get(path)
            if ix is None:
                ix = whoosh_index.open_dir(path)
                self._indexes = {path: ix}  # older generations are dropped with their searchers
            return ix

    # reading ----------------------------------------------------------------------------
    def searcher(self):
        path = self.current_path()
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is None or local.path != path:
            if searcher is not None:
                searcher.close()
            searcher = self.index(path).searcher()
            local.path = path
        elif not searcher.up_to_date():
            # Not searcher.refresh(): Whoosh-Reloaded 2.7.5's reader re-use appends the old
            # segments to the new ones (documents show twice, deletions are lost), and it fails
            # on an empty index. Opening a new searcher costs a few milliseconds after a write.
            searcher.close()
            searcher = self.index(path).searcher()
        local.searcher = searcher
        return searcher

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def stored_keys(self) -> dict[str, tuple]:
        """{key: (stored fields)} of every live document (for ``search check``)."""
        out = {}
        for fields in self.searcher().reader().all_stored_fields():
            out[fields[KEY]] = fields
        return out

    # writing ----------------------------------------------------------------------------
    def writer(self, path: str | None = None, timeout: float = 0.0):
        """A Whoosh writer; raises whoosh LockError when another writer holds the index."""
        return self.index(path).writer(timeout=timeout)

    def write(self, writer, pairs: Iterable[tuple[object, dict | None]]) -> int:
        names = set(writer.schema.names())
        n = 0
        for key, doc in pairs:
            writer.delete_by_term(KEY, str(key))
            if doc is not None:
                writer.add_document(**{k: v for k, v in to_whoosh(self.spec, key, doc).items() if k in names})
            n += 1
        return n

    # querying ---------------------------------------------------------------------------
    def run(self, parsed: ParsedQuery, *, filters: dict, ranges: dict, facets: tuple, sort: str,
            limit: int, offset: int) -> Hits:
        searcher = self.searcher()
        readers = [sub.reader() for sub, _off in searcher.leaf_searchers()]
        readers = [r for r in readers if r.doc_count_all()]  # an empty index has a reader without segments
        hits = Hits()
        evaluated = [self._evaluate(r, parsed, filters, ranges, require_all=True) for r in readers]
        if parsed.words and len(parsed.words) > 1 and not any(docs for docs, _s in evaluated):
            evaluated = [self._evaluate(r, parsed, filters, ranges, require_all=False) for r in readers]
            hits.partial = any(docs for docs, _s in evaluated)
        hits.total = sum(len(docs) for docs, _s in evaluated)
        for name in facets:
            counts: dict[str, int] = {}
            for reader, (docs, _s) in zip(readers, evaluated, strict=True):
                if not docs:
                    continue
                for value, ids in _value_sets(reader, name).items():
                    c = len(ids & docs) if len(ids) > len(docs) else len(docs & ids)
                    if c:
                        counts[value] = counts.get(value, 0) + c
            hits.facets[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        picked = self._page(readers, evaluated, sort, limit)[offset:limit]
        for _key, i, docnum in picked:
            stored = readers[i].stored_fields(docnum)
            hits.page.append((stored.get(KEY), stored))
        return hits

    def _evaluate(self, reader, parsed: ParsedQuery, filters: dict, ranges: dict, require_all: bool):
        spec = self.spec
        docs: set[int] | None = None
        for name, values in filters.items():
            sets = _value_sets(reader, name)
            allowed = set().union(*(sets.get(v, set()) for v in values))
            docs = allowed if docs is None else docs & allowed
            if not docs:
                return set(), None
        scores: dict[int, float] | None = None
        if parsed.words:
            n = max(1, reader.doc_count_all())
            matches, weighted = [], []
            for word in parsed.words:
                match, parts = _word_match(reader, spec, word)
                idf = math.log(1 + n / (1 + len(match)))
                matches.append(match)
                weighted.extend((w * idf, ids) for w, ids in parts)
            if require_all:
                matches.sort(key=len)
                text_docs = matches[0]
                for m in matches[1:]:
                    text_docs = text_docs & m
            else:
                text_docs = set().union(*matches)
            if reader.has_deletions():
                text_docs = text_docs - reader.deleted_docs_set
            docs = text_docs if docs is None else docs & text_docs
            scores = {}
            if docs:
                get = scores.get
                for weight, ids in weighted:
                    for d in (ids & docs if len(ids) > len(docs) else docs & ids):
                        scores[d] = get(d, 0.0) + weight
        if docs is None:
            docs = _live(reader)
        elif reader.has_deletions() and not parsed.words:
            docs = docs - reader.deleted_docs_set
        for name, (lo, hi) in ranges.items():
            col = _column(reader, name)
            lo = -math.inf if lo is None else lo
            hi = math.inf if hi is None else hi
            docs = {d for d in docs if lo <= col[d] <= hi}
        return docs, scores

    def _page(self, readers, evaluated, sort: str, limit: int) -> list[tuple]:
        spec = self.spec
        candidates: list[tuple] = []
        for i, (reader, (docs, scores)) in enumerate(zip(readers, evaluated, strict=True)):
            if not docs:
                continue
            if sort == "relevance" and scores is not None:
                lengths, oid = _column(reader, LEN), _column(reader, OID)
                best = heapq.nsmallest(limit, docs, key=lambda d: (-scores.get(d, 0.0), lengths[d], -oid[d]))
                candidates.extend(((-scores.get(d, 0.0), lengths[d], -oid[d]), i, d) for d in best)
                continue
            if sort in ("newest", "relevance"):
                fieldname, descending = (spec.date_fields[0] if spec.date_fields else LEN), True
            else:
                fieldname, descending = sort.lstrip("-"), sort.startswith("-")
            col, oid = _column(reader, fieldname), _column(reader, OID)
            sign = -1 if descending else 1
            if len(docs) > PRESORT_THRESHOLD:
                order = _order(reader, fieldname)
                walk = reversed(order) if descending else iter(order)
                best = []
                for d in walk:
                    if d in docs:
                        best.append(d)
                        if len(best) >= limit:
                            break
            else:
                best = heapq.nsmallest(limit, docs, key=lambda d: (sign * col[d], sign * oid[d]))
            candidates.extend(((sign * col[d], sign * oid[d]), i, d) for d in best)
        return heapq.nsmallest(limit, candidates, key=lambda c: (c[0], c[1]))


_handles: dict[tuple[str, str], IndexHandle] = {}
_handles_lock = threading.Lock()


def open_index(spec, base_dir: str) -> IndexHandle:
    key = (os.path.abspath(base_dir), spec.name)
    with _handles_lock:
        handle = _handles.get(key)
        if handle is None:
            handle = _handles[key] = IndexHandle(spec, key[0])
        handle.spec = spec
        return handle
