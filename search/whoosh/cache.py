"""Bitmaps and the per-segment caches of search evaluation (search.whoosh.query).

A posting set is a bitmap (a Python int, one bit per document of the segment) or, when sparse, an
array of document numbers. Per-segment data is cached by Whoosh's segment id, which never changes
while a segment exists. Every worker holds these caches, so they are kept small: columns and sort
orders are arrays of machine integers, not lists of Python ints (~1 MB instead of ~4-8 MB each at
100,000 documents); a sparse posting set (a shop's products, a rare word) is an array of document
numbers instead of a bitmap as long as the segment (12.5 KB at 100,000 documents, whatever the
count); the cache of query terms is bounded in bytes as well as in entries.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from itertools import accumulate

from whoosh.codec.whoosh3 import W3LeafMatcher

LEN, OID = "z_len", "z_id"

BIT = tuple(1 << i for i in range(8))


def to_bitmap(ids) -> int:
    ids = ids if isinstance(ids, (list, array)) else list(ids)
    if not ids:
        return 0
    buf = bytearray((max(ids) >> 3) + 1)
    bit = BIT
    for d in ids:
        buf[d >> 3] |= bit[d & 7]
    return int.from_bytes(buf, "little")


def as_bytes(bitmap: int) -> bytes:
    return bitmap.to_bytes((bitmap.bit_length() + 7) >> 3, "little")


def ids_of(bitmap: int) -> list[int]:
    """The set bits of ``bitmap`` (document numbers), ascending."""
    if not bitmap:
        return []
    bits = format(bitmap, "b")[::-1]  # least significant bit first
    out: list[int] = []
    find = bits.find
    i = find("1")
    while i >= 0:
        out.append(i)
        i = find("1", i + 1)
    return out


#: A posting set with fewer documents than 1/SPARSE of the segment is kept as an array of document
#: numbers (4 bytes each; turned into a bitmap when used, a few microseconds for so few).
SPARSE = 256


def _compact(ids: list[int], n: int):
    """A posting set for the caches: an array of document numbers when sparse, else a bitmap."""
    if len(ids) * SPARSE < n:
        return array("i", ids)
    return to_bitmap(ids)


def _as_bitmap(postings) -> int:
    return postings if isinstance(postings, int) else to_bitmap(postings)


def _nbytes(value) -> int:
    if isinstance(value, int):
        return (value.bit_length() + 7) >> 3
    if isinstance(value, array):
        return value.itemsize * len(value)
    return 0


# --- per-segment caches (segment ids never change while a segment exists) ---------------------

class _LRU:
    """Least recently used entries go first: past ``size`` entries, or past ``max_bytes`` of values."""

    def __init__(self, size: int, max_bytes: int | None = None):
        self.size, self.max_bytes, self.data, self.lock = size, max_bytes, OrderedDict(), threading.Lock()
        self.nbytes = 0

    def get(self, key, build):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = build()
        with self.lock:
            if key in self.data:
                return self.data[key]
            self.data[key] = value
            self.nbytes += _nbytes(value)
            while len(self.data) > self.size or (self.max_bytes is not None and self.nbytes > self.max_bytes
                                                 and len(self.data) > 1):
                _key, old = self.data.popitem(last=False)
                self.nbytes -= _nbytes(old)
        return value


#: Entries of the structure cache: filter-value sets, columns, presorted orders (a few per field
#: and segment; ~4 MB per 100,000 documents in all).
STRUCTURES = 512
#: The query-term cache: at most this many posting sets, and at most this many bytes of them.
TERMS, TERM_BYTES = 2048, 8 * 1024 * 1024

_structures = _LRU(STRUCTURES)
#: Posting sets of query terms: popular words are answered from memory.
_terms = _LRU(TERMS, TERM_BYTES)


def reset_caches() -> None:
    """New, empty caches with new locks (gunicorn's post_fork: a lock may have been held at the fork)."""
    global _structures, _terms
    _structures = _LRU(STRUCTURES)
    _terms = _LRU(TERMS, TERM_BYTES)


def segid(reader) -> str:
    return reader.segment().segment_id()


def _segid(reader) -> str:
    return reader.segment().segment_id()


def _postings(reader, fieldname: str, text: str) -> list[int]:
    """Document numbers with this term in this segment (deleted ones included; callers mask them)."""
    try:
        btext = reader._text_to_bytes(fieldname, text)
        if (fieldname, btext) not in reader._terms:
            return []
        matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
        return _all_ids(matcher)
    except Exception:  # a missing field or a term the field cannot encode matches nothing
        return []


def _all_ids(matcher) -> list[int]:
    """``matcher.all_ids()`` as a list, a block at a time for whoosh's own posting lists: its
    ``all_ids`` yields one id per generator step and three method calls, which was half of a
    search page's Python calls when the terms were not cached (the ids of a block are decoded
    together anyway). Any other matcher, or a whoosh whose leaf matcher lacks these attributes, goes id by id."""
    if not isinstance(matcher, W3LeafMatcher) or not hasattr(matcher, "_byteids"):
        return list(matcher.all_ids())
    ids: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:  # noqa: SLF001 - whoosh's block reader, see the docstring
            if matcher._data is None:  # noqa: SLF001
                matcher._read_data()  # noqa: SLF001
            stored = matcher._data[0]  # noqa: SLF001
            # deltas unless stored as bytes (whoosh's _read_ids decodes them with a generator)
            matcher._ids = stored if matcher._byteids else tuple(accumulate(stored))  # noqa: SLF001
        ids.extend(matcher._ids[matcher._i:matcher._blocklength])  # noqa: SLF001
        matcher._i = matcher._blocklength - 1  # noqa: SLF001
        matcher.next()  # past the block's last id: the next block, or the end
    return ids


def term_bitmap(reader, fieldname: str, text: str) -> int:
    """Documents with this term in this segment, as a bitmap (deleted ones included)."""
    return _as_bitmap(_terms.get((_segid(reader), fieldname, text),
                                 lambda: _compact(_postings(reader, fieldname, text), reader.doc_count_all())))


class _ValueSets:
    """The documents of each value of one keyword field in one segment (filters and facet counts)."""

    __slots__ = ("sets",)

    def __init__(self, sets: dict):
        self.sets = sets

    def bitmap(self, value: str) -> int:
        postings = self.sets.get(value)
        return 0 if postings is None else _as_bitmap(postings)

    def counts(self, docs: int):
        """(value, how many of ``docs`` have it) for each value some of ``docs`` have."""
        data = None
        bit = BIT
        for value, postings in self.sets.items():
            if isinstance(postings, int):
                count = (postings & docs).bit_count()
            else:
                if data is None:
                    data, size = as_bytes(docs), (docs.bit_length() + 7) >> 3
                count = sum(1 for d in postings if (d >> 3) < size and data[d >> 3] & bit[d & 7])
            if count:
                yield value, count


def value_sets(reader, fieldname: str) -> _ValueSets:
    def build():
        if fieldname not in reader.schema:
            return _ValueSets({})
        n = reader.doc_count_all()
        values = [b.decode("utf-8") for b in reader.lexicon(fieldname)]
        return _ValueSets({v: _compact(_postings(reader, fieldname, v), n) for v in values})

    return _structures.get((_segid(reader), "values", fieldname), build)


def column(reader, fieldname: str) -> array:
    def build():
        if fieldname not in reader.schema or not reader.has_column(fieldname):
            return array("q", bytes(8 * reader.doc_count_all()))
        return array("q", reader.column_reader(fieldname))

    return _structures.get((_segid(reader), "column", fieldname), build)


_OID_BITS = 32
_OID_MASK = (1 << _OID_BITS) - 1


def _ordered(n: int, primary, oid, newest_first: bool) -> array:
    """Docnums sorted by (primary value, object id ascending or, with ``newest_first``, descending).

    The key is one int per document ((value << 32) + id) rather than a tuple: the same order,
    with a third of the memory while sorting.
    """
    if n and min(oid) >= 0 and max(oid) <= _OID_MASK:
        if newest_first:
            keys = [(primary[d] << _OID_BITS) + (_OID_MASK - oid[d]) for d in range(n)]
        else:
            keys = [(primary[d] << _OID_BITS) + oid[d] for d in range(n)]
        return array("i", sorted(range(n), key=keys.__getitem__))
    sign = -1 if newest_first else 1
    return array("i", sorted(range(n), key=lambda d: (primary[d], sign * oid[d])))


def sort_order(reader, fieldname: str) -> tuple[array, array]:
    """(docnums sorted by (value, object id), their values) for walks and range bisection."""
    def build():
        col, oid = column(reader, fieldname), column(reader, OID)
        order = _ordered(len(col), col, oid, newest_first=False)
        return order, array("q", (col[d] for d in order))

    return _structures.get((_segid(reader), "order", fieldname), build)


def rank_order(reader) -> array:
    """Docnums by (title length, newest object id first): the tie-break within a score class."""
    def build():
        length, oid = column(reader, LEN), column(reader, OID)
        return _ordered(len(length), length, oid, newest_first=True)

    return _structures.get((_segid(reader), "rank"), build)


def live_docs(reader) -> int:
    n = reader.doc_count_all()
    everything = (1 << n) - 1
    if reader.has_deletions():
        deleted = reader.deleted_docs_set
        everything &= ~_structures.get((_segid(reader), "deleted", len(deleted)), lambda: to_bitmap(list(deleted)))
    return everything
