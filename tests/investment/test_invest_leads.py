"""The lead pipeline: stage table, activity log, follow-up settings, replies, due leads, dashboard."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from investment.models import ActivityKind, Inquiry, LeadPriority, LeadStage, ProjectStatus
from investment.services import InvestError
from investment.services import leads as lead_services
from investment.services import projects as project_services
from investment.services.dashboard import MonthPoint, build_chart, figures, monthly_conversion
from investment.vocab import WAN
from marketplace.mail.models import OutboxMessage
from marketplace.states import InvalidTransition

L = LeadStage
ALLOWED = {(L.NEW, L.CONTACTED), (L.NEW, L.NEGOTIATING), (L.NEW, L.DECLINED), (L.CONTACTED, L.NEGOTIATING),
           (L.CONTACTED, L.DECLINED), (L.NEGOTIATING, L.SIGNED), (L.NEGOTIATING, L.DECLINED)}
PATH = {L.NEW: [], L.CONTACTED: [L.CONTACTED], L.NEGOTIATING: [L.CONTACTED, L.NEGOTIATING],
        L.SIGNED: [L.CONTACTED, L.NEGOTIATING, L.SIGNED], L.DECLINED: [L.DECLINED]}
PAIRS = [(a, b) for a, b in itertools.product(L, L) if a != b]


def lead_at(db, make_inquiry, officer, stage: LeadStage) -> Inquiry:
    inquiry = make_inquiry()
    for target in PATH[stage]:
        lead_services.set_stage(officer, inquiry, target, note="推进")
    db.session.commit()
    return inquiry


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_stage_table(db, make_inquiry, officer, current, target):
    inquiry = lead_at(db, make_inquiry, officer, current)
    before = len(inquiry.activities)
    if (current, target) in ALLOWED:
        lead_services.set_stage(officer, inquiry, target, note="电话沟通后推进")
        db.session.commit()
        assert inquiry.stage == target
        last = inquiry.activities[-1]
        assert (last.kind, last.from_stage, last.to_stage, last.actor_id, last.body) == (
            ActivityKind.STAGE, current, target, officer.id, "电话沟通后推进")
    else:
        with pytest.raises(InvalidTransition):
            lead_services.set_stage(officer, inquiry, target, note="x")
        db.session.rollback()
        db.session.refresh(inquiry)
        assert inquiry.stage == current and len(inquiry.activities) == before


def test_declined_needs_a_reason_and_closes_follow_up(db, make_inquiry, officer):
    inquiry = make_inquiry()
    with pytest.raises(InvestError):
        lead_services.set_stage(officer, inquiry, L.DECLINED, note="")
    db.session.rollback()
    lead_services.set_stage(officer, inquiry, L.DECLINED, note="对方选择在外省设厂")
    db.session.commit()
    assert inquiry.next_follow_up is None and not inquiry.stage.is_open


def test_signed_records_when_and_how_much(db, make_inquiry, officer):
    inquiry = lead_at(db, make_inquiry, officer, L.NEGOTIATING)
    lead_services.set_stage(officer, inquiry, L.SIGNED, note="签约", signed_amount_cents=3_000 * WAN)
    db.session.commit()
    assert inquiry.signed_at is not None and inquiry.signed_amount_cents == 3_000 * WAN


def test_buyer_cannot_touch_a_lead(db, make_inquiry, buyer):
    inquiry = make_inquiry()
    for call in (lambda: lead_services.set_stage(buyer, inquiry, L.CONTACTED),
                 lambda: lead_services.log_activity(buyer, inquiry, "note", "x"),
                 lambda: lead_services.reply(buyer, inquiry, "x"),
                 lambda: lead_services.update_lead(buyer, inquiry, priority="key")):
        with pytest.raises(Forbidden):
            call()


def test_stage_route_with_note_shows_in_the_log(client, db, login, officer, make_inquiry):
    inquiry = make_inquiry()
    login(officer)
    response = client.post(f"/invest/office/leads/{inquiry.id}/stage",
                           data={"stage": "negotiating", "note": "对方提出分期供地"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "对方提出分期供地" in body and "在谈" in body
    db.session.refresh(inquiry)
    assert inquiry.stage == L.NEGOTIATING and inquiry.owner_id == officer.id  # the mover takes an unowned lead
    # a move the table refuses
    assert client.post(f"/invest/office/leads/{inquiry.id}/stage", data={"stage": "new"}).status_code == 409
    assert client.post(f"/invest/office/leads/{inquiry.id}/stage", data={"stage": "bogus"}).status_code == 400
    assert client.get("/invest/office/leads/99999").status_code == 404


def test_update_priority_owner_and_follow_up(client, db, login, officer, reviewer, buyer, make_inquiry):
    inquiry = make_inquiry()
    login(officer)
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = client.post(f"/invest/office/leads/{inquiry.id}/update",
                           data={"priority": "key", "owner_id": str(reviewer.id), "next_follow_up": day})
    assert response.status_code == 302
    db.session.refresh(inquiry)
    assert (inquiry.priority, inquiry.owner_id, inquiry.next_follow_up.isoformat()) == (LeadPriority.KEY,
                                                                                         reviewer.id, day)
    assert inquiry.activities[-1].kind == ActivityKind.UPDATE and "重点跟进" in inquiry.activities[-1].body
    # a buyer cannot own a lead; nothing changes
    response = client.post(f"/invest/office/leads/{inquiry.id}/update",
                           data={"priority": "keep", "owner_id": str(buyer.id), "next_follow_up": day})
    assert response.status_code == 400
    db.session.refresh(inquiry)
    assert inquiry.owner_id == reviewer.id and inquiry.priority == LeadPriority.KEY


@pytest.mark.parametrize("kind", ["note", "call", "visit"])
def test_log_activity(client, db, login, officer, make_inquiry, kind):
    inquiry = make_inquiry()
    login(officer)
    assert client.post(f"/invest/office/leads/{inquiry.id}/activities",
                       data={"kind": kind, "body": "园区实地考察"}).status_code == 302
    db.session.refresh(inquiry)
    last = inquiry.activities[-1]
    assert (last.kind.value, last.body, last.actor_id, last.visible_to_investor) == (kind, "园区实地考察", officer.id,
                                                                                    False)
    assert client.post(f"/invest/office/leads/{inquiry.id}/activities",
                       data={"kind": "stage", "body": "x"}).status_code == 400
    assert client.post(f"/invest/office/leads/{inquiry.id}/activities", data={"kind": kind, "body": ""}).status_code == 400


def test_reply_reaches_the_investor(client, db, login, officer, buyer, make_inquiry):
    inquiry = make_inquiry(user=buyer, email=buyer.email)
    make_inquiry(inquiry.project, message="别人的咨询")
    login(officer)
    client.post(f"/invest/office/leads/{inquiry.id}/activities", data={"kind": "note", "body": "内部备注不外传"})
    assert client.post(f"/invest/office/leads/{inquiry.id}/reply",
                       data={"body": "欢迎来园区考察，厂房可随时看。"}).status_code == 302
    mails = [m for m in db.session.scalars(sa.select(OutboxMessage)) if m.to_addr == buyer.email]
    assert len(mails) == 1 and "欢迎来园区考察" in mails[0].body_text
    client.post("/account/logout")
    login(buyer)
    body = client.get("/invest/my-inquiries").get_data(as_text=True)
    assert "欢迎来园区考察，厂房可随时看。" in body
    assert "内部备注不外传" not in body and "别人的咨询" not in body


def test_due_leads_today_and_overdue(client, db, login, officer, make_inquiry):
    today = project_services.local_today()
    overdue, due, later, dropped, done = (make_inquiry(name=n) for n in ("逾期", "今天", "以后", "放弃", "已签"))
    for inquiry, day in ((overdue, -3), (due, 0), (later, 5), (dropped, -1), (done, -1)):
        inquiry.next_follow_up = today + dt.timedelta(days=day)
    dropped.priority = LeadPriority.DROPPED
    done.stage = L.SIGNED
    db.session.commit()
    assert [i.name for i in lead_services.due_leads(officer, today)] == ["逾期", "今天"]
    login(officer)
    body = client.get("/invest/office").get_data(as_text=True)
    assert "逾期" in body and "今天" in body and "已逾期" in body
    assert ">以后<" not in body and ">放弃<" not in body


def test_dashboard_figures(app, db, make_project, make_inquiry, officer):
    make_project(ProjectStatus.DRAFT)
    make_project(ProjectStatus.IN_REVIEW)
    published = make_project(sector="food", sought_cents=2_000 * WAN)
    make_project(sector="food", sought_cents=3_000 * WAN)
    signed = make_project(ProjectStatus.SIGNED, sector="logistics", sought_cents=1_500 * WAN)
    assert signed.signed_amount_cents == 1_500 * WAN
    a, b, c = make_inquiry(published), make_inquiry(published), make_inquiry(published)
    for target in (L.CONTACTED, L.NEGOTIATING, L.SIGNED):
        lead_services.set_stage(officer, a, target, note="n")
    lead_services.set_stage(officer, b, L.CONTACTED)
    db.session.commit()
    f = figures(project_services.local_today())
    assert f["by_status"][ProjectStatus.PUBLISHED] == 2 and f["by_status"][ProjectStatus.DRAFT] == 1
    assert f["by_status"][ProjectStatus.SIGNED] == 1 and f["by_status"][ProjectStatus.IN_REVIEW] == 1
    assert f["sought_cents"] == 5_000 * WAN and f["signed_cents"] == 1_500 * WAN
    assert f["by_stage"][L.SIGNED] == 1 and f["by_stage"][L.CONTACTED] == 1 and f["by_stage"][L.NEW] == 1
    assert f["total_leads"] == 3 and f["conversion_pct"] == 33
    sectors = dict(f["by_sector"])
    assert sectors["food"] == {"total": 2, "published": 2, "signed": 0, "sought_cents": 5_000 * WAN}
    this_month = f["chart"].months[-1]
    assert (this_month.received, this_month.signed) == (3, 1)
    assert c.stage == L.NEW


def test_chart_geometry():
    pts = [MonthPoint(f"2026-{m:02d}", m, m // 2) for m in range(1, 13)]
    chart = build_chart(pts)
    assert len(chart.received) == len(chart.signed) == len(chart.label_x) == 12
    assert chart.max_value >= 12
    tallest = max(chart.received, key=lambda b: b.height)
    assert tallest.value == 12 and tallest.y >= chart.top - 0.1
    assert all(b.y + b.height <= chart.height - chart.bottom + 0.1 for b in chart.received + chart.signed)


def test_months_run_back_a_year_across_new_year(app):
    points = monthly_conversion(dt.date(2026, 3, 15))
    assert [p.label for p in points][:3] == ["2025-04", "2025-05", "2025-06"] and points[-1].label == "2026-03"


def test_dashboard_page_renders_svg_without_script(client, db, login, officer, make_project, make_inquiry):
    make_inquiry(make_project())
    login(officer)
    body = client.get("/invest/office").get_data(as_text=True)
    assert "<svg" in body and "<rect" in body and "<script>" not in body and "style=" not in body
    assert 'id="fig-sought"' in body
