"""The demo seed: about twenty projects in several statuses and leads at different stages; idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from investment.models import Inquiry, LeadStage, Project, ProjectStatus
from investment.seed import seed_demo_investment


def test_seed_is_realistic_and_idempotent(app, db, regions, officer, reviewer, client):
    first = seed_demo_investment()
    assert first == {"projects": 20, "leads": 6}
    assert seed_demo_investment() == {"projects": 0, "leads": 0}
    statuses = {p.status for p in db.session.scalars(sa.select(Project))}
    assert {ProjectStatus.PUBLISHED, ProjectStatus.IN_REVIEW, ProjectStatus.DRAFT, ProjectStatus.SIGNED,
            ProjectStatus.CLOSED} <= statuses
    stages = {i.stage for i in db.session.scalars(sa.select(Inquiry))}
    assert {LeadStage.NEW, LeadStage.CONTACTED, LeadStage.NEGOTIATING, LeadStage.SIGNED, LeadStage.DECLINED} <= stages
    counties = {p.region.name for p in db.session.scalars(sa.select(Project))}
    assert {"柘城县", "永城市", "民权县", "虞城县", "睢县", "宁陵县", "夏邑县", "梁园区"} <= counties
    for p in db.session.scalars(sa.select(Project)):
        assert p.history and p.history[-1].to_status == p.status
        assert 0 < p.sought_cents <= p.total_investment_cents
    # the seeded library is searchable and the pages render
    found = client.get("/invest?q=lajiao").get_data(as_text=True).replace("<mark>", "").replace("</mark>", "")
    assert "柘城县辣椒深加工产业园项目" in found
    for p in db.session.scalars(sa.select(Project).where(Project.status == ProjectStatus.PUBLISHED)):
        assert client.get(f"/invest/projects/{p.id}").status_code == 200


def test_seed_without_regions_does_nothing(app, db):
    assert seed_demo_investment()["projects"] == 0
