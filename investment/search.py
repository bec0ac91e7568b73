"""The project library's search: the "projects" index of the search package.

The search package indexes published projects with Chinese word segmentation, full pinyin and
initials, keyword filters and facet counts; this module declares what a project document holds
and turns the library's query into a search query.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup, escape

from investment.models import Project, ProjectStatus
from investment.vocab import bracket_of
from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.web import Paged
from search import IndexSpec, SearchQuery, notify_changed, register_index, search

INDEX = "projects"
FACETS = ("sector", "county", "mode", "land", "bracket")
SORTS = ("relevance", "newest", "size")
MAX_QUERY = 100


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
    """Declare the "projects" index (called from investment.init_app)."""
    register_index(IndexSpec(
        name=INDEX,
        text_fields={"title": 3.0, "summary": 1.0, "body": 0.5, "region": 1.0},
        pinyin_fields=("title",),
        keyword_fields=FACETS,
        numeric_fields=("amount_cents",),
        date_fields=("published_at",),
        bool_fields=("has_land",),
        document=document,
        all_ids=all_ids,
    ))


def changed(project_id: int) -> None:
    """Tell the index a project changed; call inside the transaction that changes it."""
    notify_changed(INDEX, project_id)


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
class LibraryResult(Paged):
    projects: list[Project]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    highlights: dict[int, Markup] = field(default_factory=dict)
    error: str | None = None


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
    sort = {"newest": "newest", "size": "-amount_cents"}.get(q.sort, "relevance")
    if sort == "relevance" and not q.text:
        sort = "newest"
    res = search(INDEX, SearchQuery(text=q.text, filters=q.filters(), facets=FACETS, sort=sort, page=q.page,
                                    per_page=q.per_page))
    highlights = {}
    for pid, fields in (res.highlights or {}).items():
        if fields.get("title"):
            highlights[int(pid)] = _safe_highlight(fields["title"])
    return LibraryResult(projects=_load([int(i) for i in res.ids]), total=res.total, page=q.page,
                         per_page=q.per_page, facets=dict(res.facets or {}), highlights=highlights,
                         error=res.error)
