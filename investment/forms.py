"""Forms of the investment domain. Amounts are typed in 万元 and land in 亩; services get fen and 0.01 亩."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from investment.models import ActivityKind, CoopMode, LandNature, LandStatus, LeadPriority
from investment.vocab import (
    ACTIVITY_LABELS,
    LAND_NATURE_LABELS,
    LAND_STATUS_LABELS,
    MODE_LABELS,
    PRIORITY_LABELS,
    UnitError,
    parse_mu,
    parse_wan,
)
from marketplace.money import MoneyError

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def as_choices(pairs):
    """(value, label) pairs in the form this WTForms wants; None becomes the empty value."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice("" if value is None else value, label) for value, label in pairs]


def _wan_validator(required: bool):
    def check(form, field):
        try:
            field.cents = parse_wan(field.data, required=required)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None
    return check


def _mu_validator(form, field):
    try:
        field.hundredths = parse_mu(field.data)
    except UnitError as exc:
        raise ValidationError(str(exc)) from None


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ProjectForm(FlaskForm):
    title = StringField(_l("项目名称"), validators=[DataRequired(_l("请填写项目名称")), Length(max=120)])
    summary = TextAreaField(_l("项目简介"), validators=[Optional(), Length(max=2000)])
    sector = SelectField(_l("行业"), validators=[DataRequired(_l("请选择行业"))])
    region_id = SelectField(_l("所在县区"), coerce=_int_or_none, validators=[InputRequired(_l("请选择项目所在县区"))])
    park = StringField(_l("产业园区/市场"), validators=[Optional(), Length(max=120)])
    address = StringField(_l("详细地址"), validators=[Optional(), Length(max=200)])
    total_investment = StringField(_l("总投资（万元）"), validators=[_wan_validator(True)])
    sought = StringField(_l("拟引资（万元）"), validators=[_wan_validator(False)],
                         description=_l("需要外来投资的部分；不填则与总投资相同"))
    mode = SelectField(_l("合作方式"), choices=as_choices([(m.value, MODE_LABELS[m]) for m in CoopMode]))
    land_area = StringField(_l("用地面积（亩）"), validators=[_mu_validator])
    land_nature = SelectField(_l("用地性质"), choices=as_choices([(m.value, LAND_NATURE_LABELS[m]) for m in LandNature]))
    land_status = SelectField(_l("土地现状"), choices=as_choices([(m.value, LAND_STATUS_LABELS[m]) for m in LandStatus]))
    construction = TextAreaField(_l("建设内容"), validators=[Optional(), Length(max=5000)])
    market_outlook = TextAreaField(_l("市场前景"), validators=[Optional(), Length(max=5000)])
    incentives = TextAreaField(_l("优惠政策"), validators=[Optional(), Length(max=5000)])
    expected_returns = TextAreaField(_l("预期效益"), validators=[Optional(), Length(max=5000)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=40)])
    contact_email = StringField(_l("联系邮箱"), validators=[Optional(), Email(_l("邮箱格式不正确")), Length(max=254)])
    contact_private = BooleanField(_l("联系方式仅内部可见（访客通过咨询表联系）"))
    officer_id = SelectField(_l("负责人（接收咨询通知）"), coerce=_int_or_none, validators=[Optional()])
    valid_until = DateField(_l("有效期至"), validators=[Optional()])

    def to_fields(self) -> dict:
        total = self.total_investment.cents
        sought = self.sought.cents if self.sought.cents is not None else total
        return {
            "title": self.title.data, "summary": self.summary.data, "sector": self.sector.data,
            "region_id": self.region_id.data, "park": self.park.data, "address": self.address.data,
            "total_investment_cents": total, "sought_cents": sought, "mode": self.mode.data,
            "land_area_hundredths": self.land_area.hundredths, "land_nature": self.land_nature.data,
            "land_status": self.land_status.data, "construction": self.construction.data,
            "market_outlook": self.market_outlook.data, "incentives": self.incentives.data,
            "expected_returns": self.expected_returns.data, "contact_name": self.contact_name.data,
            "contact_phone": self.contact_phone.data, "contact_email": (self.contact_email.data or "").lower(),
            "contact_private": bool(self.contact_private.data), "officer_id": self.officer_id.data,
            "valid_until": self.valid_until.data,
        }


class InquiryForm(FlaskForm):
    name = StringField(_l("您的姓名"), validators=[Optional(), Length(max=60)])
    company = StringField(_l("单位名称"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Email(_l("邮箱格式不正确")), Length(max=254)])
    amount = StringField(_l("意向投资额（万元）"), validators=[_wan_validator(False)])
    mode = SelectField(_l("意向合作方式"), choices=as_choices([("", _l("不限"))] + [(m.value, MODE_LABELS[m]) for m in CoopMode]),
                       validators=[Optional()])
    message = TextAreaField(_l("咨询内容"), validators=[DataRequired(_l("请填写咨询内容")),
                                                       Length(max=2000, message=_l("咨询内容不能超过 2000 字"))])
    #: Honeypot: hidden from people, filled by bots; a filled one drops the inquiry silently.
    website = StringField(_l("网址（请留空）"))

    def to_fields(self) -> dict:
        return {"name": self.name.data, "company": self.company.data, "phone": self.phone.data,
                "email": (self.email.data or "").lower(), "amount_cents": self.amount.cents,
                "mode": self.mode.data or None, "message": self.message.data}


class StatusForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("说明/原因"), validators=[Optional(), Length(max=2000)])
    signed_amount = StringField(_l("签约金额（万元）"), validators=[_wan_validator(False)])


class AttachmentForm(FlaskForm):
    file = FileField(_l("文件（照片：JPEG/PNG/WebP；资料：PDF）"))
    caption = StringField(_l("说明"), validators=[Optional(), Length(max=120)])
    public = BooleanField(_l("对访客公开"), default=True)


class LeadStageForm(FlaskForm):
    stage = SelectField(_l("变更为"), validators=[DataRequired()])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=4000)])
    signed_amount = StringField(_l("签约金额（万元）"), validators=[_wan_validator(False)])


class LeadUpdateForm(FlaskForm):
    priority = SelectField(_l("跟进优先级"), choices=as_choices([(p.value, PRIORITY_LABELS[p]) for p in LeadPriority]))
    owner_id = SelectField(_l("负责人"), coerce=_int_or_none, validators=[Optional()])
    next_follow_up = DateField(_l("下次跟进日期"), validators=[Optional()])


class ActivityForm(FlaskForm):
    kind = SelectField(_l("跟进方式"), choices=as_choices([(k.value, ACTIVITY_LABELS[k]) for k in
                                            (ActivityKind.NOTE, ActivityKind.CALL, ActivityKind.VISIT)]))
    body = TextAreaField(_l("内容"), validators=[DataRequired(_l("请填写跟进内容")), Length(max=4000)])


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("回复投资人"), validators=[DataRequired(_l("请填写回复内容")), Length(max=4000)])
