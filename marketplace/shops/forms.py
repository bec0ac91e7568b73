"""Forms for applying for a shop, editing it and inviting staff."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from marketplace.shops.labels import SHOP_TYPE_LABELS
from marketplace.shops.models import ShopType
from marketplace.shops.validation import FieldError, normalise_licence_number, normalise_phone

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None

IMAGE_HINT = _l("JPEG、PNG 或 WebP 图片，不超过 10 MB")


def as_choices(pairs):
    """(value, label) pairs in the form this WTForms wants."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice("" if value is None else value, label) for value, label in pairs]


def _coerce_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ShopProfileForm(FlaskForm):
    """The fields an owner edits; the application form adds the licence."""

    name = StringField(_l("店铺名称"), validators=[DataRequired(_l("请填写店铺名称")), Length(2, 80)],
                       description=_l("顾客看到的名称，如“起台镇红辣椒合作社”"))
    shop_type = SelectField(_l("店铺类型"), choices=as_choices((t.value, label) for t, label in SHOP_TYPE_LABELS.items()),
                            validators=[DataRequired(_l("请选择店铺类型"))], validate_choice=False)
    market_name = StringField(_l("批发市场名称"), validators=[Length(max=80)],
                              description=_l("批发市场商户必填"))
    stall_number = StringField(_l("摊位号"), validators=[Length(max=40)],
                               description=_l("批发市场商户必填"))
    region_id = SelectField(_l("所在县区/乡镇"), coerce=_coerce_int, validate_choice=False,
                            validators=[DataRequired(_l("请选择所在的县区或乡镇"))])
    address = StringField(_l("详细地址"), validators=[DataRequired(_l("请填写详细地址")), Length(2, 200)])
    phone = StringField(_l("联系电话"), validators=[DataRequired(_l("请填写联系电话")), Length(max=32)],
                        description=_l("手机号，或带区号的固定电话"))
    description = TextAreaField(_l("店铺介绍"), validators=[Optional(), Length(max=2000)])
    logo = FileField(_l("店铺标志（可选）"), description=IMAGE_HINT)

    #: The shop's type when the form has no type field (an approved shop cannot change it).
    fixed_shop_type: str | None = None

    def _stall_field(self, field) -> None:
        shop_type = self.shop_type.data if self.shop_type is not None else self.fixed_shop_type
        if shop_type == ShopType.MARKET_STALL.value and not (field.data or "").strip():
            raise ValidationError(_l("批发市场商户需要填写这一项"))

    def validate_market_name(self, field) -> None:
        self._stall_field(field)

    def validate_stall_number(self, field) -> None:
        self._stall_field(field)

    def validate_phone(self, field) -> None:
        try:
            field.data = normalise_phone(field.data)
        except FieldError as exc:
            raise ValidationError(str(exc)) from None


class ShopEditForm(ShopProfileForm):
    licence_number = StringField(_l("营业执照号码"), validators=[DataRequired(_l("请填写营业执照号码"))],
                                 description=_l("18 位统一社会信用代码"))
    licence_image = FileField(_l("更换营业执照照片（可选）"), description=IMAGE_HINT)

    def validate_licence_number(self, field) -> None:
        try:
            field.data = normalise_licence_number(field.data)
        except FieldError as exc:
            raise ValidationError(str(exc)) from None


class ShopApplyForm(ShopEditForm):
    licence_image = FileField(_l("营业执照照片"), validators=[FileRequired(_l("请上传营业执照照片"))],
                              description=IMAGE_HINT)


class InviteForm(FlaskForm):
    email = EmailField(_l("店员的邮箱"), validators=[DataRequired(_l("请填写邮箱")),
                                                  Email(_l("请填写有效的邮箱地址")), Length(max=254)])


class ReasonlessForm(FlaskForm):
    """A form with only the CSRF token (buttons that post)."""
