"""Every project status move, allowed and refused, and who may make it."""

from __future__ import annotations

import itertools

import pytest
from werkzeug.exceptions import Forbidden

from investment.models import ProjectStatus
from investment.services import InvestError
from investment.services import projects as project_services
from marketplace.states import InvalidTransition

S = ProjectStatus
ALLOWED = {
    (S.DRAFT, S.IN_REVIEW),
    (S.IN_REVIEW, S.PUBLISHED),
    (S.IN_REVIEW, S.DRAFT),
    (S.PUBLISHED, S.SIGNED),
    (S.PUBLISHED, S.CLOSED),
    (S.PUBLISHED, S.WITHDRAWN),
    (S.PUBLISHED, S.DRAFT),
}
ALL_PAIRS = [(a, b) for a, b in itertools.product(S, S) if a != b]


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
def test_transition_table(db, make_project, reviewer, current, target):
    project = make_project(current)
    history_before = len(project.history)
    if (current, target) in ALLOWED:
        project_services.set_status(reviewer, project, target, reason="审核意见：请补充用地指标")
        db.session.commit()
        db.session.refresh(project)
        assert project.status == target
        last = project.history[-1]
        assert (last.from_status, last.to_status, last.actor_id) == (current, target, reviewer.id)
        assert len(project.history) == history_before + 1
    else:
        with pytest.raises(InvalidTransition):
            project_services.set_status(reviewer, project, target, reason="x")
        db.session.rollback()
        db.session.refresh(project)
        assert project.status == current
        assert len(project.history) == history_before


def test_machine_table_is_exactly_the_allowed_moves(db):
    allowed = {(a, b) for a in S for b in project_services.PROJECT_MACHINE.allowed(a)}
    assert allowed == ALLOWED


#: (current, target, officer may, reviewer may)
ROLE_TABLE = [
    (S.DRAFT, S.IN_REVIEW, True, True),
    (S.IN_REVIEW, S.PUBLISHED, False, True),
    (S.IN_REVIEW, S.DRAFT, False, True),
    (S.PUBLISHED, S.DRAFT, True, True),
    (S.PUBLISHED, S.SIGNED, True, True),
    (S.PUBLISHED, S.CLOSED, True, True),
    (S.PUBLISHED, S.WITHDRAWN, True, True),
]


@pytest.mark.parametrize(("current", "target", "officer_may", "reviewer_may"), ROLE_TABLE)
def test_who_may_move(db, make_project, officer, reviewer, buyer, current, target, officer_may, reviewer_may):
    for actor, may in ((buyer, False), (officer, officer_may), (reviewer, reviewer_may)):
        project = make_project(current)
        if may:
            project_services.set_status(actor, project, target, reason="原因")
            db.session.commit()
            assert project.status == target
        else:
            with pytest.raises(Forbidden):
                project_services.set_status(actor, project, target, reason="原因")
            db.session.rollback()
            db.session.refresh(project)
            assert project.status == current


def test_admin_reviews_too(db, make_user, make_project):
    admin = make_user(roles=("admin",))
    project = make_project(S.IN_REVIEW)
    project_services.set_status(admin, project, S.PUBLISHED)
    db.session.commit()
    assert project.status == S.PUBLISHED and project.published_at is not None


def test_return_to_draft_needs_a_reason(db, make_project, reviewer):
    project = make_project(S.IN_REVIEW)
    with pytest.raises(InvestError):
        project_services.set_status(reviewer, project, S.DRAFT, reason="  ")
    db.session.rollback()
    project_services.set_status(reviewer, project, S.DRAFT, reason="请补充环评情况")
    db.session.commit()
    assert project.status_reason == "请补充环评情况"


def test_submit_needs_a_complete_project(db, officer, project_fields):
    project = project_services.create_project(officer, project_fields(summary="", contact_name=""))
    db.session.commit()
    with pytest.raises(InvestError):
        project_services.set_status(officer, project, S.IN_REVIEW)
    db.session.rollback()
    assert project.status == S.DRAFT


def test_signed_records_the_amount(db, make_project, officer):
    project = make_project(S.PUBLISHED)
    project_services.set_status(officer, project, S.SIGNED, signed_amount_cents=5_000 * 1_000_000)
    db.session.commit()
    assert project.signed_amount_cents == 5_000 * 1_000_000 and project.closed_at is not None


def test_status_routes_refuse_and_record(client, db, login, officer, reviewer, make_project):
    project = make_project(S.DRAFT)
    login(officer)
    assert client.post(f"/invest/office/projects/{project.id}/status", data={"target": "published"}).status_code == 409
    assert client.post(f"/invest/office/projects/{project.id}/status", data={"target": "nonsense"}).status_code == 400
    assert client.post(f"/invest/office/projects/{project.id}/status", data={"target": "in_review"}).status_code == 302
    db.session.refresh(project)
    assert project.status == S.IN_REVIEW
    page = client.get(f"/invest/office/projects/{project.id}").get_data(as_text=True)
    assert "张科长" in page  # the history names who moved it
    # returned without reason: refused with a message, nothing changes
    client.post("/account/logout")
    login(reviewer)
    response = client.post(f"/invest/office/projects/{project.id}/status", data={"target": "draft", "reason": ""},
                           follow_redirects=True)
    assert "退回时请写明原因" in response.get_data(as_text=True)
    db.session.refresh(project)
    assert project.status == S.IN_REVIEW
