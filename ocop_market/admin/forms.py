"""Forms of the staff area. The record forms (producer, listing, certificate, photo) live in catalog.forms."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..accounts.services import normalise_login
from ..catalog import hubs
from ..catalog.forms import ChoiceField, ProductForm
from ..catalog.models import HubKind
from ..places import Province
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


def _optional_id(value):
    """"" (none chosen: no project, household or commune) -> None, an id -> int; anything else is refused by the
    field."""
    if value in (None, "") or isinstance(value, int):
        return value or None
    return coerce_id(value)


class StaffProductForm(ProductForm):
    """The listing form staff fill in for a household, with the support project it was produced under.

    The project list is the staff member's province's projects (passed in by the view); which projects they may
    name is the service's decision (another province's project is refused with 403), so any id passes here."""

    support_project = ChoiceField(_l("Dự án hỗ trợ phát triển sản xuất"), coerce=_optional_id, validate_choice=False,
                                  invalid_value_message=_l("Dự án không hợp lệ."),
                                  description=_l("Dự án đã giúp hộ làm ra sản phẩm này (nếu có)."))

    def __init__(self, *args, projects: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.support_project.choices = [("", _l("— Không thuộc dự án nào —"))] + projects

    def project_choice(self):
        """The chosen project id, None for "no project", KEEP_PROJECT when the post did not carry the field."""
        return self.support_project.data if self.support_project.raw_data else KEEP_PROJECT


class HubForm(FlaskForm):
    """A new hub (điểm bán). Provinces are passed in by the view: a form never queries."""

    name = StringField(_l("Tên điểm bán"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập tên điểm bán.")),
                                                     Length(max=160, message=_l("Tên tối đa 160 ký tự."))])
    kind = ChoiceField(_l("Loại điểm bán"), choices=[SelectChoice(k, v) for k, v in hubs.KIND_LABELS.items()], default=HubKind.COOPERATIVE,
                       validators=[DataRequired(_l("Vui lòng chọn loại điểm bán."))])
    province_id = ChoiceField(_l("Tỉnh / thành phố"), coerce=int, validators=[DataRequired(_l("Vui lòng chọn tỉnh/thành phố."))])
    commune = StringField(_l("Xã / phường"), validators=[PlainText(), Optional(), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    phone = StringField(_l("Số điện thoại nhận tin"), validators=[PlainText(), Optional(), Length(max=20)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    email = StringField(_l("E-mail nhận tin"), validators=[PlainText(), Optional(), Length(max=254)],
                        render_kw={"inputmode": "email", "autocomplete": "email"})

    def __init__(self, *args, provinces: Iterable[Province], **kwargs):
        super().__init__(*args, **kwargs)
        self.province_id.choices = [SelectChoice(0, _l("— Chọn tỉnh/thành phố —"))] + [
            SelectChoice(p.id, p.name) for p in provinces]

    def to_data(self) -> hubs.HubData:
        return hubs.HubData(name=self.name.data or "", kind=self.kind.data or "", province_id=self.province_id.data or 0,
                            commune=self.commune.data or "", phone=self.phone.data or None,
                            email=self.email.data or None)


class HubMemberForm(FlaskForm):
    login = StringField(_l("E-mail hoặc số điện thoại của tài khoản"), validators=[
        PlainText(), DataRequired(_l("Vui lòng nhập e-mail hoặc số điện thoại.")), Length(max=254)])


class HubHouseholdForm(FlaskForm):
    """The households that may be linked are passed in by the view (its province's, not linked elsewhere)."""

    producer_id = ChoiceField(_l("Hộ sản xuất"), coerce=_optional_id, validate_choice=False,
                              invalid_value_message=_l("Hộ sản xuất không hợp lệ."),
                              validators=[DataRequired(_l("Vui lòng chọn hộ sản xuất."))])

    def __init__(self, *args, households: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.producer_id.choices = [SelectChoice("", _l("— Chọn hộ —"))] + [SelectChoice(i, n) for i, n in households]


class CommuneOfficerForm(FlaskForm):
    """A commune officer's account (cán bộ xã): who, their login, a first password, and their commune (the choices
    are the communes the creator may name: their province's, or the chosen province's for admin)."""

    display_name = StringField(_l("Họ và tên"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập họ tên.")),
                                                            Length(max=120, message=_l("Họ tên tối đa 120 ký tự."))])
    login = StringField(_l("Email hoặc số điện thoại"), validators=[
        PlainText(), DataRequired(_l("Vui lòng nhập email hoặc số điện thoại.")), Length(max=254)])
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[
        DataRequired(_l("Vui lòng nhập mật khẩu.")),
        Length(min=8, max=200, message=_l("Mật khẩu cần từ 8 ký tự."))],
        description=_l("Trao cho cán bộ xã; họ đổi mật khẩu sau lần đăng nhập đầu."))
    commune_id = ChoiceField(_l("Xã/phường"), coerce=_optional_id, validators=[DataRequired(_l("Vui lòng chọn xã."))])

    def __init__(self, *args, communes: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_id.choices = [SelectChoice("", _l("— Chọn xã/phường —"))] + [
            SelectChoice(value, label) for value, label in communes]

    def validate_login(self, field):
        try:
            normalise_login(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class SignalForm(FlaskForm):
    """A commune's "no mobile or radio signal" flag: the button sends the new value."""

    no_signal = ChoiceField(choices=[SelectChoice("1", "1"), SelectChoice("0", "0")], validators=[DataRequired()])
