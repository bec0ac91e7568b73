"""What an index is (IndexSpec), what a query asks (SearchQuery) and what comes back (SearchResult).

Domains declare their indexes here (``register_index``) from their ``init_app``; the backends
read the specs. Nothing here touches a database or an engine.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import Enum

SORTS = ("relevance", "newest")
#: Stored by the backends next to each highlighted field: its words' pinyin (analysis.pinyin_words),
#: so that highlighting a pinyin query needs no pypinyin in the web workers.
PINYIN_WORDS = "__pw"


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
    #: bool fields whose true documents come first, each part in ``sort`` order (in-stock first)
    prefer: tuple[str, ...] = ()


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
    #: facet counts are estimates (many matches: counted over a sample, see SEARCH_FACET_SAMPLE)
    facets_estimated: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1


@dataclass
class Hits:
    """What a backend answers: the total, facet counts and one page of (key, stored fields)."""

    total: int = 0
    facets: dict = field(default_factory=dict)
    #: [(key, stored fields)] for the requested page
    page: list = field(default_factory=list)
    #: no document had every word: these match some of them
    partial: bool = False
    #: the facet counts were counted over a sample of the matches and scaled
    facets_estimated: bool = False


@dataclass
class CheckReport:
    """``search check``: documents missing from the index, stale (different content), extra."""

    name: str
    missing: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    fixed: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def keyword_value(value) -> str:
    """A keyword field's value as it is indexed and filtered on."""
    if isinstance(value, Enum):
        value = value.value
    return str(value).replace(",", " ").strip()


def key_number(key) -> int:
    """A document key's number, the tie-break between equally ranked documents (newer ids first):
    the key itself, or the number after its kind ("request:12" -> 12); 0 when there is none."""
    text = str(key)
    try:
        return int(text.rpartition(":")[2])
    except ValueError:
        return 0


def numeric_value(value) -> int:
    """A numeric or date field's value as an integer (datetimes: seconds since the epoch, UTC)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return int(value.timestamp())
    return int(value)


@dataclass(frozen=True)
class IndexExtension:
    """Fields a higher domain adds to another domain's index (reviews adds a product's ``rating`` to
    "products"), so the index's owner never imports it. ``values(ids)`` -> {id: {field: value}} for a
    batch of the documents being written (ids it leaves out get ``defaults``); the higher domain calls
    ``notify_changed`` when its values change."""

    name: str
    values: Callable[[list], dict]
    numeric_fields: tuple[str, ...] = ()
    keyword_fields: tuple[str, ...] = ()
    defaults: dict = field(default_factory=dict)


_REGISTRY: dict[str, IndexSpec] = {}
#: The declared specs as their owners wrote them, and the extensions of each index by name.
_BASE: dict[str, IndexSpec] = {}
_EXTENSIONS: dict[str, dict[str, IndexExtension]] = {}


def _extended(spec: IndexSpec, extensions: list[IndexExtension]) -> IndexSpec:
    """``spec`` with the extensions' fields declared and their values merged into every document."""
    if not extensions:
        return spec
    base_batch = spec.load_documents

    def documents(ids: list):
        pairs = list(base_batch(ids))
        found = [key for key, doc in pairs if doc is not None]
        extra = [(ext, ext.values(found) if found else {}) for ext in extensions]
        out = []
        for key, doc in pairs:
            if doc is not None:
                doc = dict(doc)
                for ext, values in extra:
                    doc.update({**ext.defaults, **values.get(spec.id_type(key), {})})
            out.append((key, doc))
        return out

    return replace(spec, documents=documents, document=lambda obj_id: documents([obj_id])[0][1],
                   numeric_fields=tuple(dict.fromkeys((*spec.numeric_fields,
                                                       *(f for e in extensions for f in e.numeric_fields)))),
                   keyword_fields=tuple(dict.fromkeys((*spec.keyword_fields,
                                                       *(f for e in extensions for f in e.keyword_fields)))))


def register_index(spec: IndexSpec) -> IndexSpec:
    """Declare an index. Registering the same name again replaces the spec (app factories, tests);
    the extensions declared for it stay."""
    _BASE[spec.name] = spec
    _REGISTRY[spec.name] = _extended(spec, list(_EXTENSIONS.get(spec.name, {}).values()))
    return _REGISTRY[spec.name]


def extend_index(index: str, extension: IndexExtension) -> IndexSpec:
    """Add (or replace, by its name) an extension of the declared index ``index``."""
    if index not in _BASE:
        raise KeyError(f"no search index named {index!r} to extend; registered: {sorted(_BASE)}")
    _EXTENSIONS.setdefault(index, {})[extension.name] = extension
    return register_index(_BASE[index])


def index_group(name: str) -> str:
    """The cache group of pages that show index ``name``'s results (marketplace.cache): the whoosh
    backend bumps it when it has applied changes to that index, after the catalogue's own commit."""
    return f"search-{name}"


def get_spec(name: str) -> IndexSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no search index named {name!r}; registered: {sorted(_REGISTRY)}") from None


def registered() -> dict[str, IndexSpec]:
    return dict(_REGISTRY)
