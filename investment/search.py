"""The project library's search: the catalogue's search engine ("projects" index) when present.

The engine (catalog.search) indexes published projects with Chinese word segmentation, full
pinyin and initials, keyword filters and facet counts. Until it is installed, or when it fails,
``find_projects`` falls back to a database query that matches the text against the title, summary
and the title's pinyin/initials computed on the fly (the published set is small), so the library
keeps working either way.
"""

from __future__ import annotations

import contextlib
import html
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup, escape

from investment.models import LandStatus, Project, ProjectStatus
from investment.vocab import bracket_of, bracket_range
from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.regions.models import Region

log = logging.getLogger(__name__)

INDEX = "projects"
FACETS = ("sector", "county", "mode", "land", "bracket")
SORTS = ("relevance", "newest", "size")
MAX_QUERY = 100


def _engine():
    """The catalogue's search module, if it offers the contract's functions."""
    try:
        from catalog import search as engine
    except ImportError:
        return None
    names = ("IndexSpec", "SearchQuery", "register_index", "search", "notify_changed")
    return engine if all(hasattr(engine, n) for n in names) else None


def document(project_id: int) -> dict | None:
    """The index document of one project; None (= remove from the index) unless it is published."""
    project = db.session.get(Project, project_id)
    if project is None or project.status != ProjectStatus.PUBLISHED:
        return None
    region = project.region
    return {
        "title": project.title,
        "summary": project.summary,
        "body": "\n".join([project.construction, project.market_outlook, project.incentives, project.code]),
        "region": " ".join(filter(None, [region.name if region else "", project.park, project.address])),
        "sector": project.sector,
        "county": region.code if region else "",
        "mode": project.mode.value,
        "land": "available" if project.land_status.available else "none",
        "bracket": bracket_of(project.total_investment_cents),
        "amount_cents": project.total_investment_cents,
        # aware UTC always: SQLite hands back naive datetimes, and the index compares documents
        "published_at": as_utc(project.published_at or project.created_at),
        "has_land": project.land_status.available,
    }


def all_ids():
    return db.session.scalars(sa.select(Project.id).where(Project.status == ProjectStatus.PUBLISHED))


def register(app) -> None:
    """Register the "projects" index with the engine (called from investment.init_app)."""
    engine = _engine()
    if engine is None:
        app.logger.info("catalog.search not available: the project library uses the database filter")
        return
    spec = engine.IndexSpec(
        name=INDEX,
        text_fields={"title": 3.0, "summary": 1.0, "body": 0.5, "region": 1.0},
        pinyin_fields=("title",),
        keyword_fields=FACETS,
        numeric_fields=("amount_cents",),
        date_fields=("published_at",),
        bool_fields=("has_land",),
        document=document,
        all_ids=all_ids,
    )
    with contextlib.suppress(ValueError):  # registered by an earlier app in this process (tests build many)
        engine.register_index(spec)


def changed(project_id: int) -> None:
    """Tell the index a project changed; call inside the transaction that changes it."""
    engine = _engine()
    if engine is not None:
        engine.notify_changed(INDEX, project_id)


@dataclass
class LibraryQuery:
    text: str = ""
    sector: str = ""
    county: str = ""
    bracket: str = ""
    mode: str = ""
    land: bool = False
    sort: str = "newest"
    page: int = 1
    per_page: int = 12

    def filters(self) -> dict[str, str]:
        out = {"sector": self.sector, "county": self.county, "bracket": self.bracket, "mode": self.mode,
               "land": "available" if self.land else ""}
        return {k: v for k, v in out.items() if v}


@dataclass
class LibraryResult:
    projects: list[Project]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    highlights: dict[int, Markup] = field(default_factory=dict)
    error: str | None = None
    engine: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _safe_highlight(fragment: str) -> Markup:
    """Keep <mark> only, whatever the engine returned."""
    text = escape(html.unescape(fragment.replace("<mark>", "\x01").replace("</mark>", "\x02")))
    # Everything is escaped above; only the two marker characters become tags.
    return Markup(str(text).replace("\x01", "<mark>").replace("\x02", "</mark>"))  # noqa: S704


def _load(ids: list[int]) -> list[Project]:
    if not ids:
        return []
    rows = {p.id: p for p in db.session.scalars(sa.select(Project).where(
        Project.id.in_(ids), Project.status == ProjectStatus.PUBLISHED))}
    return [rows[i] for i in ids if i in rows]


def find_projects(q: LibraryQuery) -> LibraryResult:
    """Published projects matching the query, one page of them, with facet counts."""
    q.text = (q.text or "").strip()[:MAX_QUERY]
    engine = _engine()
    if engine is not None:
        try:
            return _engine_search(engine, q)
        except Exception:  # the library must keep working if the index is broken: fall back
            log.exception("project search engine failed; using the database filter")
    return _db_search(q)


def _engine_search(engine, q: LibraryQuery) -> LibraryResult:
    sort = {"newest": "newest", "size": "-amount_cents"}.get(q.sort, "relevance")
    if sort == "relevance" and not q.text:
        sort = "newest"
    res = engine.search(INDEX, engine.SearchQuery(text=q.text, filters=q.filters(), facets=FACETS, sort=sort,
                                                  page=q.page, per_page=q.per_page))
    highlights = {}
    for pid, fields in (res.highlights or {}).items():
        if fields.get("title"):
            highlights[int(pid)] = _safe_highlight(fields["title"])
    return LibraryResult(projects=_load([int(i) for i in res.ids]), total=res.total, page=q.page,
                         per_page=q.per_page, facets=dict(res.facets or {}), highlights=highlights,
                         error=res.error, engine=True)


def _pinyin_keys(title: str) -> tuple[str, str]:
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:  # pragma: no cover - pypinyin is a dependency
        return "", ""
    full = lazy_pinyin(title, errors="ignore")
    initials = lazy_pinyin(title, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(full).lower(), "".join(initials).lower()


def _matches(project: Project, needle: str) -> bool:
    compact = needle.lower().replace(" ", "")
    hay = " ".join([project.title, project.summary, project.park, project.code, project.construction,
                    project.region.name if project.region else ""]).lower()
    if all(word in hay for word in needle.lower().split()):
        return True
    if compact.isascii() and compact.isalnum():
        full, initials = _pinyin_keys(project.title)
        return compact in full or compact in initials
    return False


def _db_search(q: LibraryQuery) -> LibraryResult:
    stmt = sa.select(Project).join(Region, Project.region_id == Region.id).where(
        Project.status == ProjectStatus.PUBLISHED)
    if q.sector:
        stmt = stmt.where(Project.sector == q.sector)
    if q.county:
        stmt = stmt.where(Region.code == q.county)
    if q.mode:
        stmt = stmt.where(Project.mode == q.mode)
    if q.land:
        stmt = stmt.where(Project.land_status.in_([LandStatus.READY, LandStatus.FACTORY]))
    rng = bracket_range(q.bracket) if q.bracket else None
    if rng:
        stmt = stmt.where(Project.total_investment_cents >= rng[0])
        if rng[1] is not None:
            stmt = stmt.where(Project.total_investment_cents < rng[1])
    if q.sort == "size":
        stmt = stmt.order_by(Project.total_investment_cents.desc(), Project.id.desc())
    else:
        stmt = stmt.order_by(sa.func.coalesce(Project.published_at, Project.created_at).desc(), Project.id.desc())
    rows = list(db.session.scalars(stmt))
    if q.text:
        rows = [p for p in rows if _matches(p, q.text)]
    facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for p in rows:
        values = {"sector": p.sector, "county": p.region.code if p.region else "", "mode": p.mode.value,
                  "land": "available" if p.land_status.available else "none",
                  "bracket": bracket_of(p.total_investment_cents)}
        for name, value in values.items():
            facets[name][value] = facets[name].get(value, 0) + 1
    start = (q.page - 1) * q.per_page
    return LibraryResult(projects=rows[start:start + q.per_page], total=len(rows), page=q.page, per_page=q.per_page,
                         facets={k: sorted(v.items(), key=lambda kv: -kv[1]) for k, v in facets.items()})
