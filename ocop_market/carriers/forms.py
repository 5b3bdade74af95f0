"""Carrier forms: the producer's (or hub's) "Gửi hàng" with its carrier choice; staff's COD reconciliation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..validators import PlainText


class ShipForm(FlaskForm):
    carrier = RadioField(_l("Gửi bằng"), default="self", validators=[DataRequired(_l("Vui lòng chọn cách gửi hàng."))])
    #: the post office's number, from its receipt (checked by `manual.clean_tracking_code`)
    tracking_code = StringField(_l("Mã vận đơn của bưu điện"), validators=[PlainText(), Optional(), Length(max=40)])
    note = StringField(_l("Ghi chú"), validators=[PlainText(), Optional(), Length(max=300)])


class CodReconcileForm(FlaskForm):
    start = DateField(_l("Từ ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày bắt đầu."))])
    end = DateField(_l("Đến ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày kết thúc."))])


class AttentionForm(FlaskForm):
    note = StringField(_l("Ghi chú"), validators=[PlainText(), Optional(), Length(max=300)])
