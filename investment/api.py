"""JSON: the published project library. GET /api/v1/projects and /api/v1/projects/<id>.

Same filters and search as the HTML library; private contact details are never included, and
only published projects exist here (anything else is a 404).
"""

from __future__ import annotations

from flask_babel import gettext as _

from investment.api_schemas import ProjectDetailSchema, ProjectListSchema, ProjectQuerySchema
from investment.models import Project, ProjectStatus
from investment.queries import library_query
from investment.search import find_projects
from investment.vocab import MODE_LABELS, bracket_of, sector_name
from marketplace.api import api_bp, page_args
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.openapi import api_doc
from marketplace.privacy.masking import mask_email, mask_name, mask_phone


def project_json(project: Project, *, detail: bool = False) -> dict:
    locale = current_locale_code()
    region = project.region
    data = {
        "id": project.id,
        "code": project.code,
        "title": project.title,
        "summary": project.summary,
        "sector": {"code": project.sector, "name": sector_name(project.sector, locale)},
        "county": {"code": region.code, "name": region.localized_name(locale)} if region else None,
        "park": project.park,
        "total_investment_cents": project.total_investment_cents,
        "sought_cents": project.sought_cents,
        "bracket": bracket_of(project.total_investment_cents),
        "mode": {"code": project.mode.value, "name": str(MODE_LABELS[project.mode])},
        "land_area_mu_hundredths": project.land_area_hundredths,
        "land_nature": project.land_nature.value,
        "land_status": project.land_status.value,
        "land_available": project.has_land,
        "published_at": project.published_at.isoformat() if project.published_at else None,
        "valid_until": project.valid_until.isoformat() if project.valid_until else None,
        "view_count": project.view_count,
        "url": f"/invest/projects/{project.id}",
    }
    if detail:
        data.update({
            "address": project.address,
            "construction": project.construction,
            "market_outlook": project.market_outlook,
            "incentives": project.incentives,
            "expected_returns": project.expected_returns,
            "photos": [{"url": "/media/" + a.key, "thumb_url": "/media/" + (a.thumb_key or a.key), "caption": a.caption}
                       for a in project.photos],
            "documents": [{"url": f"/invest/attachments/{a.id}", "name": a.caption or a.filename,
                           "size_bytes": a.size_bytes} for a in project.documents if a.public],
            # Private contact details never leave through the API; public ones leave masked (the
            # staff's personal information: investors write through the inquiry form).
            "contact": None if project.contact_private else {
                "name": mask_name(project.contact_name), "phone": mask_phone(project.contact_phone),
                "email": mask_email(project.contact_email)},
        })
    return data


@api_bp.get("/projects")
@api_doc("Published investment projects, with facets", tags=["investment"], query=ProjectQuerySchema,
         responses={200: ProjectListSchema})
def api_projects():
    page, per_page = page_args(default_size=20, max_size=50)
    query = library_query()
    query.page, query.per_page = page, per_page
    result = find_projects(query)
    if result.error:
        raise ApiError(400, "invalid_query", result.error)
    return {
        "items": [project_json(p) for p in result.projects],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "facets": {name: [{"value": v, "count": n} for v, n in pairs] for name, pairs in result.facets.items()},
    }


@api_bp.get("/projects/<int:project_id>")
@api_doc("One published project (no private contact details)", tags=["investment"],
         responses={200: ProjectDetailSchema})
def api_project(project_id: int):
    project = db.session.get(Project, project_id)
    if project is None or project.status != ProjectStatus.PUBLISHED:
        raise ApiError(404, "not_found", _("项目不存在或未发布"))
    return project_json(project, detail=True)
