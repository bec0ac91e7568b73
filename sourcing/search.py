"""The 供求信息 board's search index ("sourcing"): one document per findable board post, of any kind.

A document's key is ``"<kind>:<id>"`` ("request:12"). Each kind of post (requests here; supply
posts add a second ``Kind``) says which of its posts are findable and what their documents hold,
and which ORM changes re-index them (``watches``): every service that changes a post (posted,
published, edited as a new revision, closed at its maximum, expired by the job, cancelled,
awarded, made private) reaches the index in its own transaction through the search package's
session events, as catalog's products do; no service has to remember a call. Only findable posts
have a document (a request: open and public), so a closed or private one cannot be found.

The board asks the engine for the ranked keys of one kind (``board_matches``) and restricts its
own SQL query to them, keeping its filters, its pagination and its statement budget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from catalog.models import Category
from marketplace.db import as_utc, utcnow
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from search import IndexSpec, SearchQuery, register_index, search
from sourcing.models import RequestStatus, SourcingRequest, SourcingRequestChange, Visibility
from sourcing.supply_models import SupplyPost, SupplyPostChange, SupplyStatus

INDEX = "sourcing"
#: The most ranked matches the board takes for one query (the engine's largest page): the board is
#: paginated in SQL over these, so a search costs one engine call whatever the number of posts.
MAX_MATCHES = 100
MAX_QUERY = 100


@dataclass(frozen=True)
class Kind:
    """One kind of board post in the index."""

    name: str
    #: ids -> {id: document} of the findable ones among them (the others are left out: removed)
    documents: Callable[[list[int]], dict[int, dict]]
    #: every findable post's id (rebuild, check)
    all_ids: Callable[[], Iterable[int]]
    #: {Model: fn(connection, obj) -> post ids}: the changes that re-index posts of this kind
    watches: dict = field(default_factory=dict)


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def key(kind: str, obj_id: int) -> str:
    return f"{kind}:{obj_id}"


def split_key(value) -> tuple[str, int] | None:
    kind, _sep, number = str(value).partition(":")
    return (kind, int(number)) if number.isdigit() else None


# --- the index: documents of every kind -----------------------------------------------------

def documents(keys: list) -> list[tuple[str, dict | None]]:
    """Documents for a batch of keys (None for a post that is not findable, or not known)."""
    wanted: dict[str, list[int]] = {}
    for k in keys:
        parts = split_key(k)
        if parts is not None and parts[0] in KINDS:
            wanted.setdefault(parts[0], []).append(parts[1])
    found: dict[str, dict] = {}
    for kind, ids in wanted.items():
        for obj_id, doc in KINDS[kind].documents(ids).items():
            found[key(kind, obj_id)] = {**doc, "kind": kind}
    return [(str(k), found.get(str(k))) for k in keys]


def document(k) -> dict | None:
    return documents([k])[0][1]


def all_ids() -> list[str]:
    return [key(kind.name, i) for kind in KINDS.values() for i in kind.all_ids()]


def _watches() -> dict:
    """Every kind's watches as the spec's: {Model: fn(connection, obj) -> keys}."""
    by_model: dict[type, list[tuple[str, Callable]]] = {}
    for kind in KINDS.values():
        for model, ids_for in kind.watches.items():
            by_model.setdefault(model, []).append((kind.name, ids_for))

    def watch(pairs):
        return lambda conn, obj: [key(name, i) for name, ids_for in pairs for i in ids_for(conn, obj) if i is not None]

    return {model: watch(pairs) for model, pairs in by_model.items()}


def register(app=None) -> IndexSpec:
    """Declare the "sourcing" index with the kinds registered so far (called from sourcing.init_app)."""
    register_kind(REQUESTS)
    register_kind(SUPPLY)
    return register_index(IndexSpec(
        name=INDEX,
        text_fields={"title": 4.0, "spec": 1.0, "facts": 1.0},
        pinyin_fields=("title",),
        #: category: the post's category and its parents (ids); region: its region and those above (codes)
        keyword_fields=("kind", "category", "region"),
        date_fields=("created_at", "deadline"),
        document=document,
        documents=documents,
        all_ids=all_ids,
        watches=_watches(),
        id_type=str,
    ))


class _Chains:
    """Categories and regions with those above them, each row read once per batch."""

    def __init__(self):
        self.rows: dict[tuple[type, int], object] = {}

    def chain(self, model, row_id: int | None) -> list:
        """The row and its parents, nearest first (the country left out)."""
        out = []
        while row_id and len(out) < 10:
            if (model, row_id) not in self.rows:
                columns = [model.id, model.name, model.parent_id]
                columns += [Region.code, Region.level] if model is Region else [Category.path]
                self.rows[(model, row_id)] = db.session.execute(sa.select(*columns).where(model.id == row_id)).first()
            row = self.rows[(model, row_id)]
            if row is None or (model is Region and row.level == RegionLevel.COUNTRY):
                break
            out.append(row)
            row_id = row.parent_id
        return out


# --- requests -------------------------------------------------------------------------------

def findable_requests():
    """A request is on the board while it is open and public (its deadline is checked by the board)."""
    return sa.and_(SourcingRequest.status == RequestStatus.OPEN, SourcingRequest.visibility == Visibility.PUBLIC)


def _post_document(chains: _Chains, post, *extra: str) -> dict:
    """What every kind's document holds: its words, its category and region with those above them."""
    categories = chains.chain(Category, post.category_id)
    regions = chains.chain(Region, post.region_id)
    return {
        "title": post.title,
        "spec": post.spec or "",
        "facts": " ".join([*(c.name for c in reversed(categories)), *(r.name for r in reversed(regions)), *extra]),
        "category": [str(c.id) for c in categories],
        "region": [r.code for r in regions],
    }


def _request_documents(ids: list[int]) -> dict[int, dict]:
    rows = db.session.scalars(sa.select(SourcingRequest).options(
        joinedload(SourcingRequest.category), joinedload(SourcingRequest.region))
        .where(SourcingRequest.id.in_(ids), findable_requests())).unique().all()
    chains = _Chains()
    # aware UTC always: SQLite hands back naive datetimes, and the index compares documents
    return {req.id: {**_post_document(chains, req), "created_at": as_utc(req.opened_at or req.created_at),
                     "deadline": as_utc(req.quote_deadline)} for req in rows}


def _request_ids():
    return db.session.scalars(sa.select(SourcingRequest.id).where(findable_requests()).order_by(SourcingRequest.id))


def _renamed(obj, *attrs) -> bool:
    state = sa.inspect(obj)
    return bool(state.deleted or state.was_deleted or any(state.attrs[a].history.has_changes() for a in attrs))


def _requests_in(conn, category) -> list[int]:
    if not _renamed(category, "name", "path", "parent_id"):
        return []
    return list(conn.execute(sa.select(SourcingRequest.id).where(
        SourcingRequest.category_id == category.id, findable_requests())).scalars())


REQUESTS = Kind(
    name="request",
    documents=_request_documents,
    all_ids=_request_ids,
    watches={
        SourcingRequest: lambda conn, obj: [obj.id],  # posted, edited (a revision, the visibility)
        # every status move (the state machine's conditional UPDATE leaves the request clean, but
        # writes its history row): published, closed, expired, cancelled, awarded
        SourcingRequestChange: lambda conn, obj: [obj.request_id],
        Category: _requests_in,
    },
)


# --- supply posts ---------------------------------------------------------------------------

def findable_supply():
    """A supply post is on the board while it is open (its window and its shop are checked by the board)."""
    return SupplyPost.status == SupplyStatus.OPEN


def _supply_documents(ids: list[int]) -> dict[int, dict]:
    rows = db.session.scalars(sa.select(SupplyPost).options(joinedload(SupplyPost.shop))
                              .where(SupplyPost.id.in_(ids), findable_supply())).unique().all()
    chains = _Chains()
    end_of_window = dt.time(23, 59, 59)
    return {post.id: {**_post_document(chains, post, post.shop.name), "created_at": as_utc(post.created_at),
                      "deadline": as_utc(dt.datetime.combine(post.available_until, end_of_window))} for post in rows}


def _supply_ids():
    return db.session.scalars(sa.select(SupplyPost.id).where(findable_supply()).order_by(SupplyPost.id))


def _supply_in(conn, category) -> list[int]:
    if not _renamed(category, "name", "path", "parent_id"):
        return []
    return list(conn.execute(sa.select(SupplyPost.id).where(SupplyPost.category_id == category.id,
                                                            findable_supply())).scalars())


SUPPLY = Kind(
    name="supply",
    documents=_supply_documents,
    all_ids=_supply_ids,
    watches={
        SupplyPost: lambda conn, obj: [obj.id],  # posted, edited
        SupplyPostChange: lambda conn, obj: [obj.post_id],  # withdrawn, sold out, expired, reopened
        Category: _supply_in,
    },
)


# --- the board's keyword search -------------------------------------------------------------

@dataclass
class BoardMatches:
    """The engine's answer for the board: (kind, id) of the matching posts, best first."""

    query: str
    keys: list[tuple[str, int]]
    total: int = 0
    error: str | None = None
    notice: str | None = None

    def ids(self, kind: str) -> list[int]:
        return [obj_id for k, obj_id in self.keys if k == kind]

    @property
    def rank(self) -> dict[tuple[str, int], int]:
        return {k: n for n, k in enumerate(self.keys)}

    def restrict(self, stmt: sa.Select, column, kind: str) -> sa.Select:
        """``stmt`` limited to the matches of ``kind`` (none: nothing)."""
        ids = self.ids(kind)
        return stmt.where(column.in_(ids)) if ids else stmt.where(sa.false())

    def ranked(self, column, kind: str):
        """An ORDER BY term: the engine's rank among the posts of ``kind``."""
        ids = self.ids(kind)
        if not ids:
            return column.desc()
        return sa.case({obj_id: n for n, obj_id in enumerate(ids)}, value=column, else_=len(ids))


def board_matches(text: str | None, kind: str, *, category_id: int | None = None, county: Region | None = None,
                  within_days: int | None = None) -> BoardMatches | None:
    """The board's keyword search: findable posts of ``kind`` ("" for every kind) matching ``text``
    (None: no text).

    The board's filters are passed on too, so the best ``MAX_MATCHES`` are taken among the posts
    the board will show; the board still applies its own (the database decides, the index ranks).
    """
    text = (text or "").strip()[:MAX_QUERY]
    if not text:
        return None
    filters: dict = {"kind": kind} if kind else {}
    if category_id:
        filters["category"] = str(category_id)
    if county is not None:
        filters["region"] = county.code
    ranges = {"deadline": (None, utcnow() + dt.timedelta(days=within_days))} if within_days else {}
    result = search(INDEX, SearchQuery(text=text, filters=filters, ranges=ranges, per_page=MAX_MATCHES))
    keys = [parts for parts in map(split_key, result.ids) if parts is not None and parts[0] in (kind or KINDS)]
    notice = result.notice
    if result.total > MAX_MATCHES:
        notice = _("找到的信息很多，只列出最相关的 %(n)d 条；请加上更多词或筛选条件。", n=MAX_MATCHES)
    return BoardMatches(query=result.query or text, keys=keys, total=result.total, error=result.error, notice=notice)
