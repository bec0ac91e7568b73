"""Who reaches what: office pages, editing in review, private contacts, foreign inquiries."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Forbidden

from investment.models import ProjectStatus
from investment.services import projects as project_services

OFFICE_GETS = ["/invest/office", "/invest/office/projects", "/invest/office/projects/new", "/invest/office/leads",
               "/invest/office/projects.csv", "/invest/office/leads.csv", "/invest/office/review"]


@pytest.mark.parametrize("url", OFFICE_GETS)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("url", OFFICE_GETS)
def test_buyer_gets_403(client, login, buyer, url):
    login(buyer)
    assert client.get(url).status_code == 403


def test_buyer_cannot_post_to_office(client, login, buyer, make_project, make_inquiry):
    project = make_project(ProjectStatus.IN_REVIEW)
    inquiry = make_inquiry(make_project())
    login(buyer)
    assert client.post(f"/invest/office/projects/{project.id}/status", data={"target": "published"}).status_code == 403
    assert client.post(f"/invest/office/leads/{inquiry.id}/stage", data={"stage": "contacted"}).status_code == 403
    assert client.get(f"/invest/office/leads/{inquiry.id}").status_code == 403
    assert project.status == ProjectStatus.IN_REVIEW


@pytest.mark.parametrize("url", ["/invest/office", "/invest/office/projects", "/invest/office/leads"])
def test_officer_reaches_office(client, login, officer, url):
    login(officer)
    assert client.get(url).status_code == 200


def test_review_queue_needs_reviewer(client, login, officer, reviewer, make_project):
    make_project(ProjectStatus.IN_REVIEW, title="待审核的项目")
    login(officer)
    assert client.get("/invest/office/review").status_code == 403
    client.get("/account/logout")
    client.post("/account/logout")
    login(reviewer)
    page = client.get("/invest/office/review")
    assert page.status_code == 200 and "待审核的项目" in page.get_data(as_text=True)


def test_officer_cannot_edit_in_review(client, db, login, officer, make_project, project_fields):
    project = make_project(ProjectStatus.IN_REVIEW, title="原标题")
    login(officer)
    assert client.get(f"/invest/office/projects/{project.id}/edit").status_code == 403
    response = client.post(f"/invest/office/projects/{project.id}/edit", data={"title": "改过的标题"})
    assert response.status_code == 403
    with pytest.raises(Forbidden):
        project_services.update_project(officer, project, project_fields(title="改过的标题"))
    db.session.rollback()
    assert db.session.get(type(project), project.id).title == "原标题"
    # and the attachment upload is refused the same way
    assert client.post(f"/invest/office/projects/{project.id}/attachments", data={}).status_code == 403


def test_reviewer_can_edit_in_review(client, db, login, reviewer, make_project, regions):
    project = make_project(ProjectStatus.IN_REVIEW, title="原标题")
    login(reviewer)
    assert client.get(f"/invest/office/projects/{project.id}/edit").status_code == 200
    form = {"title": "审核人修改的标题", "summary": "简介", "sector": "food", "region_id": str(project.region_id),
            "total_investment": "12000", "sought": "8000", "mode": "sole", "land_area": "35.5",
            "land_nature": "industrial", "land_status": "ready"}
    response = client.post(f"/invest/office/projects/{project.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(project)
    assert project.title == "审核人修改的标题"
    assert project.total_investment_cents == 12_000 * 1_000_000
    assert project.land_area_hundredths == 3550


@pytest.mark.parametrize("status", [ProjectStatus.PUBLISHED, ProjectStatus.SIGNED, ProjectStatus.CLOSED])
def test_nobody_edits_outside_draft_and_review(client, login, reviewer, make_project, status):
    project = make_project(status)
    login(reviewer)
    assert client.get(f"/invest/office/projects/{project.id}/edit").status_code == 403


def test_officer_cannot_publish(client, db, login, officer, make_project):
    project = make_project(ProjectStatus.IN_REVIEW)
    login(officer)
    response = client.post(f"/invest/office/projects/{project.id}/status", data={"target": "published"})
    assert response.status_code == 403
    db.session.refresh(project)
    assert project.status == ProjectStatus.IN_REVIEW


@pytest.mark.parametrize("status", [s for s in ProjectStatus if s != ProjectStatus.PUBLISHED])
def test_unpublished_projects_are_404_for_visitors(client, make_project, status):
    project = make_project(status)
    assert client.get(f"/invest/projects/{project.id}").status_code == 404
    assert client.get(f"/api/v1/projects/{project.id}").status_code == 404
    assert project.title not in client.get("/invest").get_data(as_text=True)


def test_office_can_preview_a_draft(client, login, officer, make_project):
    project = make_project(ProjectStatus.DRAFT, title="草稿预览")
    login(officer)
    page = client.get(f"/invest/projects/{project.id}")
    assert page.status_code == 200 and "草稿预览" in page.get_data(as_text=True)


PRIVATE = {"contact_name": "保密联系人", "contact_phone": "13900001111", "contact_email": "secret@example.org"}


def test_private_contacts_never_reach_visitors(client, login, buyer, make_project):
    project = make_project(contact_private=True, **PRIVATE)
    for who in ("anonymous", "buyer"):
        if who == "buyer":
            login(buyer)
        pages = [client.get(f"/invest/projects/{project.id}").get_data(as_text=True),
                 client.get("/invest").get_data(as_text=True),
                 client.get(f"/api/v1/projects/{project.id}").get_data(as_text=True),
                 client.get("/api/v1/projects").get_data(as_text=True)]
        for body in pages:
            for secret in PRIVATE.values():
                assert secret not in body, (who, secret)
    assert client.get(f"/api/v1/projects/{project.id}").get_json()["contact"] is None


def test_public_contacts_are_masked_and_office_sees_them_in_full(client, login, officer, make_project):
    public = make_project(contact_private=False, contact_name="王科长", contact_phone="0370-5550000",
                          contact_email="wang@example.com")
    private = make_project(contact_private=True, **PRIVATE)
    page = client.get(f"/invest/projects/{public.id}").get_data(as_text=True)
    assert "037****0000" in page and "w***@example.com" in page and "王*" in page
    assert "0370-5550000" not in page and "wang@example.com" not in page and "王科长" not in page
    assert client.get(f"/api/v1/projects/{public.id}").get_json()["contact"] == {
        "name": "王**", "phone": "037****0000", "email": "w***@example.com"}
    login(officer)
    assert "0370-5550000" in client.get(f"/invest/projects/{public.id}").get_data(as_text=True)
    assert PRIVATE["contact_phone"] in client.get(f"/invest/projects/{private.id}").get_data(as_text=True)


def test_investor_sees_only_his_inquiries(client, login, make_user, make_project, make_inquiry):
    alice, bob = make_user(name="Alice"), make_user(name="Bob")
    project = make_project()
    make_inquiry(project, user=alice, message="爱丽丝的问题")
    make_inquiry(project, user=bob, message="鲍勃的问题")
    login(alice)
    body = client.get("/invest/my-inquiries").get_data(as_text=True)
    assert "爱丽丝的问题" in body and "鲍勃的问题" not in body


def test_my_inquiries_needs_login(client):
    assert client.get("/invest/my-inquiries").status_code == 302
