"""Programme pages. Staff (guarded blueprint): projects, disbursements, households, livelihood records, the
outcome dashboard, the CSV export and a printable report. Public: a project page with aggregates only.
A commune officer opens the views marked `@open_to_communes`, over the projects of their commune only
(`projects.projects_for` and `project_or_404` scope by the account)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import audit, charts, csv_export
from ..accounts.permissions import STAFF_ROLES, guard_blueprint, open_to_communes
from ..accounts.services import users_by_id
from ..catalog.models import Producer
from ..csv_export import Column, Kind
from ..errors import DomainError
from ..extensions import db
from ..money import format_vnd_short
from ..places import Province
from ..timeutil import local_today
from . import (
    communes,
    disbursements,
    indicators,
    listings,
    outcomes,
    participation,
    projects,
    report_xlsx,
    rules,
    subsidies,
)
from .forms import CapitalPlanForm, ConsentForm, DisbursementForm, JoinForm, LivelihoodForm, ProjectEditForm

bp = Blueprint("staff_programs", __name__)
guard_blueprint(bp, *STAFF_ROLES)
public_bp = Blueprint("programs", __name__)

#: the export's columns, in order (documented in README and on the dashboard); csv_export writes both variants
CSV_COLUMNS = (
    Column("group_by", _l("Nhóm theo"), Kind.TEXT,
           "project | commune | province", words=lambda code: str(outcomes.GROUP_BY_LABELS.get(code, code))),
    Column("group_key", _l("Mã nhóm"), Kind.TEXT,
           _l("mã dự án; tỉnh/xã; mã tỉnh")),
    Column("group_name", _l("Tên nhóm"), Kind.TEXT,
           _l("tên dự án, xã hoặc tỉnh")),
    Column("period", _l("Kỳ báo cáo"), Kind.TEXT,
           _l("kỳ báo cáo, ví dụ 2026-Q4")),
    Column("households", _l("Số hộ tham gia"), Kind.INTEGER,
           _l("số hộ tham gia (đã tham gia trước cuối kỳ)")),
    Column("households_with_sales", _l("Số hộ có bán hàng"), Kind.INTEGER,
           _l("số hộ có ít nhất một đơn đã giao trong kỳ")),
    Column("first_sale_on", _l("Ngày bán đầu tiên"), Kind.DATE,
           _l("ngày bán đầu tiên sớm nhất trong nhóm")),
    Column("revenue_vnd", _l("Doanh thu (đồng)"), Kind.INTEGER,
           _l("doanh thu hàng hoá của đơn đã giao/hoàn tất trong kỳ, đồng, không gồm phí vận chuyển")),
    Column("orders", _l("Số đơn đã giao"), Kind.INTEGER,
           _l("số đơn của hộ sản xuất đã giao trong kỳ")),
    Column("revenue_per_household_vnd", _l("Doanh thu mỗi hộ (đồng)"), Kind.INTEGER,
           _l("doanh thu / số hộ tham gia, làm tròn xuống")),
    Column("active_listings", _l("Sản phẩm đang hiển thị"), Kind.INTEGER,
           _l("số sản phẩm đang hiển thị công khai")),
    Column("households_with_records", _l("Số hộ có bản ghi sinh kế"), Kind.INTEGER,
           _l("số hộ có bản ghi sinh kế từ khi tham gia đến cuối kỳ")),
    Column("baseline_income_avg_vnd", _l("Thu nhập bình quân khi tham gia (đồng)"), Kind.INTEGER,
           _l("thu nhập bình quân đầu người/tháng khi tham gia (các hộ có bản ghi)")),
    Column("latest_income_avg_vnd", _l("Thu nhập bình quân mới nhất (đồng)"), Kind.INTEGER,
           _l("thu nhập bình quân theo bản ghi mới nhất đến cuối kỳ")),
    Column("income_change_vnd", _l("Chênh lệch thu nhập (đồng)"), Kind.INTEGER,
           _l("chênh lệch thu nhập bình quân")),
    Column("escaped_poverty", _l("Số hộ thoát nghèo"), Kind.INTEGER,
           _l("số hộ thoát nghèo: hộ nghèo khi tham gia, nay cận nghèo trở lên")),
    Column("poor_to_near_poor", _l("Trong đó: nay là hộ cận nghèo"), Kind.INTEGER,
           _l("trong đó: số hộ thoát nghèo nay là hộ cận nghèo")),
    Column("escaped_near_poverty", _l("Số hộ thoát cận nghèo"), Kind.INTEGER,
           _l("số hộ thoát cận nghèo: hộ cận nghèo khi tham gia, nay trên chuẩn cận nghèo")),
    Column("fell_back", _l("Số hộ tái nghèo"), Kind.INTEGER,
           _l("số hộ tái nghèo: hộ mới thoát nghèo khi tham gia, nay là hộ nghèo")),
    Column("newly_poor", _l("Số hộ phát sinh nghèo"), Kind.INTEGER,
           _l("số hộ phát sinh nghèo: hộ cận nghèo hoặc không thuộc diện khi tham gia, nay là hộ nghèo")),
    Column("promotion_impressions", _l("Lượt hiển thị quảng bá"), Kind.INTEGER,
           _l("lượt hiển thị quảng bá miễn phí trong kỳ")),
    Column("certificates_expiring_90d", _l("Chứng nhận hết hạn trong 90 ngày"), Kind.INTEGER,
           _l("chứng nhận OCOP hết hạn trong 90 ngày tới (tính từ hôm nay)")),
    Column("budget_year", _l("Năm kế hoạch vốn"), Kind.INTEGER,
           _l("năm kế hoạch vốn của kỳ")),
    Column("central_plan_vnd", _l("NSTW: kế hoạch vốn năm (đồng)"), Kind.INTEGER,
           _l("NSTW: kế hoạch vốn năm, gồm vốn năm trước chuyển sang, đồng")),
    Column("central_carried_over_vnd", _l("NSTW: vốn năm trước chuyển sang (đồng)"), Kind.INTEGER,
           _l("NSTW: trong đó vốn năm trước chuyển sang, đồng")),
    Column("central_disbursed_vnd", _l("NSTW: đã giải ngân (đồng)"), Kind.INTEGER,
           _l("NSTW: đã giải ngân từ kế hoạch năm đến cuối kỳ, đồng")),
    Column("central_rate_pct", _l("NSTW: tỷ lệ giải ngân (%)"), Kind.RATE_BP,
           _l("NSTW: tỷ lệ giải ngân so với kế hoạch vốn năm, %, hai chữ số thập phân")),
    Column("local_plan_vnd", _l("NSĐP: kế hoạch vốn năm (đồng)"), Kind.INTEGER,
           _l("NSĐP: kế hoạch vốn năm, gồm vốn năm trước chuyển sang, đồng")),
    Column("local_carried_over_vnd", _l("NSĐP: vốn năm trước chuyển sang (đồng)"), Kind.INTEGER,
           _l("NSĐP: trong đó vốn năm trước chuyển sang, đồng")),
    Column("local_disbursed_vnd", _l("NSĐP: đã giải ngân (đồng)"), Kind.INTEGER,
           _l("NSĐP: đã giải ngân từ kế hoạch năm đến cuối kỳ, đồng")),
    Column("local_rate_pct", _l("NSĐP: tỷ lệ giải ngân (%)"), Kind.RATE_BP,
           _l("NSĐP: tỷ lệ giải ngân so với kế hoạch vốn năm, %, hai chữ số thập phân")),
    Column("policy_credit_disbursed_vnd", _l("Vốn vay NHCSXH (đồng)"), Kind.INTEGER,
           _l("vốn vay NHCSXH đã giải ngân đến cuối kỳ, đồng (không tính vào tỷ lệ)")),
    Column("people_disbursed_vnd", _l("Đối ứng của người dân (đồng)"), Kind.INTEGER,
           _l("đối ứng của người dân đến cuối kỳ, đồng (không tính vào tỷ lệ)")),
    Column("enterprise_disbursed_vnd", _l("Vốn doanh nghiệp (đồng)"), Kind.INTEGER,
           _l("vốn doanh nghiệp đến cuối kỳ, đồng (không tính vào tỷ lệ)")),
    Column("households_ethnic_minority", _l("Hộ DTTS tham gia"), Kind.INTEGER,
           _l("số hộ dân tộc thiểu số tham gia")),
    Column("escaped_poverty_ethnic_minority", _l("Hộ DTTS thoát nghèo"), Kind.INTEGER,
           _l("số hộ dân tộc thiểu số thoát nghèo")),
    Column("escaped_near_poverty_ethnic_minority", _l("Hộ DTTS thoát cận nghèo"), Kind.INTEGER,
           _l("số hộ dân tộc thiểu số thoát cận nghèo")),
    Column("revenue_ethnic_minority_vnd", _l("Doanh thu hộ DTTS (đồng)"), Kind.INTEGER,
           _l("doanh thu trong kỳ của hộ dân tộc thiểu số, đồng")),
    Column("households_woman_headed", _l("Hộ phụ nữ làm chủ tham gia"), Kind.INTEGER,
           _l("số hộ do phụ nữ làm chủ tham gia")),
    Column("escaped_poverty_woman_headed", _l("Hộ phụ nữ làm chủ thoát nghèo"), Kind.INTEGER,
           _l("số hộ do phụ nữ làm chủ thoát nghèo")),
    Column("escaped_near_poverty_woman_headed", _l("Hộ phụ nữ làm chủ thoát cận nghèo"), Kind.INTEGER,
           _l("số hộ do phụ nữ làm chủ thoát cận nghèo")),
    Column("revenue_woman_headed_vnd", _l("Doanh thu hộ phụ nữ làm chủ (đồng)"), Kind.INTEGER,
           _l("doanh thu trong kỳ của hộ do phụ nữ làm chủ, đồng")),
    Column("shipping_subsidy_vnd", _l("Hỗ trợ phí giao (đồng)"), Kind.INTEGER,
           _l("chi của chương trình: hỗ trợ phí giao hàng cho các đơn đặt trong kỳ (không gồm đơn đã hủy), đồng")),
)


def _period() -> rules.Period:
    raw = request.args.get("period")
    if not raw:
        return rules.quarter_of(local_today())
    if len(raw) > 16:
        abort(400)
    try:
        return rules.parse_period(raw)
    except rules.PeriodError:
        abort(400, description=_("Kỳ báo cáo không hợp lệ (ví dụ 2026, 2026-H1, 2026-Q4, 2026-10, 2026-NS)."))


def _group_by() -> str:
    value = request.args.get("group_by") or "project"
    if value not in outcomes.GROUP_BY:
        abort(400)
    return value


def _disbursement_chart(plan: list[rules.PlanLine], year: int) -> charts.Chart:
    return charts.columns(
        _("Giải ngân so với kế hoạch vốn năm %(y)s", y=year),
        [(projects.source_label(line.source).split(" (")[0], (line.plan_total_vnd, line.disbursed_vnd))
         for line in plan],
        (_("Kế hoạch (gồm vốn chuyển sang)"), _("Đã giải ngân")), fmt=format_vnd_short)


def _category_chart(outcome: rules.Outcome) -> charts.Chart:
    return charts.columns(
        _("Số hộ theo phân loại: khi tham gia và hiện tại"),
        [(_(projects.CATEGORY_LABELS[c]), (outcome.category_counts_joining.get(c, 0),
                                           outcome.category_counts_latest.get(c, 0))) for c in projects.CATEGORIES],
        (_("Khi tham gia"), _("Bản ghi mới nhất")))


def _revenue_chart(project_ids, period) -> charts.Chart:
    months = outcomes.monthly_revenue(project_ids, period)
    return charts.columns(_("Doanh thu theo tháng (12 tháng đến cuối kỳ)"),
                          [(f"{m.month:02d}/{m.year % 100:02d}", (v,)) for m, v in months], fmt=format_vnd_short)


# ---------------------------------------------------------------- staff: projects
@bp.get("/quan-tri/du-an")
@open_to_communes
def project_list():
    period = _period()
    visible = projects.projects_for(current_user)
    figures = {o.key: o for o in outcomes.outcomes(visible, period, "project")}
    return render_template("programs/list.html", projects=visible, figures=figures, period=period,
                           no_province=current_user.role == "staff" and current_user.province_id is None)


def _project_form_page(form, project, status=200):
    return render_template("programs/form.html", form=form, project=project), status


@bp.route("/quan-tri/du-an/moi", methods=["GET", "POST"])
def project_new():
    form = ProjectEditForm(current_user)
    if request.method == "GET" and current_user.province_id:
        form.province_id.data = current_user.province_id
    if form.validate_on_submit():
        try:
            project = projects.create_project(current_user, form.to_data())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            form.form_errors.append(err.message)
            return _project_form_page(form, None, err.status_code)
        flash(_("Đã tạo dự án “%(code)s”.", code=project.code), "success")
        return redirect(url_for(".project_detail", project_id=project.id))
    return _project_form_page(form, None, 400 if form.is_submitted() else 200)


@bp.route("/quan-tri/du-an/<id:project_id>/sua", methods=["GET", "POST"])
def project_edit(project_id: int):
    project = projects.project_or_404(project_id, current_user)
    form = ProjectEditForm(current_user, obj=project)
    if not form.is_submitted():
        form.load(project)
    if form.validate_on_submit():
        try:
            projects.update_project(current_user, project, form.to_data())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            form.form_errors.append(err.message)
            return _project_form_page(form, project, err.status_code)
        flash(_("Đã lưu dự án."), "success")
        return redirect(url_for(".project_detail", project_id=project.id))
    return _project_form_page(form, project, 400 if form.is_submitted() else 200)


def _detail_page(project, period=None, status=200, **forms):
    period = period or _period()
    lines = disbursements.disbursement_lines(project)
    outcome = outcomes.outcomes([project], period, "project")[0]
    forms.setdefault("disburse_form", DisbursementForm(formdata=None))
    forms.setdefault("plan_form", CapitalPlanForm(formdata=None, year=period.budget_year))
    forms.setdefault("join_form", JoinForm(participation.candidate_producers(project), formdata=None))
    return render_template(
        "programs/detail.html", project=project, period=period, lines=lines, outcome=outcome,
        households=outcomes.household_rows(project, period),
        history=_history(project),
        revenue_chart=_revenue_chart([project.id], period), category_chart=_category_chart(outcome),
        disbursement_chart=_disbursement_chart(list(outcome.plan.values()), period.budget_year), **forms,
    ), status


def _history(project):
    entries = audit.entries_for("support_project", project.id)
    return entries, users_by_id({e.actor_id for e in entries if e.actor_id})


@bp.get("/quan-tri/du-an/<id:project_id>")
@open_to_communes
def project_detail(project_id: int):
    return _detail_page(projects.project_or_404(project_id, current_user))


def _refused(form, err: DomainError) -> int:
    db.session.rollback()
    form.form_errors.append(err.message)
    return err.status_code


@bp.post("/quan-tri/du-an/<id:project_id>/giai-ngan")
def project_disburse(project_id: int):
    project = projects.project_or_404(project_id, current_user)
    form = DisbursementForm()
    if not form.validate_on_submit():
        return _detail_page(project, status=400, disburse_form=form)
    try:
        disbursements.add_disbursement(current_user, project, form.source.data, form.disbursed_on.data,
                                       form.amount_vnd.data, form.note.data or "", plan_year=form.plan_year.data)
        db.session.commit()
    except DomainError as err:
        status = _refused(form, err)
        return _detail_page(db.session.get(type(project), project_id), status=status, disburse_form=form)
    flash(_("Đã ghi khoản giải ngân."), "success")
    return redirect(url_for(".project_detail", project_id=project.id))


@bp.post("/quan-tri/du-an/<id:project_id>/ke-hoach-von")
def project_capital_plan(project_id: int):
    project = projects.project_or_404(project_id, current_user)
    form = CapitalPlanForm()
    if not form.validate_on_submit():
        return _detail_page(project, status=400, plan_form=form)
    try:
        disbursements.set_capital_plan(current_user, project, form.year.data, form.source.data,
                                       form.planned_vnd.data, form.carried_over_vnd.data, form.decision_no.data or "")
        db.session.commit()
    except DomainError as err:
        status = _refused(form, err)
        return _detail_page(db.session.get(type(project), project_id), status=status, plan_form=form)
    flash(_("Đã lưu kế hoạch vốn năm %(y)s.", y=form.year.data), "success")
    return redirect(url_for(".project_detail", project_id=project.id, period=str(form.year.data)))


@bp.post("/quan-tri/du-an/<id:project_id>/ho-tham-gia")
def project_join(project_id: int):
    project = projects.project_or_404(project_id, current_user)
    form = JoinForm(participation.candidate_producers(project))
    if not form.validate_on_submit():
        return _detail_page(project, status=400, join_form=form)
    try:
        producer = db.session.get(Producer, form.producer_id.data)
        participation.join_project(current_user, project, producer, form.joined_on.data, form.category.data,
                                   form.baseline_income_vnd.data)
        db.session.commit()
    except DomainError as err:
        status = _refused(form, err)
        return _detail_page(db.session.get(type(project), project_id), status=status, join_form=form)
    flash(_("Đã thêm hộ vào dự án."), "success")
    return redirect(url_for(".project_detail", project_id=project.id))


def _household_page(project, part, form=None, status=200, consent_form=None):
    records = participation.records_of([part.producer_id]).get(part.producer_id, [])
    consent_by = users_by_id({part.public_consent_by_id} if part.public_consent_by_id else set())
    return render_template("programs/household.html", project=project, part=part, records=records,
                           form=form or LivelihoodForm(formdata=None), consent_by=consent_by,
                           consent_form=consent_form or ConsentForm(formdata=None, consent_on=part.public_consent_on)
                           ), status


@bp.post("/quan-tri/du-an/<id:project_id>/ho/<id:producer_id>/dong-y")
@open_to_communes
def household_consent(project_id: int, producer_id: int):
    project = projects.project_or_404(project_id, current_user)
    part = participation.participation_or_404(project, producer_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _household_page(project, part, status=400, consent_form=form)
    try:
        participation.set_public_consent(current_user, part, form.consent_on.data)
        db.session.commit()
    except DomainError as err:
        status = _refused(form, err)
        return _household_page(project, participation.participation_or_404(project, producer_id), status=status,
                               consent_form=form)
    flash(_("Đã ghi sự đồng ý công khai tên của hộ.") if form.consent_on.data else
          _("Đã rút sự đồng ý: tên hộ không còn hiện trên trang công khai."), "success")
    return redirect(url_for(".household_detail", project_id=project.id, producer_id=producer_id))


@bp.post("/quan-tri/du-an/<id:project_id>/ho/<id:producer_id>/sinh-ke")
@open_to_communes
def household_record(project_id: int, producer_id: int):
    project = projects.project_or_404(project_id, current_user)
    part = participation.participation_or_404(project, producer_id)
    form = LivelihoodForm()
    if not form.validate_on_submit():
        return _household_page(project, part, form, 400)
    try:
        participation.add_livelihood_record(current_user, part.producer, form.assessed_on.data, form.income_vnd.data,
                                            form.category.data, form.note.data or "")
        db.session.commit()
    except DomainError as err:
        status = _refused(form, err)
        return _household_page(project, part, form, status)
    flash(_("Đã ghi bản ghi sinh kế mới; các bản ghi cũ được giữ nguyên."), "success")
    return redirect(url_for(".household_detail", project_id=project.id, producer_id=producer_id))


@bp.get("/quan-tri/du-an/<id:project_id>/ho/<id:producer_id>")
@open_to_communes
def household_detail(project_id: int, producer_id: int):
    project = projects.project_or_404(project_id, current_user)
    return _household_page(project, participation.participation_or_404(project, producer_id))


@bp.get("/quan-tri/du-an/<id:project_id>/bao-cao")
@open_to_communes
def project_report(project_id: int):
    project = projects.project_or_404(project_id, current_user)
    period = _period()
    lines = disbursements.disbursement_lines(project, until=period.last_day)
    outcome = outcomes.outcomes([project], period, "project")[0]
    audit.record(current_user.id, "report.print", "support_project", project.id, period=period.key)
    db.session.commit()
    return render_template(
        "programs/report.html", project=project, period=period, lines=lines, outcome=outcome,
        households=outcomes.household_rows(project, period), today=local_today(),
        revenue_chart=_revenue_chart([project.id], period), category_chart=_category_chart(outcome),
        disbursement_chart=_disbursement_chart(list(outcome.plan.values()), period.budget_year),
    )


# ---------------------------------------------------------------- staff: dashboard and export
@bp.get("/quan-tri/du-an/ket-qua")
@open_to_communes
def dashboard():
    period = _period()
    group_by = _group_by()
    visible = projects.projects_for(current_user)
    rows = outcomes.outcomes(visible, period, group_by)
    overall = outcomes.outcomes(visible, period, "province") if visible else []
    plan = disbursements.plan_lines(visible, period.budget_year, until=period.last_day)
    total = rules.Outcome(key="all", label=_("Tất cả"))
    for o in rows:
        for k, v in o.category_counts_joining.items():
            total.category_counts_joining[k] = total.category_counts_joining.get(k, 0) + v
        for k, v in o.category_counts_latest.items():
            total.category_counts_latest[k] = total.category_counts_latest.get(k, 0) + v
    return render_template(
        "programs/dashboard.html", rows=rows, period=period, group_by=group_by, overall=overall,
        projects=visible, columns=CSV_COLUMNS, csv_variants_note=csv_export.VARIANTS_NOTE,
        revenue_chart=_revenue_chart([p.id for p in visible], period),
        category_chart=_category_chart(total), disbursement_chart=_disbursement_chart(plan, period.budget_year),
        plan=plan, apart=disbursements.apart_disbursed(visible, until=period.last_day),
    )


def csv_rows(rows: list[rules.Outcome], period: rules.Period, group_by: str) -> list[list]:
    """The export's rows as values (dates, basis points, whole đồng); csv_export writes them per variant."""
    out = []
    for o in rows:
        money = []
        for source in rules.HEADLINE_SOURCES:
            line = o.plan.get(source) or rules.PlanLine(source, period.budget_year, 0, 0, 0)
            money += [line.plan_total_vnd, line.carried_over_vnd, line.disbursed_vnd, line.rate_bp]
        breakdown = []
        for flag in rules.BREAKDOWNS:
            b = o.breakdown.get(flag) or rules.Breakdown()
            breakdown += [b.households, b.escaped_poverty, b.escaped_near_poverty, b.revenue_vnd]
        out.append([
            group_by, o.key, o.label, period.key, o.households, o.households_with_sales,
            o.first_sale_on, o.revenue_vnd, o.orders,
            o.revenue_per_household_vnd, o.active_listings, o.households_with_records,
            o.baseline_income_avg_vnd, o.latest_income_avg_vnd, o.income_change_vnd,
            o.escaped_poverty, o.poor_to_near_poor, o.escaped_near_poverty, o.fell_back, o.newly_poor,
            o.promotion_impressions, o.certificates_expiring, period.budget_year, *money,
            *(o.apart_disbursed_vnd.get(s, 0) for s in rules.APART_SOURCES), *breakdown,
            o.shipping_subsidy_vnd,
        ])
    return out


@bp.get("/quan-tri/bao-cao/outcomes.csv")
@bp.get("/admin/reports/outcomes.csv")
@open_to_communes
def outcomes_csv():
    period = _period()
    group_by = _group_by()
    variant = csv_export.variant_from(request.args)
    rows = outcomes.outcomes(projects.projects_for(current_user), period, group_by)
    audit.record(current_user.id, "report.export", "outcomes", None, period=period.key, group_by=group_by,
                 rows=len(rows), format=f"csv-{variant}")
    db.session.commit()
    return csv_export.response(CSV_COLUMNS, csv_rows(rows, period, group_by), variant,
                               f"outcomes-{period.key}-{group_by}.csv")


@bp.get("/quan-tri/bao-cao/chi-tieu.xlsx")
@open_to_communes
def indicators_xlsx():
    """The province's indicator report for the period (plan / result / rate), one sheet per province and the
    communes by code: the same Outcome figures as the dashboard and the CSV."""
    period = _period()
    visible = projects.projects_for(current_user)
    # The reporting unit is the province; for a commune officer it is their commune (its figures are all they see,
    # so a sheet titled with the province would claim more than it holds).
    unit = "commune" if current_user.is_commune_officer else "province"
    by_province = []
    for o in outcomes.outcomes(visible, period, unit):
        members = [p for p in visible if outcomes.group_key(p, unit)[0] == o.key]
        counts = indicators.project_counts([p.form for p in members], [p.target_households for p in members])
        by_province.append((o.label, indicators.indicator_rows(o, counts)))
    communes = outcomes.outcomes(visible, period, "commune") if visible else []
    body = report_xlsx.workbook(period, by_province, communes)
    audit.record(current_user.id, "report.export", "indicators", None, period=period.key, format="xlsx",
                 provinces=len(by_province))
    db.session.commit()
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="chi-tieu-{period.key}.xlsx"'})


# ---------------------------------------------------------------- staff: the commune map
def _map_province(visible) -> Province:
    """The viewer's province (staff, commune officers); admin picks one with ?province=CODE (default: the first
    with a project, else the first)."""
    code = request.args.get("province")
    if code is not None and (len(code) > 16 or not code.isascii()):
        abort(400)
    if current_user.role != "admin":
        if code is not None and current_user.province_id is not None:
            own = db.session.get(Province, current_user.province_id)
            if own is not None and own.code != code:
                abort(403)
        province = db.session.get(Province, current_user.province_id) if current_user.province_id else None
        if province is None:
            abort(403)
        return province
    if code is not None:
        province = db.session.scalar(select(Province).where(Province.code == code))
        if province is None:
            abort(404)
        return province
    if visible:
        return visible[0].province
    first = db.session.scalar(select(Province).order_by(Province.name))
    if first is None:
        abort(404)
    return first


@bp.get("/quan-tri/du-an/ban-do")
@open_to_communes
def commune_map():
    """Outcomes per commune on a schematic map of the province (communes.py says why schematic): one square per
    commune, coloured by the chosen figure, communes with no mobile or radio signal flagged."""
    period = _period()
    figure = request.args.get("figure") or "households"
    if figure not in communes.MAP_FIGURES:
        abort(400, description=_("Chỉ tiêu tô màu không hợp lệ."))
    visible = projects.projects_for(current_user)
    province = _map_province(visible)
    members = [p for p in visible if p.province_id == province.id]
    rows = outcomes.outcomes(members, period, "commune") if members else []
    commune_map = communes.schematic_map(province, communes.communes_of(province.id), rows, figure)
    provinces = list(db.session.scalars(select(Province).order_by(Province.name))) \
        if current_user.role == "admin" else []
    return render_template("programs/commune_map.html", map=commune_map, period=period, figure=figure,
                           figures=communes.MAP_FIGURES, provinces=provinces, levels=communes.LEVELS)


# ---------------------------------------------------------------- public
@public_bp.get("/du-an/<code>")
def public_project(code: str):
    if len(code) > 32:
        abort(404)
    project = projects.public_project(code)
    return render_template("programs/public.html", project=project, figures=outcomes.public_figures(project))


# ---------------------------------------------------------------- plugging into the app
def _template_helpers() -> dict:
    return {
        "program_source_label": projects.source_label,
        "program_category_label": lambda c: _(projects.CATEGORY_LABELS.get(c, c)),
        "program_form_label": lambda f: _(projects.FORM_LABELS.get(f, f)),
        "program_status_label": lambda s: _(projects.STATUS_LABELS.get(s, s)),
        "program_move_label": lambda m: _(projects.MOVE_LABELS.get(m, m)),
    }


@bp.record_once
def _plug_in(state) -> None:
    # The catalog's importer and product page reach the projects through signals and a slot (listings.init_app);
    # the staff product form shows the project select through the template helpers.
    listings.init_app(state.app)
    # Checkout (orders, below) prices, spends and gives back shipping subsidies through signals (subsidies.py).
    subsidies.init_app(state.app)
    state.app.jinja_env.globals.update(_template_helpers())
