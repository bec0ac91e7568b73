"""The whoosh backend's index: schemas, index folders, searchers, documents in Whoosh's form.

An index lives in ``SEARCH_INDEX_DIR/<name>.<generation>/``; ``SEARCH_INDEX_DIR/<name>`` is a
symlink to the current generation, so a rebuild writes a fresh folder and swaps the link
atomically while searches keep reading the old one. Searchers are per thread and refreshed when
the index changed. Per-segment data (posting sets of filter values, numeric columns, presorted
orders) is cached by Whoosh's segment id, which never changes while a segment exists: a write
only adds a small segment, so caches survive it. Query evaluation is in search.whoosh.query.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import shutil
import threading
import time
import uuid
import weakref
from collections.abc import Iterable

from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import ParsedQuery, pinyin_text, pinyin_words
from search.spec import PINYIN_WORDS, key_number, keyword_value, numeric_value
from search.whoosh import query as search_query
from search.whoosh.analyzer import chinese_analyzer, ngram_analyzer

log = logging.getLogger(__name__)

KEY = "id"
LEN = "z_len"
#: The object id as a number (ties in every sort are broken by it, newest id first).
OID = "z_id"
#: Stored fingerprint of the indexed content (``search check`` compares it with the database).
SIG = "z_sig"
PY, PI = "__py", "__pi"
#: Each text field's characters and character pairs (search.analysis.ngrams), for substrings.
NG = "__ng"
#: Stored next to each highlighted field: its words' pinyin (analysis.pinyin_words), so that
#: highlighting a pinyin query needs no pypinyin in the web workers.
PW = PINYIN_WORDS

#: Every segment is written as separate files, not one compound ``.seg`` file: Whoosh-Reloaded
#: reads each part of a compound file through a ``BytesIO`` copy of its mmap (filedb/structfile.py,
#: BufferFile), so every process held a private copy of the index (~60 MB at 100,000 products).
#: Separate files are read with seek/read, through the page cache that all workers share. Merges
#: of small segments are written by the same writers, so they stay separate files too.
WRITER_OPTIONS = {"compound": False}


class UnreadableIndex(RuntimeError):
    """The index folder was written by an older version of this code (its schema names analysers
    that moved): ``flask search rebuild`` writes a new one."""


def build_schema(spec) -> Schema:
    # Numbers are columns only (no terms): ranges and sorts read the columns, which keeps both the
    # index and its build small. Keyword fields are "scorable" only so Whoosh keeps a length column
    # for them (without one it checks for the file on every posting while writing a segment).
    fields: dict = {KEY: ID(stored=True, unique=True), LEN: _number(), OID: _number(), SIG: STORED()}
    plain = StandardAnalyzer(minsize=1, stoplist=None)
    for name in spec.text_fields:
        fields[name] = TEXT(analyzer=chinese_analyzer(), phrase=False, stored=name in spec.highlighted)
        fields[name + NG] = TEXT(analyzer=ngram_analyzer(), phrase=False)
    for name in spec.highlighted:
        fields.setdefault(name, STORED())
        fields[name + PW] = STORED()
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
    out[OID] = key_number(key)
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
    # Derived from the highlighted text alone, so left out of the fingerprint: indexes built before
    # this field existed still check clean (they highlight pinyin with pypinyin until rebuilt).
    for name in spec.highlighted:
        if out.get(name):
            out[name + PW] = pinyin_words(out[name])
    for name in spec.text_fields:  # a copy of the text, cut differently: not part of the fingerprint
        if out.get(name):
            out[name + NG] = out[name]
    return out


def _close_tracked(open_searchers, searcher) -> None:
    """Close ``searcher`` once: only while it is still among the open ones."""
    if searcher in open_searchers:
        open_searchers.discard(searcher)
        searcher.close()


class _HeldSearcher:
    """A thread's open searcher. Closed when replaced, or when the thread ends: a thread-local
    value is dropped with its thread (a threaded server starts one per request), and a searcher
    holds open files for each segment that would otherwise wait for the garbage collector."""

    __slots__ = ("open", "searcher", "path", "pid")

    def __init__(self, open_searchers, searcher, path: str):
        self.open, self.searcher, self.path, self.pid = open_searchers, searcher, path, os.getpid()

    def release(self) -> None:
        searcher, self.searcher = self.searcher, None
        if searcher is not None:
            _close_tracked(self.open, searcher)

    def __del__(self):
        # A forked child (the index rebuild's writer processes) drops the other threads' locals at
        # the fork: their searchers belong to the parent, and a file lock another thread held at the
        # fork would never be released in the child. Only the process that opened one closes it.
        if self.pid != os.getpid():
            return
        with contextlib.suppress(Exception):  # at interpreter shutdown there is nothing to close with
            self.release()


class IndexHandle:
    """One named index in one SEARCH_INDEX_DIR (per process)."""

    def __init__(self, spec, base_dir: str):
        self.spec = spec
        self.base_dir = base_dir
        self.link = os.path.join(base_dir, spec.name)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._indexes: dict[str, object] = {}
        #: Every thread's open searcher: each holds a few open files per segment.
        self._searchers: weakref.WeakSet = weakref.WeakSet()

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
                try:
                    ix = whoosh_index.open_dir(path)
                except (ImportError, AttributeError) as exc:  # a pickled schema naming a moved class
                    raise UnreadableIndex(f"search index {self.spec.name} ({path}) was written by an older "
                                          f"version: run 'flask search rebuild' ({exc})") from exc
                self._indexes = {path: ix}  # older generations are dropped with their searchers
                self._check_format(ix, path)
            return ix

    def _check_format(self, ix, path: str) -> None:
        """Warn about an index written by an older version: it works, but costs every worker memory."""
        try:
            compound = any(segment.is_compound() for segment in ix._segments())
            no_pinyin = any(name + PW not in ix.schema for name in self.spec.highlighted)
        except Exception:  # an unreadable index fails loudly elsewhere
            return
        if compound or no_pinyin:
            log.warning("search index %s (%s) was written by an older version (%s): every worker holds more "
                        "memory than needed; run 'flask search rebuild'", self.spec.name, path,
                        ", ".join(w for w, on in (("compound segments", compound),
                                                  ("no stored word pinyin", no_pinyin)) if on))

    # reading ----------------------------------------------------------------------------
    def searcher(self):
        path = self.current_path()
        held = getattr(self._local, "held", None)
        # Not searcher.refresh() when the index changed: Whoosh-Reloaded 2.7.5's reader re-use
        # appends the old segments to the new ones (documents show twice, deletions are lost), and
        # it fails on an empty index. Opening a new searcher costs a few milliseconds after a write.
        if held is None or held.path != path or not held.searcher.up_to_date():
            if held is not None:
                held.release()
            held = self._local.held = _HeldSearcher(self._searchers, self._open(path), path)
        return held.searcher

    def _open(self, path: str):
        searcher = self.index(path).searcher()
        self._searchers.add(searcher)
        return searcher

    def close(self) -> None:
        """Close this thread's searcher."""
        held = getattr(self._local, "held", None)
        if held is not None:
            held.release()
            self._local.held = None

    def close_all(self) -> None:
        """Close every thread's searcher (the handle is being dropped)."""
        for searcher in list(self._searchers):
            _close_tracked(self._searchers, searcher)

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def stored_keys(self) -> dict[str, tuple]:
        """{key: (stored fields)} of every live document (for ``search check``)."""
        out = {}
        for fields in self.searcher().reader().all_stored_fields():
            out[fields[KEY]] = fields
        return out

    # writing ----------------------------------------------------------------------------
    def writer(self, path: str | None = None, timeout: float = 0.0, **options):
        """A Whoosh writer; raises whoosh LockError when another writer holds the index."""
        return self.index(path).writer(timeout=timeout, delay=0.01, **WRITER_OPTIONS, **options)

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
            limit: int, offset: int, prefer: tuple[str, ...] = ()) -> search_query.Hits:
        return search_query.run(self.spec, self.searcher(), parsed, filters=filters, ranges=ranges, facets=facets,
                                sort=sort, limit=limit, offset=offset, prefer=prefer)


_handles: dict[tuple[str, str], IndexHandle] = {}
_handles_lock = threading.Lock()
#: Handles kept per process. A deployment has one data folder (one handle per index); a test run
#: makes one per test, and the least recently opened are closed so their files do not pile up.
MAX_HANDLES = 16


def open_index(spec, base_dir: str) -> IndexHandle:
    key = (os.path.abspath(base_dir), spec.name)
    dropped = []
    with _handles_lock:
        handle = _handles.pop(key, None)
        if handle is None:
            handle = IndexHandle(spec, key[0])
        _handles[key] = handle  # most recently opened last
        handle.spec = spec
        while len(_handles) > MAX_HANDLES:
            dropped.append(_handles.pop(next(iter(_handles))))
    for old in dropped:
        old.close_all()
    return handle


@atexit.register
def _close_handles() -> None:
    for handle in list(_handles.values()):
        handle.close_all()
