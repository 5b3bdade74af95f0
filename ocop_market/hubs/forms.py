"""The hub area's forms. Quantities of an assisted order are read per listing shown (`qty-<id>`) and parsed by
`orders.rules.parse_quantity`, as the cart does."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..accounts.services import normalise_phone
from ..places import Province
from ..validators import PlainText


class AssistedOrderForm(FlaskForm):
    """A buyer who phoned or walked in: who, where; always cash on delivery."""

    contact_name = StringField(_l("Họ tên người mua"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập họ tên người mua.")), Length(max=120)])
    phone = StringField(_l("Số điện thoại của người mua"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập số điện thoại.")), Length(max=20)], render_kw={"inputmode": "tel"})
    address_line = StringField(_l("Số nhà, thôn/bản, đường"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập địa chỉ.")), Length(max=200)])
    commune = StringField(_l("Xã/phường"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập xã/phường.")),
                                                     Length(max=120)])
    province_id = SelectField(_l("Tỉnh/thành phố"), coerce=int, validate_choice=True,
                              validators=[DataRequired(_l("Vui lòng chọn tỉnh/thành phố."))])
    note = TextAreaField(_l("Ghi chú"), validators=[PlainText(multiline=True), Optional(), Length(max=1000)])

    def __init__(self, *args, provinces: Iterable[Province], **kwargs):
        super().__init__(*args, **kwargs)
        self.province_id.choices = [SelectChoice(0, _l("— Chọn tỉnh/thành phố —"))] + [
            SelectChoice(p.id, p.name) for p in provinces]

    def validate_phone(self, field):
        try:
            normalise_phone(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
