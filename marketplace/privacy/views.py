"""Privacy pages: the policy and the user agreement, accepting a new version, the account's privacy
page (consents, download my data, delete my account)."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from marketplace.accounts.passwords import has_usable_password
from marketplace.errors import form_errors
from marketplace.extensions import limiter
from marketplace.privacy import bp, consent
from marketplace.privacy.erasure import DeletionRefused, WrongPassword, delete_account, deletion_blocks
from marketplace.privacy.export import build_zip
from marketplace.privacy.forms import AcceptPolicyForm, DeleteAccountForm
from marketplace.security import is_safe_next, safe_next


def _export_limit() -> str:
    return current_app.config["RATELIMIT_EXPORT"]


@bp.get("/privacy")
def policy():
    form = AcceptPolicyForm()
    nxt = request.args.get("next")
    form.next.data = nxt if is_safe_next(nxt) else ""
    return render_template("privacy/policy.html", form=form,
                           contact_email=current_app.config["PRIVACY_CONTACT_EMAIL"])


@bp.get("/terms")
def terms():
    return render_template("privacy/terms.html", contact_email=current_app.config["PRIVACY_CONTACT_EMAIL"])


@bp.post("/privacy/accept")
@login_required
def accept():
    form = AcceptPolicyForm()
    consent.accept_current(current_user)
    flash(_("感谢您同意新版《隐私政策》和《用户协议》。"), "success")
    return redirect(safe_next(form.next.data, url_for("privacy.account")))


def delete_form() -> DeleteAccountForm:
    """The deletion form; an account without a password (made with a mobile number) has no password
    field: it confirms by a recent sign-in with a code (privacy.erasure)."""
    form = DeleteAccountForm()
    if not has_usable_password(current_user.password_hash):
        del form.password
    return form


def _account_page(form: DeleteAccountForm | None = None, status: int = 200):
    return render_template("privacy/account.html", consents=consent.consents_of(current_user),
                           blocks=deletion_blocks(current_user), form=form or delete_form(),
                           max_rows=current_app.config["PRIVACY_EXPORT_MAX_ROWS"]), status


@bp.get("/account/privacy")
@login_required
def account():
    return _account_page()


@bp.post("/account/privacy/export")
@login_required
@limiter.limit(_export_limit)
def export():
    """The user's data as a ZIP download (built now; bounded by PRIVACY_EXPORT_MAX_ROWS per section)."""
    name, payload = build_zip(current_user)
    response = Response(payload, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/account/delete")
@login_required
def delete():
    form = delete_form()
    if not form.validate():
        return _account_page(form, 400)
    try:
        delete_account(current_user, actor=current_user,
                       password=form.password.data if "password" in form else None)
    except (WrongPassword, DeletionRefused) as exc:
        if not form_errors(form, exc):
            flash(exc.message, "error")
        return _account_page(form, exc.status)
    locale = session.get("locale")
    session.clear()
    logout_user()
    if locale:
        session["locale"] = locale
    return redirect(url_for("privacy.deleted"))


@bp.get("/account/deleted")
def deleted():
    return render_template("privacy/deleted.html")
