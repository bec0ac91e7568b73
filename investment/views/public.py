"""Public pages: the project library, a project's page, inquiries, downloads and "my inquiries"."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from investment import bp, policy
from investment.forms import InquiryForm
from investment.models import AttachmentKind, Inquiry, ProjectAttachment
from investment.queries import library_query
from investment.related import related
from investment.search import find_projects
from investment.services import InvestError
from investment.services.leads import create_inquiry
from investment.services.projects import local_today, record_view
from marketplace.errors import form_errors
from marketplace.extensions import db, limiter
from marketplace.regions.services import counties
from marketplace.storage import send


@bp.get("")
def library():
    query = library_query()
    result = find_projects(query)
    fc = {name: dict(pairs) for name, pairs in result.facets.items()}
    return render_template("investment/library.html", query=query, result=result, fc=fc, counties=counties())


@bp.get("/")
def library_slash():
    return redirect(url_for("investment.library", **request.args), 301)


def _visitor_key() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"anon:{request.remote_addr}|{request.headers.get('User-Agent', '')[:300]}"


def _project_page(project, form, status=200):
    return render_template("investment/project.html", project=project, form=form,
                           show_contact=policy.can_see_contact(current_user, project),
                           is_office=policy.is_office(), today=local_today(), **related(project)), status


@bp.get("/projects/<int:project_id>")
def project_page(project_id: int):
    project = policy.public_project_or_404(project_id)
    if not policy.is_office():
        record_view(project, _visitor_key(), request.headers.get("User-Agent"))
    form = InquiryForm()
    if current_user.is_authenticated and not form.name.data:
        form.name.data = current_user.name
        form.email.data = current_user.email
        form.phone.data = current_user.phone or ""
    return _project_page(project, form)


def _inquiry_limit() -> str:
    return current_app.config["INVEST_INQUIRY_RATELIMIT"]


@bp.post("/projects/<int:project_id>/inquiries")
@limiter.limit(_inquiry_limit)
def send_inquiry(project_id: int):
    project = policy.public_project_or_404(project_id)
    form = InquiryForm()
    if form.website.data:  # honeypot: tell the bot it worked, keep nothing
        flash(_("咨询已提交，招商部门会尽快与您联系。"), "success")
        return redirect(url_for("investment.project_page", project_id=project.id))
    if not form.validate():
        return _project_page(project, form, 400)
    try:
        create_inquiry(project, current_user, form.to_fields())
    except InvestError as exc:
        if not form_errors(form, exc):
            flash(exc.message, "error")
        return _project_page(project, form, 400)
    flash(_("咨询已提交，招商部门会尽快与您联系。"), "success")
    if current_user.is_authenticated:
        return redirect(url_for("investment.my_inquiries"))
    return redirect(url_for("investment.project_page", project_id=project.id))


@bp.get("/attachments/<int:attachment_id>")
def download(attachment_id: int):
    """A PDF attachment, always as a download (never rendered inline), with nosniff."""
    att = db.session.get(ProjectAttachment, attachment_id)
    if att is None or att.kind != AttachmentKind.PDF or not policy.can_download(current_user, att):
        abort(404)
    response = send(att.key, mimetype="application/pdf", public=False, as_attachment=True,
                    download_name=att.filename or "document.pdf")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if att.public:
        response.headers["Cache-Control"] = "public, max-age=3600"  # a published project's brochure
    return response


@bp.get("/my-inquiries")
@login_required
def my_inquiries():
    inquiries = list(db.session.scalars(sa.select(Inquiry).where(Inquiry.user_id == current_user.id)
                                        .order_by(Inquiry.created_at.desc(), Inquiry.id.desc())))
    return render_template("investment/my_inquiries.html", inquiries=inquiries)
