"""Pages to sign up, sign in and change one's number with a code sent by SMS.

Step one (sign up, sign in, or change the number) sends a code and keeps the number and purpose in
the session; step two (/account/phone/verify) takes the code. Sending is rate-limited per number
(the first limit is the resend cooldown) and per client address, over every purpose together
(shared limits, Flask-Limiter's storage: Redis when configured); only a code actually sent counts.
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts import bp
from marketplace.accounts import phone_auth as auth
from marketplace.accounts.forms import CodeForm, PhoneChangeForm, PhoneLoginForm, PhoneRegisterForm
from marketplace.accounts.models import CodePurpose
from marketplace.accounts.views import _current_locale, _home, _refused, _start_session
from marketplace.extensions import limiter
from marketplace.privacy.masking import mask_phone
from marketplace.security import is_safe_next, safe_next

#: session key: what the code being waited for is for {"purpose", "phone", "name", "consent", "next"}
PENDING = "phone_code"
#: session key: a number without an account whose sign-in code was right {"phone", "at"}: signing
#: up with it in the next PROOF_SECONDS needs no second code
PROVEN = "phone_proven"
PROOF_SECONDS = 600


def _phone_key() -> str:
    """The number being sent to (normalised when it can be; hashed: no numbers in Redis keys)."""
    raw = request.form.get("phone") or (session.get(PENDING) or {}).get("phone") or ""
    try:
        raw = auth.normalise_mobile(raw)
    except auth.PhoneError:
        raw = raw.strip()[:32]
    return "sms-phone:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def _code_sent(response) -> bool:
    """Only a code actually sent counts against the limits (a mistyped number does not)."""
    return response.status_code == 303


def _phone_limit() -> str:
    return current_app.config["RATELIMIT_SMS_PHONE"]


def _ip_limit() -> str:
    return current_app.config["RATELIMIT_SMS_IP"]


def _too_often_phone() -> str:
    return _("验证码发送太频繁：同一个手机号 60 秒内只能获取一次，每天也有次数上限。请稍后再试。")


def _too_often_ip() -> str:
    return _("从您的网络获取验证码的次数太多，请稍后再试。")


def sms_limits(view):
    """The shared per-number and per-address limits on sending codes (one scope for every purpose)."""
    view = limiter.shared_limit(_phone_limit, scope="sms-phone", key_func=_phone_key, methods=["POST"],
                                deduct_when=_code_sent, error_message=_too_often_phone, exempt_when=_sends_nothing)(view)
    return limiter.shared_limit(_ip_limit, scope="sms-ip", methods=["POST"], deduct_when=_code_sent,
                                error_message=_too_often_ip, exempt_when=_sends_nothing)(view)


def _sends_nothing() -> bool:
    """Signing up with a number this session has just proven sends no code: no limit applies."""
    return request.endpoint == "accounts.phone_register" and _proven(request.form.get("phone")) is not None


def _send(form, purpose: CodePurpose, **pending):
    """Send the code for ``purpose`` to the form's number; on success the verify page (303)."""
    try:
        phone = auth.send_code(form.phone.data, purpose, locale=_current_locale(),
                               user=current_user if current_user.is_authenticated else None)
    except auth.PhoneError as exc:
        _refused(form, exc)
        return None
    session[PENDING] = {"purpose": purpose.value, "phone": phone, **pending}
    flash(_("验证码已发送到 %(phone)s，%(minutes)d 分钟内有效。", phone=mask_phone(phone),
            minutes=max(1, auth.ttl_seconds() // 60)), "success")
    return redirect(url_for("accounts.phone_verify"), code=303)


@bp.route("/phone/login", methods=["GET", "POST"])
@sms_limits
def phone_login():
    form = PhoneLoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next") if is_safe_next(request.args.get("next")) else ""
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data, _home()))
    if form.validate_on_submit():
        sent = _send(form, CodePurpose.LOGIN, next=form.next.data if is_safe_next(form.next.data) else "")
        if sent is not None:
            return sent
    return render_template("accounts/phone_login.html", form=form)


@bp.route("/phone/register", methods=["GET", "POST"])
@sms_limits
def phone_register():
    if current_user.is_authenticated:
        return redirect(_home())
    form = PhoneRegisterForm()
    if request.method == "GET" and not form.phone.data:
        form.phone.data = request.args.get("phone", "")[:32]
    if form.validate_on_submit():
        proven = _proven(form.phone.data)
        if proven is not None:  # proven a moment ago with a sign-in code: no second code
            user, _created = auth.register_proven(proven, name=form.name.data or "", locale=_current_locale(),
                                                  consent=True)
            _start_session(user, remember=False)
            return redirect(url_for("accounts.phone_welcome"))
        sent = _send(form, CodePurpose.REGISTER, name=(form.name.data or "")[:80], consent=True)
        if sent is not None:
            return sent
    return render_template("accounts/phone_register.html", form=form, proven=_proven(form.phone.data))


def _proven(typed: str | None) -> str | None:
    """The typed number when this session proved it (a right sign-in code) a moment ago."""
    proof = session.get(PROVEN) or {}
    try:
        phone = auth.normalise_mobile(typed)
    except auth.PhoneError:
        return None
    fresh = time.time() - float(proof.get("at") or 0) <= PROOF_SECONDS
    return phone if fresh and proof.get("phone") == phone else None


@bp.route("/phone/change", methods=["GET", "POST"])
@sms_limits
@login_required
def phone_change():
    form = PhoneChangeForm()
    if form.validate_on_submit():
        sent = _send(form, CodePurpose.CHANGE_PHONE)
        if sent is not None:
            return sent
    return render_template("accounts/phone_change.html", form=form)


@bp.post("/phone/resend")
@sms_limits
def phone_resend():
    """Send a new code for the step waiting in the session (the old code dies)."""
    pending = session.get(PENDING)
    if not pending:
        return redirect(url_for("accounts.phone_login"))
    purpose = CodePurpose(pending["purpose"])
    if purpose is CodePurpose.CHANGE_PHONE and not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    auth.send_code(pending["phone"], purpose, locale=_current_locale(),
                   user=current_user if current_user.is_authenticated else None)
    flash(_("新的验证码已发送到 %(phone)s，之前的验证码已失效。", phone=mask_phone(pending["phone"])), "success")
    return redirect(url_for("accounts.phone_verify"), code=303)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/phone/verify", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def phone_verify():
    pending = session.get(PENDING)
    if not pending:
        flash(_("请先填写手机号获取验证码。"), "info")
        return redirect(url_for("accounts.phone_login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            return _verified(CodePurpose(pending["purpose"]), pending, form.code.data)
        except auth.NoAccount:
            session.pop(PENDING, None)
            session[PROVEN] = {"phone": pending["phone"], "at": time.time()}
            flash(_("这个手机号还没有注册账号：填写称呼并同意协议即可注册，不用再收验证码。"), "info")
            return redirect(url_for("accounts.phone_register", phone=pending["phone"][3:]))
        except auth.PhoneError as exc:
            _refused(form, exc)
    return render_template("accounts/phone_verify.html", form=form, phone=pending["phone"],
                           purpose=CodePurpose(pending["purpose"]), purpose_labels=auth.PURPOSE_LABELS)


def _verified(purpose: CodePurpose, pending: dict, code: str):
    phone = pending["phone"]
    if purpose is CodePurpose.CHANGE_PHONE:
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login"))
        auth.change_mobile(current_user._get_current_object(), phone, code)
        session.pop(PENDING, None)
        flash(_("登录手机号已设为 %(phone)s。", phone=mask_phone(phone)), "success")
        return redirect(url_for("accounts.profile"))
    if purpose is CodePurpose.REGISTER:
        user, created = auth.register(phone, code, name=pending.get("name", ""), locale=_current_locale(),
                                      consent=bool(pending.get("consent")))
        _start_session(user, remember=False)
        if created:
            return redirect(url_for("accounts.phone_welcome"))
        flash(_("这个手机号已经注册过，已为您登录。"), "info")
        return redirect(_home())
    user = auth.sign_in(phone, code)
    _start_session(user, remember=False)  # clears the session, the pending step with it
    return redirect(safe_next(pending.get("next") or "", _home()))


@bp.get("/phone/welcome")
@login_required
def phone_welcome():
    return render_template("accounts/phone_welcome.html")
