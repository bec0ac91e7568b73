"""Admin pages for the search synonym table: list, add, edit, delete (admins only, audited).

An edit applies to the next search at once in this process (its copy of the table is dropped) and
within ``search.synonyms.TTL`` seconds in the others; nothing is re-indexed.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField

from marketplace.accounts.policy import admin_required
from marketplace.errors import form_errors
from marketplace.extensions import db
from marketplace.shops.forms import as_choices
from marketplace.web import paginate
from search.synonyms import (
    SearchSynonym,
    SynonymTableError,
    add_group,
    delete_group,
    format_group,
    update_group,
)

bp = Blueprint("search", __name__, url_prefix="/admin/search")
PER_PAGE = 50

#: The kinds of group, as the page names them (never the stored flag).
KIND_LABELS = {"two_way": _l("双向（互为同义词）"), "one_way": _l("单向（第一个词包含其余的词）")}


class SynonymForm(FlaskForm):
    terms = TextAreaField(_l("同义词"), description=_l("用逗号或空格分开，例如：土豆, 马铃薯, 洋芋；单向时第一个词是大类。"))
    kind = RadioField(_l("类型"), choices=as_choices(KIND_LABELS.items()), default="two_way")


def _row_or_404(synonym_id: int) -> SearchSynonym:
    row = db.session.get(SearchSynonym, synonym_id)
    if row is None:
        abort(404)
    return row


def _save(form: SynonymForm, row: SearchSynonym | None):
    """The saved row, or None with the errors on the form."""
    one_way = form.kind.data == "one_way"
    try:
        if row is None:
            return add_group(form.terms.data, one_way, actor=current_user)
        return update_group(row, form.terms.data, one_way, actor=current_user)
    except SynonymTableError as exc:
        db.session.rollback()
        if not form_errors(form, exc):
            form.terms.errors = [*form.terms.errors, exc.message]
        return None


@bp.route("/synonyms", methods=["GET", "POST"])
@admin_required
def admin_synonyms():
    form = SynonymForm()
    if form.validate_on_submit():
        row = _save(form, None)
        if row is not None:
            flash(_("已添加同义词组：%(g)s", g=format_group(row.terms, row.one_way)), "success")
            return redirect(url_for("search.admin_synonyms"))
    pagination = paginate(sa.select(SearchSynonym).order_by(SearchSynonym.id), per_page=PER_PAGE)
    status = 422 if request.method == "POST" else 200
    return render_template("search/admin/synonyms.html", form=form, pagination=pagination,
                           kind_labels=KIND_LABELS, format_group=format_group), status


@bp.route("/synonyms/<int:synonym_id>", methods=["GET", "POST"])
@admin_required
def admin_synonym_edit(synonym_id: int):
    row = _row_or_404(synonym_id)
    form = SynonymForm()
    if request.method == "GET":
        form.terms.data = ", ".join(row.term_list)
        form.kind.data = "one_way" if row.one_way else "two_way"
    if form.validate_on_submit() and _save(form, row) is not None:
        flash(_("已保存同义词组：%(g)s", g=format_group(row.terms, row.one_way)), "success")
        return redirect(url_for("search.admin_synonyms"))
    status = 422 if request.method == "POST" else 200
    return render_template("search/admin/synonym_edit.html", form=form, row=row, kind_labels=KIND_LABELS), status


@bp.route("/synonyms/<int:synonym_id>/delete", methods=["GET", "POST"])
@admin_required
def admin_synonym_delete(synonym_id: int):
    """GET asks for confirmation; POST (with the CSRF token) deletes."""
    row = _row_or_404(synonym_id)
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        shown = format_group(row.terms, row.one_way)
        delete_group(row, actor=current_user)
        flash(_("已删除同义词组：%(g)s", g=shown), "success")
        return redirect(url_for("search.admin_synonyms"))
    return render_template("search/admin/synonym_delete.html", form=form, row=row,
                           group=format_group(row.terms, row.one_way))
