"""The platform's after-sales view: every request, disputes first, and the ruling (audited)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from aftersales import bp, services
from aftersales.models import AfterSale, AfterSaleStatus
from aftersales.policy import any_case_or_404
from aftersales.status import STATUS_LABELS
from aftersales.views.common import run_action
from aftersales.views.merchant import listing
from marketplace.accounts.policy import admin_required
from marketplace.web import enum_arg, paginate


@bp.get("/admin/after-sales")
@admin_required
def admin_list():
    status = enum_arg(AfterSaleStatus)
    query = listing(sa.select(AfterSale), status).order_by(
        sa.case((AfterSale.status == AfterSaleStatus.DISPUTED, 0), else_=1), AfterSale.id.desc())
    return render_template("aftersales/list.html", page=paginate(query, per_page=50), viewer="admin",
                           title=_("售后与纠纷"), statuses=list(STATUS_LABELS.items()), status=status)


@bp.post("/admin/after-sales/<int:case_id>/rule")
@admin_required
def rule(case_id: int):
    case = any_case_or_404(case_id)
    form = request.form
    return run_action(case, "admin", lambda: services.rule(
        case, current_user, decision=form.get("decision", ""), note=form.get("note", ""), amount=form.get("amount"),
        restock=form.get("restock") == "y"), _("已裁决"))
