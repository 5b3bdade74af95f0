"""The beneficiary registry: a household's dated assessments (rà soát hộ nghèo, cận nghèo) are the one place its
poverty category is stored. The producer record, promotion priority and programme outcomes read the latest one
(`Producer.household_category`); nothing else keeps a copy.

Services flush; the caller commits once. Every new assessment writes an audit row.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..timeutil import add_months, local_today
from .labels import HOUSEHOLD_CATEGORY
from .models import ESCAPED_MONTHS, AssessmentSource, HouseholdAssessment, HouseholdCategory, LivingArea, Producer

#: the poverty standard in force when nothing else is said (Decree 07/2021/NĐ-CP, extended to the end of 2026)
DEFAULT_STANDARD = "2022-2025"

def escaped_allowed(history: Iterable[tuple[dt.date, str]], on: dt.date) -> bool:
    """'Hộ mới thoát nghèo' only for a household that was poor: among its assessments before `on` (day, category),
    one poor (or already newly escaped) within the last 36 months. A near-poor household that rises is simply above
    the near-poor line. No history at all is not refused: the household's file may predate the platform."""
    history = list(history)
    if not history:
        return True
    since = add_months(on, -ESCAPED_MONTHS)
    return any(category in ("poor", "escaped") and since <= day < on for day, category in history)


def assess(actor, producer: Producer, assessed_on: dt.date, category: str, *, income_vnd: int | None = None,
           source: str = AssessmentSource.ASSESSED, note: str = "", standard: str = DEFAULT_STANDARD,
           area: str | None = None, deprivations: int | None = None, recognition_no: str = "",
           recognition_date: dt.date | None = None,
           earlier: Iterable[tuple[dt.date, str]] = ()) -> HouseholdAssessment:
    """Add a dated assessment (an earlier one is never changed; one per household and day). `earlier` adds what
    a higher domain knows of the household's past categories (the programmes: its category when joining)."""
    if category not in set(HouseholdCategory):
        raise InvalidInput(_("Phân loại hộ không hợp lệ."))
    if assessed_on is None:
        raise InvalidInput(_("Vui lòng nhập ngày đánh giá."))
    if assessed_on > local_today():
        raise InvalidInput(_("Ngày đánh giá không thể ở tương lai."))
    if area is not None and area not in set(LivingArea):
        raise InvalidInput(_("Khu vực không hợp lệ."))
    if deprivations is not None and not 0 <= deprivations <= 12:
        raise InvalidInput(_("Số chỉ số thiếu hụt phải từ 0 đến 12."))
    if recognition_date is not None and recognition_date > assessed_on:
        raise InvalidInput(_("Ngày quyết định công nhận không thể sau ngày đánh giá."))
    if any(a.assessed_on == assessed_on for a in producer.assessments) or db.session.scalar(
            select(HouseholdAssessment.id).where(HouseholdAssessment.producer_id == producer.id,
                                                 HouseholdAssessment.assessed_on == assessed_on)):
        raise Conflict(_("Đã có bản ghi sinh kế ngày %(d)s cho hộ này; bản ghi cũ được giữ nguyên, hãy chọn ngày khác.",
                         d=assessed_on.strftime("%d/%m/%Y")))
    if category == HouseholdCategory.ESCAPED:
        history = sorted([(a.assessed_on, a.category) for a in producer.assessments if a.assessed_on < assessed_on]
                         + [(d, c) for d, c in earlier if d < assessed_on])
        if not escaped_allowed(history, assessed_on):
            raise InvalidInput(_(
                "“Hộ mới thoát nghèo” chỉ dành cho hộ đã là hộ nghèo trong %(n)s tháng trước; hộ này trước đó là "
                "“%(prev)s”. Hộ cận nghèo có thu nhập trên chuẩn cận nghèo là “Không thuộc diện” (thoát cận nghèo).",
                n=ESCAPED_MONTHS, prev=HOUSEHOLD_CATEGORY.get(history[-1][1], history[-1][1])))
    record = HouseholdAssessment(
        assessed_on=assessed_on, category=category, income_vnd=income_vnd, source=source,
        note=(note or "").strip()[:200], standard=(standard or "").strip()[:32], area=area, deprivations=deprivations,
        recognition_no=(recognition_no or "").strip()[:64], recognition_date=recognition_date,
        created_by_id=actor.id if actor else None)
    producer.assessments.append(record)
    db.session.flush()
    audit.record(actor.id if actor else None, "household.assess", "producer", producer.id,
                 assessed_on=assessed_on.isoformat(), category=category, income_vnd=income_vnd, source=source,
                 record_id=record.id)
    return record


def declare(actor, producer: Producer, category: str, on: dt.date | None) -> HouseholdAssessment | None:
    """The category stated on the producer record (registration, edit, import): a new assessment only when it
    says something new — another category (dated after the latest assessment), or the same one recognised later."""
    if category not in set(HouseholdCategory):
        raise InvalidInput(_("Phân loại hộ không hợp lệ."))
    current = producer.current_assessment
    if current is not None and current.category == category and (on is None or on <= current.assessed_on):
        return None  # nothing new: the same category, stated again (a later date is a new recognition)
    if current is None and category == HouseholdCategory.NONE:
        return None  # never assessed reads as 'none' already
    if current is not None and on is not None and on <= current.assessed_on:
        raise InvalidInput(_("Phân loại mới cần ngày công nhận sau lần đánh giá gần nhất (%(d)s).",
                             d=current.assessed_on.strftime("%d/%m/%Y")))
    return assess(actor, producer, on or local_today(), category, source=AssessmentSource.DECLARED,
                  note="Phân loại khai trên hồ sơ cơ sở")
