"""Admin pages for the unit table: list, add, edit, deactivate, delete an unused unit (audited)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalog import bp
from catalog.forms import UnitForm
from catalog.models import Unit, UnitKind, Variant
from catalog.units import (
    BASE_UNITS,
    KIND_ORDER,
    UnitError,
    add_unit,
    delete_unit,
    kind_label,
    set_unit_active,
    unit_in_use,
    update_unit,
)
from marketplace.accounts.policy import admin_required
from marketplace.errors import form_errors
from marketplace.extensions import db

FIELDS = ("name", "name_en", "kind", "factor", "aliases", "sort_order")


def _unit_or_404(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


def _form(obj: Unit | None = None) -> UnitForm:
    form = UnitForm()
    if request.method == "GET" and obj is not None:
        form.process(data={"code": obj.code, "name": obj.name, "name_en": obj.name_en,
                           "kind": UnitKind(obj.kind).value, "factor": "" if obj.factor is None else str(obj.factor),
                           "aliases": ", ".join(obj.aliases or []), "sort_order": str(obj.sort_order)})
    form.kind.choices = [("", _("请选择"))] + [(k.value, kind_label(k)) for k in KIND_ORDER]
    return form


def _values(form: UnitForm) -> dict:
    return {name: getattr(form, name).data for name in FIELDS}


def _refused(form: UnitForm, exc: UnitError) -> None:
    if not form_errors(form, exc):
        flash(exc.message, "error")


def _listing() -> tuple[list[Unit], dict[str, int]]:
    """Units in the editor's order, and how many variants use each (one grouped query)."""
    units = sorted(db.session.scalars(sa.select(Unit)),
                   key=lambda u: (KIND_ORDER.index(UnitKind(u.kind)), u.sort_order, u.code))
    counts = dict(db.session.execute(sa.select(Variant.unit, sa.func.count()).group_by(Variant.unit)).all())
    return units, counts


@bp.route("/admin/units", methods=["GET", "POST"])
@admin_required
def admin_units():
    form = _form()
    if form.validate_on_submit():
        try:
            unit = add_unit(current_user, code=form.code.data, **_values(form))
        except UnitError as exc:
            _refused(form, exc)
        else:
            flash(_("已添加单位：%(u)s", u=unit.code), "success")
            return redirect(url_for("catalog.admin_units") + f"#unit-{unit.id}")
    units, counts = _listing()
    return render_template("catalog/admin/units.html", form=form, units=units, counts=counts,
                           base_units=BASE_UNITS), 422 if form.errors else 200


@bp.route("/admin/units/<int:unit_id>", methods=["GET", "POST"])
@admin_required
def admin_unit_edit(unit_id: int):
    unit = _unit_or_404(unit_id)
    form = _form(unit)
    if form.validate_on_submit():
        try:
            update_unit(unit, current_user, **_values(form))
        except UnitError as exc:  # nothing was changed
            _refused(form, exc)
        else:
            flash(_("已保存单位：%(u)s", u=unit.code), "success")
            return redirect(url_for("catalog.admin_units") + f"#unit-{unit.id}")
    return render_template("catalog/admin/unit_edit.html", form=form, unit=unit, in_use=unit_in_use(unit.code),
                           base_units=BASE_UNITS), 422 if form.errors else 200


@bp.post("/admin/units/<int:unit_id>/<any(activate, deactivate, delete):action>")
@admin_required
def admin_unit_action(unit_id: int, action: str):
    unit = _unit_or_404(unit_id)
    code = unit.code
    if action == "delete":
        try:
            delete_unit(unit, current_user)
        except UnitError as exc:
            flash(exc.message, "error")
            return redirect(url_for("catalog.admin_units") + f"#unit-{unit_id}")
        flash(_("已删除单位：%(u)s", u=code), "success")
        return redirect(url_for("catalog.admin_units"))
    set_unit_active(unit, current_user, action == "activate")
    flash(_("已启用：%(p)s", p=code) if action == "activate" else _("已停用：%(p)s", p=code), "success")
    return redirect(url_for("catalog.admin_units") + f"#unit-{unit_id}")
