from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ..routing import parse_id
from ..validators import PlainText
from .recovery import clean_code
from .services import normalise_login, normalise_phone


class LoginForm(FlaskForm):
    login = StringField(_l("Email hoặc số điện thoại"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập email hoặc số điện thoại.")), Length(max=254)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=200)])
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Họ và tên"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập họ tên.")), Length(max=120)])
    login = StringField(
        _l("Email hoặc số điện thoại"),
        validators=[PlainText(), DataRequired(_l("Vui lòng nhập email hoặc số điện thoại.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(min=8, max=200, message=_l("Mật khẩu cần từ 8 ký tự."))],
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"), validators=[EqualTo("password", message=_l("Hai mật khẩu không khớp."))]
    )
    is_producer = BooleanField(_l("Tôi là hộ sản xuất / hợp tác xã muốn bán sản phẩm"))
    #: after the account is made, its organisation's details are asked for (accounts/organisations.py)
    is_organisation = BooleanField(_l("Tôi mua cho cơ quan, trường học, doanh nghiệp (khách hàng tổ chức)"))

    def validate_login(self, field):
        try:
            normalise_login(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu hiện tại.")), Length(max=200)]
    )
    new_password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới.")), Length(min=8, max=200, message=_l("Mật khẩu cần từ 8 ký tự."))],
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"), validators=[EqualTo("new_password", message=_l("Hai mật khẩu không khớp."))]
    )


class LogoutEverywhereForm(FlaskForm):
    """Only the CSRF token: the button that ends every session of the account."""


def _new_password_fields():
    return (
        PasswordField(
            _l("Mật khẩu mới"),
            validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới.")),
                        Length(min=8, max=200, message=_l("Mật khẩu cần từ 8 ký tự."))],
        ),
        PasswordField(_l("Nhập lại mật khẩu mới"),
                      validators=[EqualTo("new_password", message=_l("Hai mật khẩu không khớp."))]),
    )


class ForgotPasswordForm(FlaskForm):
    login = StringField(_l("Email hoặc số điện thoại"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập email hoặc số điện thoại.")), Length(max=254)])


def _six_digits(form, field):
    if not clean_code(field.data):
        raise ValidationError(_l("Mã gồm 6 chữ số."))


class ResetWithCodeForm(FlaskForm):
    """The code sets a new password, or (the "unlock" button) only lets this browser sign in again."""

    login = StringField(_l("Email hoặc số điện thoại"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập email hoặc số điện thoại.")), Length(max=254)])
    code = StringField(_l("Mã xác nhận"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập mã xác nhận.")), Length(max=20),
                                                    _six_digits])
    new_password, confirm = _new_password_fields()
    unlock = SubmitField(_l("Chỉ mở khoá đăng nhập, giữ mật khẩu cũ"))

    @property
    def unlock_only(self) -> bool:
        return bool(self.unlock.data)

    def validate(self, extra_validators=None):
        if self.unlock_only:  # no new password asked for
            self.new_password.validators = [Optional(), Length(max=200)]
            self.confirm.validators = [Optional()]
        return super().validate(extra_validators)


class ResetWithLinkForm(FlaskForm):
    new_password, confirm = _new_password_fields()


class VerifyPhoneForm(FlaskForm):
    code = StringField(_l("Mã xác nhận"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập mã xác nhận.")), Length(max=20),
                                                    _six_digits])


class NotificationChannelsForm(FlaskForm):
    notify_email = BooleanField(_l("Gửi tin về đơn hàng, gian hàng và quảng bá qua e-mail"))
    notify_sms = BooleanField(_l("Gửi tin về đơn hàng, gian hàng và quảng bá qua SMS"))
    # Each language named in itself, as the site's language switch does. A post without it keeps the stored one.
    locale = SelectField(_l("Ngôn ngữ của tin nhắn"), choices=[SelectChoice("vi", "Tiếng Việt"),
                                                             SelectChoice("en", "English")],
                         validators=[Optional()], invalid_choice_message=_l("Lựa chọn không hợp lệ."))


def optional_id(value):
    """A select's value as an id; the blank first choice ("— Chọn —") as None, so DataRequired says what to do."""
    return parse_id(value)  # None also for anything that is no id (out of range, "1.5"): "not a valid choice"


class AddressForm(FlaskForm):
    """A delivery address: the checkout form's fields, with `province_id` blank until chosen."""

    contact_name = StringField(_l("Họ tên người nhận"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập họ tên người nhận.")), Length(max=120)])
    phone = StringField(_l("Số điện thoại di động"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập số điện thoại.")), Length(max=20)])
    address_line = StringField(_l("Số nhà, thôn/bản, đường"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập địa chỉ.")), Length(max=200)])
    province_id = SelectField(_l("Tỉnh/thành phố"), coerce=optional_id, validate_choice=True,
                              validators=[DataRequired(_l("Vui lòng chọn tỉnh/thành phố."))])
    commune = StringField(_l("Xã/phường"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập xã/phường.")),
                                                       Length(max=120)])
    is_default = BooleanField(_l("Dùng làm địa chỉ mặc định"))

    def validate_phone(self, field):
        try:
            normalise_phone(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class OrganisationForm(FlaskForm):
    """An organisation buyer's details; the rules (tax code shape, lengths, phone) are `organisations.check`'s."""

    kind = SelectField(_l("Loại tổ chức"), validators=[DataRequired(_l("Vui lòng chọn loại tổ chức."))])
    legal_name = StringField(_l("Tên đơn vị (như trên đăng ký thuế)"), validators=[
        PlainText(), DataRequired(_l("Vui lòng nhập tên đơn vị.")), Length(max=200, message=_l("Tối đa %(n)s ký tự.", n=200))])
    tax_code = StringField(_l("Mã số thuế"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập mã số thuế.")),
                                                       Length(max=20, message=_l("Tối đa %(n)s ký tự.", n=20))],
                           render_kw={"placeholder": "0101234567", "autocomplete": "off", "inputmode": "numeric"})
    invoice_address = StringField(_l("Địa chỉ xuất hóa đơn"), validators=[
        PlainText(), DataRequired(_l("Vui lòng nhập địa chỉ xuất hóa đơn.")),
        Length(max=300, message=_l("Tối đa %(n)s ký tự.", n=300))])
    contact_name = StringField(_l("Người liên hệ"), validators=[
        PlainText(), DataRequired(_l("Vui lòng nhập họ tên người liên hệ.")), Length(max=120)])
    contact_phone = StringField(_l("Điện thoại người liên hệ (không bắt buộc)"), validators=[
        PlainText(), Optional(), Length(max=20)], render_kw={"inputmode": "tel"})
