"""Order forms. Fields are listed one by one: prices, totals and owners never come from the request."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..accounts.forms import optional_id
from ..accounts.services import normalise_phone
from ..catalog.forms import MAX_PRICE_VND, DayField, WholeNumberField
from ..money import parse_vnd
from ..timeutil import local_today
from ..validators import PlainText
from . import schedule


class QuantityForm(FlaskForm):
    #: text, parsed by orders.rules.parse_quantity: "1.5", "-1", "abc" and 10**20 are form errors, not 500s
    quantity = StringField(_l("Số lượng"), default="1", validators=[PlainText(), DataRequired(_l("Vui lòng nhập số lượng.")),
                                                                   Length(max=12)])


class ShipToForm(FlaskForm):
    """The cart's "where to?": the fee table prices each parcel from its household to this province (and commune)."""

    tinh = SelectField(_l("Tỉnh/thành phố nhận hàng"), coerce=optional_id, validate_choice=True,
                       validators=[DataRequired(_l("Vui lòng chọn tỉnh/thành phố."))])
    xa = StringField(_l("Xã/phường (không bắt buộc)"), validators=[PlainText(), Optional(), Length(max=120)])


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class NoteForm(FlaskForm):
    note = StringField(_l("Ghi chú"), validators=[PlainText(), Optional(), Length(max=300)])


class CheckoutForm(FlaskForm):
    contact_name = StringField(_l("Họ tên người nhận"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập họ tên người nhận.")), Length(max=120)])
    phone = StringField(_l("Số điện thoại di động"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập số điện thoại.")), Length(max=20)])
    address_line = StringField(_l("Số nhà, thôn/bản, đường"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập địa chỉ.")), Length(max=200)])
    commune = StringField(_l("Xã/phường"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập xã/phường.")), Length(max=120)])
    #: blank until chosen (issue 14): a buyer who skips it is asked, never shipped to the first province listed
    province_id = SelectField(_l("Tỉnh/thành phố"), coerce=optional_id, validate_choice=True,
                              validators=[DataRequired(_l("Vui lòng chọn tỉnh/thành phố."))])
    note = TextAreaField(_l("Ghi chú cho người bán"), validators=[PlainText(multiline=True), Optional(), Length(max=1000)])
    payment_method = RadioField(_l("Phương thức thanh toán"), validators=[
        DataRequired(_l("Vui lòng chọn phương thức thanh toán."))])
    #: the total the page showed (đồng): the order is refused, and shown again, if it would now cost more
    shown_total_vnd = HiddenField()
    #: the programmes' shipping subsidy the page showed: less now means it ran out meanwhile (the buyer is told)
    shown_subsidy_vnd = HiddenField()

    @staticmethod
    def _amount(field) -> int | None:
        raw = (field.data or "").strip()
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None

    def shown_total(self) -> int | None:
        return self._amount(self.shown_total_vnd)

    def shown_subsidy(self) -> int | None:
        return self._amount(self.shown_subsidy_vnd)
    #: optional; `schedule.delivery_date_problem` refuses a past day or one beyond 90 days
    delivery_date = DayField(_l("Ngày muốn nhận hàng"), validators=[Optional()])

    def validate_delivery_date(self, field):
        problem = schedule.delivery_date_problem(field.data, local_today())
        if problem:
            raise ValidationError(problem)

    def validate_phone(self, field):
        try:
            normalise_phone(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class PayoutForm(FlaskForm):
    amount = StringField(_l("Số tiền (đồng)"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập số tiền.")), Length(max=20)])
    reference = StringField(_l("Mã giao dịch chuyển khoản"), validators=[PlainText(), Optional(), Length(max=120)])
    note = StringField(_l("Ghi chú"), validators=[PlainText(), Optional(), Length(max=300)])

    def validate_amount(self, field):
        try:
            value = parse_vnd(field.data)
        except ValueError:
            raise ValidationError(_l("Số tiền phải là số nguyên đồng.")) from None
        if not 0 < value <= 10_000_000_000:
            raise ValidationError(_l("Số tiền không hợp lệ."))
        self.amount_vnd = value


class VatInvoiceForm(FlaskForm):
    """A buyer's request for a VAT invoice; the rules (tax code shape, lengths) are `vat.check_request`'s."""

    tax_code = StringField(_l("Mã số thuế"), validators=[PlainText(), DataRequired(message=_l("Vui lòng nhập mã số thuế.")),
                                                       Length(max=20, message=_l("Tối đa %(n)s ký tự.", n=20))],
                           render_kw={"placeholder": "0101234567", "autocomplete": "off"})
    company_name = StringField(_l("Tên đơn vị"), validators=[PlainText(), DataRequired(message=_l("Vui lòng nhập tên đơn vị.")),
                                                            Length(max=200, message=_l("Tối đa %(n)s ký tự.", n=200))])
    company_address = StringField(_l("Địa chỉ đơn vị"), validators=[
        PlainText(), DataRequired(message=_l("Vui lòng nhập địa chỉ đơn vị.")),
        Length(max=300, message=_l("Tối đa %(n)s ký tự.", n=300))])
    email = StringField(_l("E-mail nhận hóa đơn (không bắt buộc)"), validators=[PlainText(), Optional(),
                                                                               Length(max=254, message=_l("Tối đa %(n)s ký tự.", n=254))])


class VatIssuedForm(FlaskForm):
    invoice_number = StringField(_l("Số hóa đơn"), validators=[
        PlainText(), DataRequired(message=_l("Vui lòng nhập số hóa đơn.")), Length(max=40, message=_l("Tối đa %(n)s ký tự.", n=40))])


class ReturnForm(FlaskForm):
    """The buyer's return request; the quantities per line are the `so-luong-<line id>` fields, checked by
    `returns.request_return` against the part's own lines."""

    reason = RadioField(_l("Lý do"), validators=[DataRequired(_l("Vui lòng chọn lý do trả hàng."))])
    description = TextAreaField(_l("Chuyện gì đã xảy ra?"), validators=[PlainText(multiline=True),
        DataRequired(_l("Vui lòng kể ngắn gọn chuyện gì đã xảy ra với hàng.")),
        Length(max=2000, message=_l("Tối đa 2000 ký tự."))], render_kw={"rows": 4})
    send_back = BooleanField(_l("Tôi sẽ gửi trả hàng cho người bán"), default=True)
    photos = MultipleFileField(_l("Ảnh chụp hàng (tối đa 3 ảnh, không bắt buộc)"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})

    def files(self) -> list:
        """The uploaded files that carry a file (browsers send an empty part when none is chosen)."""
        return [f for f in (self.photos.data or []) if f and getattr(f, "filename", "")]

    def validate_photos(self, field):
        if len(self.files()) > 3:
            raise ValidationError(_l("Gửi tối đa 3 ảnh."))


class ReturnAnswerForm(FlaskForm):
    note = TextAreaField(_l("Ghi chú cho người mua"), validators=[PlainText(multiline=True), Optional(),
                                                                   Length(max=1000)], render_kw={"rows": 3})


STAR_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class ReviewForm(FlaskForm):
    """A buyer's review of one delivered line. The stars are checked here and again by `reviews.parse_stars`:
    0, 6, 1.5 or 'x' are a message on the form, never a 500."""

    stars = RadioField(_l("Số sao"), choices=STAR_CHOICES, validate_choice=False)
    body = TextAreaField(_l("Nhận xét (không bắt buộc)"), validators=[PlainText(multiline=True), Optional(),
        Length(max=2000, message=_l("Tối đa 2000 ký tự."))], render_kw={"rows": 4})
    photos = MultipleFileField(_l("Ảnh sản phẩm (tối đa 3 ảnh, không bắt buộc)"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})

    def files(self) -> list:
        return [f for f in (self.photos.data or []) if f and getattr(f, "filename", "")]

    def validate_stars(self, field):
        if (field.data or "") not in {"1", "2", "3", "4", "5"}:
            raise ValidationError(_l("Vui lòng chọn từ 1 đến 5 sao."))

    def validate_photos(self, field):
        if len(self.files()) > 3:
            raise ValidationError(_l("Gửi tối đa 3 ảnh."))


class ReviewAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Trả lời người mua"), validators=[PlainText(multiline=True),
        DataRequired(_l("Vui lòng viết câu trả lời.")), Length(max=1000, message=_l("Tối đa 1000 ký tự."))],
        render_kw={"rows": 3})
    answer_en = TextAreaField(_l("Bản tiếng Anh (không bắt buộc)"), validators=[PlainText(multiline=True),
        Optional(), Length(max=1000, message=_l("Tối đa 1000 ký tự."))], render_kw={"rows": 3, "lang": "en"})


class ReviewHideForm(FlaskForm):
    reason = TextAreaField(_l("Lý do ẩn (người viết đọc được)"), validators=[PlainText(multiline=True),
        DataRequired(_l("Vui lòng ghi lý do ẩn đánh giá.")), Length(max=500, message=_l("Tối đa 500 ký tự."))],
        render_kw={"rows": 2})


class QuoteAskForm(FlaskForm):
    """An organisation buyer's request for quote; the bounds are `wholesale.ask`'s (quantity text, like the cart's)."""

    quantity = StringField(_l("Số lượng cần mua"), validators=[PlainText(), DataRequired(_l("Vui lòng nhập số lượng.")),
                                                              Length(max=12)], render_kw={"inputmode": "numeric"})
    wanted_date = DayField(_l("Ngày muốn nhận hàng (không bắt buộc)"), validators=[Optional()])
    province_id = SelectField(_l("Tỉnh/thành phố nhận hàng"), coerce=optional_id, validate_choice=True,
                              validators=[DataRequired(_l("Vui lòng chọn tỉnh/thành phố nhận hàng."))])
    note = TextAreaField(_l("Ghi chú cho người bán (quy cách đóng gói, hóa đơn…)"), validators=[
        PlainText(multiline=True), Optional(), Length(max=1000, message=_l("Tối đa 1000 ký tự."))], render_kw={"rows": 3})


class QuoteAnswerForm(FlaskForm):
    unit_price_vnd = WholeNumberField(_l("Đơn giá báo (đồng / đơn vị)"), validators=[
        InputRequired(_l("Vui lòng nhập đơn giá."))], minimum=1, maximum=MAX_PRICE_VND)
    delivery_date = DayField(_l("Ngày giao hàng"), validators=[DataRequired(_l("Vui lòng chọn ngày giao hàng."))])
    valid_until = DayField(_l("Báo giá có hiệu lực đến hết ngày"), validators=[
        DataRequired(_l("Vui lòng chọn hạn của báo giá."))])


class QuoteDeclineForm(FlaskForm):
    reason = TextAreaField(_l("Lý do từ chối (người mua đọc được)"), validators=[PlainText(multiline=True),
        DataRequired(_l("Vui lòng ghi lý do từ chối.")), Length(max=500, message=_l("Tối đa 500 ký tự."))],
        render_kw={"rows": 2})
