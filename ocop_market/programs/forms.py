"""Forms of the programme pages. Each lists its fields; amounts are whole đồng (WholeNumberField)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..catalog.forms import ChoiceField, DayField, WholeNumberField
from ..validators import PlainText
from . import rules, subsidy_rules
from .models import BudgetSource, PlanSource, ProjectForm, ProjectStatus
from .projects import CATEGORY_LABELS, FORM_LABELS, SOURCE_LABELS, STATUS_LABELS, ProjectData, provinces_for
from .subsidies import ELIGIBILITY_LABELS as SUBSIDY_ELIGIBILITY_LABELS
from .subsidies import MODE_LABELS as SUBSIDY_MODE_LABELS

MAX_VND = rules.MAX_AMOUNT_VND


def _choices(table: dict) -> list[SelectChoice]:
    return [SelectChoice(k, _l(v)) for k, v in table.items()]


def _text(label, max_len, required=True):
    validators = [PlainText(), DataRequired(_l("Vui lòng nhập %(what)s.", what=label))] if required else [PlainText(), Optional()]
    validators.append(Length(max=max_len, message=_l("Tối đa %(n)s ký tự.", n=max_len)))
    return StringField(label, validators=validators)


class ProjectEditForm(FlaskForm):
    code = _text(_l("Mã dự án"), 32)
    name = _text(_l("Tên dự án"), 200)
    form = ChoiceField(_l("Hình thức"), choices=_choices(FORM_LABELS), default=ProjectForm.VALUE_CHAIN)
    component = _text(_l("Hợp phần / tiểu dự án (ví dụ DA2, DA3-TDA1)"), 32)
    programme = _text(_l("Chương trình"), 200)
    period = _text(_l("Giai đoạn"), 32)
    province_id = ChoiceField(_l("Tỉnh / thành phố"), coerce=int,
                              validators=[DataRequired(_l("Vui lòng chọn tỉnh/thành phố."))])
    commune = _text(_l("Xã / phường"), 120)
    lead = _text(_l("Đơn vị chủ trì liên kết hoặc trưởng nhóm cộng đồng"), 200)
    decision_no = _text(_l("Số quyết định phê duyệt"), 64, required=False)
    decision_date = DayField(_l("Ngày quyết định"), validators=[Optional()])
    decision_authority = _text(_l("Cơ quan phê duyệt"), 160, required=False)
    start_on = DayField(_l("Ngày bắt đầu"), validators=[DataRequired(_l("Vui lòng nhập ngày bắt đầu."))])
    end_on = DayField(_l("Ngày kết thúc"), validators=[DataRequired(_l("Vui lòng nhập ngày kết thúc."))])
    status = ChoiceField(_l("Trạng thái"), choices=_choices(STATUS_LABELS), default=ProjectStatus.ACTIVE)
    target_households = WholeNumberField(_l("Số hộ mục tiêu"), validators=[Optional()], minimum=0, maximum=100_000)
    description = TextAreaField(_l("Mô tả"), validators=[PlainText(multiline=True), Optional(), Length(max=5000)], render_kw={"rows": 5})
    budget_central = WholeNumberField(_l(SOURCE_LABELS["central"]), validators=[Optional()], maximum=MAX_VND)
    budget_local = WholeNumberField(_l(SOURCE_LABELS["local"]), validators=[Optional()], maximum=MAX_VND)
    budget_policy_credit = WholeNumberField(_l(SOURCE_LABELS["policy_credit"]), validators=[Optional()],
                                            maximum=MAX_VND)
    budget_people = WholeNumberField(_l(SOURCE_LABELS["people"]), validators=[Optional()], maximum=MAX_VND)
    budget_enterprise = WholeNumberField(_l(SOURCE_LABELS["enterprise"]), validators=[Optional()], maximum=MAX_VND)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_id.choices = [SelectChoice(0, _l("— Chọn tỉnh/thành phố —"))] + [
            SelectChoice(p.id, p.name) for p in provinces_for(user)]

    def budget_fields(self):
        return [getattr(self, f"budget_{s.value}") for s in BudgetSource]

    def validate_end_on(self, field):
        if field.data and self.start_on.data and field.data < self.start_on.data:
            raise ValidationError(_l("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))

    def load(self, project) -> None:
        for s in BudgetSource:
            getattr(self, f"budget_{s.value}").data = project.budget_of(s)

    def to_data(self) -> ProjectData:
        return ProjectData(
            code=self.code.data, name=self.name.data, form=self.form.data, component=self.component.data,
            programme=self.programme.data, period=self.period.data, province_id=self.province_id.data,
            commune=self.commune.data, lead=self.lead.data, decision_no=self.decision_no.data or "",
            decision_date=self.decision_date.data, decision_authority=self.decision_authority.data or "",
            start_on=self.start_on.data, end_on=self.end_on.data, status=self.status.data,
            target_households=self.target_households.data or 0, description=self.description.data or "",
            budgets={s.value: getattr(self, f"budget_{s.value}").data or 0 for s in BudgetSource},
        )


class DisbursementForm(FlaskForm):
    source = ChoiceField(_l("Nguồn vốn"), choices=_choices(SOURCE_LABELS))
    disbursed_on = DayField(_l("Ngày giải ngân"), validators=[DataRequired(_l("Vui lòng nhập ngày giải ngân."))])
    amount_vnd = WholeNumberField(_l("Số tiền (đồng)"), validators=[InputRequired(_l("Vui lòng nhập số tiền."))],
                                  minimum=1, maximum=MAX_VND)
    plan_year = WholeNumberField(_l("Thuộc kế hoạch vốn năm"), validators=[Optional()], minimum=2000, maximum=2100)
    note = _text(_l("Ghi chú"), 200, required=False)


PLAN_SOURCE_LABELS = {s.value: SOURCE_LABELS[s.value] for s in PlanSource}


class CapitalPlanForm(FlaskForm):
    year = WholeNumberField(_l("Năm kế hoạch"), validators=[InputRequired(_l("Vui lòng nhập năm kế hoạch."))],
                            minimum=2000, maximum=2100)
    source = ChoiceField(_l("Nguồn vốn"), choices=_choices(PLAN_SOURCE_LABELS))
    planned_vnd = WholeNumberField(_l("Vốn giao trong năm (đồng)"),
                                   validators=[InputRequired(_l("Vui lòng nhập vốn giao trong năm."))],
                                   maximum=MAX_VND)
    carried_over_vnd = WholeNumberField(_l("Vốn năm trước chuyển sang (đồng)"), validators=[Optional()],
                                        maximum=MAX_VND)
    decision_no = _text(_l("Số quyết định giao kế hoạch vốn"), 64, required=False)


class JoinForm(FlaskForm):
    producer_id = ChoiceField(_l("Hộ / cơ sở"), coerce=int, validators=[DataRequired(_l("Vui lòng chọn hộ."))])
    joined_on = DayField(_l("Ngày tham gia"), validators=[DataRequired(_l("Vui lòng nhập ngày tham gia."))])
    category = ChoiceField(_l("Phân loại hộ khi tham gia"), choices=_choices(CATEGORY_LABELS))
    baseline_income_vnd = WholeNumberField(
        _l("Thu nhập bình quân đầu người/tháng khi tham gia (đồng)"),
        validators=[InputRequired(_l("Vui lòng nhập thu nhập ban đầu."))], maximum=rules.MAX_INCOME_VND)

    def __init__(self, producers, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.producer_id.choices = [SelectChoice(0, _l("— Chọn hộ —"))] + [
            SelectChoice(p.id, f"{p.name} ({p.commune})") for p in producers]


class LivelihoodForm(FlaskForm):
    assessed_on = DayField(_l("Ngày đánh giá"), validators=[DataRequired(_l("Vui lòng nhập ngày đánh giá."))])
    income_vnd = WholeNumberField(_l("Thu nhập bình quân đầu người/tháng (đồng)"),
                                  validators=[InputRequired(_l("Vui lòng nhập thu nhập."))],
                                  maximum=rules.MAX_INCOME_VND)
    category = ChoiceField(_l("Phân loại hộ tại thời điểm đánh giá"), choices=_choices(CATEGORY_LABELS))
    note = _text(_l("Ghi chú"), 200, required=False)


class ConsentForm(FlaskForm):
    consent_on = DayField(_l("Ngày hộ đồng ý công khai tên"), validators=[Optional()])


class HouseholdsField(SelectMultipleField):
    """Several households by id; a value that is no id or not offered is refused in Vietnamese (WTForms' own
    messages are English)."""

    def process_formdata(self, valuelist):
        try:
            self.data = [int(v) for v in valuelist]
        except ValueError:
            self.data = []
            raise ValueError(_l("Lựa chọn không hợp lệ.")) from None

    def pre_validate(self, form):
        known = {value for value, *_rest in self.choices or []}
        if any(v not in known for v in self.data or []):
            raise ValidationError(_l("Lựa chọn không hợp lệ."))


class ShippingSubsidyForm(FlaskForm):
    """A programme's shipping subsidy (hỗ trợ phí giao): the rules (bounds, dates, households) are
    `subsidies._check`'s too, so a tampered request meets the same refusals."""

    project_id = ChoiceField(_l("Dự án chi trả"), coerce=int, validators=[DataRequired(_l("Vui lòng chọn dự án."))])
    name = _text(_l("Tên chương trình hỗ trợ (người mua đọc được)"), 160)
    mode = ChoiceField(_l("Cách tính"), choices=[SelectChoice(k, v) for k, v in SUBSIDY_MODE_LABELS.items()],
                       default="per_order")
    amount_vnd = WholeNumberField(_l("Mức hỗ trợ (đồng mỗi đơn giao, hoặc mỗi kg)"), minimum=1,
                                  maximum=subsidy_rules.MAX_AMOUNT_VND,
                                  validators=[InputRequired(_l("Vui lòng nhập mức hỗ trợ."))])
    cap_per_order_vnd = WholeNumberField(_l("Tối đa mỗi đơn giao (đồng, không bắt buộc)"), minimum=1,
                                         maximum=subsidy_rules.MAX_AMOUNT_VND, validators=[Optional()])
    budget_vnd = WholeNumberField(_l("Ngân sách (đồng)"), minimum=1, maximum=subsidy_rules.MAX_BUDGET_VND,
                                  validators=[InputRequired(_l("Vui lòng nhập ngân sách."))])
    starts_on = DayField(_l("Áp dụng từ ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày bắt đầu."))])
    ends_on = DayField(_l("Đến hết ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày kết thúc."))])
    eligibility = ChoiceField(_l("Hộ được hỗ trợ"),
                              choices=[SelectChoice(k, v) for k, v in SUBSIDY_ELIGIBILITY_LABELS.items()],
                              default="participants")
    household_ids = HouseholdsField(_l("Các hộ được chọn (khi chọn “Các hộ được chọn”)"), coerce=int)

    def __init__(self, projects, households, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.project_id.choices = [SelectChoice(0, _l("— Chọn dự án —"))] + [
            SelectChoice(p.id, f"{p.code} · {p.name}") for p in projects]
        self.household_ids.choices = [(h.id, h.name) for h in households]

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("Ngày kết thúc phải sau ngày bắt đầu."))
