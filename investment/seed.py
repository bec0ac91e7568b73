"""Demo data: about twenty Shangqiu investment projects in several statuses and a few leads.

Idempotent: projects are keyed by their code (SQ-DEMO-nnn), leads by project and investor name.
Called by ``flask --app marketplace seed-demo`` (marketplace.seed) after the regions and the demo
accounts exist; also ``flask --app marketplace invest seed``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from investment import search as project_search
from investment.models import (
    ActivityKind,
    CoopMode,
    Inquiry,
    LandNature,
    LandStatus,
    LeadActivity,
    LeadPriority,
    LeadStage,
    Project,
    ProjectStatus,
    ProjectStatusChange,
)
from investment.services.projects import local_today
from investment.vocab import WAN
from marketplace.accounts.models import Role, User, UserRole
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.regions import services as regions
from marketplace.regions.models import Region

DATA_FILE = Path(__file__).parent / "data" / "demo_projects.json"

#: The path each demo status took, for a believable history.
_PATHS = {
    "draft": ["draft"],
    "in_review": ["draft", "in_review"],
    "published": ["draft", "in_review", "published"],
    "signed": ["draft", "in_review", "published", "signed"],
    "closed": ["draft", "in_review", "published", "closed"],
}


def _staff(email: str, role: Role) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None:
        return user
    return db.session.scalar(sa.select(User).join(UserRole, UserRole.user_id == User.id)
                             .where(UserRole.role == role).order_by(User.id).limit(1))


def _project(row: dict, region: Region, officer: User | None, reviewer: User | None, n: int) -> Project:
    now = utcnow()
    age = dt.timedelta(days=90 - n * 4)
    created = now - age
    contact_name, phone, email = row["contact"]
    project = Project(
        code=row["code"], title=row["title"], summary=row["summary"], sector=row["sector"], region_id=region.id,
        park=row["park"], address=row["address"], total_investment_cents=row["total"] * WAN,
        sought_cents=row["sought"] * WAN, mode=CoopMode(row["mode"]), land_area_hundredths=int(row["land"] * 100),
        land_nature=LandNature(row["land_nature"]), land_status=LandStatus(row["land_status"]),
        construction=row["construction"], market_outlook=row["market_outlook"], incentives=row["incentives"],
        expected_returns=row["expected_returns"], contact_name=contact_name, contact_phone=phone,
        contact_email=email, contact_private=row["private"], officer_id=officer.id if officer else None,
        valid_until=local_today() + dt.timedelta(days=365), created_by_id=officer.id if officer else None,
        created_at=created, updated_at=created, view_count=(20 - n) * 7 if row["status"] != "draft" else 0,
    )
    previous = None
    for i, status in enumerate(_PATHS[row["status"]]):
        when = created + dt.timedelta(days=i * 3)
        actor = reviewer if status == "published" else officer
        project.history.append(ProjectStatusChange(from_status=previous, to_status=ProjectStatus(status),
                                                   actor_id=actor.id if actor else None, created_at=when))
        previous = ProjectStatus(status)
        if status == "published":
            project.published_at = when
        if status in ("signed", "closed"):
            project.closed_at = when
    project.status = ProjectStatus(row["status"])
    if project.status == ProjectStatus.SIGNED:
        project.signed_amount_cents = project.sought_cents
    return project


def _lead(row: dict, project: Project, officer: User | None) -> Inquiry:
    now = utcnow()
    created = now - dt.timedelta(days=row["days_ago"])
    stage = LeadStage(row["stage"])
    follow = row["follow_up_in"]
    inquiry = Inquiry(project=project, name=row["name"], company=row["company"], phone=row["phone"],
                      email=row["email"], amount_cents=row["amount"] * WAN if row["amount"] else None,
                      mode=CoopMode(row["mode"]) if row["mode"] else None, message=row["message"], created_at=created,
                      stage=stage, priority=LeadPriority(row["priority"]),
                      owner_id=officer.id if officer and stage != LeadStage.NEW else None,
                      next_follow_up=local_today() + dt.timedelta(days=follow) if follow is not None else None,
                      stage_changed_at=created)
    inquiry.activities.append(LeadActivity(kind=ActivityKind.CREATED, to_stage=LeadStage.NEW, created_at=created))
    current = LeadStage.NEW
    for kind, body, days_ago in sorted(row["activities"], key=lambda a: -a[2]):
        when = now - dt.timedelta(days=days_ago)
        actor_id = officer.id if officer else None
        if kind.startswith("stage:"):
            target = LeadStage(kind.split(":", 1)[1])
            inquiry.activities.append(LeadActivity(kind=ActivityKind.STAGE, body=body, from_stage=current,
                                                   to_stage=target, actor_id=actor_id, created_at=when))
            current = target
            inquiry.stage_changed_at = when
            if target == LeadStage.SIGNED:
                inquiry.signed_at = when
                inquiry.signed_amount_cents = inquiry.amount_cents
        else:
            inquiry.activities.append(LeadActivity(kind=ActivityKind(kind), body=body, actor_id=actor_id,
                                                   created_at=when))
    return inquiry


def seed_demo_investment(progress=None) -> dict:
    """Add the demo projects and leads that are missing. Returns counts of what was created."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    counties = {r.name: r for r in regions.counties()}
    if not counties:
        return {"projects": 0, "leads": 0, "skipped": "no regions loaded"}
    officer = _staff("officer@demo.example", Role.OFFICER)
    reviewer = _staff("reviewer@demo.example", Role.REVIEWER) or officer
    with atomic():
        created_projects = _seed_projects(data["projects"], counties, officer, reviewer, progress)
        created_leads = _seed_leads(data["leads"], officer, progress)
    return {"projects": created_projects, "leads": created_leads}


def _seed_projects(rows: list[dict], counties: dict[str, Region], officer: User | None, reviewer: User | None,
                   progress) -> int:
    existing = set(db.session.scalars(sa.select(Project.code).where(Project.code.like("SQ-DEMO-%"))))
    created = 0
    for n, row in enumerate(rows):
        if row["code"] in existing or row["county"] not in counties:
            continue
        project = _project(row, counties[row["county"]], officer, reviewer, n)
        db.session.add(project)
        db.session.flush()
        project_search.changed(project.id)
        created += 1
        if progress:
            progress(1)
    return created


def _seed_leads(rows: list[dict], officer: User | None, progress) -> int:
    by_code = {p.code: p for p in db.session.scalars(sa.select(Project).where(Project.code.like("SQ-DEMO-%")))}
    created = 0
    for row in rows:
        project = by_code.get(row["project"])
        if project is None:
            continue
        exists = db.session.scalar(sa.select(Inquiry.id).where(Inquiry.project_id == project.id,
                                                               Inquiry.name == row["name"]))
        if exists:
            continue
        db.session.add(_lead(row, project, officer))
        created += 1
        if progress:
            progress(1)
    return created
