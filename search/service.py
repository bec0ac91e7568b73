"""The search service: ``search(name, SearchQuery)`` and ``notify_changed(name, id)``.

    register_index(IndexSpec(...))      declare an index (products, projects, ...)     search.spec
    search(name, SearchQuery(...))      -> SearchResult(ids, total, facets, highlights, error, ...)
    notify_changed(name, obj_id)        re-index an object in the caller's DB transaction

Contract details, all additive over time:
- IndexSpec.documents(ids) (optional): a batch loader yielding (id, doc or None), used by rebuild
  and check so they do not load 100,000 rows one query at a time.
- IndexSpec.watches (optional): {Model: fn(connection, obj) -> ids}: ORM changes to these models
  reach the index automatically (no notify_changed call needed; see search.tracking).
- IndexSpec.highlight_fields (default: pinyin_fields): stored fields highlighted in results.
- SearchQuery.filters values may be a list (any of them matches); bool_fields filter on True/False.
- SearchResult also has page, per_page, pages, query (the cleaned text) and notice (e.g. "no
  document has every word; showing partial matches").

The query is parsed and its filters, ranges and sort are checked against the spec here, once for
every backend; the backend (search.backend) evaluates it, and the page is highlighted here.
"""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from marketplace.extensions import db
from search.analysis import ParsedQuery, highlight, parse_query
from search.backend import current_backend
from search.spec import (
    PINYIN_WORDS,
    SORTS,
    IndexSpec,
    SearchQuery,
    SearchResult,
    get_spec,
    keyword_value,
    numeric_value,
)
from search.synonyms import current_synonyms


def notify_changed(name: str, obj_id) -> None:
    """Re-index ``obj_id`` of index ``name`` as part of the current DB transaction.

    The caller commits as usual; the change reaches the index with that commit (the backend
    decides how: see search.backend). Rolled back with the transaction.
    """
    get_spec(name)
    current_backend().changed(db.session(), name, {str(obj_id)})


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
    parsed.synonyms = current_synonyms() if not parsed.empty else None
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

    hits = current_backend().run(
        spec, parsed, filters=_clean_filters(spec, query.filters), ranges=_clean_ranges(spec, query.ranges),
        facets=tuple(f for f in query.facets if f in spec.keyword_fields or f in spec.bool_fields),
        sort=sort, limit=page * per_page, offset=(page - 1) * per_page,
        **({"prefer": prefer} if (prefer := tuple(f for f in query.prefer if f in spec.bool_fields)) else {}))
    result.total = hits.total
    result.facets = hits.facets
    result.facets_estimated = hits.facets_estimated
    if hits.partial:
        result.notice = _("没有同时包含所有搜索词的结果，下面是部分匹配。")
    for key, stored in hits.page:
        obj_id = spec.id_type(key)
        result.ids.append(obj_id)
        result.highlights[obj_id] = {f: highlight(stored.get(f, ""), parsed, stored.get(f + PINYIN_WORDS))
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
            values = [keyword_value(v) for v in values if v not in (None, "")]
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
            lo = None if lo in (None, "") else numeric_value(lo)
            hi = None if hi in (None, "") else numeric_value(hi)
        except (TypeError, ValueError):
            continue
        if lo is not None or hi is not None:
            out[key] = (lo, hi)
    return out


def highlight_text(text: str, query_text: str) -> Markup:
    """Highlight ``query_text``'s words in any text (for fields that are not in the index)."""
    return highlight(text, parse_query(query_text))
