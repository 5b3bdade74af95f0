"""Promotion use cases: defaults and settings, requests, the weekly allocation, pins and removals, live items.

Functions flush; the request or CLI command that called them commits once. The decision itself is
rules.allocate (pure); this module only gathers its inputs from the database and stores its outcome.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts.models import Role, User
from ..catalog import services as catalog
from ..catalog.models import Producer, ProducerStatus, Product, ProductGroup, ProductStatus
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..programs.models import Participation, SupportProject
from ..timeutil import local_today, utcnow
from . import rules
from .models import (
    Allocation,
    AllocationSource,
    AllocationState,
    Placement,
    PlacementKind,
    PromotionRequest,
    PromotionSettings,
    RequestedWeek,
    WeekRun,
    WeekState,
)

DEFAULT_CAPACITY: dict[str, int] = {PlacementKind.HOME: 8, PlacementKind.GROUP: 3, PlacementKind.SEARCH: 2}
#: how far ahead a producer may ask for weeks
REQUEST_WEEKS_AHEAD = 8
STAFF = (Role.STAFF, Role.ADMIN)


def _require_staff(actor: User | None) -> None:
    # The CLI acts without an account (actor None); on the web only staff reach here.
    if actor is not None and actor.role not in STAFF:
        raise NotAllowed(_("Chỉ cán bộ chương trình được thực hiện thao tác này."))


def current_week() -> str:
    return rules.week_of(utcnow())


def check_week(code: str) -> str:
    try:
        rules.parse_week(code)
    except rules.BadWeek:
        raise InvalidInput(_("Tuần không hợp lệ; dùng dạng 2026-W49.")) from None
    return code


# ---------------------------------------------------------------- defaults and settings
def ensure_defaults() -> PromotionSettings:
    """The settings row and one placement per place (home, search, each OCOP group page), if missing."""
    settings = db.session.get(PromotionSettings, 1)
    if settings is None:
        settings = PromotionSettings(id=1, quota_per_quarter=4, max_per_week=1, min_stars=3, min_stock=1,
                                     lookback_weeks=12, attribution_days=7)
        db.session.add(settings)
    existing = set(db.session.scalars(select(Placement.code)))
    wanted: list[tuple[str, str, ProductGroup | None, str]] = [
        ("home", PlacementKind.HOME, None, "Trang chủ: sản phẩm được hỗ trợ quảng bá"),
        ("search", PlacementKind.SEARCH, None, "Đầu kết quả tìm kiếm phù hợp")]
    wanted += [(f"group_{g.code}", PlacementKind.GROUP, g, f"Đầu trang nhóm: {g.name_vi}") for g in catalog.groups()]
    for code, kind, group, name in wanted:
        if code not in existing:
            db.session.add(Placement(code=code, kind=kind, group_id=group.id if group else None, name_vi=name,
                                     capacity=DEFAULT_CAPACITY[kind]))
    db.session.flush()
    return settings


def get_settings() -> PromotionSettings:
    """The rules' numbers; the defaults (unsaved) until staff or the first allocation store the row."""
    return db.session.get(PromotionSettings, 1) or PromotionSettings(
        id=1, quota_per_quarter=4, max_per_week=1, min_stars=3, min_stock=1, lookback_weeks=12, attribution_days=7)


def placements() -> list[Placement]:
    order: dict[str, int] = {PlacementKind.HOME: 0, PlacementKind.GROUP: 1, PlacementKind.SEARCH: 2}
    rows = db.session.scalars(select(Placement).options(selectinload(Placement.group))).all()
    return sorted(rows, key=lambda p: (order.get(p.kind, 9), p.group.position if p.group else 0, p.id))


SETTING_FIELDS = ("quota_per_quarter", "max_per_week", "min_stars", "min_stock", "lookback_weeks",
                  "attribution_days")


def update_settings(actor: User, values: dict[str, int], capacities: dict[int, int]) -> None:
    _require_staff(actor)
    settings = ensure_defaults()
    before = {f: getattr(settings, f) for f in SETTING_FIELDS}
    for name in SETTING_FIELDS:
        if name in values:
            setattr(settings, name, int(values[name]))
    settings.updated_by_id = actor.id if actor else None
    changed_caps = {}
    for placement in placements():
        if placement.id in capacities and capacities[placement.id] != placement.capacity:
            changed_caps[placement.code] = [placement.capacity, capacities[placement.id]]
            placement.capacity = capacities[placement.id]
    after = {f: getattr(settings, f) for f in SETTING_FIELDS}
    audit.record(actor.id if actor else None, "promotion.settings", "promotion_settings", 1,
                 before={k: v for k, v in before.items() if after[k] != v},
                 after={k: v for k, v in after.items() if before[k] != v}, capacities=changed_caps)
    db.session.flush()


# ---------------------------------------------------------------- eligibility
def producers_in_active_projects(producer_ids: list[int], day: dt.date | None = None) -> set[int]:
    """Producers taking part in a support project that is active on `day` (the programmes domain)."""
    if not producer_ids:
        return set()
    day = day or local_today()
    stmt = (
        select(Participation.producer_id)
        .join(SupportProject, SupportProject.id == Participation.project_id)
        .where(Participation.producer_id.in_(producer_ids), SupportProject.status == "active",
               SupportProject.start_on <= day, SupportProject.end_on >= day)
    )
    return set(db.session.scalars(stmt))


def listing_facts(product: Product, in_project: bool) -> rules.ListingFacts:
    return rules.ListingFacts(
        producer_verified=product.producer.status == ProducerStatus.VERIFIED,
        household_category=product.producer.household_category,
        in_active_project=in_project,
        product_approved=product.status == ProductStatus.APPROVED,
        stock=product.stock,
        has_photo=bool(product.images),
        certificate_stars=product.ocop_stars,
    )


def eligibility_rules(settings: PromotionSettings | None = None) -> rules.EligibilityRules:
    settings = settings or get_settings()
    return rules.EligibilityRules(min_stars=settings.min_stars, min_stock=settings.min_stock)


def problems_of(product: Product) -> list[str]:
    in_project = product.producer_id in producers_in_active_projects([product.producer_id])
    return rules.eligibility_problems(listing_facts(product, in_project), eligibility_rules())


def placement_label(placement: Placement) -> str:
    """The placement's name in the visitor's language (`name_vi` is stored once, in Vietnamese)."""
    from ..templating import current_lang

    if placement.kind == PlacementKind.HOME:
        return _("Trang chủ: sản phẩm được hỗ trợ quảng bá")
    if placement.kind == PlacementKind.SEARCH:
        return _("Đầu kết quả tìm kiếm phù hợp")
    if placement.group is not None:
        return _("Đầu trang nhóm: %(group)s", group=placement.group.name(current_lang()))
    return placement.name_vi


def reason_text(code: str) -> str:
    return _(rules.REASON_TEXT.get(code, code)) if code else ""


# ---------------------------------------------------------------- producer requests
def request_promotion(actor: User, product_id: int, weeks: list[str]) -> PromotionRequest:
    """A producer asks for promotion of one of their listings in some coming weeks."""
    product = catalog.owned_product(actor, product_id)
    weeks = sorted(set(weeks))
    if not weeks:
        raise InvalidInput(_("Vui lòng chọn ít nhất một tuần."))
    allowed = set(request_week_choices())
    for week in weeks:
        check_week(week)
        if week not in allowed:
            raise InvalidInput(_("Chỉ có thể đăng ký các tuần chưa phân bổ trong %(n)s tuần tới.", n=REQUEST_WEEKS_AHEAD))
    problems = problems_of(product)
    if problems:
        raise InvalidInput(_("Sản phẩm chưa đủ điều kiện: %(r)s.", r="; ".join(reason_text(p) for p in problems)))
    taken = set(db.session.scalars(
        select(RequestedWeek.week).join(RequestedWeek.request)
        .where(PromotionRequest.product_id == product.id, RequestedWeek.week.in_(weeks))
    ))
    if taken:
        raise Conflict(_("Sản phẩm đã được đăng ký cho tuần %(w)s.", w=", ".join(sorted(taken))))
    request = PromotionRequest(producer_id=product.producer_id, product_id=product.id, created_by_id=actor.id)
    request.weeks = [RequestedWeek(week=w, state=WeekState.WAITING, reason="") for w in weeks]
    db.session.add(request)
    db.session.flush()
    return request


def request_week_choices(today_week: str | None = None) -> list[str]:
    """Weeks a producer may still ask for: this one and the next ones, unless already allocated."""
    start = today_week or current_week()
    weeks = [rules.add_weeks(start, i) for i in range(REQUEST_WEEKS_AHEAD + 1)]
    ran = set(db.session.scalars(select(WeekRun.week).where(WeekRun.week.in_(weeks))))
    return [w for w in weeks if w not in ran]


def requests_of(user: User) -> list[PromotionRequest]:
    producer = catalog.producer_of(user)
    if producer is None:
        return []
    return list(db.session.scalars(
        select(PromotionRequest).where(PromotionRequest.producer_id == producer.id)
        .options(selectinload(PromotionRequest.weeks).selectinload(RequestedWeek.allocation)
                 .selectinload(Allocation.placement), selectinload(PromotionRequest.product))
        .order_by(PromotionRequest.created_at.desc(), PromotionRequest.id.desc())
    ))


# ---------------------------------------------------------------- the weekly allocation
@dataclass
class WeekResult:
    week: str
    ran_now: bool
    allocated: int
    refused: int


def _history(producer_ids: list[int], week: str, lookback: int) -> tuple[dict, dict, dict, dict]:
    """Per producer: slot-weeks in the look-back window, last promoted week, slot-weeks this quarter (this
    week's pins included) and placements already held this week."""
    if not producer_ids:
        return {}, {}, {}, {}
    index = rules.week_index(week)
    window = {rules.add_weeks(week, -i) for i in range(1, lookback + 1)}
    quarter = set(rules.quarter_weeks(week))
    rows = db.session.execute(
        select(Allocation.producer_id, Allocation.week)
        .where(Allocation.producer_id.in_(producer_ids), Allocation.state == AllocationState.ACTIVE)
    ).all()
    recent: defaultdict[int, int]
    last: dict[int, int]
    in_quarter: defaultdict[int, int]
    this_week: defaultdict[int, int]
    recent, last, in_quarter, this_week = defaultdict(int), {}, defaultdict(int), defaultdict(int)
    for producer_id, w in rows:
        i = rules.week_index(w)
        if w in window:
            recent[producer_id] += 1
        if i < index:
            last[producer_id] = max(last.get(producer_id, i), i)
        if w in quarter:
            in_quarter[producer_id] += 1
        if w == week:
            this_week[producer_id] += 1
    return recent, last, in_quarter, this_week


def week_run(week: str) -> WeekRun | None:
    return db.session.scalar(select(WeekRun).where(WeekRun.week == week))


def allocate_week(week: str, actor: User | None = None) -> WeekResult:
    """Run the week's draw once. A second run, or one racing this one, changes nothing: the week's run
    row is unique and every position is unique per (placement, week)."""
    _require_staff(actor)
    check_week(week)
    done = week_run(week)
    if done is not None:
        return WeekResult(week, False, done.allocated, done.refused)
    settings = ensure_defaults()
    run = WeekRun(week=week, ran_by_id=actor.id if actor else None)
    try:
        with db.session.begin_nested():
            db.session.add(run)
            db.session.flush()
    except IntegrityError:
        # Another allocation of the same week committed first: theirs stands.
        done = week_run(week)
        return WeekResult(week, False, done.allocated if done else 0, done.refused if done else 0)

    waiting = db.session.scalars(
        select(RequestedWeek).join(RequestedWeek.request)
        .where(RequestedWeek.week == week, RequestedWeek.state == WeekState.WAITING)
        .options(selectinload(RequestedWeek.request).selectinload(PromotionRequest.product)
                 .selectinload(Product.producer))
        .order_by(RequestedWeek.id)
    ).all()
    producer_ids = sorted({rw.request.producer_id for rw in waiting})
    in_project = producers_in_active_projects(producer_ids, rules.week_monday(week))
    recent, last, in_quarter, this_week = _history(producer_ids, week, settings.lookback_weeks)
    elig = eligibility_rules(settings)
    candidates = []
    for rw in waiting:
        product = rw.request.product
        facts = listing_facts(product, product.producer_id in in_project)
        candidates.append(rules.Candidate(
            key=rw.id, product_id=product.id, producer_id=product.producer_id, group_id=product.group_id,
            category=rules.priority_category(facts), problems=tuple(rules.eligibility_problems(facts, elig)),
            recent_weeks=recent.get(product.producer_id, 0), last_week_index=last.get(product.producer_id),
            quarter_used=in_quarter.get(product.producer_id, 0), week_used=this_week.get(product.producer_id, 0),
        ))
    taken = defaultdict(set)
    for placement_id, position in db.session.execute(
        select(Allocation.placement_id, Allocation.position)
        .where(Allocation.week == week, Allocation.state == AllocationState.ACTIVE)
    ):
        taken[placement_id].add(position)
    slots = [rules.Slot(p.id, p.kind, p.capacity, p.group_id, frozenset(taken[p.id])) for p in placements()]
    outcome = rules.allocate(week, candidates, slots,
                             rules.Quotas(settings.quota_per_quarter, settings.max_per_week))

    starts_at, ends_at = rules.week_bounds(week)
    by_key = {c.key: c for c in candidates}
    by_rw = {rw.id: rw for rw in waiting}
    now = utcnow()
    for a in outcome.assignments:
        c = by_key[a.key]
        db.session.add(Allocation(
            placement_id=a.placement_id, week=week, position=a.position, product_id=a.product_id,
            producer_id=a.producer_id, requested_week_id=a.key, starts_at=starts_at, ends_at=ends_at,
            source=AllocationSource.DRAW, rank=a.rank, state=AllocationState.ACTIVE,
            created_by_id=actor.id if actor else None,
            basis=json.dumps({"recent_weeks": c.recent_weeks,
                              "last_week": rules.week_code(dt.date.fromordinal(c.last_week_index * 7 + 1))
                              if c.last_week_index is not None else None,
                              "category": c.category, "ticket": a.ticket}),
        ))
        by_rw[a.key].state = WeekState.ALLOCATED
        by_rw[a.key].reason = ""
        by_rw[a.key].decided_at = now
    for key, reason in outcome.refusals.items():
        by_rw[key].state = WeekState.NOT_ALLOCATED
        by_rw[key].reason = reason
        by_rw[key].decided_at = now
    run.allocated = len(outcome.assignments)
    run.refused = len(outcome.refusals)
    audit.record(actor.id if actor else None, "promotion.allocate", "promotion_week", run.id, week=week,
                 allocated=run.allocated, refused=run.refused)
    db.session.flush()
    return WeekResult(week, True, run.allocated, run.refused)


def week_allocations(week: str, include_removed: bool = True) -> list[Allocation]:
    stmt = (
        select(Allocation).where(Allocation.week == week)
        .options(selectinload(Allocation.placement).selectinload(Placement.group),
                 selectinload(Allocation.product), selectinload(Allocation.producer))
    )
    if not include_removed:
        stmt = stmt.where(Allocation.state == AllocationState.ACTIVE)
    rows = db.session.scalars(stmt).all()
    order = {p.id: i for i, p in enumerate(placements())}
    return sorted(rows, key=lambda a: (a.state != AllocationState.ACTIVE, order.get(a.placement_id, 99),
                                       a.position or 0, a.id))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= 500:
        raise InvalidInput(_("Vui lòng ghi lý do (5–500 ký tự)."))
    return reason


def pin(actor: User, week: str, placement_id: int, product_id: int, reason: str) -> Allocation:
    """Staff place a listing by hand in a free position, with a reason (audited and shown publicly)."""
    _require_staff(actor)
    check_week(week)
    reason = _reason(reason)
    ensure_defaults()
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(_("Không tìm thấy vị trí quảng bá."))
    product = db.session.scalar(catalog.public_products().where(Product.id == product_id))
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm đang bán với mã này."))
    if placement.kind == PlacementKind.GROUP and placement.group_id != product.group_id:
        raise InvalidInput(_("Sản phẩm không thuộc nhóm của vị trí này."))
    active = week_allocations(week, include_removed=False)
    if any(a.product_id == product.id for a in active):
        raise Conflict(_("Sản phẩm đã có vị trí trong tuần này."))
    used = {a.position for a in active if a.placement_id == placement.id}
    free = [p for p in range(1, placement.capacity + 1) if p not in used]
    if not free:
        raise Conflict(_("Vị trí này đã hết chỗ trong tuần %(w)s.", w=week))
    starts_at, ends_at = rules.week_bounds(week)
    allocation = Allocation(
        placement_id=placement.id, week=week, position=free[0], product_id=product.id,
        producer_id=product.producer_id, starts_at=starts_at, ends_at=ends_at, source=AllocationSource.PINNED,
        state=AllocationState.ACTIVE, pin_reason=reason, created_by_id=actor.id if actor else None,
        basis=json.dumps({"ticket": rules.lottery_ticket(week, product.id)}),
    )
    try:
        with db.session.begin_nested():
            db.session.add(allocation)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Vị trí vừa được người khác sử dụng; vui lòng tải lại trang.")) from None
    audit.record(actor.id if actor else None, "promotion.pin", "promotion_allocation", allocation.id, week=week,
                 placement=placement.code, position=allocation.position, product_id=product.id, reason=reason)
    db.session.flush()
    return allocation


def remove(actor: User, allocation_id: int, reason: str) -> Allocation:
    """Staff take a listing out of its position, with a reason; the position becomes free again."""
    _require_staff(actor)
    reason = _reason(reason)
    allocation = db.session.get(Allocation, allocation_id)
    if allocation is None:
        raise NotFound(_("Không tìm thấy vị trí đã phân bổ."))
    if allocation.state != AllocationState.ACTIVE:
        raise Conflict(_("Vị trí này đã được gỡ trước đó."))
    position = allocation.position
    allocation.state = AllocationState.REMOVED
    allocation.position = None
    allocation.removed_reason = reason
    allocation.removed_at = utcnow()
    allocation.removed_by_id = actor.id if actor else None
    if allocation.requested_week is not None:
        allocation.requested_week.state = WeekState.NOT_ALLOCATED
        allocation.requested_week.reason = "removed"
    audit.record(actor.id if actor else None, "promotion.remove", "promotion_allocation", allocation.id,
                 week=allocation.week, placement=allocation.placement.code, position=position,
                 product_id=allocation.product_id, reason=reason)
    db.session.flush()
    return allocation


# ---------------------------------------------------------------- display
@dataclass
class LiveItem:
    allocation: Allocation
    product: Product
    link: str


def _live(placement_codes: list[str] | None = None, product_ids: list[int] | None = None,
          allocation_id: int | None = None) -> list[Allocation]:
    """Active allocations of this week whose listing can be sold right now (a sold-out one drops out)."""
    settings = get_settings()
    stmt = (
        select(Allocation)
        .join(Placement, Placement.id == Allocation.placement_id)
        .join(Product, Product.id == Allocation.product_id)
        .join(Producer, Producer.id == Product.producer_id)
        .where(Allocation.week == current_week(), Allocation.state == AllocationState.ACTIVE,
               Product.status == ProductStatus.APPROVED, Producer.status == ProducerStatus.VERIFIED,
               Product.stock >= settings.min_stock)
        .options(selectinload(Allocation.placement),
                 selectinload(Allocation.product).selectinload(Product.images),
                 selectinload(Allocation.product).selectinload(Product.certificates),
                 selectinload(Allocation.product).selectinload(Product.producer).selectinload(Producer.province))
        .order_by(Allocation.position, Allocation.id)
    )
    if placement_codes is not None:
        stmt = stmt.where(Placement.code.in_(placement_codes))
    if product_ids is not None:
        stmt = stmt.where(Allocation.product_id.in_(product_ids))
    if allocation_id is not None:
        stmt = stmt.where(Allocation.id == allocation_id)
    return list(db.session.scalars(stmt))


def live_items(placement_code: str, query: str | None = None) -> list[LiveItem]:
    from flask import url_for

    from ..text import fold

    allocations = _live([placement_code])
    if query is not None:
        words = fold(query).split()
        allocations = [a for a in allocations if rules.query_matches(words, _listing_words(a.product))]
    ordered = rules.rotate_by_day(allocations, local_today())
    return [LiveItem(a, a.product, url_for("promotions.click", allocation_id=a.id)) for a in ordered]


def _listing_words(product: Product) -> set[str]:
    from ..text import fold

    text = " ".join([product.name, product.group.name_vi if product.group else "", product.producer.name,
                     product.producer.province.name if product.producer.province else ""])
    return set(fold(text).split())


def promoted_product_ids(product_ids: list[int]) -> set[int]:
    if not product_ids:
        return set()
    return {a.product_id for a in _live(product_ids=list(product_ids))}


def live_allocation(allocation_id: int) -> Allocation | None:
    found = _live(allocation_id=allocation_id)
    return found[0] if found else None
