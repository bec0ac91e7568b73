"""An investor's contact details: in full for the officer working his lead, masked for other office
staff (lead page, lists, CSV), his own on "my inquiries"; and the project contact masked for visitors."""

from __future__ import annotations

import pytest

PHONE, MASKED_PHONE = "13912345678", "139****5678"
EMAIL, MASKED_EMAIL = "lin.investor@example.com", "l***@example.com"


@pytest.fixture
def colleague(make_user):
    return make_user(email="colleague@example.com", roles=("officer",), name="赵专员")


@pytest.fixture
def lead(make_inquiry):
    return make_inquiry(name="林先生", phone=PHONE, email=EMAIL, message=f"请回电 {PHONE}")


def _full(text: str) -> bool:
    return PHONE in text and EMAIL in text and "林先生" in text


def _masked(text: str) -> bool:
    return MASKED_PHONE in text and MASKED_EMAIL in text and "林*" in text \
        and PHONE not in text and EMAIL not in text and "林先生" not in text


def _office_views(client, lead) -> dict[str, str]:
    return {"page": client.get(f"/invest/office/leads/{lead.id}").get_data(as_text=True),
            "list": client.get("/invest/office/leads").get_data(as_text=True),
            "csv": client.get("/invest/office/leads.csv").get_data(as_text=True)}


def _assign(db, lead, user) -> None:
    lead.owner_id = user.id if user else None
    db.session.commit()


def test_the_owner_reads_in_full_and_a_colleague_masked(client, db, login, officer, colleague, lead):
    _assign(db, lead, officer)
    login(officer)
    views = _office_views(client, lead)
    assert _full(views["page"]) and _full(views["csv"]) and "林先生" in views["list"]
    client.post("/account/logout")
    login(colleague)
    views = _office_views(client, lead)
    assert _masked(views["page"]) and _masked(views["csv"])
    assert "林*" in views["list"] and "林先生" not in views["list"]
    assert "把负责人设为自己即可查看" in views["page"]


def test_an_unassigned_lead_belongs_to_the_projects_officer(client, db, login, officer, colleague, make_project,
                                                            make_inquiry):
    lead = make_inquiry(make_project(officer_id=officer.id), name="林先生", phone=PHONE, email=EMAIL)
    login(colleague)
    assert _masked(_office_views(client, lead)["page"])
    client.post("/account/logout")
    login(officer)
    assert _full(_office_views(client, lead)["page"])


def test_an_unassigned_lead_of_a_project_without_officer_is_open_to_the_office(client, login, colleague, lead):
    login(colleague)
    assert _full(_office_views(client, lead)["page"])


def test_the_investor_reads_his_own_inquiry(client, login, make_user, make_inquiry):
    investor = make_user(email=EMAIL, name="林先生")
    make_inquiry(user=investor, name="林先生", phone=PHONE, email=EMAIL, message="想了解用地")
    login(investor)
    assert "想了解用地" in client.get("/invest/my-inquiries").get_data(as_text=True)
    assert client.get("/invest/office/leads").status_code == 403
