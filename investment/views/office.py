"""Office pages (招商工作台): dashboard, project editor, review queue, leads, CSV exports."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from investment import bp, policy
from investment.forms import (
    ActivityForm,
    AttachmentForm,
    LeadStageForm,
    LeadUpdateForm,
    ProjectForm,
    ReplyForm,
    StatusForm,
    as_choices,
)
from investment.models import Inquiry, LeadPriority, LeadStage, Project, ProjectAttachment, ProjectStatus
from investment.services import InvestError
from investment.services import export as csv_export
from investment.services import leads as lead_services
from investment.services import projects as project_services
from investment.services.dashboard import figures
from investment.vocab import STAGE_LABELS, mu, sector_choices, sector_codes, wan_plain
from marketplace.errors import form_errors
from marketplace.exports import csv_response
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.media import MediaError
from marketplace.regions.services import counties
from marketplace.web import enum_arg, paginate

office_required = policy.office_required


# --- dashboard -----------------------------------------------------------------------------------

@bp.get("/office")
@office_required
def office():
    today = project_services.local_today()
    due = lead_services.due_leads(current_user, today, mine_only=request.args.get("all") != "1")
    return render_template("investment/office/dashboard.html", today=today, due=due, f=figures(today),
                           review_count=db.session.scalar(sa.select(sa.func.count()).select_from(Project).where(
                               Project.status == ProjectStatus.IN_REVIEW)))


# --- projects ------------------------------------------------------------------------------------

@bp.get("/office/projects")
@office_required
def office_projects():
    stmt = sa.select(Project).order_by(Project.updated_at.desc(), Project.id.desc())
    status = enum_arg(ProjectStatus, "status")
    if status is not None:
        stmt = stmt.where(Project.status == status)
    sector = request.args.get("sector", "")
    if sector in sector_codes():
        stmt = stmt.where(Project.sector == sector)
    q = request.args.get("q", "").strip()[:100]
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(sa.or_(Project.title.ilike(like), Project.code.ilike(like)))
    page = paginate(stmt, per_page=25)
    return render_template("investment/office/projects.html", page=page, status=status, sector=sector, q=q)


def _prepare_project_form(form: ProjectForm) -> ProjectForm:
    form.sector.choices = as_choices(sector_choices(current_locale_code()))
    form.region_id.choices = as_choices([(None, _("请选择"))] + [(r.id, r.localized_name(current_locale_code()))
                                                                for r in counties()])
    form.officer_id.choices = as_choices([(None, _("（不指定：通知全部招商人员）"))] + [
        (u.id, u.display_name) for u in lead_services.office_staff()])
    return form


def _save_project(form: ProjectForm, project: Project | None):
    if not form.validate_on_submit():
        return None
    try:
        if project is None:
            project = project_services.create_project(current_user, form.to_fields())
        else:
            project_services.update_project(current_user, project, form.to_fields())
    except InvestError as exc:
        if not form_errors(form, exc):
            flash(exc.message, "error")
        return None
    flash(_("项目已保存"), "success")
    return redirect(url_for("investment.office_project", project_id=project.id))


@bp.route("/office/projects/new", methods=["GET", "POST"])
@office_required
def project_new():
    form = _prepare_project_form(ProjectForm())
    done = _save_project(form, None)
    if done:
        return done
    return render_template("investment/office/project_form.html", form=form, project=None), (
        400 if request.method == "POST" else 200)


@bp.route("/office/projects/<int:project_id>/edit", methods=["GET", "POST"])
@office_required
def project_edit(project_id: int):
    project = policy.office_project_or_404(project_id)
    policy.require_edit(project)
    form = ProjectForm(obj=project) if request.method == "GET" else ProjectForm()
    if request.method == "GET":
        form.total_investment.data = wan_plain(project.total_investment_cents)
        form.sought.data = wan_plain(project.sought_cents)
        form.land_area.data = mu(project.land_area_hundredths).replace(",", "")
        form.mode.data, form.land_nature.data = project.mode.value, project.land_nature.value
        form.land_status.data = project.land_status.value
    _prepare_project_form(form)
    done = _save_project(form, project)
    if done:
        return done
    return render_template("investment/office/project_form.html", form=form, project=project), (
        400 if request.method == "POST" else 200)


@bp.get("/office/projects/<int:project_id>")
@office_required
def office_project(project_id: int):
    project = policy.office_project_or_404(project_id)
    allowed = project_services.PROJECT_MACHINE.allowed(project.status)
    moves = [t for t in ProjectStatus if t in allowed and policy.can_move(current_user, project, t)]
    leads = list(db.session.scalars(sa.select(Inquiry).where(Inquiry.project_id == project.id)
                                    .order_by(Inquiry.id.desc())))
    return render_template("investment/office/project.html", project=project, moves=moves,
                           status_form=StatusForm(), attachment_form=AttachmentForm(), leads=leads,
                           can_edit=policy.can_edit(current_user, project))


@bp.post("/office/projects/<int:project_id>/status")
@office_required
def project_status(project_id: int):
    project = policy.office_project_or_404(project_id)
    form = StatusForm()
    if not form.validate() or form.target.data not in {s.value for s in ProjectStatus}:
        abort(400)
    project_services.set_status(current_user, project, ProjectStatus(form.target.data), form.reason.data,
                                form.signed_amount.cents)
    flash(_("项目状态已更新"), "success")
    return redirect(url_for("investment.office_project", project_id=project.id))


@bp.post("/office/projects/<int:project_id>/attachments")
@office_required
def project_attach(project_id: int):
    project = policy.office_project_or_404(project_id)
    policy.require_edit(project)
    form = AttachmentForm()
    try:
        project_services.add_attachment(current_user, project, request.files.get("file"), form.caption.data,
                                        bool(form.public.data))
    except MediaError as exc:  # a shell ValueError, not a DomainError: the handler would not show it
        flash(str(exc), "error")
        return redirect(url_for("investment.office_project", project_id=project.id)), 303
    flash(_("附件已上传"), "success")
    return redirect(url_for("investment.office_project", project_id=project.id))


@bp.post("/office/attachments/<int:attachment_id>/delete")
@office_required
def attachment_delete(attachment_id: int):
    att = db.session.get(ProjectAttachment, attachment_id)
    if att is None:
        abort(404)
    project_id = att.project_id
    project_services.delete_attachment(current_user, att)
    flash(_("附件已删除"), "success")
    return redirect(url_for("investment.office_project", project_id=project_id))


@bp.get("/office/review")
@policy.reviewer_required
def review_queue():
    projects = list(db.session.scalars(sa.select(Project).where(Project.status == ProjectStatus.IN_REVIEW)
                                       .order_by(Project.updated_at)))
    return render_template("investment/office/review.html", projects=projects)


@bp.get("/office/projects.csv")
@office_required
def projects_export():
    return _private(csv_response("projects.csv", *csv_export.projects_table(current_locale_code())))


# --- leads ---------------------------------------------------------------------------------------

@bp.get("/office/leads")
@office_required
def leads():
    stmt = sa.select(Inquiry).order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
    stage = enum_arg(LeadStage, "stage")
    if stage is not None:
        stmt = stmt.where(Inquiry.stage == stage)
    priority = enum_arg(LeadPriority, "priority")
    if priority is not None:
        stmt = stmt.where(Inquiry.priority == priority)
    if request.args.get("mine") == "1":
        stmt = stmt.where(Inquiry.owner_id == current_user.id)
    page = paginate(stmt, per_page=30)
    return render_template("investment/office/leads.html", page=page, stage=stage, priority=priority)


def _lead_or_404(inquiry_id: int) -> Inquiry:
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None:
        abort(404)
    return inquiry


def _lead_page(inquiry: Inquiry, status: int = 200, **forms):
    stage_form = forms.get("stage_form") or LeadStageForm()
    allowed = lead_services.LEAD_MACHINE.allowed(inquiry.stage)
    stage_form.stage.choices = as_choices([(s.value, STAGE_LABELS[s]) for s in LeadStage if s in allowed])
    update_form = forms.get("update_form") or LeadUpdateForm(
        priority=inquiry.priority.value, owner_id=inquiry.owner_id, next_follow_up=inquiry.next_follow_up)
    update_form.owner_id.choices = as_choices([(None, _("未指定"))] + [(u.id, u.display_name)
                                                                      for u in lead_services.office_staff()])
    return render_template("investment/office/lead.html", lead=inquiry, stage_form=stage_form,
                           update_form=update_form, activity_form=forms.get("activity_form") or ActivityForm(),
                           reply_form=forms.get("reply_form") or ReplyForm()), status


@bp.get("/office/leads/<int:inquiry_id>")
@office_required
def lead_detail(inquiry_id: int):
    return _lead_page(_lead_or_404(inquiry_id))


def _lead_action(inquiry: Inquiry, form_name: str, form, action):
    if not form.validate():
        return _lead_page(inquiry, 400, **{form_name: form})
    try:
        action()
    except InvestError as exc:
        if not form_errors(form, exc):
            flash(exc.message, "error")
        return _lead_page(_lead_or_404(inquiry.id), 400, **{form_name: form})
    flash(_("已保存"), "success")
    return redirect(url_for("investment.lead_detail", inquiry_id=inquiry.id))


@bp.post("/office/leads/<int:inquiry_id>/stage")
@office_required
def lead_stage(inquiry_id: int):
    inquiry = _lead_or_404(inquiry_id)
    form = LeadStageForm()
    form.stage.choices = as_choices([(s.value, s.value) for s in LeadStage])
    return _lead_action(inquiry, "stage_form", form, lambda: lead_services.set_stage(
        current_user, inquiry, LeadStage(form.stage.data), form.note.data, form.signed_amount.cents))


@bp.post("/office/leads/<int:inquiry_id>/update")
@office_required
def lead_update(inquiry_id: int):
    inquiry = _lead_or_404(inquiry_id)
    form = LeadUpdateForm()
    form.owner_id.choices = as_choices([(None, "")] + [(u.id, u.display_name) for u in lead_services.office_staff()])
    return _lead_action(inquiry, "update_form", form, lambda: lead_services.update_lead(
        current_user, inquiry, priority=form.priority.data, owner_id=form.owner_id.data,
        next_follow_up=form.next_follow_up.data))


@bp.post("/office/leads/<int:inquiry_id>/activities")
@office_required
def lead_activity(inquiry_id: int):
    inquiry = _lead_or_404(inquiry_id)
    form = ActivityForm()
    return _lead_action(inquiry, "activity_form", form, lambda: lead_services.log_activity(
        current_user, inquiry, form.kind.data, form.body.data))


@bp.post("/office/leads/<int:inquiry_id>/reply")
@office_required
def lead_reply(inquiry_id: int):
    inquiry = _lead_or_404(inquiry_id)
    form = ReplyForm()
    return _lead_action(inquiry, "reply_form", form, lambda: lead_services.reply(current_user, inquiry,
                                                                                  form.body.data))


@bp.get("/office/leads.csv")
@office_required
def leads_export():
    return _private(csv_response("leads.csv", *csv_export.leads_table(current_user)))


def _private(response: Response) -> Response:
    """Exports carry contact details: no shared cache keeps them."""
    response.headers["Cache-Control"] = "private, no-store"
    return response
