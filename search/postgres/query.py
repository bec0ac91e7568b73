"""Query evaluation in SQL: the whoosh backend's matching and ranking, as tsquery and one statement.

A parsed query becomes, word by word, a tsquery of the lexemes it stands for (search.postgres.
documents): an ASCII word matches its stem in any text field or its pinyin/initials in a pinyin
field (a prefix when typed as ``ping*``, or when the whole spelling is in no document, as ``pingg``);
a Chinese word matches when each of its precise-mode pieces does (a piece no document has is
replaced by its dictionary sub-words, all required). All words must match; when together they
find nothing, any of them (``partial``). The score of a document is, over the query's words,
``idf(word) * sum(boost of each field class and pinyin field the word matched in)``, with
``idf = ln(1 + N / (1 + documents matching the word))``, as the whoosh backend ranks; ties go to
the shorter title, then the newer id. Filters are GIN lookups on ``keys``; facet counts an
aggregate over the matches' keys; the page, the total and the facets come from one statement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from search.analysis import ParsedQuery, QueryWord, stem, sub_terms
from search.postgres.documents import FULL, INITIALS, class_boosts, pinyin_lexeme, quote, weight_classes
from search.spec import IndexSpec

PINYIN_WEIGHT = 0.8
PREFIX_WEIGHT = 0.7


@dataclass
class Part:
    """A ranking part: documents matching ``query`` (a weight-restricted tsquery) score ``weight``."""

    weight: float
    query: str


@dataclass
class Word:
    #: tsquery of the documents this word matches
    match: str
    parts: list[Part] = field(default_factory=list)


def _pinyin(spec: IndexSpec):
    """(field number, its weight letter, its boost) of each pinyin field."""
    letters = weight_classes(spec)
    return [(n, letters.get(name, "D"), spec.text_fields.get(name, 1.0) * PINYIN_WEIGHT)
            for n, name in enumerate(spec.pinyin_fields)]


def _exact_ascii(spec: IndexSpec, word: QueryWord) -> tuple[str, list[Part]]:
    term = word.terms[0]
    stemmed = quote(stem(term))
    parts = [Part(boost, f"{stemmed}:{letter}") for letter, boost in sorted(class_boosts(spec).items())]
    alternatives = [stemmed]
    for number, letter, boost in _pinyin(spec):
        for mark in (FULL, INITIALS):
            lexeme = quote(pinyin_lexeme(mark, number, term))
            parts.append(Part(boost, f"{lexeme}:{letter}"))
            alternatives.append(lexeme)
    return " | ".join(alternatives), parts


def checks(spec: IndexSpec, parsed: ParsedQuery) -> list[str]:
    """tsqueries whose presence in the index decides how a word is matched (asked before the query)."""
    out = []
    for word in parsed.words:
        if word.is_ascii:
            if not word.prefix and len(word.terms[0]) >= 3:
                out.append(_exact_ascii(spec, word)[0])
        else:
            out += [quote(term) for term in word.terms if sub_terms(term)]
    return out


def plan(spec: IndexSpec, parsed: ParsedQuery, present: dict[str, bool]) -> list[Word]:
    """Each query word's tsquery and ranking parts; ``present``: the answers to ``checks``."""
    boosts = sorted(class_boosts(spec).items())
    words = []
    for word in parsed.words:
        if word.is_ascii:
            exact, parts = _exact_ascii(spec, word)
            alternatives = [exact]
            term = word.terms[0]
            if word.prefix or (len(term) >= 3 and not present.get(exact, True)):
                for number, letter, boost in _pinyin(spec):
                    for mark in (FULL, INITIALS) if word.prefix else (FULL,):
                        lexeme = quote(pinyin_lexeme(mark, number, term))
                        parts.append(Part(boost * PREFIX_WEIGHT, f"{lexeme}:*{letter}"))
                        alternatives.append(f"{lexeme}:*")
            words.append(Word(" | ".join(alternatives), parts))
            continue
        share = 1.0 / len(word.terms)
        unions, parts = [], []
        for term in word.terms:
            pieces = sub_terms(term)
            if pieces and not present.get(quote(term), True):
                unions.append("(" + " & ".join(quote(p) for p in pieces) + ")")
                parts += [Part(boost * share / len(pieces), f"{quote(p)}:{letter}")
                          for p in pieces for letter, boost in boosts]
            else:
                unions.append(quote(term))
                parts += [Part(boost * share, f"{quote(term)}:{letter}") for letter, boost in boosts]
        words.append(Word(" & ".join(unions), parts))
    return words


class Statement:
    """Bind parameters with generated names, for a statement assembled from parts."""

    def __init__(self):
        self.params: dict = {}

    def bind(self, value, cast: str | None = None) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"CAST(:{name} AS {cast})" if cast else f":{name}"


def _filters(st: Statement, filters: dict[str, list[str]], ranges: dict) -> list[str]:
    out = []
    for name, values in filters.items():
        keys = [f"{name}={v}" for v in values]
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
    terms = []
    for w, word_idf in zip(words, weights, strict=True):
        cases = " + ".join(f"CASE WHEN d.terms @@ {st.bind(p.query, 'tsquery')} THEN {p.weight * word_idf!r} ELSE 0 END"
                           for p in w.parts) or "0"
        terms.append(f"({cases})")
    return " + ".join(terms)


def statement(spec: IndexSpec, words: list[Word], *, require_all: bool, idfs: list[float],
              filters: dict[str, list[str]], ranges: dict, facets: tuple[str, ...], sort: str, limit: int,
              offset: int, facet_sample: int = 0, prefer: tuple[str, ...] = ()) -> tuple[str, dict]:
    """One SQL statement answering rows of three kinds: 'p' (a page row: object id, stored fields,
    its position), 'f' (a facet value and its count), 't' (the total). ``idfs``: each word's idf.
    With ``facet_sample``, facets are counted over at most that many of the matches."""
    st = Statement()
    name = st.bind(spec.name)
    where = [f"d.index_name = {name}", *_filters(st, filters, ranges)]
    ctes, score, source = [], None, "search_documents AS d"
    if words:
        matches = [f"({w.match})" for w in words]
        where.append(f"d.terms @@ {st.bind((' & ' if require_all else ' | ').join(matches), 'tsquery')}")
        score = _score(st, words, idfs)
    keys = _order(st, sort, score, prefer)
    columns = ", ".join(f"{expr} AS k{i}" for i, (expr, _dir) in enumerate(keys))
    names = ", ".join(f"k{i}" for i in range(len(keys)))
    order = ", ".join(f"k{i} {direction}" for i, (_expr, direction) in enumerate(keys))
    ctes.append(f"m AS MATERIALIZED (SELECT d.object_id, d.keys, {columns} FROM {source} "
                f"WHERE {' AND '.join(where)})")
    ctes.append(f"page AS (SELECT object_id, {names} FROM m ORDER BY {order} "
                f"LIMIT {st.bind(max(0, limit - offset))} OFFSET {st.bind(offset)})")
    page_order = ", ".join(f"page.k{i} {direction}" for i, (_expr, direction) in enumerate(keys))
    sql = (f"WITH {', '.join(ctes)} "
           f"SELECT 'p' AS kind, page.object_id AS value, s.stored AS stored, "
           f"row_number() OVER (ORDER BY {page_order}) AS n FROM page JOIN search_documents AS s "
           f"ON s.index_name = {name} AND s.object_id = page.object_id "
           f"UNION ALL SELECT 'f', k, NULL, count(*) FROM (SELECT unnest(keys) AS k FROM "
           f"{'(SELECT keys FROM m LIMIT ' + st.bind(facet_sample) + ') AS s' if facet_sample else 'm'}) AS u "
           f"WHERE split_part(k, '=', 1) = ANY({st.bind(list(facets), 'text[]')}) GROUP BY k "
           f"UNION ALL SELECT 't', NULL, NULL, count(*) FROM m")
    return sql, st.params


def count_statement(spec: IndexSpec, queries: list[str]) -> tuple[str, dict]:
    """SELECT how many documents of the index match each tsquery (one column each)."""
    st = Statement()
    name = st.bind(spec.name)
    columns = ", ".join(f"(SELECT count(*) FROM search_documents WHERE index_name = {name} "
                        f"AND terms @@ {st.bind(q, 'tsquery')}) AS c{i}" for i, q in enumerate(queries))
    return f"SELECT {columns}", st.params


def exists_statement(spec: IndexSpec, queries: list[str]) -> tuple[str, dict]:
    """SELECT whether any document of the index matches each tsquery (one boolean column each)."""
    st = Statement()
    name = st.bind(spec.name)
    columns = ", ".join(f"EXISTS (SELECT 1 FROM search_documents WHERE index_name = {name} "
                        f"AND terms @@ {st.bind(q, 'tsquery')}) AS e{i}" for i, q in enumerate(queries))
    return f"SELECT {columns}", st.params
