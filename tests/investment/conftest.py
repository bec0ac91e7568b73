"""Fixtures of the investment tests: office staff, projects in any status, inquiries, sign-in."""

from __future__ import annotations

import itertools

import pytest
from invest_helpers import county

from investment.models import Project, ProjectStatus
from investment.services import leads as lead_services
from investment.services import projects as project_services
from investment.vocab import WAN
from marketplace.extensions import db as _db

_n = itertools.count(1)

#: The moves from draft to each status.
PATHS = {
    ProjectStatus.DRAFT: [],
    ProjectStatus.IN_REVIEW: [ProjectStatus.IN_REVIEW],
    ProjectStatus.PUBLISHED: [ProjectStatus.IN_REVIEW, ProjectStatus.PUBLISHED],
    ProjectStatus.SIGNED: [ProjectStatus.IN_REVIEW, ProjectStatus.PUBLISHED, ProjectStatus.SIGNED],
    ProjectStatus.CLOSED: [ProjectStatus.IN_REVIEW, ProjectStatus.PUBLISHED, ProjectStatus.CLOSED],
    ProjectStatus.WITHDRAWN: [ProjectStatus.IN_REVIEW, ProjectStatus.PUBLISHED, ProjectStatus.WITHDRAWN],
}


@pytest.fixture
def app_config(app_config):
    # Most tests send several inquiries from one address; the flood test lowers the limit itself.
    app_config["INVEST_INQUIRY_RATELIMIT"] = "1000 per minute"
    return app_config


@pytest.fixture
def officer(make_user):
    return make_user(email="officer@example.com", roles=("officer",), name="张科长")


@pytest.fixture
def reviewer(make_user):
    return make_user(email="reviewer@example.com", roles=("officer", "reviewer"), name="李主任")


@pytest.fixture
def buyer(make_user):
    return make_user(email="buyer@example.com", name="买家")


@pytest.fixture
def project_fields(regions):
    def fields(**overrides) -> dict:
        n = next(_n)
        data = {
            "title": f"测试项目{n}", "summary": "项目简介", "sector": "agri-processing",
            "region_id": county(overrides.pop("county", "柘城县")).id, "park": "产业集聚区", "address": "工业路 1 号",
            "total_investment_cents": 10_000 * WAN, "sought_cents": 8_000 * WAN, "mode": "joint_venture",
            "land_area_hundredths": 5000, "land_nature": "industrial", "land_status": "ready",
            "construction": "建设内容", "market_outlook": "市场前景", "incentives": "优惠政策",
            "expected_returns": "预期效益", "contact_name": "王科长", "contact_phone": "0370-7212345",
            "contact_email": "wang@example.com", "contact_private": False, "officer_id": None, "valid_until": None,
        }
        data.update(overrides)
        return data

    return fields


@pytest.fixture
def make_project(app, officer, reviewer, project_fields):
    """A project moved through the real services to ``status``."""

    def make(status: ProjectStatus = ProjectStatus.PUBLISHED, **overrides) -> Project:
        project = project_services.create_project(officer, project_fields(**overrides))
        for target in PATHS[ProjectStatus(status)]:
            project_services.set_status(reviewer, project, target)
        _db.session.commit()
        return project

    return make


@pytest.fixture
def make_inquiry(app, make_project):
    def make(project: Project | None = None, user=None, **fields) -> object:
        from flask_login import AnonymousUserMixin

        project = project or make_project()
        data = {"name": "林先生", "company": "红味食品", "phone": "023-68001234", "email": "lin@example.com",
                "message": "想了解厂房和原料供应。"}
        data.update(fields)
        with app.test_request_context():
            inquiry = lead_services.create_inquiry(project, user or AnonymousUserMixin(), data)
        _db.session.commit()
        return inquiry

    return make
