"""Forms of the orders pages: address book, delivery rules, fulfilment actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from marketplace import money

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def as_choices(pairs):
    """(value, label) pairs in the form this WTForms wants."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


class AddressForm(FlaskForm):
    recipient = StringField(_l("收货人"), validators=[DataRequired(_l("请填写收货人")), Length(max=40)])
    phone = StringField(_l("手机号码"), validators=[
        DataRequired(_l("请填写手机号码")), Regexp(r"^[0-9+\- ]{5,32}$", message=_l("请填写有效的电话号码"))])
    # the region comes from the picker's selects (marketplace.regions.picker), not from a field here
    street = StringField(_l("详细地址"), validators=[DataRequired(_l("请填写详细地址")), Length(max=200)],
                         description=_l("街道、门牌号"))
    is_default = BooleanField(_l("设为默认地址"))


class MoneyField(StringField):
    """A yuan amount typed as people write it ("12.50"), stored in minor units."""

    def process_formdata(self, valuelist):
        self.cents = None
        if valuelist and valuelist[0].strip():
            self.data = valuelist[0].strip()
            try:
                self.cents = money.parse_amount(self.data)
            except money.MoneyError as exc:
                self.cents = None
                raise ValueError(str(exc)) from None
        else:
            self.data = ""


FEE_MODES = [("flat", _l("每单固定运费")), ("per_kg", _l("按重量（每千克）")), ("per_unit", _l("按件数（每件）"))]


class ZoneForm(Form):
    """One delivery zone's fee rule (its region is shown, not edited: remove it and add another)."""

    region_id = HiddenField()
    fee_mode = SelectField(_l("运费方式"), choices=as_choices(FEE_MODES), default="flat")
    fee = MoneyField(_l("运费（元）"), default="0")
    free_above = MoneyField(_l("满额包邮（元）"), description=_l("留空表示不包邮"))
    remove = BooleanField(_l("删除此区域"))

    def validate_fee(self, field):
        if field.cents is None and field.data:
            raise ValidationError(_l("请填写运费"))


class DeliveryRuleForm(FlaskForm):
    delivery_enabled = BooleanField(_l("提供配送"))
    zones = FieldList(FormField(ZoneForm))
    #: The zone being added; its region comes from the picker's ``zone_region`` selects.
    new = FormField(ZoneForm)
    pickup_enabled = BooleanField(_l("提供到店自提"))
    pickup_address = StringField(_l("自提地点"), validators=[Optional(), Length(max=200)],
                                 description=_l("留空则使用店铺地址和摊位号"))
    pickup_hours = StringField(_l("营业时间"), validators=[Optional(), Length(max=120)],
                               description=_l("例如：每天 7:00–18:00"))

    def validate_pickup_enabled(self, field):
        if not field.data and not self.delivery_enabled.data:
            raise ValidationError(_l("配送和自提至少提供一种"))


class ShipForm(FlaskForm):
    carrier = StringField(_l("承运方"), validators=[DataRequired(_l("请填写承运方")), Length(max=60)],
                          description=_l("例如：顺丰、本店送货"))
    tracking_number = StringField(_l("运单号"), validators=[DataRequired(_l("请填写运单号")), Length(max=60)])


class PickupForm(FlaskForm):
    pickup_code = StringField(_l("提货码"), validators=[Optional(), Length(max=12),
                                                    Regexp(r"^[A-Za-z0-9]*$", message=_l("提货码只能是字母和数字"))],
                              description=_l("留空则自动生成 6 位数字"))


class CancelForm(FlaskForm):
    reason = StringField(_l("取消原因"), validators=[DataRequired(_l("请填写取消原因")), Length(max=300)])
