"""Query evaluation on Whoosh segments with bitmaps (Python ints, one bit per document).

Whoosh keeps the postings and columns; evaluation is set algebra done in C on big integers:
a word matches where any of its fields has it (OR of posting bitmaps), all words must match (AND),
filters AND with cached per-value bitmaps, a facet count is ``(docs & value).bit_count()``.
Ranking splits the matches into classes of equal score (which fields each word matched in) and
takes the best classes first, ties broken by shorter title then newer id, so a page never needs
every match scored one by one. Numeric ranges and sorts read cached columns.
The bitmaps and the per-segment caches (filter-value sets, columns, sort orders, query terms)
are in search.whoosh.cache.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right

from search.analysis import ParsedQuery
from search.analysis.expand import NGRAM, PINYIN, WORD, Alt, ExpandedQuery, Group, expand_query
from search.analysis.vocabulary import Vocabulary
from search.spec import Hits
from search.whoosh.cache import (
    BIT,
    LEN,
    OID,
    as_bytes,
    column,
    ids_of,
    live_docs,
    rank_order,
    segid,
    sort_order,
    term_bitmap,
    to_bitmap,
    value_sets,
)

KEY = "id"
PY, PI, NG = "__py", "__pi", "__ng"
_VOCABULARIES: dict[tuple, Vocabulary] = {}
MAX_PREFIX_TERMS = 64
#: At most this many score classes are kept while ranking (weights are applied largest first).
MAX_CLASSES = 256


# --- evaluation ------------------------------------------------------------------------------

def _or(bitmaps) -> int:
    out = 0
    for b in bitmaps:
        out |= b
    return out


def _vocabulary(spec, reader_list) -> Vocabulary:
    """The Chinese words of the index's main text fields (its pinyin fields and those weighing at
    least 1), by pinyin: cached per set of segments."""
    key = (spec.name, *sorted(segid(r) for r in reader_list))
    found = _VOCABULARIES.get(key)
    if found is None:
        words: dict[str, int] = {}
        for reader in reader_list:
            for name in dict.fromkeys((*spec.pinyin_fields, *(f for f, b in spec.text_fields.items() if b >= 1))):
                if name in reader.schema:
                    for text, info in reader.iter_field(name):
                        if isinstance(text, bytes):
                            text = text.decode("utf-8")
                        if text[:1] >= "\u3400":
                            words[text] = max(words.get(text, 0), info.doc_frequency())
        found = Vocabulary(words)
        if len(_VOCABULARIES) >= 8:
            _VOCABULARIES.clear()
        _VOCABULARIES[key] = found
    return found


def _field_names(spec, kind: str) -> list[tuple[str, float]]:
    if kind == WORD:
        return list(spec.text_fields.items())
    if kind == NGRAM:
        return [(name + NG, boost) for name, boost in spec.text_fields.items()]
    suffix = PY if kind == PINYIN else PI
    return [(name + suffix, spec.text_fields.get(name, 1.0)) for name in spec.pinyin_fields]


def _terms_in(reader, fname: str, alt: Alt) -> int:
    """Documents having every term of ``alt`` in field ``fname`` (prefix: any term starting so)."""
    if alt.prefix:
        if fname not in reader.schema:
            return 0
        out = 0
        for n, btext in enumerate(reader.expand_prefix(fname, alt.terms[0])):
            if n >= MAX_PREFIX_TERMS:
                break
            out |= term_bitmap(reader, fname, btext.decode("utf-8"))
        return out
    match = -1
    for term in alt.terms:
        match &= term_bitmap(reader, fname, term)
        if not match:
            return 0
    return max(match, 0)


def _group(reader, spec, group: Group) -> tuple[int, list[tuple[float, int]]]:
    """(documents matching one group, [(weight, bitmap)] for ranking): each document is in the
    bitmap of the best weight it matched only (a dis-max over the alternatives and fields, as the
    postgres backend's CASE: a description repeating the title adds nothing), so a word with many
    synonyms still ranks in few score classes."""
    by_weight: dict[float, int] = {}
    for alt in group.alts:
        for fname, boost in _field_names(spec, alt.kind):
            if bm := _terms_in(reader, fname, alt):
                weight = round(alt.weight * boost, 3)
                by_weight[weight] = by_weight.get(weight, 0) | bm
    best, seen = [], 0
    for weight in sorted(by_weight, reverse=True):
        if only := by_weight[weight] & ~seen:
            best.append((weight, only))
            seen |= only
    return seen, best


def match_groups(reader, spec, expanded: ExpandedQuery | None) -> list[tuple[int, list[tuple[float, int]]]] | None:
    """Per group of ``expanded``: (its live matches in this segment, [(weight, bitmap)] for ranking)."""
    if expanded is None or not expanded.groups:
        return None
    live = live_docs(reader)
    return [(match & live, parts) for match, parts in (_group(reader, spec, g) for g in expanded.groups)]


def idfs(grouped: list) -> list[float] | None:
    """Each group's inverse document frequency over the whole index (every segment's live documents):
    the same documents rank the same however they are split into segments (a rebuild writes one,
    later changes add more, merges happen when they happen)."""
    per_reader = [g for _reader, g in grouped if g is not None]
    if not per_reader:
        return None
    n = max(1, sum(reader.doc_count() for reader, g in grouped if g is not None))
    return [math.log(1 + n / (1 + sum(g[k][0].bit_count() for g in per_reader))) for k in range(len(per_reader[0]))]


def evaluate(reader, groups, group_idfs, filters: dict, ranges: dict, require_all: bool):
    """(bitmap of matching live documents, [(weight, bitmap)] for ranking or None). ``groups`` is
    ``match_groups``' answer for this reader (None: no text query), ``group_idfs`` from ``idfs``."""
    docs: int | None = None
    for name, values in filters.items():
        sets = value_sets(reader, name)
        allowed = _or(sets.bitmap(v) for v in values)
        docs = allowed if docs is None else docs & allowed
        if not docs:
            return 0, None
    weighted = None
    if groups is not None:
        matches, weighted = [], []
        for (match, parts), idf in zip(groups, group_idfs, strict=True):
            matches.append(match)
            weighted += [(w * idf, bm) for w, bm in parts]
        if require_all:
            text = matches[0]
            for m in matches[1:]:
                text &= m
        else:
            text = _or(matches)
        docs = text if docs is None else docs & text
    docs = live_docs(reader) if docs is None else docs & live_docs(reader)
    for name, (lo, hi) in ranges.items():
        if docs:
            docs = _in_range(reader, name, lo, hi, docs)
    return docs, weighted


def evaluate_all(readers, spec, expanded: ExpandedQuery | None, filters: dict, ranges: dict, require_all: bool):
    """``evaluate`` for every segment, with index-wide idfs."""
    grouped = [(r, match_groups(r, spec, expanded)) for r in readers]
    group_idfs = idfs(grouped)
    return [evaluate(r, g, group_idfs, filters, ranges, require_all) for r, g in grouped]


def _in_range(reader, name: str, lo, hi, docs: int) -> int:
    order, values = sort_order(reader, name)
    i = 0 if lo is None else bisect_left(values, lo)
    j = len(values) if hi is None else bisect_right(values, hi)
    if j - i <= docs.bit_count():
        return docs & to_bitmap(order[i:j])
    col = column(reader, name)
    lo = -math.inf if lo is None else lo
    hi = math.inf if hi is None else hi
    return to_bitmap([d for d in ids_of(docs) if lo <= col[d] <= hi])


def facet_counts(readers, evaluated, names) -> dict[str, list[tuple[str, int]]]:
    out = {}
    for name in names:
        counts: dict[str, int] = {}
        for reader, (docs, _w) in zip(readers, evaluated, strict=True):
            if not docs:
                continue
            for value, c in value_sets(reader, name).counts(docs):
                counts[value] = counts.get(value, 0) + c
        out[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


def _best(docs: int, count: int, need: int, order: list[int], key, reverse_walk: bool = False) -> list[int]:
    """The ``need`` first documents of ``docs`` in ``order`` (walked when docs is dense, else sorted)."""
    n = len(order)
    if count * count * 4 > need * n:
        data = as_bytes(docs)
        size = len(data)
        bit = BIT
        out = []
        for d in (reversed(order) if reverse_walk else order):
            if (d >> 3) < size and data[d >> 3] & bit[d & 7]:
                out.append(d)
                if len(out) >= need:
                    break
        return out
    return heapq.nsmallest(need, ids_of(docs), key=key)


def page(spec, readers, evaluated, sort: str, limit: int, prefer: tuple[str, ...] = ()) -> list[tuple]:
    """[(sort key, reader index, docnum)] of the first ``limit`` hits across segments; with ``prefer``
    (bool fields), the documents having all of them true first, each part in ``sort`` order."""
    if prefer and limit > 0:
        wanted = []
        for reader in readers:
            bm = live_docs(reader)
            for name in prefer:
                bm &= value_sets(reader, name).bitmap("1")
            wanted.append(bm)
        first = _page(spec, readers, [(d & w, ws) for (d, ws), w in zip(evaluated, wanted, strict=True)], sort, limit)
        rest = _page(spec, readers, [(d & ~w, ws) for (d, ws), w in zip(evaluated, wanted, strict=True)], sort,
                     limit - len(first))
        return first + rest
    return _page(spec, readers, evaluated, sort, limit)


def _page(spec, readers, evaluated, sort: str, limit: int) -> list[tuple]:
    if limit <= 0:
        return []
    candidates: list[tuple] = []
    for i, (reader, (docs, weighted)) in enumerate(zip(readers, evaluated, strict=True)):
        if not docs:
            continue
        if sort == "relevance" and weighted is not None:
            length, oid = column(reader, LEN), column(reader, OID)
            classes = [(0.0, docs)]
            for w, bm in sorted(weighted, key=lambda p: -p[0]):
                split = []
                for score, part in classes:
                    inside = part & bm
                    if inside:
                        split.append((score + w, inside))
                    if outside := part ^ inside:
                        split.append((score, outside))
                classes = split
                if len(classes) > MAX_CLASSES:
                    break
            # Scores rounded: the same weights summed in another order (another segment) may differ
            # in the last bits, and equal scores must tie so that the tie-break decides.
            classes = sorted(((round(score, 9), part) for score, part in classes), key=lambda c: -c[0])
            order = rank_order(reader)
            taken, above, last = 0, 0, None  # above: documents taken from strictly better classes
            for score, part in classes:
                if score != last:
                    above, last = taken, score
                if above >= limit:
                    break  # a class of the same score as one taken still competes on the tie-break
                best = _best(part, part.bit_count(), limit - above, order, key=lambda d: (length[d], -oid[d]))
                candidates += [((-score, length[d], -oid[d]), i, d) for d in best]
                taken += len(best)
            continue
        if sort in ("newest", "relevance"):
            name, descending = (spec.date_fields[0] if spec.date_fields else LEN), True
        else:
            name, descending = sort.lstrip("-"), sort.startswith("-")
        col, oid = column(reader, name), column(reader, OID)
        sign = -1 if descending else 1
        order, _values = sort_order(reader, name)
        best = _best(docs, docs.bit_count(), limit, order, key=lambda d: (sign * col[d], sign * oid[d]),
                     reverse_walk=descending)
        candidates += [((sign * col[d], sign * oid[d]), i, d) for d in best]
    return heapq.nsmallest(limit, candidates, key=lambda c: (c[0], c[1]))


def warm(spec, searcher) -> None:
    """Build every per-segment structure a query may need (filter bitmaps, columns, orders)."""
    for sub, _off in searcher.leaf_searchers():
        reader = sub.reader()
        if not reader.doc_count_all():
            continue
        for name in (*spec.keyword_fields, *spec.bool_fields):
            value_sets(reader, name)
        for name in (*spec.numeric_fields, *spec.date_fields):
            sort_order(reader, name)
        rank_order(reader)
        live_docs(reader)


def run(spec, searcher, parsed: ParsedQuery, *, filters: dict, ranges: dict, facets: tuple, sort: str,
        limit: int, offset: int, prefer: tuple[str, ...] = ()) -> Hits:
    readers = [sub.reader() for sub, _off in searcher.leaf_searchers()]
    readers = [r for r in readers if r.doc_count_all()]  # an empty index has a reader without segments
    hits = Hits()
    vocabulary = _vocabulary(spec, readers) if parsed.words and readers else None
    expanded = expand_query(parsed, vocabulary) if parsed.words else None
    evaluated = evaluate_all(readers, spec, expanded, filters, ranges, require_all=True)
    if expanded is not None and not any(docs for docs, _w in evaluated):
        # nothing: read slips of the pinyin keyboard (one letter off, a homophone), then any word
        fuzzy = expand_query(parsed, vocabulary, fuzzy=True)
        if fuzzy.groups != expanded.groups:  # no slip read: the same query would find nothing again
            evaluated = evaluate_all(readers, spec, fuzzy, filters, ranges, require_all=True)
        expanded = fuzzy
        if len(expanded.groups) > 1 and not any(docs for docs, _w in evaluated):
            evaluated = evaluate_all(readers, spec, expanded, filters, ranges, require_all=False)
            hits.partial = any(docs for docs, _w in evaluated)
    hits.total = sum(docs.bit_count() for docs, _w in evaluated)
    hits.facets = facet_counts(readers, evaluated, facets)
    for _key, i, docnum in page(spec, readers, evaluated, sort, limit, prefer)[offset:limit]:
        stored = readers[i].stored_fields(docnum)
        hits.page.append((stored.get(KEY), stored))
    return hits
