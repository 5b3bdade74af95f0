"""Programme pages. Staff (guarded blueprint): projects, disbursements, households, livelihood records, the
outcome dashboard, the CSV export and a printable report. Public: a project page with aggregates only."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import audit
from ..accounts.permissions import STAFF_ROLES, guard_blueprint
from ..accounts.services import users_by_id
from ..catalog.models import Producer
from ..errors import DomainError
from ..extensions import db
from ..text import spreadsheet_cell
from ..timeutil import local_today
from . import charts, disbursements, listings, outcomes, participation, projects, rules
from .forms import DisbursementForm, JoinForm, LivelihoodForm, ProjectEditForm
from .models import BudgetSource

bp = Blueprint("staff_programs", __name__)
guard_blueprint(bp, *STAFF_ROLES)
public_bp = Blueprint("programs", __name__)

#: the export's columns, in order (documented in README and on the dashboard)
CSV_COLUMNS = (
    ("group_by", "project | commune | province"),
    ("group_key", _l("mã dự án; tỉnh/xã; mã tỉnh")),
    ("group_name", _l("tên dự án, xã hoặc tỉnh")),
    ("period", _l("kỳ báo cáo, ví dụ 2026-Q4")),
    ("households", _l("số hộ tham gia (đã tham gia trước cuối kỳ)")),
    ("households_with_sales", _l("số hộ có ít nhất một đơn đã giao trong kỳ")),
    ("first_sale_on", _l("ngày bán đầu tiên sớm nhất trong nhóm (YYYY-MM-DD)")),
    ("revenue_vnd", _l("doanh thu hàng hoá của đơn đã giao/hoàn tất trong kỳ, đồng, không gồm phí vận chuyển")),
    ("orders", _l("số đơn của hộ sản xuất đã giao trong kỳ")),
    ("revenue_per_household_vnd", _l("doanh thu / số hộ tham gia, làm tròn xuống")),
    ("active_listings", _l("số sản phẩm đang hiển thị công khai")),
    ("households_with_records", _l("số hộ có bản ghi sinh kế từ khi tham gia đến cuối kỳ")),
    ("baseline_income_avg_vnd", _l("thu nhập bình quân đầu người/tháng khi tham gia (các hộ có bản ghi)")),
    ("latest_income_avg_vnd", _l("thu nhập bình quân theo bản ghi mới nhất đến cuối kỳ")),
    ("income_change_vnd", _l("chênh lệch thu nhập bình quân")),
    ("poor_to_near_poor", _l("số hộ từ nghèo chuyển sang cận nghèo")),
    ("escaped", _l("số hộ nghèo/cận nghèo đã thoát nghèo")),
    ("promotion_impressions", _l("lượt hiển thị quảng bá miễn phí trong kỳ")),
    ("certificates_expiring_90d", _l("chứng nhận OCOP hết hạn trong 90 ngày tới (tính từ hôm nay)")),
    ("budget_vnd", _l("tổng vốn các nguồn, đồng")),
    ("disbursed_vnd", _l("đã giải ngân đến cuối kỳ, đồng")),
    ("disbursement_rate_pct", _l("tỷ lệ giải ngân, %, hai chữ số thập phân")),
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
        abort(400, description=_("Kỳ báo cáo không hợp lệ (ví dụ 2026, 2026-Q4, 2026-10)."))


def _group_by() -> str:
    value = request.args.get("group_by") or "project"
    if value not in outcomes.GROUP_BY:
        abort(400)
    return value


def _disbursement_chart(lines) -> charts.Chart:
    return charts.paired_chart(
        _("Giải ngân so với kế hoạch vốn"),
        [(projects.source_label(line.source).split(" (")[0], line.budget_vnd, line.disbursed_vnd) for line in lines],
        (_("Kế hoạch"), _("Đã giải ngân")))


def _category_chart(outcome: rules.Outcome) -> charts.Chart:
    return charts.paired_chart(
        _("Số hộ theo phân loại: khi tham gia và hiện tại"),
        [(_(projects.CATEGORY_LABELS[c]), outcome.category_counts_joining.get(c, 0),
          outcome.category_counts_latest.get(c, 0)) for c in projects.CATEGORIES],
        (_("Khi tham gia"), _("Bản ghi mới nhất")), money=False)


def _revenue_chart(project_ids, period) -> charts.Chart:
    months = outcomes.monthly_revenue(project_ids, period)
    return charts.bar_chart(_("Doanh thu theo tháng (12 tháng đến cuối kỳ)"),
                            [(f"{m.month:02d}/{m.year % 100:02d}", v) for m, v in months])


# ---------------------------------------------------------------- staff: projects
@bp.get("/quan-tri/du-an")
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
    lines, total = disbursements.disbursement_lines(project)
    outcome = outcomes.outcomes([project], period, "project")[0]
    forms.setdefault("disburse_form", DisbursementForm(formdata=None))
    forms.setdefault("join_form", JoinForm(participation.candidate_producers(project), formdata=None))
    return render_template(
        "programs/detail.html", project=project, period=period, lines=lines, total=total, outcome=outcome,
        households=outcomes.household_rows(project, period),
        history=_history(project),
        revenue_chart=_revenue_chart([project.id], period), category_chart=_category_chart(outcome),
        disbursement_chart=_disbursement_chart(lines), **forms,
    ), status


def _history(project):
    entries = audit.entries_for("support_project", project.id)
    return entries, users_by_id({e.actor_id for e in entries if e.actor_id})


@bp.get("/quan-tri/du-an/<id:project_id>")
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
                                       form.amount_vnd.data, form.note.data or "")
        db.session.commit()
    except DomainError as err:
        status = _refused(form, err)
        return _detail_page(db.session.get(type(project), project_id), status=status, disburse_form=form)
    flash(_("Đã ghi khoản giải ngân."), "success")
    return redirect(url_for(".project_detail", project_id=project.id))


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


def _household_page(project, part, form=None, status=200):
    records = participation.records_of([part.producer_id]).get(part.producer_id, [])
    return render_template("programs/household.html", project=project, part=part, records=records,
                           form=form or LivelihoodForm(formdata=None)), status


@bp.post("/quan-tri/du-an/<id:project_id>/ho/<id:producer_id>/sinh-ke")
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
def household_detail(project_id: int, producer_id: int):
    project = projects.project_or_404(project_id, current_user)
    return _household_page(project, participation.participation_or_404(project, producer_id))


@bp.get("/quan-tri/du-an/<id:project_id>/bao-cao")
def project_report(project_id: int):
    project = projects.project_or_404(project_id, current_user)
    period = _period()
    lines, total = disbursements.disbursement_lines(project, until=period.last_day)
    outcome = outcomes.outcomes([project], period, "project")[0]
    audit.record(current_user.id, "report.print", "support_project", project.id, period=period.key)
    db.session.commit()
    return render_template(
        "programs/report.html", project=project, period=period, lines=lines, total=total, outcome=outcome,
        households=outcomes.household_rows(project, period), today=local_today(),
        revenue_chart=_revenue_chart([project.id], period), category_chart=_category_chart(outcome),
        disbursement_chart=_disbursement_chart(lines),
    )


# ---------------------------------------------------------------- staff: dashboard and export
@bp.get("/quan-tri/du-an/ket-qua")
def dashboard():
    period = _period()
    group_by = _group_by()
    visible = projects.projects_for(current_user)
    rows = outcomes.outcomes(visible, period, group_by)
    overall = outcomes.outcomes(visible, period, "province") if visible else []
    lines_all = [disbursements.disbursement_lines(p, until=period.last_day) for p in visible]
    plan = {s.value: sum(ls[0][i].budget_vnd for ls in lines_all) for i, s in enumerate(BudgetSource)}
    done = {s.value: sum(ls[0][i].disbursed_vnd for ls in lines_all) for i, s in enumerate(BudgetSource)}
    source_lines = [rules.SourceLine(s.value, plan[s.value], done[s.value]) for s in BudgetSource]
    total = rules.Outcome(key="all", label=_("Tất cả"))
    for o in rows:
        for k, v in o.category_counts_joining.items():
            total.category_counts_joining[k] = total.category_counts_joining.get(k, 0) + v
        for k, v in o.category_counts_latest.items():
            total.category_counts_latest[k] = total.category_counts_latest.get(k, 0) + v
    return render_template(
        "programs/dashboard.html", rows=rows, period=period, group_by=group_by, overall=overall,
        projects=visible, columns=CSV_COLUMNS,
        revenue_chart=_revenue_chart([p.id for p in visible], period),
        category_chart=_category_chart(total), disbursement_chart=_disbursement_chart(source_lines),
    )


def csv_rows(rows: list[rules.Outcome], period: rules.Period, group_by: str) -> list[list]:
    out = []
    for o in rows:
        rate = o.disbursement_rate_bp
        out.append([
            group_by, o.key, o.label, period.key, o.households, o.households_with_sales,
            o.first_sale_on.isoformat() if o.first_sale_on else "", o.revenue_vnd, o.orders,
            o.revenue_per_household_vnd, o.active_listings, o.households_with_records,
            "" if o.baseline_income_avg_vnd is None else o.baseline_income_avg_vnd,
            "" if o.latest_income_avg_vnd is None else o.latest_income_avg_vnd,
            "" if o.income_change_vnd is None else o.income_change_vnd,
            o.poor_to_near_poor, o.escaped, o.promotion_impressions, o.certificates_expiring,
            o.budget_vnd, o.disbursed_vnd, "" if rate is None else f"{rate // 100}.{rate % 100:02d}",
        ])
    return out


@bp.get("/quan-tri/bao-cao/outcomes.csv")
@bp.get("/admin/reports/outcomes.csv")
def outcomes_csv():
    period = _period()
    group_by = _group_by()
    rows = outcomes.outcomes(projects.projects_for(current_user), period, group_by)
    buf = io.StringIO()
    buf.write("\ufeff")  # spreadsheet programs read the file as UTF-8 only with a BOM
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c for c, _doc in CSV_COLUMNS])
    for row in csv_rows(rows, period, group_by):
        # A name starting with = + - @, a tab or a carriage return would run as a formula in a spreadsheet.
        writer.writerow([spreadsheet_cell(v) for v in row])
    audit.record(current_user.id, "report.export", "outcomes", None, period=period.key, group_by=group_by,
                 rows=len(rows))
    db.session.commit()
    filename = f"outcomes-{period.key}-{group_by}.csv"
    return Response(buf.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Content-Type": "text/csv; charset=utf-8"})


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
        "program_rate": rules.format_rate,
    }


@bp.record_once
def _plug_in(state) -> None:
    # The catalog's importer and product page reach the projects through signals and a slot (listings.init_app);
    # the staff product form shows the project select through the template helpers.
    listings.init_app(state.app)
    state.app.jinja_env.globals.update(_template_helpers())
