"""Admin pages for the category tree: add, rename, reorder, deactivate (audited)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalog import bp
from catalog.categories import (
    CategoryError,
    add_category,
    all_categories,
    move_category,
    rename_category,
    set_category_active,
    set_category_approval,
)
from catalog.forms import CategoryForm
from catalog.models import Category
from catalog.services.requalify import set_category_certificate
from marketplace.accounts.policy import admin_required
from marketplace.errors import form_errors
from marketplace.extensions import db


def _category_or_404(category_id: int) -> Category:
    cat = db.session.get(Category, category_id)
    if cat is None:
        abort(404)
    return cat


def _ordered() -> list[tuple[Category, int]]:
    cats = all_categories(active_only=False)
    by_parent: dict[int | None, list[Category]] = {}
    for c in cats:
        by_parent.setdefault(c.parent_id, []).append(c)
    out = []

    def walk(parent_id, depth):
        for c in by_parent.get(parent_id, []):
            out.append((c, depth))
            walk(c.id, depth + 1)

    walk(None, 0)
    return out


@bp.route("/admin/categories", methods=["GET", "POST"])
@admin_required
def admin_categories():
    form = CategoryForm()
    ordered = _ordered()
    form.parent.choices = [(0, _("（顶级分类）"))] + [(c.id, c.path) for c, depth in ordered if depth == 0]
    if form.validate_on_submit():
        parent = db.session.get(Category, form.parent.data) if form.parent.data else None
        try:
            cat = add_category(current_user, name=form.name.data, code=form.code.data or "",
                               name_en=form.name_en.data or "", parent=parent)
        except CategoryError as exc:
            if not form_errors(form, exc):
                form.name.errors = [*form.name.errors, exc.message]
        else:
            flash(_("已添加分类：%(path)s", path=cat.path), "success")
            return redirect(url_for("catalog.admin_categories"))
    return render_template("catalog/admin/categories.html", form=form, ordered=ordered)


@bp.route("/admin/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def admin_category_edit(category_id: int):
    cat = _category_or_404(category_id)
    form = CategoryForm(obj=cat if request.method == "GET" else None)
    form.parent.choices = [(0, "")]
    if form.validate_on_submit():
        try:
            rename_category(cat, current_user, name=form.name.data, name_en=form.name_en.data or "")
        except CategoryError as exc:
            if not form_errors(form, exc):
                form.name.errors = [*form.name.errors, exc.message]
        else:
            flash(_("已保存"), "success")
            return redirect(url_for("catalog.admin_categories"))
    return render_template("catalog/admin/category_edit.html", form=form, category=cat)


@bp.post("/admin/categories/<int:category_id>/"
         "<any(up, down, activate, deactivate, approval_on, approval_off, certificate_on, certificate_off):action>")
@admin_required
def admin_category_action(category_id: int, action: str):
    cat = _category_or_404(category_id)
    if action in ("up", "down"):
        move_category(cat, current_user, -1 if action == "up" else 1)
    elif action in ("approval_on", "approval_off"):
        set_category_approval(cat, current_user, action == "approval_on")
        flash(_("新上架的商品需经平台审核：%(p)s", p=cat.path) if action == "approval_on"
              else _("已取消上架审核：%(p)s", p=cat.path), "success")
    elif action in ("certificate_on", "certificate_off"):
        withdrawn = set_category_certificate(cat, current_user, action == "certificate_on")
        flash(_("上架须有合格证：%(p)s", p=cat.path) if action == "certificate_on"
              else _("已取消合格证要求：%(p)s", p=cat.path), "success")
        if withdrawn:
            flash(_("没有带库存的合格证批次，已下架并通知店铺的在售商品：%(n)d 件", n=len(withdrawn)), "warning")
    else:
        set_category_active(cat, current_user, action == "activate")
        flash(_("已启用：%(p)s", p=cat.path) if action == "activate" else _("已停用：%(p)s", p=cat.path), "success")
    return redirect(url_for("catalog.admin_categories") + f"#cat-{cat.id}")
