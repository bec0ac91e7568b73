"""Account pages: register, log in and out, profile, password change and reset, API tokens."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import bp
from marketplace.accounts import services as svc
from marketplace.accounts.forms import (
    ChangePasswordForm,
    ForgotForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetForm,
    TokenForm,
)
from marketplace.accounts.scopes import (
    DEFAULT_SCOPES,
    SCOPE_LABELS,
    SCOPE_NAMES,
    SCOPES,
    ScopeError,
    allowed_scopes,
)
from marketplace.errors import form_errors
from marketplace.extensions import limiter
from marketplace.security import is_safe_next, safe_next

# --- rate limits: per IP (the limiter's default key) and, for login, per account ----------------


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _register_limit() -> str:
    return current_app.config.get("RATELIMIT_REGISTER", "5 per minute;30 per hour")


def _reset_limit() -> str:
    return current_app.config.get("RATELIMIT_RESET", "5 per minute;20 per hour")


def _account_key() -> str:
    """The normalised e-mail being tried (hashed: no addresses in Redis keys or logs), so spreading
    attempts over many IPs does not help."""
    email = svc.normalise_email(request.form.get("email"))[:254]
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _failed_login(response) -> bool:
    """Only failed attempts count against an account, so its owner is not locked out by logging in."""
    return response.status_code != 302


def _refused(form, exc: svc.AccountError) -> None:
    """A refusal next to its field on the re-rendered form, else at the top of the page."""
    if not form_errors(form, exc):
        flash(exc.message, "error")


def _home() -> str:
    return url_for("core.home")


def _start_session(user, remember: bool) -> None:
    """A fresh session for the user (no session fixation); keeps only the chosen language."""
    locale = session.get("locale")
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    had_cookie = cookie in request.cookies
    session.clear()
    login_user(user, remember=remember, fresh=True)
    if locale:
        session["locale"] = locale
    if not remember and had_cookie:
        session["_remember"] = "clear"  # drop a remember cookie of an earlier login


# --- register, log in, log out ------------------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_home())
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = svc.register_user(form.email.data, form.password.data, name=form.name.data or "",
                                     locale=_current_locale(), consent=bool(form.consent.data))
        except svc.AccountError as exc:
            _refused(form, exc)
        else:
            if user is not None:
                _start_session(user, remember=False)
            # The same answer whether the address was new or taken: no account enumeration.
            flash(_("我们已向 %(email)s 发送了一封邮件，请查收。", email=svc.normalise_email(form.email.data)),
                  "success")
            return redirect(url_for("accounts.registered"))
    return render_template("accounts/register.html", form=form)


@bp.get("/registered")
def registered():
    return render_template("accounts/registered.html")


def _current_locale() -> str:
    from marketplace.i18n import current_locale_code

    return current_locale_code()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed_login)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next") if is_safe_next(request.args.get("next")) else ""
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data, _home()))
    if form.validate_on_submit():
        user = svc.authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user, remember=bool(form.remember.data))
            return redirect(safe_next(form.next.data, _home()))
        form.password.errors.append(_("邮箱或密码不正确。"))
    if not is_safe_next(form.next.data):
        form.next.data = ""
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out everywhere: this browser's cookies go, and every copy of them (another device, a
    stolen cookie, the remember-me cookie) dies with the user's old auth_version."""
    if current_user.is_authenticated:
        svc.end_sessions(current_user._get_current_object())
    locale = session.get("locale")
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion
    if locale:
        session["locale"] = locale
    flash(_("您已退出登录：所有设备上的登录都已结束。"), "info")
    return redirect(_home())


# --- profile and password -------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        svc.update_profile(current_user, name=form.name.data, phone=form.phone.data, locale=form.locale.data)
        session["locale"] = current_user.locale
        flash(_("资料已保存。"), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form.user_email = current_user.email
    if form.validate_on_submit():
        try:
            svc.change_password(current_user, form.current.data, form.password.data)
        except svc.AccountError as exc:
            _refused(form, exc)
        else:
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            # Every other session and remember cookie died with the old auth_version; keep this one.
            _start_session(current_user._get_current_object(), remember=cookie in request.cookies)
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/form.html", form=form, title=_("修改密码"), submit=_("修改密码"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        svc.request_password_reset(form.email.data)
        flash(_("如果这个邮箱注册过账号，我们已发送重置密码的链接，请查收。"), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/form.html", form=form, title=_("忘记密码"), submit=_("发送重置链接"),
                           intro=_("填写注册时使用的邮箱，我们会发送一个重置密码的链接。"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_with_token(token: str):
    user = svc.user_from_reset_token(token)
    if user is None:
        flash(_("重置链接无效或已过期，请重新申请。"), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetForm()
    form.user_email = user.email
    if form.validate_on_submit():
        try:
            svc.reset_password(token, form.password.data)
        except svc.AccountError as exc:
            _refused(form, exc)
        else:
            session.clear()
            flash(_("密码已重置，请用新密码登录。"), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/form.html", form=form, title=_("设置新密码"), submit=_("保存新密码"))


# --- API tokens -------------------------------------------------------------------------------------

@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = _token_form()
    plaintext = None
    if form.validate_on_submit():
        try:
            _row, plaintext = svc.create_token(current_user, form.name.data, list(form.scopes.data or []))
        except (svc.AccountError, ScopeError) as exc:
            _refused(form, exc)
        else:
            form = _token_form(formdata=None)
    return render_template("accounts/tokens.html", form=form, tokens=svc.list_tokens(current_user),
                           plaintext=plaintext, scope_names=SCOPE_NAMES, scope_order=SCOPES)


def _token_form(**kwargs) -> TokenForm:
    """The token form with the scopes this user may choose (read and buyer ticked by default)."""
    form = TokenForm(**kwargs)
    form.scopes.choices = [(name, str(SCOPE_LABELS[name])) for name in allowed_scopes(current_user)]
    if request.method == "GET" or kwargs.get("formdata", True) is None:
        form.scopes.data = list(DEFAULT_SCOPES)
    return form


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if svc.revoke_token(current_user, token_id) is None:
        abort(404)
    flash(_("令牌已撤销。"), "success")
    return redirect(url_for("accounts.tokens"))
