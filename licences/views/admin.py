"""The platform's licence pages: the queue of uploads to verify, one licence with its scan and
history (verify, reject, revoke), and which categories require which licence type."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from catalog.categories import tree
from catalog.models import Category
from licences import bp, services
from licences.models import LicenceStatus, LicenceType, ShopLicence
from licences.views.merchant import requirements
from marketplace.accounts.policy import admin_required
from marketplace.extensions import db
from marketplace.web import enum_arg, paginate

ACTIONS = {"verify": (lambda lic, reason: services.verify(lic, current_user), _l("许可证已核验通过，店铺会收到通知")),
           "reject": (lambda lic, reason: services.reject(lic, current_user, reason), _l("已驳回，店铺会收到通知")),
           "revoke": (lambda lic, reason: services.revoke(lic, current_user, reason), _l("许可证已撤销，店铺会收到通知"))}


@bp.get("/admin/licences")
@admin_required
def admin_list():
    status = enum_arg(LicenceStatus, "status", LicenceStatus.PENDING)
    query = (sa.select(ShopLicence).where(ShopLicence.status == status).options(joinedload(ShopLicence.shop))
             .order_by(ShopLicence.expires_on if status == LicenceStatus.VERIFIED else ShopLicence.id))
    return render_template("licences/admin_list.html", page=paginate(query, per_page=30), status=status,
                           statuses=list(LicenceStatus))


@bp.get("/admin/licences/<int:licence_id>")
@admin_required
def admin_detail(licence_id: int):
    licence = db.session.get(ShopLicence, licence_id)
    if licence is None:
        abort(404)
    return render_template("licences/admin_detail.html", licence=licence)


@bp.post("/admin/licences/<int:licence_id>/<action>")
@admin_required
def admin_review(licence_id: int, action: str):
    licence = db.session.get(ShopLicence, licence_id)
    if licence is None or action not in ACTIONS:
        abort(404)
    verb, done = ACTIONS[action]
    verb(licence, request.form.get("reason"))  # a refusal is flashed back to this page by the handler
    flash(str(done), "success")
    return redirect(url_for("licences.admin_detail", licence_id=licence.id))


@bp.route("/admin/licences/categories", methods=["GET", "POST"])
@admin_required
def admin_categories():
    if request.method == "POST":
        category = db.session.get(Category, request.form.get("category", type=int) or 0)
        if category is None:
            abort(404)
        kinds = [k for k in request.form.getlist("licence_type") if k in {t.value for t in LicenceType}]
        withdrawn = services.set_requirements(category, kinds, current_user)
        flash(_("已保存“%(category)s”的许可证要求", category=category.name), "success")
        if withdrawn:
            flash(_("店铺没有所需许可证，已下架并通知店铺的在售商品：%(n)d 件", n=len(withdrawn)), "warning")
        return redirect(url_for("licences.admin_categories"))
    required = {c.id: set(kinds) for c, kinds in requirements()}
    return render_template("licences/admin_categories.html", categories=tree(), required=required,
                           types=list(LicenceType))
