"""The admin's side of a deletion request: a user who wrote or called asks for his account to be deleted."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.models import User
from marketplace.accounts.policy import admin_required
from marketplace.errors import form_errors
from marketplace.extensions import db
from marketplace.privacy import bp
from marketplace.privacy.erasure import DeletionRefused, delete_account, deletion_blocks
from marketplace.privacy.forms import AdminEraseForm


def erase_context(user: User, form: AdminEraseForm | None = None) -> dict:
    """What the admin user page needs for its deletion section."""
    return {"erase_form": form or AdminEraseForm(), "erase_blocks": deletion_blocks(user)}


@bp.post("/admin/users/<int:user_id>/erase")
@admin_required
def admin_erase(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("您自己的账号请在“隐私与数据”页面注销。"), "error")
        return redirect(url_for("admin.user", user_id=user.id))
    form = AdminEraseForm()
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("admin.user", user_id=user.id))
    try:
        delete_account(user, actor=current_user, note=form.note.data)
    except DeletionRefused as exc:
        if not form_errors(form, exc):
            flash(exc.message, "error")
    else:
        flash(_("账号已注销：个人资料已删除或匿名化，订单和账目保留。"), "success")
    return redirect(url_for("admin.user", user_id=user.id))
