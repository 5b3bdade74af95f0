"""Use cases of the programme side: projects, budgets, disbursements, participation, livelihood records,
linking listings, and the outcome figures. Services flush; the request or command commits once.

Scope: a staff account belongs to a province and reads and changes only that province's projects and
households; admin is global. Every change writes an audit row in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import selectinload

from .. import audit, signals
from ..accounts.models import Role
from ..catalog.certificates import EXPIRY_WARNING_DAYS, certificates_expiring
from ..catalog.models import HouseholdCategory, Producer, ProducerStatus, Product, ProductStatus
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..orders.models import OrderEvent, OrderLine, OrderStatus, ProducerOrder
from ..places import Province
from ..timeutil import LOCAL_TZ, local_today, to_local
from . import rules
from .models import (
    BudgetSource,
    Disbursement,
    LivelihoodRecord,
    Participation,
    ProjectBudget,
    ProjectForm,
    ProjectStatus,
    SupportProject,
)

MAX_ID = 2**31 - 1
MAX_TARGET_HOUSEHOLDS = 100_000
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,31}$")
SOLD_STATES = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
GROUP_BY = ("project", "commune", "province")
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


def scoped(query: Select, user) -> Select:
    if user.role == Role.ADMIN:
        return query
    if user.role != Role.STAFF or user.province_id is None:
        return query.where(false())
    return query.where(SupportProject.province_id == user.province_id)


def projects_for(user) -> list[SupportProject]:
    q = select(SupportProject).options(
        selectinload(SupportProject.province), selectinload(SupportProject.budgets),
        selectinload(SupportProject.disbursements), selectinload(SupportProject.participants),
    ).order_by(SupportProject.province_id, SupportProject.code)
    return list(db.session.scalars(scoped(q, user)))


def project_or_404(project_id: int, user) -> SupportProject:
    project = db.session.get(SupportProject, project_id) if 0 < project_id <= MAX_ID else None
    if project is None:
        raise NotFound(_("Không tìm thấy dự án."))
    require_scope(user, project.province_id)
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


def _check_amount(value, what: str, minimum: int = 0, maximum: int = rules.MAX_AMOUNT_VND) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(_("%(what)s phải là số nguyên đồng từ %(lo)s đến %(hi)s.", what=what,
                             lo=f"{minimum:,}".replace(",", "."), hi=f"{maximum:,}".replace(",", ".")))
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
    _check_amount(data.target_households, _("Số hộ mục tiêu"), 0, MAX_TARGET_HOUSEHOLDS)
    for source in data.budgets:
        if source not in set(BudgetSource):
            raise InvalidInput(_("Nguồn vốn không hợp lệ."))
    for source, amount in data.budgets.items():
        _check_amount(amount, _("Vốn %(source)s", source=source_label(source)))
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


def create_project(actor, data: ProjectData) -> SupportProject:
    data = _check_project(data)
    require_scope(actor, data.province_id)
    _code_free(data.code)
    project = SupportProject(**{f: getattr(data, f) for f in _FIELDS}, created_by_id=actor.id)
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
                                 source=source_label(source), done=f"{done[source]:,}".replace(",", ".")))
    if project.disbursements and data.decision_date is not None and \
            min(d.disbursed_on for d in project.disbursements) < data.decision_date:
        raise InvalidInput(_("Đã có khoản giải ngân trước ngày quyết định này."))
    changes = {f: [str(getattr(project, f)), str(getattr(data, f))] for f in _FIELDS
               if getattr(project, f) != getattr(data, f)}
    for f in _FIELDS:
        setattr(project, f, getattr(data, f))
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
    _check_amount(amount_vnd, _("Số tiền giải ngân"), 1)
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
            "chỉ còn %(left)s đồng.", source=source_label(source), budget=_dots(exc.budget),
            done=_dots(exc.already), left=_dots(exc.remaining))) from exc
    entry = Disbursement(project=project, source=source, disbursed_on=disbursed_on, amount_vnd=amount_vnd,
                         note=(note or "").strip()[:200], created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor.id, "project.disburse", "support_project", project.id, source=source,
                 amount_vnd=amount_vnd, disbursed_on=disbursed_on.isoformat(), disbursement_id=entry.id)
    return entry


def _dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# ---------------------------------------------------------------- households
def _check_income(value) -> int:
    return _check_amount(value, _("Thu nhập bình quân đầu người/tháng"), 0, rules.MAX_INCOME_VND)


def candidate_producers(project: SupportProject) -> list[Producer]:
    """Households of the project's province not yet taking part."""
    joined = select(Participation.producer_id).where(Participation.project_id == project.id)
    return list(db.session.scalars(
        select(Producer).where(Producer.province_id == project.province_id, Producer.id.not_in(joined))
        .order_by(Producer.name)
    ))


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


def participation_or_404(project: SupportProject, producer_id: int) -> Participation:
    part = db.session.scalar(select(Participation).where(
        Participation.project_id == project.id, Participation.producer_id == producer_id)) \
        if 0 < producer_id <= MAX_ID else None
    if part is None:
        raise NotFound(_("Hộ này không tham gia dự án."))
    return part


def add_livelihood_record(actor, producer: Producer, assessed_on: dt.date, income_vnd: int, category: str,
                          note: str = "") -> LivelihoodRecord:
    """A new dated assessment; an earlier one is never changed. One per household and day."""
    require_scope(actor, producer.province_id)
    if category not in CATEGORIES:
        raise InvalidInput(_("Phân loại hộ không hợp lệ."))
    _check_income(income_vnd)
    if assessed_on is None:
        raise InvalidInput(_("Vui lòng nhập ngày đánh giá."))
    if assessed_on > local_today():
        raise InvalidInput(_("Ngày đánh giá không thể ở tương lai."))
    if db.session.scalar(select(LivelihoodRecord.id).where(LivelihoodRecord.producer_id == producer.id,
                                                           LivelihoodRecord.assessed_on == assessed_on)):
        raise Conflict(_("Đã có bản ghi sinh kế ngày %(d)s cho hộ này; bản ghi cũ được giữ nguyên, hãy chọn ngày khác.",
                         d=assessed_on.strftime("%d/%m/%Y")))
    record = LivelihoodRecord(producer_id=producer.id, assessed_on=assessed_on, income_vnd=income_vnd,
                              category=category, note=(note or "").strip()[:200], created_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    audit.record(actor.id, "livelihood.record", "producer", producer.id, assessed_on=assessed_on.isoformat(),
                 income_vnd=income_vnd, category=category, record_id=record.id)
    return record


def records_of(producer_ids: Iterable[int]) -> dict[int, list[LivelihoodRecord]]:
    ids = list(set(producer_ids))
    out: dict[int, list[LivelihoodRecord]] = defaultdict(list)
    if not ids:
        return out
    for r in db.session.scalars(select(LivelihoodRecord).where(LivelihoodRecord.producer_id.in_(ids))
                                .order_by(LivelihoodRecord.assessed_on, LivelihoodRecord.id)):
        out[r.producer_id].append(r)
    return out


def latest_record(records: list[LivelihoodRecord], joined_on: dt.date, until: dt.date) -> LivelihoodRecord | None:
    """The last assessment from joining to `until`: what the household's situation was at the period's end."""
    found = [r for r in records if joined_on <= r.assessed_on <= until]
    return found[-1] if found else None


# ---------------------------------------------------------------- outcomes
def _delivered_dates(po_ids: list[int]) -> dict[int, dt.date]:
    """The local day each producer order was delivered (its first move to `delivered`)."""
    out: dict[int, dt.date] = {}
    if not po_ids:
        return out
    for chunk_start in range(0, len(po_ids), 500):
        chunk = po_ids[chunk_start:chunk_start + 500]
        rows = db.session.execute(
            select(OrderEvent.producer_order_id, func.min(OrderEvent.at))
            .where(OrderEvent.producer_order_id.in_(chunk), OrderEvent.to_status == OrderStatus.DELIVERED)
            .group_by(OrderEvent.producer_order_id)
        )
        for po_id, at in rows:
            if at is not None:
                if at.tzinfo is None:
                    at = at.replace(tzinfo=dt.UTC)
                out[po_id] = at.astimezone(LOCAL_TZ).date()
    return out


def sales_of(project_ids: Iterable[int], until: dt.date | None = None) -> list[rules.Sale]:
    """Delivered (or completed) order lines of the projects' listings, dated by delivery."""
    ids = list(set(project_ids))
    if not ids:
        return []
    rows = db.session.execute(
        select(OrderLine.producer_order_id, ProducerOrder.producer_id, Product.support_project_id,
               OrderLine.line_total_vnd, ProducerOrder.updated_at)
        .join(ProducerOrder, OrderLine.producer_order_id == ProducerOrder.id)
        .join(Product, OrderLine.product_id == Product.id)
        .where(Product.support_project_id.in_(ids), ProducerOrder.status.in_(SOLD_STATES))
    ).all()
    delivered = _delivered_dates(sorted({r[0] for r in rows}))
    sales = []
    for po_id, producer_id, project_id, amount, updated_at in rows:
        day = delivered.get(po_id) or to_local(updated_at).date()
        if until is None or day <= until:
            sales.append(rules.Sale(po_id, producer_id, project_id, day, amount))
    return sales


def _active_listings(project_ids: list[int]) -> dict[int, int]:
    if not project_ids:
        return {}
    rows = db.session.execute(
        select(Product.support_project_id, func.count(Product.id))
        .join(Product.producer)
        .where(Product.support_project_id.in_(project_ids), Product.status == ProductStatus.APPROVED,
               Producer.status == ProducerStatus.VERIFIED)
        .group_by(Product.support_project_id)
    )
    return dict(rows.all())


def _listing_ids(project_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    if project_ids:
        for pid, project_id in db.session.execute(
                select(Product.id, Product.support_project_id).where(Product.support_project_id.in_(project_ids))):
            out[project_id].append(pid)
    return out


def _expiring(project_ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    wanted = set(project_ids)
    for cert in certificates_expiring(days=EXPIRY_WARNING_DAYS):
        if cert.product.support_project_id in wanted:
            out[cert.product.support_project_id] += 1
    return out


def promotion_impressions(product_ids: list[int], period: rules.Period) -> int:
    """How often these listings were shown in the period, as the domains that show them answer
    `signals.listing_impressions` (promotions: its placements); 0 when nobody answers."""
    if not product_ids:
        return 0
    return sum(signals.answers(signals.listing_impressions, product_ids=product_ids, start=period.start,
                               end=period.end))


@dataclass
class HouseholdRow:
    participation: Participation
    latest: LivelihoodRecord | None
    first_sale_on: dt.date | None
    revenue_vnd: int

    @property
    def move(self) -> str | None:
        return rules.category_move(self.participation.category_at_joining,
                                   self.latest.category if self.latest else None)


def _group_key(project: SupportProject, group_by: str) -> tuple[str, str]:
    if group_by == "project":
        return project.code, project.name
    if group_by == "commune":
        return f"{project.province.code}/{project.commune}", f"{project.commune}, {project.province.name}"
    return project.province.code, project.province.name


def outcomes(projects: list[SupportProject], period: rules.Period, group_by: str = "project") -> list[rules.Outcome]:
    """The dashboard's and the export's figures: one row per project, commune or province, same numbers."""
    if group_by not in GROUP_BY:
        raise InvalidInput(_("Cách nhóm không hợp lệ."))
    ids = [p.id for p in projects]
    sales = sales_of(ids, until=period.last_day)
    records = records_of(part.producer_id for p in projects for part in p.participants)
    listings = _active_listings(ids)
    listing_ids = _listing_ids(ids)
    expiring = _expiring(ids)
    groups: dict[str, list[SupportProject]] = {}
    labels: dict[str, str] = {}
    for p in projects:
        key, label = _group_key(p, group_by)
        groups.setdefault(key, []).append(p)
        labels[key] = label
    result = []
    for key, members in groups.items():
        member_ids = {p.id for p in members}
        households = []
        for p in members:
            for part in p.participants:
                latest = latest_record(records.get(part.producer_id, []), part.joined_on, period.last_day)
                if part.joined_on > period.last_day:
                    continue  # joined after the period: not yet part of it
                households.append(rules.Household(
                    part.producer_id, p.id, part.category_at_joining, part.baseline_income_vnd,
                    (latest.income_vnd, latest.category) if latest else None))
        budget = sum(p.budget_of(s) for p in members for s in BudgetSource)
        disbursed = sum(d.amount_vnd for p in members for d in p.disbursements if d.disbursed_on <= period.last_day)
        product_ids = sorted(i for p in members for i in listing_ids.get(p.id, []))
        result.append(rules.outcome(
            key, labels[key], period, households, [s for s in sales if s.project_id in member_ids],
            active_listings=sum(listings.get(i, 0) for i in member_ids),
            promotion_impressions=promotion_impressions(product_ids, period),
            certificates_expiring=sum(expiring.get(i, 0) for i in member_ids),
            budget_vnd=budget, disbursed_vnd=disbursed,
        ))
    return sorted(result, key=lambda o: o.key)


def household_rows(project: SupportProject, period: rules.Period) -> list[HouseholdRow]:
    sales = sales_of([project.id], until=period.last_day)
    records = records_of(part.producer_id for part in project.participants)
    rows = []
    for part in project.participants:
        own = [s for s in sales if s.producer_id == part.producer_id]
        rows.append(HouseholdRow(
            participation=part,
            latest=latest_record(records.get(part.producer_id, []), part.joined_on, period.last_day),
            first_sale_on=min((s.delivered_on for s in own), default=None),
            revenue_vnd=sum(s.amount_vnd for s in own if period.contains(s.delivered_on)),
        ))
    return rows


def disbursement_lines(project: SupportProject, until: dt.date | None = None):
    return rules.disbursement_table(
        {b.source: b.amount_vnd for b in project.budgets},
        [(d.source, d.disbursed_on, d.amount_vnd) for d in project.disbursements],
        [s.value for s in BudgetSource], until)


def monthly_revenue(project_ids: list[int], period: rules.Period) -> list[tuple[dt.date, int]]:
    return rules.monthly_revenue(sales_of(project_ids, until=period.last_day), rules.months_ending(period))


def public_figures(project: SupportProject) -> dict:
    """Aggregates only, for the public page: no names, no incomes."""
    sales = sales_of([project.id])
    listings = db.session.scalars(
        select(Product).join(Product.producer)
        .where(Product.support_project_id == project.id, Product.status == ProductStatus.APPROVED,
               Producer.status == ProducerStatus.VERIFIED)
        .options(selectinload(Product.images), selectinload(Product.certificates),
                 selectinload(Product.producer).selectinload(Producer.province))
        .order_by(Product.name)
    ).all()
    return {
        "households": len(project.participants),
        "products": listings,
        "revenue_vnd": sum(s.amount_vnd for s in sales),
        "orders": len({s.producer_order_id for s in sales}),
        "households_with_sales": len({s.producer_id for s in sales}
                                     & {p.producer_id for p in project.participants}),
    }


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


def source_label(source: str) -> str:
    return _(SOURCE_LABELS.get(source, source))
