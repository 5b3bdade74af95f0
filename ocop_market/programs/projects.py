"""Support projects (dự án hỗ trợ phát triển sản xuất): who may see and change which, creating and editing a
project with its budget per source, and the labels of their codes. Services flush; the caller commits once.

Scope: a staff account belongs to a province and reads and changes only that province's projects and
households; admin is global. A commune officer (cán bộ xã) reads the projects run in their commune (the project's
commune code) and their reports, and records the assessments and consent of that commune's households; budgets,
plans, disbursements and membership stay with the province. Every change writes an audit row in the same
transaction.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Select, false, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts.models import Role
from ..catalog.models import HouseholdCategory
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..money import format_number
from ..places import Province, match_commune
from ..routing import is_id
from ..timeutil import local_today
from . import rules
from .models import (
    BudgetSource,
    Participation,
    ProjectBudget,
    ProjectForm,
    ProjectStatus,
    SupportProject,
)

MAX_TARGET_HOUSEHOLDS = 100_000

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,31}$")

CATEGORIES = tuple(c.value for c in HouseholdCategory)


# ---------------------------------------------------------------- scope
def can_manage(user, province_id: int | None) -> bool:
    """Admin everywhere; staff only in the province their account belongs to."""
    if user is None:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.STAFF and user.province_id is not None and user.province_id == province_id


def require_scope(user, province_id: int | None) -> None:
    if not can_manage(user, province_id):
        raise NotAllowed(_("Hồ sơ này thuộc tỉnh khác: tài khoản của bạn chỉ xem và thay đổi được hồ sơ của tỉnh mình."))


def _officer_of(user, commune_id: int | None) -> bool:
    return (user is not None and user.role == Role.COMMUNE_OFFICER and user.commune_id is not None
            and user.commune_id == commune_id)


def require_project_scope(user, project: SupportProject) -> None:
    """Province staff (and admin) for the project's province; a commune officer for a project of their commune."""
    if can_manage(user, project.province_id) or _officer_of(user, project.commune_id):
        return
    if user is not None and user.role == Role.COMMUNE_OFFICER:
        raise NotAllowed(_("Dự án này thuộc xã khác: tài khoản cán bộ xã chỉ xem được dự án của xã mình."))
    require_scope(user, project.province_id)


def require_household_scope(user, producer) -> None:
    """Who may record a household's assessment or consent: its province's staff, or its commune's officer."""
    if can_manage(user, producer.province_id) or _officer_of(user, producer.commune_id):
        return
    if user is not None and user.role == Role.COMMUNE_OFFICER:
        raise NotAllowed(_("Hộ này thuộc xã khác: tài khoản cán bộ xã chỉ thay đổi được hồ sơ của xã mình."))
    require_scope(user, producer.province_id)


def scoped(query: Select, user) -> Select:
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COMMUNE_OFFICER:
        return query.where(SupportProject.commune_id == (user.commune_id or -1))
    if user.role != Role.STAFF or user.province_id is None:
        return query.where(false())
    return query.where(SupportProject.province_id == user.province_id)


def projects_for(user) -> list[SupportProject]:
    q = select(SupportProject).options(
        selectinload(SupportProject.province), selectinload(SupportProject.commune_ref),
        selectinload(SupportProject.budgets),
        selectinload(SupportProject.disbursements), selectinload(SupportProject.capital_plans),
        selectinload(SupportProject.participants).selectinload(Participation.producer),
    ).order_by(SupportProject.province_id, SupportProject.code)
    return list(db.session.scalars(scoped(q, user)))


def project_or_404(project_id: int, user) -> SupportProject:
    project = db.session.get(SupportProject, project_id) if is_id(project_id) else None
    if project is None:
        raise NotFound(_("Không tìm thấy dự án."))
    require_project_scope(user, project)
    return project


def project_by_code(code: str) -> SupportProject | None:
    """The importer's lookup: a project by its code (case and surrounding spaces ignored)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(SupportProject).where(SupportProject.code == code))


def public_project(code: str) -> SupportProject:
    project = project_by_code(code)
    if project is None:
        raise NotFound(_("Không tìm thấy dự án."))
    return project


def provinces_for(user) -> list[Province]:
    q = select(Province).order_by(Province.name)
    if user.role != Role.ADMIN:
        q = q.where(Province.id == (user.province_id or -1))
    return list(db.session.scalars(q))


# ---------------------------------------------------------------- projects
@dataclass
class ProjectData:
    code: str
    name: str
    form: str
    component: str
    programme: str
    period: str
    province_id: int
    commune: str
    lead: str
    start_on: dt.date
    end_on: dt.date
    decision_no: str = ""
    decision_date: dt.date | None = None
    decision_authority: str = ""
    status: str = ProjectStatus.ACTIVE
    target_households: int = 0
    description: str = ""
    budgets: dict[str, int] = field(default_factory=dict)


def check_amount(value, what: str, minimum: int = 0, maximum: int = rules.MAX_AMOUNT_VND) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(_("%(what)s phải là số nguyên đồng từ %(lo)s đến %(hi)s.", what=what,
                             lo=format_number(minimum), hi=format_number(maximum)))
    return value


def _check_project(data: ProjectData) -> ProjectData:
    data.code = (data.code or "").strip().upper()
    if not CODE_RE.match(data.code):
        raise InvalidInput(_("Mã dự án gồm 2–32 chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới."))
    for attr, label in (("name", _("Tên dự án")), ("component", _("Hợp phần")), ("programme", _("Chương trình")),
                        ("period", _("Giai đoạn")), ("commune", _("Xã/phường")),
                        ("lead", _("Đơn vị chủ trì hoặc trưởng nhóm"))):
        value = (getattr(data, attr) or "").strip()
        if not value:
            raise InvalidInput(_("Vui lòng nhập %(what)s.", what=label.lower()))
        setattr(data, attr, value)
    if data.form not in set(ProjectForm):
        raise InvalidInput(_("Hình thức dự án không hợp lệ."))
    if data.status not in set(ProjectStatus):
        raise InvalidInput(_("Trạng thái dự án không hợp lệ."))
    if db.session.get(Province, data.province_id) is None:
        raise InvalidInput(_("Vui lòng chọn tỉnh/thành phố."))
    if data.start_on is None or data.end_on is None:
        raise InvalidInput(_("Vui lòng nhập ngày bắt đầu và ngày kết thúc."))
    if data.end_on < data.start_on:
        raise InvalidInput(_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
    if data.decision_date is not None and data.decision_date > data.start_on:
        raise InvalidInput(_("Ngày quyết định phê duyệt phải trước hoặc bằng ngày bắt đầu dự án."))
    if data.decision_date is not None and data.decision_date > local_today():
        raise InvalidInput(_("Ngày quyết định không thể ở tương lai."))
    check_amount(data.target_households, _("Số hộ mục tiêu"), 0, MAX_TARGET_HOUSEHOLDS)
    for source in data.budgets:
        if source not in set(BudgetSource):
            raise InvalidInput(_("Nguồn vốn không hợp lệ."))
    for source, amount in data.budgets.items():
        check_amount(amount, _("Vốn %(source)s", source=source_label(source)))
    data.decision_no = (data.decision_no or "").strip()
    data.decision_authority = (data.decision_authority or "").strip()
    data.description = (data.description or "").strip()
    return data


def _code_free(code: str, exclude_id: int | None = None) -> None:
    q = select(SupportProject.id).where(SupportProject.code == code)
    if exclude_id is not None:
        q = q.where(SupportProject.id != exclude_id)
    if db.session.scalar(q) is not None:
        raise Conflict(_("Mã dự án “%(code)s” đã được dùng.", code=code))

_FIELDS = ("code", "name", "form", "component", "programme", "period", "province_id", "commune", "lead",
           "decision_no", "decision_date", "decision_authority", "start_on", "end_on", "status",
           "target_households", "description")


def _commune_id(data: ProjectData) -> int | None:
    commune = match_commune(data.province_id, data.commune)
    return commune.id if commune else None


def create_project(actor, data: ProjectData) -> SupportProject:
    data = _check_project(data)
    require_scope(actor, data.province_id)
    _code_free(data.code)
    project = SupportProject(**{f: getattr(data, f) for f in _FIELDS}, created_by_id=actor.id,
                             commune_id=_commune_id(data))
    db.session.add(project)
    for source in BudgetSource:
        project.budgets.append(ProjectBudget(source=source, amount_vnd=data.budgets.get(source, 0)))
    db.session.flush()
    audit.record(actor.id, "project.create", "support_project", project.id, code=project.code,
                 budgets={s: data.budgets.get(s, 0) for s in BudgetSource})
    return project


def disbursed_by_source(project: SupportProject) -> dict[str, int]:
    done: dict[str, int] = defaultdict(int)
    for d in project.disbursements:
        done[d.source] += d.amount_vnd
    return dict(done)


def update_project(actor, project: SupportProject, data: ProjectData) -> SupportProject:
    require_scope(actor, project.province_id)
    data = _check_project(data)
    require_scope(actor, data.province_id)  # staff cannot move a project to another province
    _code_free(data.code, exclude_id=project.id)
    done = disbursed_by_source(project)
    for source in BudgetSource:
        amount = data.budgets.get(source, 0)
        if amount < done.get(source, 0):
            raise InvalidInput(_("Vốn %(source)s không thể thấp hơn số đã giải ngân (%(done)s đồng).",
                                 source=source_label(source), done=format_number(done[source])))
    if project.disbursements and data.decision_date is not None and \
            min(d.disbursed_on for d in project.disbursements) < data.decision_date:
        raise InvalidInput(_("Đã có khoản giải ngân trước ngày quyết định này."))
    changes = {f: [str(getattr(project, f)), str(getattr(data, f))] for f in _FIELDS
               if getattr(project, f) != getattr(data, f)}
    for f in _FIELDS:
        setattr(project, f, getattr(data, f))
    project.commune_id = _commune_id(data)
    by_source = {b.source: b for b in project.budgets}
    for source in BudgetSource:
        amount = data.budgets.get(source, 0)
        if source not in by_source:
            project.budgets.append(ProjectBudget(source=source, amount_vnd=amount))
            changes[f"budget.{source}"] = ["0", str(amount)]
        elif by_source[source].amount_vnd != amount:
            changes[f"budget.{source}"] = [str(by_source[source].amount_vnd), str(amount)]
            by_source[source].amount_vnd = amount
    db.session.flush()
    audit.record(actor.id, "project.update", "support_project", project.id, changes=changes)
    return project


# ---------------------------------------------------------------- labels
SOURCE_LABELS = {
    "central": "Ngân sách trung ương (NSTW)",
    "local": "Ngân sách địa phương (NSĐP)",
    "policy_credit": "Vốn vay NHCSXH",
    "people": "Đối ứng của người dân",
    "enterprise": "Vốn doanh nghiệp / đơn vị chủ trì",
}

FORM_LABELS = {"value_chain": "Liên kết chuỗi giá trị", "community": "Dự án phát triển sản xuất cộng đồng"}

STATUS_LABELS = {"planned": "Chuẩn bị", "active": "Đang thực hiện", "completed": "Đã kết thúc",
                 "suspended": "Tạm dừng"}

CATEGORY_LABELS = {"poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo", "escaped": "Hộ mới thoát nghèo",
                   "none": "Không thuộc diện"}


MOVE_LABELS = {"escaped_poverty": "Thoát nghèo", "escaped_near_poverty": "Thoát cận nghèo", "fell_back": "Tái nghèo",
               "newly_poor": "Phát sinh nghèo"}


def source_label(source: str) -> str:
    return _(SOURCE_LABELS.get(source, source))
