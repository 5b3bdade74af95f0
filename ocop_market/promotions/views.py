"""Promotion pages: public (rules, transparency, tagged click), producer requests, staff desk, JSON API."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import csv_export
from ..accounts.models import Role
from ..accounts.permissions import STAFF_ROLES, guard_blueprint
from ..catalog import services as catalog
from ..csv_export import Column, Kind
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..routing import parse_whole
from ..templating import current_lang
from . import allocation, draws, eligibility, live, placements, report, requests, rules, tracking
from . import slots as promotion_slots
from .cli import promotions_cli
from .forms import AllocateForm, PinForm, RemoveForm, RequestForm, SettingsForm
from .models import WeekState

bp = Blueprint("promotions", __name__)
producer_bp = Blueprint("producer_promotions", __name__, url_prefix="/gian-hang/quang-ba")
staff_bp = Blueprint("staff_promotions", __name__, url_prefix="/quan-tri/quang-ba")
guard_blueprint(producer_bp, Role.PRODUCER)
guard_blueprint(staff_bp, *STAFF_ROLES)

WEEK_STATE_LABELS = {
    WeekState.WAITING: "Đang chờ phân bổ",
    WeekState.ALLOCATED: "Đã phân bổ",
    WeekState.NOT_ALLOCATED: "Không được phân bổ",
}


@bp.app_context_processor
def _labels():
    return {
        "week_state_label": lambda s: _(WEEK_STATE_LABELS.get(s, s)),
        "promotion_reason": placements.reason_text,
        "placement_label": placements.placement_label,
    }


def week_dates(code: str) -> str:
    """A promotion week as the days it covers, in the reader's language ("07/12 – 13/12/2026"). Producers and
    the public read weeks this way; the ISO code ("2026-W50") stays for staff pages, URLs and files (issue 14)."""
    return rules.week_dates_text(code, current_lang())


@bp.record_once
def _week_dates_everywhere(state):
    # A global, not a context processor: messages are rendered outside any request (messaging.rendering).
    state.app.jinja_env.globals["week_dates"] = week_dates


def _week_arg(default: str | None = None) -> str:
    week = request.args.get("week") or default or placements.current_week()
    try:
        rules.parse_week(week)
    except rules.BadWeek:
        abort(400)
    return week


# ---------------------------------------------------------------- public
@bp.get("/quang-ba/quy-dinh")
def rules_page():
    return render_template("promotions/rules.html", settings=placements.get_settings(),
                           placements=placements.placements(), defaults=placements.DEFAULT_CAPACITY,
                           current_week=placements.current_week())


@bp.get("/quang-ba/minh-bach")
def transparency():
    week = _week_arg()
    runs = report.recent_runs()
    allocations = allocation.week_allocations(week)
    return render_template("promotions/transparency.html", week=week, run=allocation.week_run(week),
                           allocations=allocations, runs=runs,
                           nameable=draws.nameable_producers({a.producer_id for a in allocations}),
                           prev_week=rules.add_weeks(week, -1), next_week=rules.add_weeks(week, 1))


def _published(week: str) -> draws.PublishedWeek:
    placements.check_week(week)
    return draws.published_week(week)


@bp.get("/quang-ba/boc-tham/<week>")
def draw_outcomes(week: str):
    """Every request of a drawn week, its outcome and the lottery's inputs; before the draw, the commitment only."""
    published = _published(week)
    names = {p.id: placements.placement_label(p) for p in placements.placements()}
    return render_template("promotions/draw_outcomes.html", week=week, p=published, placement_names=names,
                           csv_variants_note=csv_export.VARIANTS_NOTE,
                           prev_week=rules.add_weeks(week, -1), next_week=rules.add_weeks(week, 1))


@bp.get("/quang-ba/boc-tham/<week>.json")
def draw_outcomes_json(week: str):
    published = _published(week)
    document = draws.public_document(published)
    if document is None:
        abort(404)
    response = jsonify(document)
    response.headers["Content-Disposition"] = f'attachment; filename="boc-tham-{week}.json"'
    return response


_OUTCOME_WORDS = {"allocated": _l("Được chọn"), "not_allocated": _l("Không được chọn")}

#: the draw's columns: the JSON document's request fields, in order (the machine variant's headings are those names)
CSV_COLUMNS = (
    Column("key", _l("Mã đăng ký")),
    Column("product_id", _l("Mã sản phẩm"), Kind.INTEGER),
    Column("product", _l("Sản phẩm")),
    Column("producer", _l("Mã cơ sở trong tuần")),
    Column("producer_name", _l("Tên cơ sở")),
    Column("group_id", _l("Mã nhóm sản phẩm"), Kind.INTEGER),
    Column("tier", _l("Bậc ưu tiên"), Kind.INTEGER),
    Column("eligible", _l("Đủ điều kiện"), Kind.BOOLEAN),
    Column("quarter_used", _l("Số lượt đã dùng trong quý"), Kind.INTEGER),
    Column("week_used", _l("Số lượt đã dùng trong tuần"), Kind.INTEGER),
    Column("ticket", _l("Số thăm")),
    Column("outcome", _l("Kết quả"), words=lambda code: str(_OUTCOME_WORDS.get(code, code))),
    Column("reason", _l("Lý do"), words=lambda code: str(placements.reason_text(code))),
    Column("placement_id", _l("Mã vị trí quảng bá"), Kind.INTEGER),
    Column("position", _l("Vị trí"), Kind.INTEGER),
    Column("rank", _l("Thứ tự"), Kind.INTEGER),
)


@bp.get("/quang-ba/boc-tham/<week>.csv")
def draw_outcomes_csv(week: str):
    variant = csv_export.variant_from(request.args)
    document = draws.public_document(_published(week))
    if document is None:
        abort(404)
    rows = ([r.get(c.key) for c in CSV_COLUMNS] for r in document["requests"])
    return csv_export.response(CSV_COLUMNS, rows, variant, f"boc-tham-{week}.csv")


@bp.get("/qc/<id:allocation_id>")
def click(allocation_id: int):
    """A tagged link: count the click of a live promotion, remember it for attribution, go to the listing."""
    allocation = live.live_allocation(allocation_id)
    if allocation is None:
        abort(404)
    response = redirect(url_for("catalog.product_detail", slug=allocation.product.slug))
    if tracking.count_click(allocation):
        tracking.remember_click(response, allocation, placements.get_settings().attribution_days)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- producer
def _own_products():
    producer = catalog.producer_of(current_user)
    return producer, (producer.products if producer else [])


@producer_bp.route("/", methods=["GET", "POST"])
def requests_page():
    producer, products = _own_products()
    if producer is None:
        return redirect(url_for("producer.onboarding"))
    form = RequestForm()
    form.product_id.choices = [SelectChoice(0, _("— Chọn sản phẩm —"))] + [
        SelectChoice(p.id, p.name) for p in products if p.status == "approved"]
    week_choices = requests.request_week_choices()
    form.weeks.choices = [SelectChoice(w, week_dates(w)) for w in week_choices]
    status = 200
    if form.validate_on_submit():
        try:
            requests.request_promotion(current_user, form.product_id.data, list(form.weeks.data))
        except DomainError as err:
            db.session.rollback()
            form.form_errors.append(err.message)
            status = err.status_code
        else:
            db.session.commit()
            flash(_("Đã gửi đăng ký quảng bá. Kết quả phân bổ sẽ hiện ở đây."), "success")
            return redirect(url_for(".requests_page"))
    elif form.is_submitted():
        status = 400
    problems = {p.id: eligibility.problems_of(p) for p in products if p.status == "approved"}
    return render_template("promotions/producer_requests.html", form=form, producer=producer,
                           requests=requests.requests_of(current_user), problems=problems,
                           products={p.id: p for p in products}), status


# ---------------------------------------------------------------- staff
@staff_bp.get("/")
def desk():
    week = _week_arg()
    return render_template(
        "promotions/staff_week.html", week=week, run=allocation.week_run(week), commitment=draws.week_lottery(week),
        allocations=allocation.week_allocations(week), waiting=report.waiting_requests(week),
        allocate_form=AllocateForm(), pin_form=_pin_form(), remove_form=RemoveForm(),
        prev_week=rules.add_weeks(week, -1), next_week=rules.add_weeks(week, 1),
    )


def _pin_form() -> PinForm:
    form = PinForm()
    form.placement_id.choices = [SelectChoice(p.id, f"{placements.placement_label(p)} ({p.capacity})") for p in placements.placements()]
    return form


@staff_bp.post("/<week>/phan-bo")
def allocate(week: str):
    form = AllocateForm()
    if not form.validate_on_submit():
        abort(400)
    placements.check_week(week)
    result = allocation.allocate_week(week, current_user)
    db.session.commit()
    if result.ran_now:
        flash(_("Đã phân bổ tuần %(w)s: %(a)s vị trí, %(r)s yêu cầu không được phân bổ.", w=week,
                a=result.allocated, r=result.refused), "success")
    else:
        flash(_("Tuần %(w)s đã được phân bổ trước đó; không có gì thay đổi.", w=week), "info")
    return redirect(url_for(".desk", week=week))


@staff_bp.post("/<week>/ghim")
def pin(week: str):
    placements.check_week(week)
    form = _pin_form()
    if not form.validate_on_submit():
        raise InvalidInput("; ".join(str(e) for errs in form.errors.values() for e in errs))
    allocation.pin(current_user, week, form.placement_id.data, form.product_id.data, form.reason.data)
    db.session.commit()
    flash(_("Đã ghim sản phẩm vào vị trí."), "success")
    return redirect(url_for(".desk", week=week))


@staff_bp.post("/vi-tri/<id:allocation_id>/go")
def remove(allocation_id: int):
    form = RemoveForm()
    if not form.validate_on_submit():
        raise InvalidInput("; ".join(str(e) for errs in form.errors.values() for e in errs))
    removed = allocation.remove(current_user, allocation_id, form.reason.data)
    db.session.commit()
    flash(_("Đã gỡ sản phẩm khỏi vị trí."), "success")
    return redirect(url_for(".desk", week=removed.week))


def _capacities(placements) -> dict[int, int]:
    values = {}
    for p in placements:
        capacity = parse_whole(request.form.get(f"capacity-{p.id}"), 0, 48)
        if capacity is None:
            raise InvalidInput(_("Sức chứa của mỗi vị trí phải là số nguyên từ 0 đến 48."))
        values[p.id] = capacity
    return values


@staff_bp.route("/cai-dat", methods=["GET", "POST"])
def settings_page():
    settings = placements.get_settings()
    form = SettingsForm(obj=settings)
    rows = placements.placements()
    status = 200
    if form.validate_on_submit():
        try:
            capacities = _capacities(rows)
            placements.update_settings(current_user, {f: getattr(form, f).data for f in placements.SETTING_FIELDS},
                                       capacities)
        except DomainError as err:
            db.session.rollback()
            form.form_errors.append(err.message)
            status = err.status_code
        else:
            db.session.commit()
            flash(_("Đã lưu quy định quảng bá."), "success")
            return redirect(url_for(".settings_page"))
    elif form.is_submitted():
        status = 400
    return render_template("promotions/staff_settings.html", form=form, placements=placements.placements()), status


@staff_bp.get("/bao-cao")
def effect_report():
    weeks = parse_whole(request.args.get("weeks", "8"), 1, 52)
    if weeks is None:
        abort(400)
    data = report.effect_report(weeks)
    return render_template("promotions/staff_report.html", r=data, weeks=weeks)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(producer_bp)
    app.register_blueprint(staff_bp)
    tracking.init_app(app)
    promotion_slots.init_app(app)
    app.cli.add_command(promotions_cli)
