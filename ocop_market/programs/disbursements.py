"""Disbursements (giải ngân) against a project's budget per source, never above it.
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
    Disbursement,
    SupportProject,
)
from .projects import check_amount, disbursed_by_source, require_scope, source_label


def _lock(project: SupportProject) -> None:
    # On PostgreSQL two disbursements of one project wait for each other, so the budget check holds;
    # SQLite lets only one writer in at a time anyway.
    db.session.execute(select(SupportProject.id).where(SupportProject.id == project.id).with_for_update())
    db.session.refresh(project, attribute_names=["disbursements"])


def add_disbursement(actor, project: SupportProject, source: str, disbursed_on: dt.date, amount_vnd: int,
                     note: str = "") -> Disbursement:
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
    _lock(project)
    try:
        rules.check_disbursement(project.budget_of(source), disbursed_by_source(project).get(source, 0), amount_vnd,
                                 source)
    except rules.OverBudget as exc:
        raise InvalidInput(_(
            "Khoản giải ngân vượt dự toán nguồn %(source)s: dự toán %(budget)s đồng, đã giải ngân %(done)s đồng, "
            "chỉ còn %(left)s đồng.", source=source_label(source), budget=format_number(exc.budget),
            done=format_number(exc.already), left=format_number(exc.remaining))) from exc
    entry = Disbursement(project=project, source=source, disbursed_on=disbursed_on, amount_vnd=amount_vnd,
                         note=(note or "").strip()[:200], created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor.id, "project.disburse", "support_project", project.id, source=source,
                 amount_vnd=amount_vnd, disbursed_on=disbursed_on.isoformat(), disbursement_id=entry.id)
    return entry


def disbursement_lines(project: SupportProject, until: dt.date | None = None):
    return rules.disbursement_table(
        {b.source: b.amount_vnd for b in project.budgets},
        [(d.source, d.disbursed_on, d.amount_vnd) for d in project.disbursements],
        [s.value for s in BudgetSource], until)
