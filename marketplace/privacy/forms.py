"""Forms of the privacy pages: the account deletion (the user's, an admin's) and accepting a new policy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from marketplace.accounts.passwords import MAX_LENGTH


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("当前密码"), validators=[InputRequired(_l("请输入当前密码以确认是您本人")),
                                                     Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("我了解注销后账号无法恢复，个人资料会被删除或匿名化"),
                           validators=[DataRequired(_l("请勾选确认后再注销账号"))])


class AdminEraseForm(FlaskForm):
    note = TextAreaField(_l("处理依据"), validators=[InputRequired(_l("请填写处理依据，例如用户来信的日期或工单号")),
                                                 Length(max=500, message=_l("最多 500 个字符"))],
                         description=_l("例如：2026-05-02 用户来电申请注销，工单 123。不要填写个人信息。"))
    confirm = BooleanField(_l("已核实是用户本人的请求，注销后无法恢复"),
                           validators=[DataRequired(_l("请勾选确认后再注销账号"))])


class AcceptPolicyForm(FlaskForm):
    next = HiddenField()
