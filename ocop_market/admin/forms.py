"""Forms of the staff area. The record forms (producer, listing, certificate, photo) live in catalog.forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..catalog.forms import ChoiceField, ProductForm
from ..programs.listings import KEEP_PROJECT
from ..routing import coerce_id
from ..validators import PlainText


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token travels."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Lý do từ chối"),
        validators=[PlainText(multiline=True),
            DataRequired(_l("Vui lòng nêu lý do từ chối để người sản xuất biết cần sửa gì.")),
            Length(max=2000, message=_l("Lý do dài tối đa 2000 ký tự.")),
        ],
    )


def _project_id(value):
    """"" (no project) -> None, an id -> int; anything else is refused by the field."""
    if value in (None, "") or isinstance(value, int):
        return value or None
    return coerce_id(value)


class StaffProductForm(ProductForm):
    """The listing form staff fill in for a household, with the support project it was produced under.

    The project list is the staff member's province's projects (passed in by the view); which projects they may
    name is the service's decision (another province's project is refused with 403), so any id passes here."""

    support_project = ChoiceField(_l("Dự án hỗ trợ phát triển sản xuất"), coerce=_project_id, validate_choice=False,
                                  invalid_value_message=_l("Dự án không hợp lệ."),
                                  description=_l("Dự án đã giúp hộ làm ra sản phẩm này (nếu có)."))

    def __init__(self, *args, projects: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.support_project.choices = [("", _l("— Không thuộc dự án nào —"))] + projects

    def project_choice(self):
        """The chosen project id, None for "no project", KEEP_PROJECT when the post did not carry the field."""
        return self.support_project.data if self.support_project.raw_data else KEEP_PROJECT
