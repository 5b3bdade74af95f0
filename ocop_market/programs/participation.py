"""Households taking part in a project and their livelihood records (income, poverty category) over time.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..catalog import households
from ..catalog.models import AssessmentSource, HouseholdAssessment, Producer, Product
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..routing import is_id
from ..timeutil import local_today
from . import rules
from .models import (
    Participation,
    SupportProject,
)
from .projects import CATEGORIES, CATEGORY_LABELS, check_amount, require_household_scope, require_scope


# ---------------------------------------------------------------- households
def _check_income(value) -> int:
    return check_amount(value, _("Thu nhập bình quân đầu người/tháng"), 0, rules.MAX_INCOME_VND)


def candidate_producers(project: SupportProject) -> list[Producer]:
    """Households of the project's province not yet taking part."""
    joined = select(Participation.producer_id).where(Participation.project_id == project.id)
    return list(db.session.scalars(
        select(Producer).where(Producer.province_id == project.province_id, Producer.id.not_in(joined))
        .order_by(Producer.name)
    ))


def category_history(producer: Producer, before: dt.date) -> list[tuple[dt.date, str]]:
    """The household's known categories before `before`: its livelihood records and the categories it joined
    projects with, oldest first."""
    rows = [(a.assessed_on, a.category) for a in producer.assessments if a.assessed_on < before]
    return sorted(rows + joining_categories(producer, before))


def joining_categories(producer: Producer, before: dt.date) -> list[tuple[dt.date, str]]:
    """The categories the household joined projects with (what the programmes add to the registry's history)."""
    return [(d, c) for d, c in db.session.execute(
        select(Participation.joined_on, Participation.category_at_joining).where(
            Participation.producer_id == producer.id, Participation.joined_on < before)).tuples()]


def _check_escaped(producer: Producer, category: str, on: dt.date) -> None:
    if category == rules.ESCAPED:
        history = category_history(producer, on)
        if not rules.escaped_allowed(history, on):
            raise InvalidInput(_(
                "“Hộ mới thoát nghèo” chỉ dành cho hộ đã là hộ nghèo trong %(n)s tháng trước; hộ này trước đó là "
                "“%(prev)s”. Hộ cận nghèo có thu nhập trên chuẩn cận nghèo là “Không thuộc diện” (thoát cận nghèo).",
                n=rules.ESCAPED_MONTHS, prev=_(CATEGORY_LABELS.get(history[-1][1], history[-1][1]))))


def join_project(actor, project: SupportProject, producer: Producer | None, joined_on: dt.date,
                 category: str, baseline_income_vnd: int) -> Participation:
    require_scope(actor, project.province_id)
    if producer is None:
        raise InvalidInput(_("Vui lòng chọn hộ tham gia."))
    if producer.province_id != project.province_id:
        raise InvalidInput(_("Hộ này không ở tỉnh của dự án."))
    if category not in CATEGORIES:
        raise InvalidInput(_("Phân loại hộ không hợp lệ."))
    _check_income(baseline_income_vnd)
    if joined_on is None:
        raise InvalidInput(_("Vui lòng nhập ngày tham gia."))
    if joined_on > local_today():
        raise InvalidInput(_("Ngày tham gia không thể ở tương lai."))
    if joined_on > project.end_on:
        raise InvalidInput(_("Ngày tham gia phải trước ngày kết thúc dự án."))
    _check_escaped(producer, category, joined_on)
    if db.session.scalar(select(Participation.id).where(Participation.project_id == project.id,
                                                        Participation.producer_id == producer.id)):
        raise Conflict(_("Hộ “%(name)s” đã tham gia dự án này.", name=producer.name))
    part = Participation(project=project, producer=producer, joined_on=joined_on, category_at_joining=category,
                         baseline_income_vnd=baseline_income_vnd, created_by_id=actor.id)
    db.session.add(part)
    db.session.flush()
    audit.record(actor.id, "project.join", "support_project", project.id, producer_id=producer.id,
                 category=category, baseline_income_vnd=baseline_income_vnd, joined_on=joined_on.isoformat())
    return part


def set_public_consent(actor, part: Participation, consent_on: dt.date | None) -> Participation:
    """Record (a date) or withdraw (None) a household's consent to be named publicly as taking part in the
    project. Audited with who recorded it; the withdrawal keeps nothing public."""
    require_household_scope(actor, part.producer)
    if consent_on is not None:
        if consent_on > local_today():
            raise InvalidInput(_("Ngày đồng ý không thể ở tương lai."))
        if consent_on < part.joined_on:
            raise InvalidInput(_("Ngày đồng ý không thể trước ngày tham gia dự án (%(d)s).",
                                 d=part.joined_on.strftime("%d/%m/%Y")))
    before = part.public_consent_on.isoformat() if part.public_consent_on else None
    part.public_consent_on = consent_on
    part.public_consent_by_id = actor.id
    db.session.flush()
    audit.record(actor.id, "project.public_consent", "support_project", part.project_id, producer_id=part.producer_id,
                 before=before, consent_on=consent_on.isoformat() if consent_on else None)
    return part


def nameable_producer_ids(project: SupportProject) -> set[int]:
    """Producers a public page may show as taking part in `project`: lead units (not households), and households
    that consented. Any other producer's listings are shown only inside the project's aggregates."""
    consent = {p.producer_id: p.public_consent_on for p in project.participants}
    producer_ids = set(consent) | set(db.session.scalars(
        select(Product.producer_id).where(Product.support_project_id == project.id)))
    kinds: dict[int, str] = {}
    if producer_ids:
        rows = db.session.execute(select(Producer.id, Producer.kind).where(Producer.id.in_(producer_ids)))
        kinds = {pid: kind for pid, kind in rows}
    return {pid for pid, kind in kinds.items() if rules.may_name_publicly(kind, consent.get(pid))}


def publicly_nameable(producer_ids: Iterable[int]) -> set[int]:
    """Producers a public page may name where being listed says they are supported (the free promotion's
    outcomes): lead units, and households that consented in at least one of their projects."""
    ids = set(producer_ids)
    if not ids:
        return set()
    kinds = dict(db.session.execute(select(Producer.id, Producer.kind).where(Producer.id.in_(ids))).tuples().all())
    consented = set(db.session.scalars(select(Participation.producer_id).where(
        Participation.producer_id.in_(ids), Participation.public_consent_on.is_not(None))))
    return {pid for pid, kind in kinds.items()
            if rules.may_name_publicly(kind, dt.date.min if pid in consented else None)}


def participation_or_404(project: SupportProject, producer_id: int) -> Participation:
    part = db.session.scalar(select(Participation).where(
        Participation.project_id == project.id, Participation.producer_id == producer_id)) \
        if is_id(producer_id) else None
    if part is None:
        raise NotFound(_("Hộ này không tham gia dự án."))
    return part


def add_livelihood_record(actor, producer: Producer, assessed_on: dt.date, income_vnd: int, category: str,
                          note: str = "") -> HouseholdAssessment:
    """A programme officer's dated re-assessment of a household, with its income, into the beneficiary registry
    (the same record promotion priority reads). An earlier one is never changed; one per household and day."""
    require_household_scope(actor, producer)
    if category not in CATEGORIES:
        raise InvalidInput(_("Phân loại hộ không hợp lệ."))
    _check_income(income_vnd)
    if assessed_on is None:
        raise InvalidInput(_("Vui lòng nhập ngày đánh giá."))
    return households.assess(actor, producer, assessed_on, category, income_vnd=income_vnd,
                             source=AssessmentSource.ASSESSED, note=note,
                             earlier=joining_categories(producer, assessed_on))


def records_of(producer_ids: Iterable[int]) -> dict[int, list[HouseholdAssessment]]:
    ids = list(set(producer_ids))
    out: dict[int, list[HouseholdAssessment]] = defaultdict(list)
    if not ids:
        return out
    for r in db.session.scalars(select(HouseholdAssessment).where(HouseholdAssessment.producer_id.in_(ids))
                                .order_by(HouseholdAssessment.assessed_on, HouseholdAssessment.id)):
        out[r.producer_id].append(r)
    return out


def latest_record(records: list[HouseholdAssessment], joined_on: dt.date,
                  until: dt.date) -> HouseholdAssessment | None:
    """The last assessment from joining to `until`: what the household's situation was at the period's end."""
    found = [r for r in records if joined_on <= r.assessed_on <= until]
    return found[-1] if found else None
