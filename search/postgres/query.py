"""Query evaluation in SQL: the whoosh backend's matching and ranking, as tsquery and one statement.

Both backends evaluate the same ``search.analysis.expand.ExpandedQuery``: each group of
alternatives becomes a tsquery over the lexemes of search.postgres.documents (a word in any text
field, its characters and pairs ``#``, full pinyin ``~n`` or initials ``^n`` of pinyin field n;
``:*`` for a prefix). All groups must match; the backend then retries with slips read (fuzzy)
and finally with any group (``partial``), as the whoosh backend does. The score of a document is,
over the groups, ``idf(group) * the best weight it matched`` (a dis-max: the weight of an
alternative times the boost of the field it matched in, the best of them; a description repeating
the title adds nothing), with ``idf = ln(1 + N / (1 + documents matching the group))``, as the whoosh
backend ranks; ties go to the shorter title, then the newer id. The parts of a group are tested best
first in one CASE, so a document matched in its title costs one test. Filters are GIN lookups on ``keys``; facet counts an aggregate over the
matches' keys; the page, the total and the facets come from one statement.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from search.analysis.expand import NGRAM, PINYIN, WORD, Alt, ExpandedQuery, Group
from search.postgres.documents import FULL, class_boosts, pinyin_lexeme, quote, weight_classes
from search.postgres.documents import INITIALS as INITIALS_MARK
from search.postgres.documents import NGRAM as NGRAM_MARK
from search.spec import IndexSpec


@dataclass
class Part:
    """A ranking part: documents matching ``query`` (a weight-restricted tsquery) score ``weight``."""

    weight: float
    query: str


@dataclass
class Word:
    """One group of the expanded query, compiled."""

    #: tsquery of the documents this group matches
    match: str
    parts: list[Part] = field(default_factory=list)


def _places(spec: IndexSpec, alt: Alt) -> list[tuple[str, str, float]]:
    """(lexeme prefix mark, weight letter, field boost) of each field class ``alt`` is matched in."""
    if alt.kind in (WORD, NGRAM):
        mark = NGRAM_MARK if alt.kind == NGRAM else ""
        return [(mark, letter, boost) for letter, boost in sorted(class_boosts(spec).items())]
    letters = weight_classes(spec)
    mark = FULL if alt.kind == PINYIN else INITIALS_MARK
    return [(pinyin_lexeme(mark, n, ""), letters.get(name, "D"), spec.text_fields.get(name, 1.0))
            for n, name in enumerate(spec.pinyin_fields)]


def _lexemes(mark: str, alt: Alt, letter: str = "") -> str:
    star = ":*" if alt.prefix else (":" if letter else "")
    return " & ".join(f"{quote(mark + term)}{star}{letter}" for term in alt.terms)


def compile_group(spec: IndexSpec, group: Group) -> Word:
    """A group's tsquery and its ranking parts (alternatives of one weight merged into one part)."""
    matches: list[str] = []
    by_weight: dict[float, list[str]] = {}
    for alt in group.alts:
        places = _places(spec, alt)
        for mark in dict.fromkeys(m for m, _l, _b in places):
            matches.append(f"({_lexemes(mark, alt)})")
        for mark, letter, boost in places:
            by_weight.setdefault(round(alt.weight * boost, 3), []).append(f"({_lexemes(mark, alt, letter)})")
    parts = [Part(weight, " | ".join(dict.fromkeys(queries))) for weight, queries in by_weight.items()]
    return Word(" | ".join(dict.fromkeys(matches)) or "''", parts)


def compile_query(spec: IndexSpec, expanded: ExpandedQuery | None) -> list[Word]:
    return [compile_group(spec, g) for g in expanded.groups] if expanded is not None else []


class Statement:
    """Bind parameters with generated names, for a statement assembled from parts."""

    def __init__(self):
        self.params: dict = {}

    def bind(self, value, cast: str | None = None) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"CAST(:{name} AS {cast})" if cast else f":{name}"


def _filters(st: Statement, filters: dict[str, list[str]], ranges: dict, bools: tuple[str, ...]) -> list[str]:
    """The filters' conditions. A yes/no field (``bools``: in stock) is tested on each row, in a form
    the keys' GIN index cannot serve: most documents are in stock, and ANDing that index's 85,000
    entries with a word's few thousand cost more than testing the few thousand rows (辣椒 in stock by
    price: 19.5 ms of a 55 ms statement); a keyword's values are selective and use the index."""
    out = []
    for name, values in filters.items():
        keys = [f"{name}={v}" for v in values]
        if name in bools and len(keys) == 1:
            out.append(f"{st.bind(keys[0])} = ANY(d.keys)")
        else:
            out.append(f"d.keys {'@>' if len(keys) == 1 else '&&'} {st.bind(keys, 'text[]')}")
    for name, (lo, hi) in ranges.items():
        value = f"(d.numbers ->> {st.bind(name)})::bigint"
        if lo is not None:
            out.append(f"{value} >= {st.bind(lo)}")
        if hi is not None:
            out.append(f"{value} <= {st.bind(hi)}")
    return out


def _order(st: Statement, sort: str, score: str | None, prefer: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The sort keys (expression over ``d``, direction), most significant first; ``prefer``: bool
    fields whose true documents come first, each part in the chosen order (in stock first)."""
    first = [(f"(d.keys @> {st.bind([f'{name}=1'], 'text[]')})::int", "DESC") for name in prefer]
    if sort == "relevance" and score is not None:
        return [*first, (score, "DESC"), ("d.length", "ASC"), ("d.oid", "DESC")]
    if sort in ("newest", "relevance"):
        return [*first, ("d.newest", "DESC"), ("d.oid", "DESC")]
    direction = "DESC" if sort.startswith("-") else "ASC"
    return [*first, (f"(d.numbers ->> {st.bind(sort.lstrip('-'))})::bigint", direction), ("d.oid", direction)]


def idf(doc_count: int, df: int) -> float:
    """The whoosh backend's inverse document frequency."""
    return math.log(1 + doc_count / (1 + df))


def _score(st: Statement, words: list[Word], weights: list[float]) -> str:
    """Per group, the weight of the best part the document matches (tested best first, so a title
    match costs one test), times the group's idf; summed over the groups."""
    terms = []
    for w, word_idf in zip(words, weights, strict=True):
        cases = " ".join(f"WHEN d.terms @@ {st.bind(p.query, 'tsquery')} THEN {p.weight * word_idf!r}"
                         for p in sorted(w.parts, key=lambda p: -p.weight))
        terms.append(f"(CASE {cases} ELSE 0 END)" if cases else "0")
    return " + ".join(terms)


def statement(spec: IndexSpec, words: list[Word], *, require_all: bool, idfs: list[float],
              filters: dict[str, list[str]], ranges: dict, facets: tuple[str, ...], sort: str, limit: int,
              offset: int, facet_sample: int = 0, prefer: tuple[str, ...] = ()) -> tuple[str, dict]:
    """One SQL statement answering rows of three kinds: 'p' (a page row: object id, stored fields,
    its position), 'f' (a facet value and its count), 't' (the total). ``idfs``: each word's idf.
    With ``facet_sample``, facets are counted over at most that many of the matches, chosen by a
    hash of the object id (spread over the table, the same on every call)."""
    st = Statement()
    name = st.bind(spec.name)
    where = [f"d.index_name = {name}", *_filters(st, filters, ranges, spec.bool_fields)]
    ctes, score, source = [], None, "search_documents AS d"
    if words:
        matches = [f"({w.match})" for w in words]
        where.append(f"d.terms @@ {st.bind((' & ' if require_all else ' | ').join(matches), 'tsquery')}")
        score = _score(st, words, idfs)
    keys = _order(st, sort, score, prefer)
    columns = ", ".join(f"{expr} AS k{i}" for i, (expr, _dir) in enumerate(keys))
    names = ", ".join(f"k{i}" for i in range(len(keys)))
    order = ", ".join(f"k{i} {direction}" for i, (_expr, direction) in enumerate(keys))
    # h: a hash of the object id, so a facet sample is spread over the whole table (the first rows
    # found are one shop's or one county's products when they were added together), and the same
    # every time (a page reloaded shows the same estimates)
    ctes.append(f"m AS MATERIALIZED (SELECT d.object_id, d.keys, hashint8(d.oid) AS h, {columns} FROM {source} "
                f"WHERE {' AND '.join(where)})")
    ctes.append(f"page AS (SELECT object_id, {names} FROM m ORDER BY {order} "
                f"LIMIT {st.bind(max(0, limit - offset))} OFFSET {st.bind(offset)})")
    page_order = ", ".join(f"page.k{i} {direction}" for i, (_expr, direction) in enumerate(keys))
    sql = (f"WITH {', '.join(ctes)} "
           f"SELECT 'p' AS kind, page.object_id AS value, s.stored AS stored, "
           f"row_number() OVER (ORDER BY {page_order}) AS n FROM page JOIN search_documents AS s "
           f"ON s.index_name = {name} AND s.object_id = page.object_id "
           f"UNION ALL SELECT 'f', k, NULL, count(*) FROM (SELECT unnest(keys) AS k FROM "
           f"{'(SELECT keys FROM m ORDER BY h LIMIT ' + st.bind(facet_sample) + ') AS s' if facet_sample else 'm'}) AS u "
           f"WHERE split_part(k, '=', 1) = ANY({st.bind(list(facets), 'text[]')}) GROUP BY k "
           f"UNION ALL SELECT 't', NULL, NULL, count(*) FROM m")
    return sql, st.params


@dataclass
class Tier:
    """Documents matching one part of every group: they all score ``score`` (each group's idf times
    the weight of its part) when no better part of a group matches them."""

    score: float
    query: str


#: How many of each group's best parts are combined into tiers, by the number of groups: a single
#: word's best parts are often empty (pinyin typed is also tried as an English word, nothing has it).
TIER_PARTS = {1: 4, 2: 2, 3: 2}


def tiers(words: list[Word], idfs: list[float], require_all: bool = True) -> tuple[list[Tier], float]:
    """The ranking's best tiers, best first (each group's TIER_PARTS best parts combined), and the best score a document outside them can have. The first tier that
    matches anything holds the top documents, if it scores more than that bound and no other tier of
    the same score matches: they are all ranked equal, so their order is the tie-break alone.

    Without ``require_all`` (asked only once no document matches every group), for two groups: a
    document then matches one group alone, and scores that group's idf times its best part there."""
    ranked = [sorted(w.parts, key=lambda p: -p.weight) for w in words]
    if not require_all:
        if len(words) != 2:
            return [], math.inf
        keep = TIER_PARTS[1]
        found = [Tier(part.weight * i, f"({part.query})") for parts, i in zip(ranked, idfs, strict=True)
                 for part in parts[:keep]]
        rest = [parts[keep].weight * i for parts, i in zip(ranked, idfs, strict=True) if len(parts) > keep]
        return sorted(found, key=lambda t: -t.score), max(rest, default=0.0)
    keep = TIER_PARTS.get(len(words), 1)
    best = [parts[0].weight * i for parts, i in zip(ranked, idfs, strict=True)]
    bound = 0.0
    for g, (parts, i) in enumerate(zip(ranked, idfs, strict=True)):
        if len(parts) > keep:  # any document matching a part not combined scores at most this
            bound = max(bound, sum(best) - best[g] + parts[keep].weight * i)
    out = []
    for combo in itertools.product(*(range(min(keep, len(parts))) for parts in ranked)):
        score = sum(ranked[g][n].weight * idfs[g] for g, n in enumerate(combo))
        out.append(Tier(score, " & ".join(f"({ranked[g][n].query})" for g, n in enumerate(combo))))
    return sorted(out, key=lambda t: -t.score), bound


def _where(st: Statement, spec: IndexSpec, filters: dict[str, list[str]], ranges: dict, tsquery: str | None) -> str:
    where = [f"d.index_name = {st.bind(spec.name)}", *_filters(st, filters, ranges, spec.bool_fields)]
    if tsquery is not None:
        where.append(f"d.terms @@ {st.bind(tsquery, 'tsquery')}")
    return " AND ".join(where)


def match_query(words: list[Word], require_all: bool = True) -> str | None:
    return (" & " if require_all else " | ").join(f"({w.match})" for w in words) if words else None


def page_statement(spec: IndexSpec, words: list[Word], *, filters: dict[str, list[str]], ranges: dict, sort: str,
                   limit: int, offset: int, require_all: bool = True) -> tuple[str, dict]:
    """SELECT one page (object id, stored fields) in a sort other than relevance: no score, no facets,
    no total (an index on the sort key, "newest", walks only as far as the page)."""
    st = Statement()
    where = _where(st, spec, filters, ranges, match_query(words, require_all))
    order = ", ".join(f"{expr} {direction}" for expr, direction in _order(st, sort, None))
    sql = (f"SELECT d.object_id, d.stored FROM search_documents AS d WHERE {where} ORDER BY {order} "
           f"LIMIT {st.bind(max(0, limit - offset))} OFFSET {st.bind(offset)}")
    return sql, st.params


def tier_statement(spec: IndexSpec, tier: Tier, *, filters: dict[str, list[str]], ranges: dict,
                   limit: int) -> tuple[str, dict]:
    """SELECT the first ``limit`` documents (object id, stored fields) of one tier in static rank
    order: read from the RUM index in that order, so only those rows (and any whose weights the index
    cannot tell) are visited, however many documents the query matches."""
    st = Statement()
    # static_rank >= 0 (always true) is the RUM index's condition: only this statement may use it
    sql = (f"SELECT d.object_id, d.stored FROM search_documents AS d WHERE {_where(st, spec, filters, ranges, tier.query)} "
           f"AND d.static_rank >= 0 ORDER BY d.static_rank <=> CAST(0 AS bigint) LIMIT {st.bind(limit)}")
    return sql, st.params


#: Documents fall into this many buckets by a hash of their object id (the facet sample's index).
BUCKETS = 1024
BUCKET = f"(hashint8(d.oid) & {BUCKETS - 1})"


#: The facet sample reads the bucket index only when it takes at most this share of the buckets:
#: a scan of that index costs in proportion to the index's size times the share (0.17 us an entry),
#: a recheck of every match in proportion to the matches, so for a query matching up to a few
#: times the sample the terms' index alone, each match's bucket tested on its row, is cheaper
#: (苹果, 2,037 of 100,000 matches: 11.4 ms with the bucket index, 6.6 ms without, in psql).
BUCKET_INDEX_SHARE = 0.25


def sample_statement(spec: IndexSpec, words: list[Word], *, filters: dict[str, list[str]], ranges: dict,
                     buckets: int, require_all: bool = True) -> tuple[str, dict]:
    """Counts of every key ('f' rows: the caller keeps its facets' fields) over the matches in the
    first ``buckets`` hash buckets, and how many matches those are ('s'). With a small share of the
    buckets the bucket index is ANDed with the terms' index, so only the sample's rows are visited;
    with a large one the bucket is tested on each match's row instead (``+ 0`` keeps the planner
    off the bucket index, whose scan would then cost more than the rows it spares). The keys are
    counted unfiltered: testing each key's field cost more than the few extra groups."""
    st = Statement()
    where = _where(st, spec, filters, ranges, match_query(words, require_all))
    bucket = BUCKET if buckets <= BUCKETS * BUCKET_INDEX_SHARE else f"{BUCKET} + 0"
    sql = (f"WITH m AS MATERIALIZED (SELECT d.keys FROM search_documents AS d WHERE {where} "
           f"AND {bucket} < {st.bind(buckets)}) "
           f"SELECT 'f' AS kind, k AS value, count(*) AS n FROM (SELECT unnest(keys) AS k FROM m) AS u GROUP BY k "
           f"UNION ALL SELECT 's', NULL, count(*) FROM m")
    return sql, st.params


def total_statement(spec: IndexSpec, words: list[Word], *, filters: dict[str, list[str]], ranges: dict,
                    require_all: bool = True) -> tuple[str, dict]:
    """SELECT how many documents match every group (or any) and the filters."""
    st = Statement()
    where = _where(st, spec, filters, ranges, match_query(words, require_all))
    return (f"SELECT count(*) FROM search_documents AS d WHERE {where}",
            st.params)


def count_statement(spec: IndexSpec, queries: list[str]) -> tuple[str, dict]:
    """SELECT how many documents of the index match each tsquery (one column each)."""
    st = Statement()
    name = st.bind(spec.name)
    columns = ", ".join(f"(SELECT count(*) FROM search_documents WHERE index_name = {name} "
                        f"AND terms @@ {st.bind(q, 'tsquery')}) AS c{i}" for i, q in enumerate(queries))
    return f"SELECT {columns}", st.params
