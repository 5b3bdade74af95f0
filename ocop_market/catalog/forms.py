"""Catalog forms: a producer record, a listing with its OCOP certificate, photos, a reason.

Each form lists its fields (no mass assignment) and `to_data()` returns the service dataclass, so the
producer's own area and the staff area (entering records on a household's behalf) share one form.
Price, owner, status and role never come from a form. Choices that live in the database (provinces,
groups) are passed in by the view (`ProducerForm(provinces=services.provinces())`): a form never queries.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, Field, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from ..accounts.services import normalise_phone
from ..money import format_number
from ..places import Province
from ..timeutil import local_today
from ..validators import PlainText
from . import labels
from .batches import BatchData
from .certificates import CertificateData
from .listings import ProductData
from .models import (
    LOT_CODE_MAX,
    MAX_BATCH_QUANTITY,
    CertificateLevel,
    HouseholdCategory,
    ProducerKind,
)
from .producers import ProducerData
from .tiers import MAX_TIER_QUANTITY, MAX_TIERS, tiers_of

if TYPE_CHECKING:
    from .services import Group

MAX_PRICE_VND = 1_000_000_000  # one billion đồng per unit is already far above any OCOP good
MAX_WEIGHT_GRAMS = 50_000  # one unit up to 50 kg (a sack of rice); the products table refuses more
MAX_STOCK = 1_000_000
# "125000", "125.000" or "125 000": whole numbers, dots or spaces only as thousands separators.
_WHOLE_RE = re.compile(r"^(\d{1,3}(?:[. ]\d{3})+|\d+)$")


class WholeNumberField(Field):
    """A whole number typed by a person. Anything else (1.5, -1, 'abc', 1e3, huge) is a form error.

    WTForms' IntegerField accepts whatever int() accepts and answers in English; this one is strict,
    bounded and speaks Vietnamese. An empty value gives None (combine with DataRequired/Optional).
    """

    widget = TextInput()
    #: an int, or None until a value is given; a required field has one once the form validated. Typed as
    #: WTForms types `data` (not at all), so views need no None checks that validation already made.
    data: Any

    def __init__(self, label=None, validators=None, *, minimum: int = 0, maximum: int = MAX_STOCK, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if raw == "":
            return
        if not _WHOLE_RE.match(raw):
            raise ValueError(_l("Vui lòng chỉ ghi chữ số, không có dấu phẩy hay chữ cái (ví dụ 125000 hoặc 125.000)."))
        digits = raw.replace(".", "").replace(" ", "").lstrip("0") or "0"
        if len(digits) > 15:  # far above any bound; also keeps int() away from huge strings
            raise ValueError(self._range_message())
        self.data = int(digits)

    def _range_message(self):
        return _l("Giá trị phải từ %(lo)s đến %(hi)s.", lo=format_number(self.minimum), hi=format_number(self.maximum))

    def pre_validate(self, form):
        if self.data is None:
            return
        if not self.minimum <= self.data <= self.maximum:
            raise ValidationError(self._range_message())


class DayField(StringField):
    """A calendar day from <input type=date> (YYYY-MM-DD) or typed as DD/MM/YYYY."""

    #: a date, or None; Any for the same reason as WholeNumberField.data
    data: Any

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"type": "date", "placeholder": "dd/mm/yyyy"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, dt.date) else ""

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "") or ""
        raw = raw.strip()
        if not raw:
            return
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                self.data = dt.datetime.strptime(raw, fmt).date()
                break
            except ValueError:
                continue
        if self.data is None or self.data.year < 1990:
            self.data = None
            raise ValueError(_l("Ngày không hợp lệ (ví dụ 15/03/2024)."))


class ChoiceField(SelectField):
    """A select whose refusals speak Vietnamese (WTForms ships no Vietnamese catalogue).
    Only a tampered request can send a value outside the choices."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", _l("Lựa chọn không hợp lệ."))
        kwargs.setdefault("invalid_choice_message", _l("Lựa chọn không hợp lệ."))
        super().__init__(*args, **kwargs)


def _not_in_future(form, field):
    if field.data and field.data > local_today():
        raise ValidationError(_l("Ngày không thể ở tương lai."))


def _choices(table: dict) -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in table.items()]


# ---------------------------------------------------------------- producer
class ProducerForm(FlaskForm):
    kind = ChoiceField(_l("Loại hình"), choices=_choices(labels.PRODUCER_KIND), default=ProducerKind.HOUSEHOLD,
                       validators=[DataRequired(_l("Vui lòng chọn loại hình."))])
    name = StringField(_l("Tên cơ sở / hộ sản xuất"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập tên cơ sở.")), Length(max=160, message=_l("Tên tối đa 160 ký tự."))])
    representative = StringField(_l("Người đại diện"), validators=[PlainText(),
        Optional(), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    phone = StringField(_l("Số điện thoại di động"), validators=[PlainText(), Optional(), Length(max=20)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    province_id = ChoiceField(_l("Tỉnh / thành phố"), coerce=int,
                              validators=[DataRequired(_l("Vui lòng chọn tỉnh/thành phố."))])
    commune = StringField(_l("Xã / phường / đặc khu"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập xã/phường.")), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    village = StringField(_l("Thôn / bản / tổ dân phố"), validators=[PlainText(),
        Optional(), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    legacy_district = StringField(_l("Huyện cũ (trước 1/7/2025, nếu có)"), validators=[PlainText(),
        Optional(), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    household_category = ChoiceField(_l("Phân loại hộ"), choices=_choices(labels.HOUSEHOLD_CATEGORY),
                                     default=HouseholdCategory.NONE)
    # No Optional() here: it would stop the chain before validate_category_assessed_on (required unless "none").
    category_assessed_on = DayField(_l("Ngày xã công nhận"), validators=[_not_in_future])
    ethnic_minority = BooleanField(_l("Hộ / chủ cơ sở là người dân tộc thiểu số"))
    woman_headed = BooleanField(_l("Do phụ nữ làm chủ"))
    story = TextAreaField(_l("Câu chuyện sản phẩm, gia đình, vùng đất"), validators=[PlainText(multiline=True),
        Optional(), Length(max=5000, message=_l("Tối đa 5000 ký tự."))], render_kw={"rows": 6})

    def __init__(self, *args, provinces: Iterable[Province], **kwargs):
        super().__init__(*args, **kwargs)
        self.province_id.choices = [SelectChoice(0, _l("— Chọn tỉnh/thành phố —"))] + [
            SelectChoice(p.id, p.name) for p in provinces
        ]

    def validate_phone(self, field):
        if field.data and field.data.strip():
            try:
                field.data = normalise_phone(field.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc

    def validate_category_assessed_on(self, field):
        if self.household_category.data != HouseholdCategory.NONE and not field.data:
            raise ValidationError(_l("Vui lòng nhập ngày được công nhận hộ nghèo/cận nghèo/thoát nghèo."))

    @classmethod
    def for_producer(cls, producer, **kwargs) -> ProducerForm:
        """An edit form pre-filled from a Producer (POST data wins when present)."""
        return cls(obj=producer, **kwargs)

    def to_data(self) -> ProducerData:
        phone = (self.phone.data or "").strip() or None
        category = self.household_category.data
        return ProducerData(
            kind=self.kind.data,
            name=self.name.data.strip(),
            province_id=self.province_id.data,
            commune=self.commune.data.strip(),
            representative=(self.representative.data or "").strip(),
            phone=phone,
            village=(self.village.data or "").strip(),
            legacy_district=(self.legacy_district.data or "").strip(),
            household_category=category,
            category_assessed_on=self.category_assessed_on.data if category != HouseholdCategory.NONE else None,
            ethnic_minority=bool(self.ethnic_minority.data),
            woman_headed=bool(self.woman_headed.data),
            story=(self.story.data or "").strip(),
        )


# ---------------------------------------------------------------- certificate
STAR_CHOICES = [SelectChoice("", _l("— Không có chứng nhận —")), SelectChoice("3", _l("3 sao")),
                SelectChoice("4", _l("4 sao")), SelectChoice("5", _l("5 sao"))]


class CertificateForm(Form):
    """The OCOP certificate of a listing. Optional as a whole: all empty means "no certificate";
    once anything is filled in, stars, decision number and decision date are required.

    A plain (CSRF-less) form meant to be nested with FormField in a FlaskForm, as ProductForm does;
    for a stand-alone page use CertificateOnlyForm.
    """

    stars = ChoiceField(_l("Hạng sao OCOP"), choices=STAR_CHOICES, default="")
    decision_no = StringField(_l("Số quyết định công nhận"), validators=[PlainText(),
        Optional(), Length(max=64, message=_l("Tối đa 64 ký tự."))], render_kw={"placeholder": "1234/QĐ-UBND"})
    decision_date = DayField(_l("Ngày quyết định"), validators=[Optional(), _not_in_future])
    issuing_authority = StringField(_l("Cơ quan ban hành"), validators=[PlainText(),
        Optional(), Length(max=160, message=_l("Tối đa 160 ký tự."))], render_kw={"placeholder": "UBND tỉnh Cao Bằng"})
    level = ChoiceField(_l("Cấp công nhận"), choices=_choices(labels.CERT_LEVEL), default=CertificateLevel.PROVINCE)
    score = WholeNumberField(_l("Điểm chấm (0–100, nếu giấy chứng nhận có ghi)"), validators=[Optional()], minimum=0, maximum=100)

    def is_empty(self) -> bool:
        return not (self.stars.data or (self.decision_no.data or "").strip() or self.decision_date.data
                    or (self.decision_date.raw_data and self.decision_date.raw_data[0].strip())
                    or (self.issuing_authority.data or "").strip() or self.score.data is not None
                    or (self.score.raw_data and self.score.raw_data[0].strip()))

    def validate(self, extra_validators=None) -> bool:
        if self.is_empty():
            for f in self:
                f.errors = []
            return True
        ok = super().validate(extra_validators)
        if self.stars.data not in ("3", "4", "5"):
            self.stars.errors = list(self.stars.errors) + [_l("Chỉ sản phẩm 3 đến 5 sao là sản phẩm OCOP.")]
            ok = False
        if not (self.decision_no.data or "").strip():
            self.decision_no.errors = list(self.decision_no.errors) + [_l("Vui lòng nhập số quyết định.")]
            ok = False
        if self.decision_date.data is None and not self.decision_date.errors:
            self.decision_date.errors = list(self.decision_date.errors) + [_l("Vui lòng nhập ngày quyết định.")]
            ok = False
        return ok

    def load(self, cert) -> None:
        """Pre-fill from an OcopCertificate (on GET)."""
        if cert is None:
            return
        self.stars.data = str(cert.stars)
        self.decision_no.data = cert.decision_no
        self.decision_date.data = cert.decision_date
        self.issuing_authority.data = cert.issuing_authority
        self.level.data = cert.level
        self.score.data = cert.score

    def to_data(self) -> CertificateData | None:
        """None when the producer left the certificate empty."""
        if self.is_empty():
            return None
        return CertificateData(
            decision_no=self.decision_no.data.strip(),
            decision_date=self.decision_date.data,
            stars=int(self.stars.data),
            issuing_authority=(self.issuing_authority.data or "").strip(),
            level=self.level.data,
            score=self.score.data,
        )


class CertificateOnlyForm(FlaskForm):
    """A page that edits only the certificate of an existing listing (CSRF-protected)."""

    certificate = FormField(CertificateForm)

    def to_data(self) -> CertificateData | None:
        return self.certificate.form.to_data()


# ---------------------------------------------------------------- listing
class ProductForm(FlaskForm):
    name = StringField(_l("Tên sản phẩm"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập tên sản phẩm.")), Length(max=160, message=_l("Tên tối đa 160 ký tự."))])
    group_id = ChoiceField(_l("Nhóm sản phẩm OCOP"), coerce=int,
                           validators=[DataRequired(_l("Vui lòng chọn nhóm sản phẩm."))])
    description = TextAreaField(_l("Mô tả sản phẩm"), validators=[PlainText(multiline=True),
        Optional(), Length(max=5000, message=_l("Tối đa 5000 ký tự."))], render_kw={"rows": 6})
    unit = StringField(_l("Đơn vị bán"), validators=[PlainText(),
        DataRequired(_l("Vui lòng nhập đơn vị bán, ví dụ “gói 500g”.")), Length(max=60, message=_l("Tối đa 60 ký tự."))],
        render_kw={"placeholder": "gói 500g"})
    price_vnd = WholeNumberField(_l("Giá bán (đồng)"), validators=[InputRequired(_l("Vui lòng nhập giá bán."))],
                                 minimum=1, maximum=MAX_PRICE_VND, render_kw={"placeholder": "125000"})
    # InputRequired, not DataRequired: 0 is a real answer (out of stock); the bounds refuse a price of 0.
    stock = WholeNumberField(_l("Số lượng còn"), validators=[
        InputRequired(_l("Vui lòng nhập số lượng còn (0 nếu hết hàng)."))], minimum=0, maximum=MAX_STOCK)
    #: the fee table's weight band (orders/fees.py); shown filled (a new listing starts at 500 g); left blank, the
    #: listing keeps the weight it has
    weight_grams = WholeNumberField(_l("Khối lượng đóng gói một đơn vị (gam)"), default=500, validators=[Optional()],
                                    minimum=1, maximum=MAX_WEIGHT_GRAMS, render_kw={"placeholder": "500"})
    certificate = FormField(CertificateForm, label=_l("Chứng nhận OCOP (nếu có)"))
    # Giá sỉ (catalog/tiers.py): up to four "from N units, X đồng a unit" rows, and the least a quote may ask for.
    tier_1_quantity = WholeNumberField(_l("Bậc %(n)s: từ số lượng", n=1), validators=[Optional()], minimum=2, maximum=MAX_TIER_QUANTITY)
    tier_1_price = WholeNumberField(_l("Bậc %(n)s: đơn giá (đồng)", n=1), validators=[Optional()], minimum=1, maximum=MAX_PRICE_VND)
    tier_2_quantity = WholeNumberField(_l("Bậc %(n)s: từ số lượng", n=2), validators=[Optional()], minimum=2, maximum=MAX_TIER_QUANTITY)
    tier_2_price = WholeNumberField(_l("Bậc %(n)s: đơn giá (đồng)", n=2), validators=[Optional()], minimum=1, maximum=MAX_PRICE_VND)
    tier_3_quantity = WholeNumberField(_l("Bậc %(n)s: từ số lượng", n=3), validators=[Optional()], minimum=2, maximum=MAX_TIER_QUANTITY)
    tier_3_price = WholeNumberField(_l("Bậc %(n)s: đơn giá (đồng)", n=3), validators=[Optional()], minimum=1, maximum=MAX_PRICE_VND)
    tier_4_quantity = WholeNumberField(_l("Bậc %(n)s: từ số lượng", n=4), validators=[Optional()], minimum=2, maximum=MAX_TIER_QUANTITY)
    tier_4_price = WholeNumberField(_l("Bậc %(n)s: đơn giá (đồng)", n=4), validators=[Optional()], minimum=1, maximum=MAX_PRICE_VND)
    case_min_quantity = WholeNumberField(_l("Số lượng tối thiểu khi yêu cầu báo giá"), validators=[Optional()],
                                         minimum=1, maximum=MAX_TIER_QUANTITY)

    def __init__(self, *args, groups: Iterable[Group], **kwargs):
        super().__init__(*args, **kwargs)
        locale = str(get_locale() or "vi")
        self.group_id.choices = [SelectChoice(0, _l("— Chọn nhóm —"))] + [
            SelectChoice(g.id, g.name(locale)) for g in groups
        ]

    @classmethod
    def for_product(cls, product, **kwargs) -> ProductForm:
        """An edit form pre-filled from a Product and its latest certificate (POST data wins)."""
        form = cls(obj=product, **kwargs)
        if not form.is_submitted():
            form.certificate.form.load(product.certificate)
            for n, (quantity, price) in enumerate(tiers_of(product.price_tiers)[:MAX_TIERS], start=1):
                form[f"tier_{n}_quantity"].data, form[f"tier_{n}_price"].data = quantity, price
        return form

    def tier_rows(self) -> tuple[tuple[int | None, int | None], ...]:
        return tuple((self[f"tier_{n}_quantity"].data, self[f"tier_{n}_price"].data) for n in range(1, MAX_TIERS + 1))

    def to_data(self) -> ProductData:
        return ProductData(
            name=self.name.data.strip(),
            group_id=self.group_id.data,
            unit=self.unit.data.strip(),
            price_vnd=self.price_vnd.data,
            stock=self.stock.data,
            description=(self.description.data or "").strip(),
            weight_grams=self.weight_grams.data,
            tier_rows=self.tier_rows(),
            case_min_quantity=self.case_min_quantity.data,
        )

    def certificate_data(self) -> CertificateData | None:
        return self.certificate.form.to_data()


# ---------------------------------------------------------------- photos and reasons
class PhotoForm(FlaskForm):
    photos = MultipleFileField(_l("Ảnh sản phẩm (ảnh chụp bằng điện thoại hoặc máy ảnh, mỗi ảnh tối đa 8 MB)"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})
    alt_text = StringField(_l("Mô tả ngắn cho ảnh (cho người khiếm thị, không bắt buộc)"), validators=[PlainText(),
        Optional(), Length(max=200, message=_l("Tối đa 200 ký tự."))])

    def validate_photos(self, field):
        if not self.files():
            raise ValidationError(_l("Vui lòng chọn ít nhất một ảnh."))

    def files(self) -> list:
        """The uploaded FileStorage objects that carry a file (browsers send an empty part when none)."""
        return [f for f in (self.photos.data or []) if f and getattr(f, "filename", "")]

    def to_data(self) -> list[bytes]:
        return [f.read() for f in self.files()]


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Lý do"), validators=[PlainText(multiline=True),
        DataRequired(_l("Vui lòng nêu lý do.")), Length(max=1000, message=_l("Tối đa 1000 ký tự."))],
        render_kw={"rows": 3})

    def to_data(self) -> str:
        return self.reason.data.strip()


class BatchForm(FlaskForm):
    """A production lot of a listing (traceability stamps). The dates' and quantity's rules are the service's
    (`batches.check_batch`), whose refusals the view shows on the field they name."""

    lot_code = StringField(_l("Mã lô"), validators=[PlainText(), DataRequired(message=_l("Vui lòng nhập mã lô.")),
                                                    Length(max=LOT_CODE_MAX, message=_l("Tối đa %(n)s ký tự.", n=LOT_CODE_MAX))],
                           render_kw={"placeholder": "L2512-01", "autocapitalize": "characters"})
    produced_on = DayField(_l("Ngày sản xuất"), validators=[InputRequired(message=_l("Vui lòng nhập ngày sản xuất."))])
    expires_on = DayField(_l("Hạn sử dụng (nếu có)"), validators=[Optional()])
    quantity = WholeNumberField(_l("Số lượng trong lô"), validators=[InputRequired(message=_l("Vui lòng nhập số lượng."))],
                                minimum=1, maximum=MAX_BATCH_QUANTITY)

    def to_data(self) -> BatchData:
        return BatchData(lot_code=self.lot_code.data or "", produced_on=self.produced_on.data,
                         quantity=self.quantity.data, expires_on=self.expires_on.data)
