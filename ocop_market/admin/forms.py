"""Forms of the staff area. The record forms (producer, listing, certificate, photo) live in catalog.forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token travels."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Lý do từ chối"),
        validators=[
            DataRequired(_l("Vui lòng nêu lý do từ chối để người sản xuất biết cần sửa gì.")),
            Length(max=2000, message=_l("Lý do dài tối đa 2000 ký tự.")),
        ],
    )
