"""The weekly allocation of placements among requests (pure rules in rules.py), and staff pins and removals.
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
from ..accounts.models import User
from ..catalog import services as catalog
from ..catalog.models import Product
from ..catalog.notices import tell_producer
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..routing import is_id
from ..timeutil import utcnow
from . import draws, lottery, rules
from .eligibility import eligibility_rules, listing_facts, producers_in_active_projects
from .models import (
    Allocation,
    AllocationSource,
    AllocationState,
    Placement,
    PlacementKind,
    PromotionRequest,
    RequestedWeek,
    WeekRun,
    WeekState,
)
from .placements import check_week, ensure_defaults, placements, require_staff


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
    require_staff(actor)
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
    week_placements = placements()
    slots = [rules.Slot(p.id, p.kind, p.capacity, p.group_id, frozenset(taken[p.id])) for p in week_placements]
    quotas = rules.Quotas(settings.quota_per_quarter, settings.max_per_week)
    # Requests close now: the seed needs the closing value, so nobody could know it before this moment.
    closing = draws.close(week, [(c.key, c.product_id) for c in candidates])
    outcome = rules.allocate(week, candidates, slots, quotas, seed=closing.seed)
    codes = draws.producer_codes(c.producer_id for c in candidates)
    draws.reveal(closing, lottery.publication(
        week, closing.row.secret, closing.row.commitment, closing.seed, (closing.count, closing.digest),
        rules.draw_entries(candidates, codes.__getitem__), slots, {p.id: p.code for p in week_placements},
        quotas, outcome))

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
    placement_names = {p.id: p.name_vi for p in week_placements}
    for a in outcome.assignments:
        _tell(by_rw[a.key], week, placement=placement_names.get(a.placement_id, ""))
    for key in outcome.refusals:
        _tell(by_rw[key], week)
    run.allocated = len(outcome.assignments)
    run.refused = len(outcome.refusals)
    audit.record(actor.id if actor else None, "promotion.allocate", "promotion_week", run.id, week=week,
                 allocated=run.allocated, refused=run.refused)
    db.session.flush()
    return WeekResult(week, True, run.allocated, run.refused)


def _tell(rw: RequestedWeek, week: str, placement: str = "") -> None:
    """The producer hears whether the week they asked for was granted, or why not (in the outbox, this
    transaction); once per requested week and outcome."""
    product = rw.request.product
    monday = rules.week_monday(week)
    tell_producer(product.producer, event_key=f"promotion_week:{rw.id}:{rw.state}", template="promotion_decided",
                  params={"producer": product.producer.name, "product": product.name, "week": week,
                          "monday": monday.strftime("%d/%m/%Y"), "granted": rw.state == WeekState.ALLOCATED,
                          "placement": placement, "reason": rules.REASON_TEXT.get(rw.reason, rw.reason)})


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
    require_staff(actor)
    check_week(week)
    reason = _reason(reason)
    ensure_defaults()
    # Both ids come from the staff form: one beyond the id column is simply not found (never sent to the driver).
    placement = db.session.get(Placement, placement_id) if is_id(placement_id) else None
    if placement is None:
        raise NotFound(_("Không tìm thấy vị trí quảng bá."))
    product = db.session.scalar(catalog.public_products().where(Product.id == product_id)) if is_id(product_id) else None
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
        # No lottery ticket: before the draw the week's seed is unknown, and a pin is not drawn.
        basis="{}",
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
    require_staff(actor)
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
