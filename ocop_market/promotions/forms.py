"""Promotion forms. Each lists its fields; the producer and owner never come from the request."""
from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.validators import NumberRange as _NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ..routing import MAX_ID
from ..validators import PlainText


class NumberRange(_NumberRange):
    """The WTForms validator, safe with huge integers. WTForms' check calls math.isnan(), which raises
    OverflowError on an integer too large for a float ("9" * 400 typed into the form): such a number is
    simply out of range."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except OverflowError:
            field.data = math.inf if field.data > 0 else -math.inf
            super().__call__(form, field)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RequestForm(FlaskForm):
    product_id = SelectField(_l("Sản phẩm"), coerce=int, validate_choice=False,
                             validators=[DataRequired(_l("Vui lòng chọn sản phẩm."))])
    weeks = MultiCheckboxField(_l("Các tuần mong muốn"), validators=[DataRequired(_l("Vui lòng chọn ít nhất một tuần."))])


def _number(label, low, high):
    return IntegerField(label, validators=[
        InputRequired(_l("Vui lòng nhập một số.")),
        NumberRange(low, high, _l("Giá trị phải từ %(min)s đến %(max)s.")),
    ])


class SettingsForm(FlaskForm):
    quota_per_quarter = _number(_l("Số tuần quảng bá tối đa của một cơ sở trong một quý"), 0, 13)
    max_per_week = _number(_l("Số vị trí tối đa của một cơ sở trong một tuần"), 1, 8)
    min_stars = _number(_l("Số sao OCOP tối thiểu"), 3, 5)
    min_stock = _number(_l("Tồn kho tối thiểu"), 1, 100000)
    lookback_weeks = _number(_l("“Gần đây” là bao nhiêu tuần"), 1, 104)
    attribution_days = _number(_l("Đơn hàng được tính cho quảng bá nếu người mua bấm vào trong vòng (ngày)"), 1, 90)
    allocation_weekday = SelectField(_l("Ngày phân bổ tự động vị trí của tuần sau"), coerce=int, choices=[
        SelectChoice(day, label) for day, label in enumerate(
            (_l("Thứ hai"), _l("Thứ ba"), _l("Thứ tư"), _l("Thứ năm"), _l("Thứ sáu"), _l("Thứ bảy"), _l("Chủ nhật")))])
    # (no validator of its own: a post without it keeps the stored day; one outside the list is refused)


class PinForm(FlaskForm):
    placement_id = SelectField(_l("Vị trí"), coerce=int, validate_choice=False)
    product_id = IntegerField(_l("Mã sản phẩm"), validators=[
        InputRequired(_l("Vui lòng nhập mã sản phẩm.")), NumberRange(1, MAX_ID, _l("Mã sản phẩm không hợp lệ."))])
    reason = TextAreaField(_l("Lý do (công khai trên trang minh bạch)"), validators=[PlainText(multiline=True),
        DataRequired(_l("Vui lòng ghi lý do.")), Length(5, 500, _l("Lý do dài từ 5 đến 500 ký tự."))])


class RemoveForm(FlaskForm):
    reason = StringField(_l("Lý do gỡ (công khai)"), validators=[PlainText(),
        DataRequired(_l("Vui lòng ghi lý do.")), Length(5, 500, _l("Lý do dài từ 5 đến 500 ký tự."))])


class AllocateForm(FlaskForm):
    """Only a CSRF token: the week comes from the URL."""
