"""The project editor: amounts in 万元 and land in 亩 become exact integers; bad input changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from invest_helpers import county

from investment.models import Inquiry, LeadPriority, Project, ProjectStatus


def form(**changes) -> dict:
    data = {"title": "宁陵县酥梨果汁加工项目", "summary": "NFC 梨汁生产线", "sector": "food",
            "region_id": str(county("宁陵县").id), "park": "宁陵县产业集聚区", "address": "城东产业路",
            "total_investment": "25,000.5", "sought": "", "mode": "sole", "land_area": "80.25",
            "land_nature": "industrial", "land_status": "ready", "construction": "果汁线 2 条",
            "contact_name": "郑科长", "contact_phone": "0370-7812345", "contact_email": "Zheng@Example.com",
            "contact_private": "y", "officer_id": "", "valid_until": "2027-06-30"}
    data.update(changes)
    return data


def test_officer_creates_a_draft(client, db, login, officer, regions):
    login(officer)
    assert client.get("/invest/office/projects/new").status_code == 200
    response = client.post("/invest/office/projects/new", data=form(officer_id=str(officer.id)))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    project = db.session.scalar(sa.select(Project))
    assert project.status == ProjectStatus.DRAFT and project.code.startswith("SQ-")
    assert project.total_investment_cents == 25_000_50 * 10_000  # 25,000.5 万元 in fen, exactly
    assert project.sought_cents == project.total_investment_cents  # empty: the whole amount is sought
    assert project.land_area_hundredths == 8025
    assert project.contact_private and project.contact_email == "zheng@example.com"
    assert project.officer_id == officer.id and project.created_by_id == officer.id
    assert [h.to_status for h in project.history] == [ProjectStatus.DRAFT]
    assert project.valid_until.isoformat() == "2027-06-30"


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": ""}, "请填写项目名称"),
    ({"total_investment": ""}, "请填写金额"),
    ({"total_investment": "abc"}, "金额格式不正确"),
    ({"total_investment": "-100"}, "金额不能为负数"),
    ({"total_investment": "1.001"}, "最多保留两位小数"),
    ({"total_investment": "0"}, "请填写总投资额"),
    ({"sought": "30000"}, "拟引资额不能大于总投资额"),
    ({"land_area": "1.234"}, "面积最多保留两位小数"),
    ({"land_area": "很多"}, "面积格式不正确"),
    ({"region_id": ""}, "请选择项目所在县区"),
    ({"sector": "gambling"}, ""),
    ({"mode": "bribe"}, ""),
    ({"contact_email": "not an email"}, "邮箱格式不正确"),
])
def test_bad_project_input_changes_nothing(client, db, login, officer, regions, changes, message):
    login(officer)
    response = client.post("/invest/office/projects/new", data=form(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 0


def test_officer_in_charge_must_be_office_staff(client, db, login, officer, buyer, regions):
    login(officer)
    response = client.post("/invest/office/projects/new", data=form(officer_id=str(buyer.id)))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 0


def test_edit_page_shows_amounts_in_wan(client, login, officer, make_project):
    project = make_project(ProjectStatus.DRAFT, total_investment_cents=12_345_67 * 10_000,
                           sought_cents=5_000 * 1_000_000, land_area_hundredths=3550)
    login(officer)
    body = client.get(f"/invest/office/projects/{project.id}/edit").get_data(as_text=True)
    assert 'value="12345.67"' in body and 'value="5000"' in body and 'value="35.5"' in body


def test_published_edit_goes_back_through_review(client, db, login, officer, make_project):
    project = make_project()
    login(officer)
    assert client.get(f"/invest/office/projects/{project.id}/edit").status_code == 403
    client.post(f"/invest/office/projects/{project.id}/status", data={"target": "draft", "reason": "更新投资额"})
    db.session.refresh(project)
    assert project.status == ProjectStatus.DRAFT
    assert client.get(f"/invest/office/projects/{project.id}/edit").status_code == 200
    assert client.get(f"/invest/projects/{project.id}").status_code == 200  # office preview
    client.post("/account/logout")
    assert client.get(f"/invest/projects/{project.id}").status_code == 404  # gone from the public


def test_lead_owner_can_be_cleared(client, db, login, officer, make_inquiry):
    inquiry = make_inquiry()
    login(officer)
    client.post(f"/invest/office/leads/{inquiry.id}/update",
                data={"priority": "key", "owner_id": str(officer.id), "next_follow_up": ""})
    response = client.post(f"/invest/office/leads/{inquiry.id}/update",
                           data={"priority": "key", "owner_id": "", "next_follow_up": ""})
    assert response.status_code == 302
    lead = db.session.get(Inquiry, inquiry.id)
    db.session.refresh(lead)
    assert lead.owner_id is None and lead.priority == LeadPriority.KEY and lead.next_follow_up is None
