"""Disbursements (giải ngân) against a project's budget per source, never above it; the yearly capital plans
(kế hoạch vốn năm, with carry-over) the official rates are measured against.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..errors import InvalidInput
from ..extensions import db
from ..money import format_number
from ..timeutil import local_today
from . import rules
from .models import (
    BudgetSource,
    CapitalPlan,
    Disbursement,
    PlanSource,
    SupportProject,
)
from .projects import check_amount, disbursed_by_source, require_scope, source_label


def _lock(project: SupportProject) -> None:
    # On PostgreSQL two disbursements of one project wait for each other, so the budget check holds;
    # SQLite lets only one writer in at a time anyway.
    db.session.execute(select(SupportProject.id).where(SupportProject.id == project.id).with_for_update())
    db.session.refresh(project, attribute_names=["disbursements"])


def add_disbursement(actor, project: SupportProject, source: str, disbursed_on: dt.date, amount_vnd: int,
                     note: str = "", plan_year: int | None = None) -> Disbursement:
    """`plan_year`: whose year's capital this is; by default the payment's own year."""
    require_scope(actor, project.province_id)
    if source not in set(BudgetSource):
        raise InvalidInput(_("Nguồn vốn không hợp lệ."))
    check_amount(amount_vnd, _("Số tiền giải ngân"), 1)
    if disbursed_on is None:
        raise InvalidInput(_("Vui lòng nhập ngày giải ngân."))
    if disbursed_on > local_today():
        raise InvalidInput(_("Ngày giải ngân không thể ở tương lai."))
    earliest = project.decision_date or project.start_on
    if disbursed_on < earliest:
        raise InvalidInput(_("Ngày giải ngân không thể trước ngày phê duyệt/bắt đầu dự án (%(d)s).",
                             d=earliest.strftime("%d/%m/%Y")))
    allowed = rules.plan_years_for(disbursed_on)
    plan_year = allowed[0] if plan_year is None else plan_year
    if plan_year not in allowed:
        raise InvalidInput(_("Khoản chi ngày %(d)s chỉ thuộc kế hoạch vốn năm %(years)s.",
                             d=disbursed_on.strftime("%d/%m/%Y"), years=" hoặc ".join(str(y) for y in allowed)))
    _lock(project)
    plan = plan_lines(project, plan_year, sources=[source]) if source in set(PlanSource) else []
    try:
        rules.check_against_plan(plan[0] if plan else None, amount_vnd)
    except rules.OverPlan as exc:
        raise InvalidInput(_(
            "Khoản giải ngân vượt kế hoạch vốn năm %(year)s nguồn %(source)s (kể cả vốn chuyển sang): kế hoạch "
            "%(plan)s đồng, đã giải ngân %(done)s đồng, chỉ còn %(left)s đồng.", year=exc.year,
            source=source_label(source), plan=format_number(exc.plan_total), done=format_number(exc.already),
            left=format_number(exc.remaining))) from exc
    try:
        rules.check_disbursement(project.budget_of(source), disbursed_by_source(project).get(source, 0), amount_vnd,
                                 source)
    except rules.OverBudget as exc:
        raise InvalidInput(_(
            "Khoản giải ngân vượt dự toán nguồn %(source)s: dự toán %(budget)s đồng, đã giải ngân %(done)s đồng, "
            "chỉ còn %(left)s đồng.", source=source_label(source), budget=format_number(exc.budget),
            done=format_number(exc.already), left=format_number(exc.remaining))) from exc
    entry = Disbursement(project=project, source=source, disbursed_on=disbursed_on, plan_year=plan_year,
                         amount_vnd=amount_vnd, note=(note or "").strip()[:200], created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor.id, "project.disburse", "support_project", project.id, source=source,
                 amount_vnd=amount_vnd, disbursed_on=disbursed_on.isoformat(), plan_year=plan_year,
                 disbursement_id=entry.id)
    return entry


def disbursement_lines(project: SupportProject, until: dt.date | None = None) -> list[rules.SourceLine]:
    """Every source against the project's multi-year budget."""
    return rules.disbursement_table(
        {b.source: b.amount_vnd for b in project.budgets},
        [(d.source, d.disbursed_on, d.amount_vnd) for d in project.disbursements],
        [s.value for s in BudgetSource], until)


def plans_of(projects: list[SupportProject]) -> dict[tuple[int, str], tuple[int, int]]:
    """(year, source) -> (planned, carried over), summed over the projects."""
    out: dict[tuple[int, str], tuple[int, int]] = {}
    for project in projects:
        for p in project.capital_plans:
            planned, carried = out.get((p.year, p.source), (0, 0))
            out[(p.year, p.source)] = (planned + p.planned_vnd, carried + p.carried_over_vnd)
    return out


def plan_lines(project_or_projects, year: int, until: dt.date | None = None,
               sources=rules.HEADLINE_SOURCES) -> list[rules.PlanLine]:
    """The headline: each state-budget source's year plan (with carry-over) and what was paid out of it up to
    `until`, for one project or summed over several."""
    projects = project_or_projects if isinstance(project_or_projects, list) else [project_or_projects]
    return rules.annual_lines(
        plans_of(projects),
        [(d.source, d.plan_year, d.disbursed_on, d.amount_vnd) for p in projects for d in p.disbursements],
        year, until, sources)


def apart_disbursed(projects: list[SupportProject], until: dt.date | None = None) -> dict[str, int]:
    """Loans and contributions paid out up to `until`: shown beside the headline, never inside it."""
    out = {s: 0 for s in rules.APART_SOURCES}
    for p in projects:
        for d in p.disbursements:
            if d.source in out and (until is None or d.disbursed_on <= until):
                out[d.source] += d.amount_vnd
    return out


MIN_YEAR, MAX_YEAR = 2000, 2100


def set_capital_plan(actor, project: SupportProject, year: int, source: str, planned_vnd: int,
                     carried_over_vnd: int | None = None, decision_no: str = "") -> CapitalPlan:
    """Enter or correct a year's capital plan of one state-budget source. Carry-over left empty (None) takes what
    the previous year's plan left unspent at its cut-off."""
    require_scope(actor, project.province_id)
    if source not in set(PlanSource):
        raise InvalidInput(_("Kế hoạch vốn năm chỉ áp dụng cho ngân sách trung ương và ngân sách địa phương."))
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(_("Năm kế hoạch không hợp lệ."))
    if not project.start_on.year <= year <= project.end_on.year + 1:
        raise InvalidInput(_("Năm kế hoạch phải trong thời gian dự án (%(a)s–%(b)s).", a=project.start_on.year,
                             b=project.end_on.year + 1))
    check_amount(planned_vnd, _("Vốn giao trong năm"))
    if carried_over_vnd is None:
        previous = plan_lines(project, year - 1, sources=[source])[0]
        carried_over_vnd = previous.unspent_vnd
    check_amount(carried_over_vnd, _("Vốn năm trước chuyển sang"))
    existing = next((p for p in project.capital_plans if (p.year, p.source) == (year, source)), None)
    assigned = sum(p.planned_vnd for p in project.capital_plans if p.source == source and p is not existing)
    budget = project.budget_of(source)
    if assigned + planned_vnd > budget:
        raise InvalidInput(_("Tổng vốn giao các năm của nguồn %(source)s vượt tổng vốn dự án: tổng vốn %(budget)s "
                             "đồng, các năm khác đã giao %(done)s đồng.", source=source_label(source),
                             budget=format_number(budget), done=format_number(assigned)))
    done = plan_lines(project, year, sources=[source])[0].disbursed_vnd
    if planned_vnd + carried_over_vnd < done:
        raise InvalidInput(_("Kế hoạch vốn năm %(year)s không thể thấp hơn số đã giải ngân từ kế hoạch này "
                             "(%(done)s đồng).", year=year, done=format_number(done)))
    before = None if existing is None else [existing.planned_vnd, existing.carried_over_vnd]
    if existing is None:
        existing = CapitalPlan(project=project, year=year, source=source, created_by_id=actor.id)
        db.session.add(existing)
    existing.planned_vnd, existing.carried_over_vnd = planned_vnd, carried_over_vnd
    existing.decision_no = (decision_no or "").strip()[:64]
    db.session.flush()
    audit.record(actor.id, "project.capital_plan", "support_project", project.id, year=year, source=source,
                 planned_vnd=planned_vnd, carried_over_vnd=carried_over_vnd, before=before,
                 decision_no=existing.decision_no)
    return existing
