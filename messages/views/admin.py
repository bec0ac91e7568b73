"""The platform's view of reported conversations: open reports first, and the resolution (audited).
An admin reads a conversation only once it has been reported (messages.policy)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from marketplace.accounts.policy import admin_required
from marketplace.extensions import db
from marketplace.web import paginate
from messages import bp, services
from messages.errors import MessageError
from messages.labels import RESOLUTION_LABELS
from messages.models import Conversation, ConversationReport


@bp.get("/admin/messages")
@admin_required
def admin_reports():
    query = (sa.select(ConversationReport)
             .options(joinedload(ConversationReport.conversation).joinedload(Conversation.shop),
                      joinedload(ConversationReport.conversation).joinedload(Conversation.buyer),
                      joinedload(ConversationReport.reporter))
             .order_by(ConversationReport.resolved_at.is_not(None), ConversationReport.id.desc()))
    return render_template("messages/admin_reports.html", page=paginate(query, per_page=50),
                           resolutions=list(RESOLUTION_LABELS.items()))


@bp.post("/admin/messages/reports/<int:report_id>/resolve")
@admin_required
def resolve_report(report_id: int):
    found = db.session.get(ConversationReport, report_id)
    if found is None:
        abort(404)
    try:
        services.resolve(found, current_user, request.form.get("resolution"), request.form.get("note", ""))
    except MessageError as exc:
        flash(exc.message, "error")
    else:
        flash(_("已处理"), "success")
    return redirect(url_for("messages.admin_reports") + f"#report-{report_id}", 303)
