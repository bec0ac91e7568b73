"""The search engine adapter: named Whoosh indexes with Chinese, pinyin and initials matching.

Public interface:

    register_index(IndexSpec(...))      declare an index (products, projects, ...)
    search(name, SearchQuery(...))      -> SearchResult(ids, total, facets, highlights, error, ...)
    notify_changed(name, obj_id)        queue a re-index in the caller's DB transaction
                                        (catalog.search_index drains it after commit)

Changes to the contract, all additive:
- IndexSpec.documents(ids) (optional): a batch loader yielding (id, doc or None), used by rebuild
  and check so they do not load 100,000 rows one query at a time.
- IndexSpec.watches (optional): {Model: fn(connection, obj) -> ids}: ORM changes to these models
  are queued automatically (no notify_changed call needed).
- IndexSpec.highlight_fields (default: pinyin_fields): stored fields highlighted in results.
- SearchQuery.filters values may be a list (any of them matches); bool_fields filter on True/False.
- SearchResult also has page, per_page, pages, query (the cleaned text) and notice (e.g. "no
  document has every word; showing partial matches").

How a query runs: Whoosh stores the inverted index and numeric columns; the query is evaluated
per segment with set algebra on posting lists (a word matches if any of its fields has it; all
words must match, falling back to any word), filters intersect cached per-value document sets,
facet counts are intersections with those sets, and the page is picked with a heap. This keeps a
query at 100,000 products in single-digit milliseconds (see bench/search.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from catalog import search_engine
from catalog.search_models import SearchQueue
from catalog.search_text import ParsedQuery, highlight, parse_query
from marketplace.extensions import db

SORTS = ("relevance", "newest")


@dataclass
class IndexSpec:
    """What one index holds and how to load its documents from the database."""

    name: str
    #: field -> boost. Text is cut with jieba; fields in ``pinyin_fields`` also get pinyin/initials.
    text_fields: dict[str, float]
    document: Callable[[object], dict | None]
    all_ids: Callable[[], Iterable]
    pinyin_fields: tuple[str, ...] = ()
    #: Exact-value fields (a str or a list of str per document): filters and facet counts.
    keyword_fields: tuple[str, ...] = ()
    #: Integer fields: range filters and sorting ("price_cents" / "-price_cents").
    numeric_fields: tuple[str, ...] = ()
    #: Datetime fields: the first one is "newest".
    date_fields: tuple[str, ...] = ()
    bool_fields: tuple[str, ...] = ()
    #: Optional batch loader: ids -> iterable of (id, doc or None).
    documents: Callable[[list], Iterable[tuple[object, dict | None]]] | None = None
    #: Optional automatic change tracking: {Model: fn(connection, obj) -> iterable of ids}.
    watches: dict = field(default_factory=dict)
    highlight_fields: tuple[str, ...] | None = None
    id_type: Callable = int

    @property
    def highlighted(self) -> tuple[str, ...]:
        if self.highlight_fields is not None:
            return self.highlight_fields
        return self.pinyin_fields or tuple(self.text_fields)[:1]

    def load_documents(self, ids: list) -> Iterable[tuple[object, dict | None]]:
        if self.documents is not None:
            return self.documents(ids)
        return ((i, self.document(i)) for i in ids)


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict = field(default_factory=dict)
    ranges: dict = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    #: "relevance", "newest", "<numeric field>" (ascending) or "-<numeric field>" (descending).
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass
class SearchResult:
    ids: list = field(default_factory=list)
    total: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    highlights: dict = field(default_factory=dict)
    error: str | None = None
    notice: str | None = None
    page: int = 1
    per_page: int = 20
    query: str = ""

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1


_REGISTRY: dict[str, IndexSpec] = {}


def register_index(spec: IndexSpec) -> IndexSpec:
    """Declare an index. Registering the same name again replaces the spec (app factories, tests)."""
    _REGISTRY[spec.name] = spec
    return spec


def get_spec(name: str) -> IndexSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no search index named {name!r}; registered: {sorted(_REGISTRY)}") from None


def registered() -> dict[str, IndexSpec]:
    return dict(_REGISTRY)


def notify_changed(name: str, obj_id) -> None:
    """Queue ``obj_id`` of index ``name`` for re-indexing in the current DB transaction.

    The caller commits as usual; right after the commit the change reaches the index through the
    single-writer path (catalog.search_index).
    """
    get_spec(name)
    db.session.add(SearchQueue(index_name=name, object_id=str(obj_id)))


def _clamp_page(query: SearchQuery) -> tuple[int, int]:
    try:
        per_page = max(1, min(int(query.per_page), 100))
        page = max(1, min(int(query.page), 10_000))
    except (TypeError, ValueError):
        per_page, page = 20, 1
    return page, per_page


def search(name: str, query: SearchQuery) -> SearchResult:
    """Run ``query`` against index ``name``. Never raises on user input: see ``result.error``."""
    spec = get_spec(name)
    page, per_page = _clamp_page(query)
    result = SearchResult(page=page, per_page=per_page)
    parsed: ParsedQuery = parse_query(query.text)
    result.query = parsed.cleaned
    if parsed.truncated:
        result.notice = _("搜索词太长，只使用了前面的部分。")
    if parsed.empty and parsed.cleaned:
        result.error = _("无法识别这个搜索词。请输入商品名称、拼音或拼音首字母，例如“苹果”“pingguo”或“pg”。")
        return result

    sort = query.sort or "relevance"
    if sort not in SORTS and sort.lstrip("-") not in spec.numeric_fields:
        sort = "relevance"
    if sort == "relevance" and parsed.empty:
        sort = "newest"

    engine = search_engine.open_index(spec, current_app.config["SEARCH_INDEX_DIR"])
    hits = engine.run(parsed, filters=_clean_filters(spec, query.filters), ranges=_clean_ranges(spec, query.ranges),
                      facets=tuple(f for f in query.facets if f in spec.keyword_fields or f in spec.bool_fields),
                      sort=sort, limit=page * per_page, offset=(page - 1) * per_page)
    result.total = hits.total
    result.facets = hits.facets
    if hits.partial:
        result.notice = _("没有同时包含所有搜索词的结果，下面是部分匹配。")
    for key, stored in hits.page:
        obj_id = spec.id_type(key)
        result.ids.append(obj_id)
        result.highlights[obj_id] = {f: highlight(stored.get(f, ""), parsed, stored.get(f + search_engine.PW))
                                     for f in spec.highlighted}
    return result


def _clean_filters(spec: IndexSpec, filters: dict | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in (filters or {}).items():
        if key in spec.bool_fields:
            if value in (None, "", False) or str(value).lower() in ("0", "false", "no", "off"):
                out[key] = ["0"] if value is False else []
                if not out[key]:
                    del out[key]
                continue
            out[key] = ["1"]
        elif key in spec.keyword_fields:
            values = value if isinstance(value, (list, tuple, set)) else [value]
            values = [search_engine.keyword_value(v) for v in values if v not in (None, "")]
            if values:
                out[key] = values
    return out


def _clean_ranges(spec: IndexSpec, ranges: dict | None) -> dict[str, tuple[int | None, int | None]]:
    out = {}
    for key, bounds in (ranges or {}).items():
        if key not in spec.numeric_fields and key not in spec.date_fields:
            continue
        try:
            lo, hi = bounds
            lo = None if lo in (None, "") else search_engine.numeric_value(lo)
            hi = None if hi in (None, "") else search_engine.numeric_value(hi)
        except (TypeError, ValueError):
            continue
        if lo is not None or hi is not None:
            out[key] = (lo, hi)
    return out


def highlight_text(text: str, query_text: str) -> Markup:
    """Highlight ``query_text``'s words in any text (for fields that are not in the index)."""
    return highlight(text, parse_query(query_text))


__all__ = ["IndexSpec", "SearchQuery", "SearchResult", "register_index", "search", "notify_changed",
           "get_spec", "registered", "highlight_text"]
