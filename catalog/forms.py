"""Merchant and admin forms. The variant rows of the product editor are parsed in catalog.editor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


def _coerce_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProductForm(FlaskForm):
    title = StringField(_l("商品标题"), validators=[DataRequired(_l("请填写商品标题")), Length(max=120)],
                        description=_l("写清品名、品种和规格，如“柘城三樱椒 干辣椒 一级”"))
    subtitle = StringField(_l("副标题"), validators=[Optional(), Length(max=200)])
    code = StringField(_l("商品编码（可选）"), validators=[Optional(), Length(max=64)],
                       description=_l("本店自己的编号，CSV 导入时用来对应商品；留空自动生成"))
    category = SelectField(_l("分类"), coerce=_coerce_int, validate_choice=False,
                           validators=[DataRequired(_l("请选择分类"))])
    origin = SelectField(_l("产地"), coerce=_coerce_int, validate_choice=False, validators=[Optional()])
    attributes = TextAreaField(_l("商品属性"), validators=[Optional(), Length(max=4000)],
                               description=_l("每行一项：名称=值，如 品种=三樱椒"))
    certifications = MultiCheckboxField(_l("认证"), validate_choice=False)
    description = TextAreaField(_l("商品详情（支持 Markdown）"), validators=[Optional(), Length(max=20000)])


class StockForm(FlaskForm):
    variant = SelectField(_l("规格"), coerce=_coerce_int, validate_choice=False,
                          validators=[DataRequired(_l("请选择规格"))])
    delta = IntegerField(_l("调整数量（增加填正数，减少填负数）"),
                         validators=[InputRequired(_l("请填写调整数量"))])
    reason = StringField(_l("原因"), validators=[DataRequired(_l("请填写调整原因")), Length(max=200)],
                         description=_l("如：新到货、盘点损耗、线下售出"))


class PhotoForm(FlaskForm):
    photo = FileField(_l("上传图片"), description=_l("JPEG、PNG 或 WebP，不超过 10 MB；第一张为主图"))


class ImportForm(FlaskForm):
    csv_file = FileField(_l("CSV 或 Excel 文件"), render_kw={"accept": ".csv,.xlsx"},
                         description=_l("CSV（UTF-8 或 GBK 编码）或 Excel 工作簿（.xlsx，只读第一个工作表）"))
    images = FileField(_l("图片压缩包（zip，可选）"), description=_l("CSV 的 images 列填写压缩包里的文件名"))


class CategoryForm(FlaskForm):
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写分类名称")), Length(max=60)])
    name_en = StringField(_l("英文名称"), validators=[Optional(), Length(max=80)])
    code = StringField(_l("代码"), validators=[Optional(), Length(max=60)],
                       description=_l("稳定的英文代码，如 agri.fruit；新建时必填，之后不能修改"))
    parent = SelectField(_l("上级分类"), coerce=_coerce_int, validate_choice=False, validators=[Optional()])


class UnitForm(FlaskForm):
    """A unit of the unit table; catalog.units.services checks every value (its messages go beside
    the fields)."""

    code = StringField(_l("单位代码"), validators=[Optional(), Length(max=40)],
                       description=_l("商品规格里保存的写法，如 斤、箱、kg；新建时必填，之后不能修改"))
    name = StringField(_l("中文名称"), validators=[Optional(), Length(max=40)])
    name_en = StringField(_l("英文名称"), validators=[Optional(), Length(max=80)])
    kind = SelectField(_l("类别"), validate_choice=False, validators=[Optional()])
    factor = StringField(_l("换算"), validators=[Optional(), Length(max=20)],
                         description=_l("一个单位合多少基本单位：重量填克数（斤填 500），容量填毫升数，长度填毫米数；"
                                        "计数和包装单位留空"))
    aliases = StringField(_l("别名"), validators=[Optional(), Length(max=400)],
                          description=_l("商家可能输入的其他写法，用逗号或空格分开，如 KG、公斤(kg)；不分大小写和全角半角"))
    sort_order = StringField(_l("排序"), validators=[Optional(), Length(max=10)],
                             description=_l("同一类别里从小到大排列；留空排在最后"))
