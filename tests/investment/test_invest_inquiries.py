"""Inquiries: good and bad input, honeypot, rate limit, notification, display escaping."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from investment.models import Inquiry, ProjectStatus
from marketplace.mail.models import OutboxMessage

GOOD = {"name": "林先生", "company": "红味食品", "phone": "023-68001234", "email": "lin@example.com",
        "amount": "2000", "mode": "joint_venture", "message": "想了解厂房和原料供应。"}


def count(db, model=Inquiry) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def post(client, project, **changes):
    data = {**GOOD, **changes}
    return client.post(f"/invest/projects/{project.id}/inquiries", data=data)


def test_visitor_inquiry_is_stored_and_the_officer_notified(client, db, make_project, officer):
    project = make_project(officer_id=officer.id)
    response = post(client, project)
    assert response.status_code == 302
    inquiry = db.session.scalar(sa.select(Inquiry))
    assert (inquiry.name, inquiry.company, inquiry.amount_cents, inquiry.mode.value) == (
        "林先生", "红味食品", 2_000 * 1_000_000, "joint_venture")
    assert inquiry.stage.value == "new" and inquiry.user_id is None
    assert inquiry.activities[0].kind.value == "created"
    mails = list(db.session.scalars(sa.select(OutboxMessage)))
    assert [m.to_addr for m in mails] == [officer.email]
    assert project.title in mails[0].subject and "林先生" in mails[0].body_text


def test_without_an_officer_in_charge_every_officer_is_notified(client, db, make_project, make_user, officer,
                                                                reviewer):
    other = make_user(roles=("officer",))
    make_user()  # a buyer gets nothing
    make_user(roles=("officer",), active=False)  # nor does a deactivated officer
    post(client, make_project())
    assert sorted(m.to_addr for m in db.session.scalars(sa.select(OutboxMessage))) == sorted(
        [officer.email, other.email, reviewer.email])


def test_signed_in_investor_inquiry_and_my_inquiries(client, db, login, buyer, make_project):
    project = make_project(title="冷链物流园")
    login(buyer)
    response = post(client, project, name="", email="", phone="", message="我们想合作运营。")
    assert response.status_code == 302 and response.headers["Location"].endswith("/invest/my-inquiries")
    inquiry = db.session.scalar(sa.select(Inquiry))
    assert inquiry.user_id == buyer.id and inquiry.email == buyer.email and inquiry.name == buyer.name
    body = client.get("/invest/my-inquiries").get_data(as_text=True)
    assert "冷链物流园" in body and "我们想合作运营。" in body


@pytest.mark.parametrize(("changes", "message"), [
    ({"message": ""}, "请填写咨询内容"),
    ({"message": "   "}, "请填写咨询内容"),
    ({"name": ""}, "请填写您的姓名"),
    ({"phone": "", "email": ""}, "请留下电话或电子邮箱"),
    ({"email": "not-an-email"}, "邮箱格式不正确"),
    ({"amount": "-5"}, "金额不能为负数"),
    ({"amount": "abc"}, "金额格式不正确"),
    ({"amount": "1.234"}, "最多保留两位小数"),
    ({"message": "长" * 2001}, "不能超过 2000 字"),
    ({"message": "x" * 100_000}, "不能超过 2000 字"),
    ({"mode": "bribery"}, ""),
])
def test_bad_input_is_refused_and_nothing_stored(client, db, make_project, changes, message):
    project = make_project()
    response = post(client, project, **changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db) == 0 and count(db, OutboxMessage) == 0


def test_inquiry_on_an_unpublished_project_is_404(client, db, make_project):
    for status in (ProjectStatus.DRAFT, ProjectStatus.IN_REVIEW, ProjectStatus.SIGNED, ProjectStatus.WITHDRAWN):
        project = make_project(status)
        assert post(client, project).status_code == 404
    assert post(client, type("P", (), {"id": 99999})()).status_code == 404
    assert count(db) == 0


def test_honeypot_drops_silently(client, db, make_project):
    project = make_project()
    response = post(client, project, website="http://spam.example")
    assert response.status_code == 302  # looks like success to the bot
    assert count(db) == 0 and count(db, OutboxMessage) == 0


def test_script_tags_are_escaped_everywhere(client, db, login, officer, buyer, make_project):
    project = make_project()
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    login(buyer)
    assert post(client, project, message=evil, company=evil).status_code == 302
    inquiry = db.session.scalar(sa.select(Inquiry))
    assert inquiry.message == evil  # stored as typed ...
    mine = client.get("/invest/my-inquiries").get_data(as_text=True)
    client.post("/account/logout")
    login(officer)
    lead_page = client.get(f"/invest/office/leads/{inquiry.id}").get_data(as_text=True)
    leads_page = client.get("/invest/office/leads").get_data(as_text=True)
    for body in (mine, lead_page, leads_page):  # ... and shown as text
        assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in lead_page


def test_flood_beyond_the_rate_limit_gets_429(app, client, db, make_project):
    app.config["INVEST_INQUIRY_RATELIMIT"] = "3 per minute"
    project = make_project()
    statuses = [post(client, project, message=f"第 {i} 次").status_code for i in range(6)]
    assert statuses[:3] == [302, 302, 302]
    assert statuses[3:] == [429, 429, 429]
    assert count(db) == 3
    # the 429 page is a readable page, not a stack trace
    assert "请求次数过多" in post(client, project).get_data(as_text=True)


def test_form_shows_honeypot_hidden_and_every_field_labelled(client, make_project):
    body = client.get(f"/invest/projects/{make_project().id}").get_data(as_text=True)
    assert 'name="website"' in body and 'class="visually-hidden" aria-hidden="true"' in body
    for field_id in ("name", "company", "phone", "email", "amount", "mode", "message", "website"):
        assert f'for="{field_id}"' in body, field_id
