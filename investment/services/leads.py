"""Inquiries and the lead pipeline: receive, notify, move through stages, log and reply."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from investment import policy
from investment.models import (
    ActivityKind,
    CoopMode,
    Inquiry,
    LeadActivity,
    LeadPriority,
    LeadStage,
    Project,
    ProjectStatus,
)
from investment.services import InvestError
from investment.services.projects import local_today
from investment.vocab import PRIORITY_LABELS, STAGE_LABELS
from marketplace.accounts.models import Role, User, UserRole
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.mail.notices import notify
from marketplace.mail.services import queue_mail
from marketplace.notifications.dispatch import post
from marketplace.states import StateMachine
from marketplace.web import absolute_url

L = LeadStage
LEAD_MACHINE = StateMachine("lead", {
    L.NEW: {L.CONTACTED, L.NEGOTIATING, L.DECLINED},
    L.CONTACTED: {L.NEGOTIATING, L.DECLINED},
    L.NEGOTIATING: {L.SIGNED, L.DECLINED},
    L.SIGNED: set(),
    L.DECLINED: set(),
}, labels=STAGE_LABELS, stamps={L.SIGNED: "signed_at"})

MESSAGE_MAX = 2000
NOTE_MAX = 4000


def _text(value, limit: int) -> str:
    return (value or "").strip()[:limit]


def office_recipients(project: Project) -> list[User]:
    """The project's officer in charge, else every active officer."""
    if project.officer is not None and project.officer.active:
        return [project.officer]
    stmt = (sa.select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.OFFICER, User.active.is_(True)).order_by(User.id))
    return list(db.session.scalars(stmt).unique())


@atomic()
def create_inquiry(project: Project, user, fields: dict) -> Inquiry:
    """Record an investor's inquiry on a published project and notify the office (mail queued)."""
    if project.status != ProjectStatus.PUBLISHED:
        raise InvestError(_("这个项目目前不接受咨询"))
    signed_in = bool(getattr(user, "is_authenticated", False))
    name = _text(fields.get("name"), 60) or (user.display_name if signed_in else "")
    email = _text(fields.get("email"), 254) or ((user.email or "") if signed_in else "")
    phone = _text(fields.get("phone"), 40)
    message = (fields.get("message") or "").strip()
    if not name:
        raise InvestError(_("请填写您的姓名"), field="name")
    if not (phone or email):
        raise InvestError(_("请留下电话或电子邮箱，方便我们联系您"), field="phone")
    if not message:
        raise InvestError(_("请填写咨询内容"), field="message")
    if len(message) > MESSAGE_MAX:
        raise InvestError(_("咨询内容不能超过 %(n)d 字", n=MESSAGE_MAX), field="message")
    mode = fields.get("mode") or None
    inquiry = Inquiry(project=project, user_id=user.id if signed_in else None, name=name,
                      company=_text(fields.get("company"), 120), phone=phone, email=email,
                      amount_cents=fields.get("amount_cents") or None, mode=CoopMode(mode) if mode else None,
                      message=message, stage=LeadStage.NEW, priority=LeadPriority.KEEP,
                      owner_id=project.officer_id, next_follow_up=local_today() + dt.timedelta(days=1))
    inquiry.activities.append(LeadActivity(kind=ActivityKind.CREATED, body="", to_stage=LeadStage.NEW,
                                           actor_id=user.id if signed_in else None))
    db.session.add(inquiry)
    db.session.flush()
    link = absolute_url("investment.lead_detail", inquiry_id=inquiry.id)
    for officer in office_recipients(project):
        notify(officer, "investment/inquiry_received", inquiry=inquiry, project=project, link=link)
    return inquiry


def _require_office(actor) -> None:
    if not policy.is_office(actor):
        raise Forbidden()


@atomic()
def set_stage(actor, inquiry: Inquiry, target: LeadStage, note: str = "",
              signed_amount_cents: int | None = None) -> LeadActivity:
    """Move a lead; the note goes into the activity log with the change."""
    _require_office(actor)
    target = LeadStage(target)
    LEAD_MACHINE.check(inquiry.stage, target)
    note = _text(note, NOTE_MAX)
    if target == LeadStage.DECLINED and not note:
        raise InvestError(_("请写明未成的原因"), field="note")
    current = inquiry.stage
    fields: dict = {"stage_changed_at": utcnow()}
    if target == LeadStage.SIGNED:
        fields["signed_amount_cents"] = signed_amount_cents or inquiry.amount_cents
    if not target.is_open:
        fields["next_follow_up"] = None
    if inquiry.owner_id is None:
        fields["owner_id"] = actor.id
    LEAD_MACHINE.move(inquiry, target, actor=actor, **fields)
    # The lead's history is its activity log: a STAGE entry with the note (an entry the machine's
    # history helper cannot write, as the log's rows also have a kind).
    activity = LeadActivity(kind=ActivityKind.STAGE, body=note, from_stage=current, to_stage=target,
                            actor_id=actor.id)
    inquiry.activities.append(activity)
    return activity


@atomic()
def update_lead(actor, inquiry: Inquiry, *, priority: LeadPriority | str | None = None, owner_id: int | None = None,
                next_follow_up: dt.date | None = None) -> LeadActivity | None:
    """Set priority, owner and next follow-up day; logs what changed."""
    _require_office(actor)
    changes = []
    if priority is not None and LeadPriority(priority) != inquiry.priority:
        inquiry.priority = LeadPriority(priority)
        changes.append(_("优先级") + "：" + str(PRIORITY_LABELS[inquiry.priority]))
    if owner_id != inquiry.owner_id:
        if owner_id is not None:
            owner = db.session.get(User, owner_id)
            if owner is None or not policy.is_office(owner):
                raise InvestError(_("负责人必须是招商工作人员"), field="owner_id")
            changes.append(_("负责人") + "：" + owner.display_name)
        else:
            changes.append(_("负责人") + "：—")
        inquiry.owner_id = owner_id
    if next_follow_up != inquiry.next_follow_up:
        if next_follow_up is not None and next_follow_up < local_today() - dt.timedelta(days=365):
            raise InvestError(_("下次跟进日期不正确"), field="next_follow_up")
        inquiry.next_follow_up = next_follow_up
        changes.append(_("下次跟进") + "：" + (next_follow_up.isoformat() if next_follow_up else "—"))
    if not changes:
        return None
    activity = LeadActivity(kind=ActivityKind.UPDATE, body="；".join(changes), actor_id=actor.id)
    inquiry.activities.append(activity)
    return activity


@atomic()
def log_activity(actor, inquiry: Inquiry, kind: ActivityKind | str, body: str) -> LeadActivity:
    _require_office(actor)
    kind = ActivityKind(kind)
    if kind not in (ActivityKind.NOTE, ActivityKind.CALL, ActivityKind.VISIT):
        raise InvestError(_("跟进方式不正确"), field="kind")
    body = _text(body, NOTE_MAX)
    if not body:
        raise InvestError(_("请填写跟进内容"), field="body")
    activity = LeadActivity(kind=kind, body=body, actor_id=actor.id)
    inquiry.activities.append(activity)
    return activity


@atomic()
def reply(actor, inquiry: Inquiry, body: str) -> LeadActivity:
    """A reply the investor sees on "my inquiries"; also e-mailed to him when he left an address."""
    _require_office(actor)
    body = _text(body, NOTE_MAX)
    if not body:
        raise InvestError(_("请填写回复内容"), field="body")
    activity = LeadActivity(kind=ActivityKind.REPLY, body=body, actor_id=actor.id, visible_to_investor=True)
    inquiry.activities.append(activity)
    recipient = inquiry.email or (inquiry.user.email if inquiry.user else "")
    if recipient:
        locale = inquiry.user.locale if inquiry.user else "zh_CN"
        link = absolute_url("investment.my_inquiries") if inquiry.user_id else None
        queue_mail(recipient, "investment/inquiry_reply", locale=locale, inquiry=inquiry, body=body, link=link,
                   project_link=absolute_url("investment.project_page", project_id=inquiry.project_id))
    if inquiry.user is not None:
        post(inquiry.user, "investment.reply", params={"project": inquiry.project.title},
             link=absolute_url("investment.my_inquiries"), subject=("inquiry", inquiry.id))
    return activity


def due_leads(user=None, today: dt.date | None = None, *, mine_only: bool = False) -> list[Inquiry]:
    """Open leads whose next follow-up is today or earlier (dropped ones excluded), oldest first."""
    today = today or local_today()
    stmt = (sa.select(Inquiry).where(Inquiry.stage.in_([s for s in LeadStage if s.is_open]),
                                     Inquiry.priority != LeadPriority.DROPPED,
                                     Inquiry.next_follow_up.is_not(None), Inquiry.next_follow_up <= today)
            .order_by(Inquiry.next_follow_up, Inquiry.id))
    if mine_only and user is not None:
        stmt = stmt.where(sa.or_(Inquiry.owner_id == user.id, Inquiry.owner_id.is_(None)))
    return list(db.session.scalars(stmt))


def office_staff() -> list[User]:
    stmt = (sa.select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_([Role.OFFICER, Role.REVIEWER, Role.ADMIN]), User.active.is_(True))
            .order_by(User.name, User.id))
    return list(dict.fromkeys(db.session.scalars(stmt)))


