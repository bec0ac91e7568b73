"""Account forms. Labels and messages are Chinese msgids (lazy: rendered in the user's language)."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.accounts.passwords import MAX_LENGTH, password_problems


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label=None):
    return EmailField(label or _l("邮箱"), validators=[
        InputRequired(_l("请填写邮箱")), Length(max=254, message=_l("邮箱太长")),
        Email(message=_l("请填写有效的邮箱地址"), check_deliverability=False)],
        filters=[_strip], render_kw={"autocomplete": "email"})


class StrongPassword:
    """The password policy as a field validator; compares with the form's e-mail (or the user's)."""

    def __init__(self, email_field: str | None = None):
        self.email_field = email_field

    def __call__(self, form, field):
        email = getattr(form, "user_email", None)
        if self.email_field and getattr(form, self.email_field, None) is not None:
            email = getattr(form, self.email_field).data
        problems = password_problems(field.data or "", email)
        if problems:
            raise ValidationError(" ".join(problems))


def _new_password(label, email_field=None):
    return PasswordField(label, validators=[InputRequired(_l("请填写密码")), StrongPassword(email_field)],
                         render_kw={"autocomplete": "new-password"},
                         description=_l("至少 10 个字符，不能全是数字，不能用常见密码"))


def _confirm(target):
    return PasswordField(_l("再次输入新密码"), validators=[
        InputRequired(_l("请再次输入密码")), EqualTo(target, message=_l("两次输入的密码不一致"))],
        render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(_l("密码"), validators=[InputRequired(_l("请填写密码")), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("记住我（30 天）"))
    next = HiddenField()


class RegisterForm(FlaskForm):
    email = _email_field()
    name = StringField(_l("称呼"), validators=[Optional(), Length(max=80, message=_l("称呼最多 80 个字符"))],
                       render_kw={"autocomplete": "name"})
    password = _new_password(_l("密码"), "email")
    confirm = _confirm("password")
    #: Required: no account without consent to the privacy policy and user agreement (PIPL). The
    #: template renders the label with links to both documents.
    consent = BooleanField(_l("我已阅读并同意《隐私政策》和《用户协议》"), validators=[
        DataRequired(_l("请阅读并勾选同意《隐私政策》和《用户协议》后再注册。"))])


def _locale_choices():
    return list(current_app.config["LANGUAGES"].items())


class ProfileForm(FlaskForm):
    name = StringField(_l("称呼"), validators=[Optional(), Length(max=80, message=_l("称呼最多 80 个字符"))],
                       render_kw={"autocomplete": "name"})
    phone = StringField(_l("联系电话"), validators=[
        Optional(), Length(max=32), Regexp(r"^[0-9+\- ()]{5,32}$", message=_l("请填写有效的电话号码"))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    locale = SelectField(_l("语言"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = _locale_choices()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[InputRequired(_l("请填写当前密码")), Length(max=MAX_LENGTH)],
                            render_kw={"autocomplete": "current-password"})
    password = _new_password(_l("新密码"))
    confirm = _confirm("password")


class ForgotForm(FlaskForm):
    email = _email_field()


class ResetForm(FlaskForm):
    password = _new_password(_l("新密码"))
    confirm = _confirm("password")


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[InputRequired(_l("请给令牌起个名字")),
                                               Length(max=80, message=_l("名称最多 80 个字符"))],
                       description=_l("例如：进货系统、库存脚本"))
    #: Choices are set by the view (the merchant scope only for shop members); checked by the service.
    scopes = SelectMultipleField(_l("权限范围"), validate_choice=False, widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(),
                                 description=_l("令牌只能做勾选的事，且不会超过您账号本身的权限"))


# --- sign-up and sign-in by mobile number (marketplace.accounts.phone_views) ----------------------

def _mobile_field():
    """Checked by the service (phone_auth.normalise_mobile), which says exactly what is wrong."""
    return StringField(_l("手机号"), validators=[InputRequired(_l("请填写手机号。")), Length(max=32)],
                       filters=[_strip], description=_l("中国大陆手机号，我们会发送一条验证码短信"),
                       render_kw={"autocomplete": "tel-national", "inputmode": "tel", "maxlength": 32})


class PhoneLoginForm(FlaskForm):
    phone = _mobile_field()
    next = HiddenField()


class PhoneRegisterForm(FlaskForm):
    phone = _mobile_field()
    name = StringField(_l("称呼"), validators=[Optional(), Length(max=80, message=_l("称呼最多 80 个字符"))],
                       render_kw={"autocomplete": "name"})
    consent = BooleanField(_l("我已阅读并同意《隐私政策》和《用户协议》"), validators=[
        DataRequired(_l("请阅读并勾选同意《隐私政策》和《用户协议》后再注册。"))])


class PhoneChangeForm(FlaskForm):
    phone = _mobile_field()


class CodeForm(FlaskForm):
    code = StringField(_l("短信验证码"), validators=[InputRequired(_l("请填写验证码。")), Length(max=20)],
                       filters=[_strip], description=_l("6 位数字"),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 20})
