"""Programme shipping subsidies (hỗ trợ phí giao của chương trình): staff fund one from a support project (per
shipment or per kg, a budget, a period, the eligible households); checkout applies it; the outcome report counts
it as the project's spending per household. Services flush; the caller commits once.

Orders sits below programs and never imports this module. It asks and spends through three signals, whose
receivers `init_app` connects when the app is created:
- `shipping_subsidy_offers`: the live subsidies for the shipments' households, in one statement, allocated by the
  pure `subsidy_rules.allocate` (what the cart, checkout and the order placed are priced with);
- `shipping_subsidy_claimed`: one conditional UPDATE, `spent_vnd = spent_vnd + :a WHERE spent_vnd + :a <=
  budget_vnd AND active AND in period`, inside the order's transaction; no row means the budget ran out (or the
  subsidy stopped) since the buyer was shown it, and `SubsidyRanOut` rolls the whole order back, stock included;
  the CHECK spent_vnd <= budget_vnd refuses an overspend whatever the code does;
- `shipping_subsidy_released`: a part cancelled before shipping gives its amount back, once (the use's
  `released_at` is set by a conditional UPDATE first, so two cancels cannot both give it back)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union_all, update
from sqlalchemy.orm import selectinload

from .. import audit, reference_cache, signals
from ..catalog.models import Producer
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..orders.models import OrderStatus, ProducerOrder
from ..orders.subsidy import ShipmentFee, SubsidyOffer, SubsidyRanOut
from ..routing import is_id
from ..timeutil import LOCAL_TZ, utcnow
from . import subsidy_rules
from .models import (
    Participation,
    ShippingSubsidy,
    ShippingSubsidyHousehold,
    ShippingSubsidyUse,
    SubsidyEligibility,
    SubsidyMode,
    SupportProject,
)
from .projects import require_scope, scoped

MODE_LABELS = {SubsidyMode.PER_ORDER: _l("Mỗi đơn giao"), SubsidyMode.PER_KG: _l("Theo kg")}
ELIGIBILITY_LABELS = {SubsidyEligibility.PARTICIPANTS: _l("Các hộ tham gia dự án"),
                      SubsidyEligibility.CHOSEN: _l("Các hộ được chọn")}


def mode_label(mode: str) -> str:
    return str(MODE_LABELS.get(mode, mode))  # type: ignore[call-overload]


def eligibility_label(code: str) -> str:
    return str(ELIGIBILITY_LABELS.get(code, code))  # type: ignore[call-overload]


# ---------------------------------------------------------------- checkout (the signals' receivers)
def _eligible_pairs():
    """(subsidy id, producer id) for every household a subsidy pays for: its project's participants, or its list."""
    participants = (select(ShippingSubsidy.id.label("subsidy_id"), Participation.producer_id.label("producer_id"))
                    .join(Participation, Participation.project_id == ShippingSubsidy.project_id)
                    .where(ShippingSubsidy.eligibility == SubsidyEligibility.PARTICIPANTS))
    chosen = (select(ShippingSubsidyHousehold.subsidy_id, ShippingSubsidyHousehold.producer_id)
              .join(ShippingSubsidy, ShippingSubsidy.id == ShippingSubsidyHousehold.subsidy_id)
              .where(ShippingSubsidy.eligibility == SubsidyEligibility.CHOSEN))
    return union_all(participants, chosen).subquery()


def live_subsidies(producer_ids: Iterable[int], at: dt.datetime) -> list[subsidy_rules.LiveSubsidy]:
    """The subsidies live at `at` that pay for any of these households, with their eligible ones among them:
    one statement (the cart page's budget of statements is small)."""
    ids = sorted(set(producer_ids))
    if not ids:
        return []
    pairs = _eligible_pairs()
    rows = db.session.execute(
        select(ShippingSubsidy.id, ShippingSubsidy.name, ShippingSubsidy.mode, ShippingSubsidy.amount_vnd,
               ShippingSubsidy.cap_per_order_vnd, ShippingSubsidy.budget_vnd - ShippingSubsidy.spent_vnd,
               ShippingSubsidy.starts_at, ShippingSubsidy.ends_at, ShippingSubsidy.active, pairs.c.producer_id)
        .join(pairs, pairs.c.subsidy_id == ShippingSubsidy.id)
        .where(ShippingSubsidy.active.is_(True), ShippingSubsidy.starts_at <= at, ShippingSubsidy.ends_at > at,
               ShippingSubsidy.spent_vnd < ShippingSubsidy.budget_vnd, pairs.c.producer_id.in_(ids))
        .order_by(ShippingSubsidy.id)
    ).all()
    terms: dict[int, tuple] = {}
    households: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        terms[row[0]] = tuple(row[:9])
        households[row[0]].add(row[9])
    out = []
    for sid, (_id, name, mode, amount, cap, remaining, starts_at, ends_at, active) in terms.items():
        out.append(subsidy_rules.LiveSubsidy(sid, name, mode, amount, cap, int(remaining), _aware(starts_at),
                                             _aware(ends_at), bool(active), frozenset(households[sid])))
    return out


def _aware(value: dt.datetime) -> dt.datetime:
    # Columns read as UTCDateTime are aware; a computed row may come back naive from SQLite.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


#: (id, eligible households, starts_at, ends_at) of the active subsidies not yet over, per process
_TERMS = "programs.shipping_subsidy_terms"


def _load_terms() -> tuple[tuple[int, frozenset[int], dt.datetime, dt.datetime], ...]:
    pairs = _eligible_pairs()
    households: dict[int, set[int]] = defaultdict(set)
    periods: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for sid, starts_at, ends_at, producer_id in db.session.execute(
            select(ShippingSubsidy.id, ShippingSubsidy.starts_at, ShippingSubsidy.ends_at, pairs.c.producer_id)
            .join(pairs, pairs.c.subsidy_id == ShippingSubsidy.id)
            .where(ShippingSubsidy.active.is_(True), ShippingSubsidy.ends_at > utcnow())):
        households[sid].add(producer_id)
        periods[sid] = (_aware(starts_at), _aware(ends_at))
    return tuple((sid, frozenset(households[sid]), *periods[sid]) for sid in sorted(periods))


def may_apply(producer_ids: Iterable[int], at: dt.datetime) -> bool:
    """Whether any subsidy might pay for one of these households now, from this process's copy of the terms
    (`reference_cache`): the cart and checkout pages of a shop without a live subsidy for their households send no
    statement for it. Changes made through this module drop the copy at once; others (a project's participants,
    in another process) show within REFERENCE_CACHE_TTL. Only an offer may be missed meanwhile (the page shows a
    higher total than the order will cost): placing an order always reads afresh."""
    wanted = set(producer_ids)
    terms = reference_cache.cached(_TERMS, _load_terms, keep=lambda _value: True)
    return any(starts_at <= at < ends_at and wanted & households for _sid, households, starts_at, ends_at in terms)


def _terms_changed() -> None:
    reference_cache.forget(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy's own


def offers(sender, shipments: list[ShipmentFee], at: dt.datetime, fresh: bool = False,
           **_kw) -> dict[int, SubsidyOffer]:
    """Receiver of `signals.shipping_subsidy_offers`."""
    if not fresh and not may_apply((s.producer_id for s in shipments), at):
        return {}
    live = live_subsidies((s.producer_id for s in shipments), at)
    if not live:
        return {}
    allocated = subsidy_rules.allocate(
        [subsidy_rules.Shipment(s.producer_id, s.fee_vnd, s.weight_grams) for s in shipments], live, at)
    return {pid: SubsidyOffer(pid, sub.id, amount, sub.name) for pid, (sub, amount) in allocated.items()}


def spend(po: ProducerOrder, offer: SubsidyOffer, **_kw) -> bool:
    """Receiver of `signals.shipping_subsidy_claimed`: take the amount from the budget, or refuse the order."""
    now = utcnow()
    amount = offer.amount_vnd
    taken = db.session.execute(
        update(ShippingSubsidy)
        .where(ShippingSubsidy.id == offer.subsidy_id,
               ShippingSubsidy.spent_vnd + amount <= ShippingSubsidy.budget_vnd,
               ShippingSubsidy.active.is_(True), ShippingSubsidy.starts_at <= now, ShippingSubsidy.ends_at > now)
        .values(spent_vnd=ShippingSubsidy.spent_vnd + amount)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
    if taken != 1:
        raise SubsidyRanOut(offer.label)
    db.session.add(ShippingSubsidyUse(subsidy_id=offer.subsidy_id, producer_order_id=po.id,
                                      producer_id=po.producer_id, amount_vnd=amount, created_at=now))
    db.session.flush()
    return True


def give_back(po: ProducerOrder, **_kw) -> None:
    """Receiver of `signals.shipping_subsidy_released`: a cancelled part's amount goes back to the budget, once."""
    released = db.session.execute(
        update(ShippingSubsidyUse)
        .where(ShippingSubsidyUse.producer_order_id == po.id, ShippingSubsidyUse.released_at.is_(None))
        .values(released_at=utcnow())
        .returning(ShippingSubsidyUse.subsidy_id, ShippingSubsidyUse.amount_vnd)
        .execution_options(synchronize_session=False)
    ).all()
    for subsidy_id, amount in released:
        db.session.execute(
            update(ShippingSubsidy)
            .where(ShippingSubsidy.id == subsidy_id, ShippingSubsidy.spent_vnd >= amount)
            .values(spent_vnd=ShippingSubsidy.spent_vnd - amount)
            .execution_options(synchronize_session=False))


def init_app(app) -> None:
    signals.shipping_subsidy_offers.connect(offers, weak=False)
    signals.shipping_subsidy_claimed.connect(spend, weak=False)
    signals.shipping_subsidy_released.connect(give_back, weak=False)


# ---------------------------------------------------------------- staff: fund, change, stop
@dataclass
class SubsidyData:
    project_id: int | None
    name: str
    mode: str
    amount_vnd: int | None
    cap_per_order_vnd: int | None
    budget_vnd: int | None
    starts_on: dt.date | None
    #: the last day it applies (inclusive), in Asia/Ho_Chi_Minh
    ends_on: dt.date | None
    eligibility: str
    household_ids: list[int] = field(default_factory=list)


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of a local day (Asia/Ho_Chi_Minh), as UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def last_local_day(ends_at: dt.datetime) -> dt.date:
    """The last local day a subsidy applies (its end is the next day's midnight)."""
    return (ends_at.astimezone(LOCAL_TZ) - dt.timedelta(microseconds=1)).date()


def _whole(value, what: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("%(what)s phải là số nguyên đồng.", what=what))
    if not minimum <= value <= maximum:
        raise InvalidInput(_("%(what)s phải từ %(a)s đến %(b)s đồng.", what=what, a=f"{minimum:,}".replace(",", "."),
                             b=f"{maximum:,}".replace(",", ".")))
    return value


def _check(actor, data: SubsidyData, subsidy: ShippingSubsidy | None) -> tuple[SupportProject, SubsidyData]:
    project = db.session.get(SupportProject, data.project_id) if is_id(data.project_id) else None
    if project is None:
        raise InvalidInput(_("Vui lòng chọn dự án."))
    require_scope(actor, project.province_id)
    name = (data.name or "").strip()
    if not name or len(name) > 160:
        raise InvalidInput(_("Vui lòng nhập tên chương trình hỗ trợ (tối đa 160 ký tự)."))
    if data.mode not in subsidy_rules.MODES:
        raise InvalidInput(_("Cách tính hỗ trợ không hợp lệ."))
    amount = _whole(data.amount_vnd, _("Mức hỗ trợ") if data.mode == SubsidyMode.PER_ORDER else _("Mức hỗ trợ mỗi kg"),
                    1, subsidy_rules.MAX_AMOUNT_VND)
    cap = None if data.cap_per_order_vnd is None else _whole(data.cap_per_order_vnd, _("Mức tối đa mỗi đơn"), 1,
                                                             subsidy_rules.MAX_AMOUNT_VND)
    budget = _whole(data.budget_vnd, _("Ngân sách"), 1, subsidy_rules.MAX_BUDGET_VND)
    if subsidy is not None and budget < subsidy.spent_vnd:
        raise InvalidInput(_("Ngân sách không thể nhỏ hơn số đã dùng (%(n)s đồng).",
                             n=f"{subsidy.spent_vnd:,}".replace(",", ".")))
    if data.starts_on is None or data.ends_on is None:
        raise InvalidInput(_("Vui lòng nhập ngày bắt đầu và ngày kết thúc."))
    if data.ends_on < data.starts_on:
        raise InvalidInput(_("Ngày kết thúc phải sau ngày bắt đầu."))
    if data.eligibility not in (SubsidyEligibility.PARTICIPANTS, SubsidyEligibility.CHOSEN):
        raise InvalidInput(_("Hộ được hỗ trợ không hợp lệ."))
    chosen: list[int] = []
    if data.eligibility == SubsidyEligibility.CHOSEN:
        wanted = sorted({i for i in data.household_ids if is_id(i)})
        if not wanted or len(wanted) != len(set(data.household_ids)):
            raise InvalidInput(_("Vui lòng chọn ít nhất một hộ được hỗ trợ."))
        found = set(db.session.scalars(select(Producer.id).where(Producer.id.in_(wanted),
                                                                 Producer.province_id == project.province_id)))
        if found != set(wanted):
            raise InvalidInput(_("Chỉ chọn được hộ ở tỉnh của dự án."))
        chosen = wanted
    return project, SubsidyData(project.id, name, data.mode, amount, cap, budget, data.starts_on, data.ends_on,
                                data.eligibility, chosen)


def _apply(subsidy: ShippingSubsidy, data: SubsidyData) -> None:
    subsidy.project_id = data.project_id  # type: ignore[assignment]  # checked above
    subsidy.name = data.name
    subsidy.mode = data.mode
    subsidy.amount_vnd = data.amount_vnd  # type: ignore[assignment]
    subsidy.cap_per_order_vnd = data.cap_per_order_vnd
    subsidy.budget_vnd = data.budget_vnd  # type: ignore[assignment]
    assert data.starts_on is not None and data.ends_on is not None  # checked above
    subsidy.starts_at = local_midnight(data.starts_on)
    subsidy.ends_at = local_midnight(data.ends_on + dt.timedelta(days=1))
    subsidy.eligibility = data.eligibility
    keep = set(data.household_ids)
    for row in list(subsidy.households):
        if row.producer_id not in keep:
            subsidy.households.remove(row)
    have = {row.producer_id for row in subsidy.households}
    for pid in data.household_ids:
        if pid not in have:
            subsidy.households.append(ShippingSubsidyHousehold(producer_id=pid))


def _audit_detail(data: SubsidyData) -> dict:
    return {"project_id": data.project_id, "name": data.name, "mode": data.mode, "amount_vnd": data.amount_vnd,
            "cap_per_order_vnd": data.cap_per_order_vnd, "budget_vnd": data.budget_vnd,
            "starts_on": data.starts_on, "ends_on": data.ends_on, "eligibility": data.eligibility,
            "households": data.household_ids}


def create_subsidy(actor, data: SubsidyData) -> ShippingSubsidy:
    project, data = _check(actor, data, None)
    subsidy = ShippingSubsidy(spent_vnd=0, active=True, created_by_id=actor.id, households=[])
    _apply(subsidy, data)
    db.session.add(subsidy)
    db.session.flush()
    audit.record(actor.id, "shipping_subsidy.create", "shipping_subsidy", subsidy.id, **_audit_detail(data))
    db.session.flush()
    _terms_changed()
    return subsidy


def update_subsidy(actor, subsidy: ShippingSubsidy, data: SubsidyData) -> ShippingSubsidy:
    """New terms apply to orders placed from now on; what parts already got stays theirs."""
    require_scope(actor, subsidy.project.province_id)
    _project, data = _check(actor, data, subsidy)
    _apply(subsidy, data)
    db.session.flush()
    audit.record(actor.id, "shipping_subsidy.update", "shipping_subsidy", subsidy.id, **_audit_detail(data))
    db.session.flush()
    _terms_changed()
    return subsidy


def stop_subsidy(actor, subsidy: ShippingSubsidy) -> ShippingSubsidy:
    """No order placed from now on gets it; parts that got it keep it (and a cancelled one still gives it back)."""
    require_scope(actor, subsidy.project.province_id)
    db.session.execute(update(ShippingSubsidy).where(ShippingSubsidy.id == subsidy.id)
                       .values(active=False, updated_at=utcnow()).execution_options(synchronize_session=False))
    db.session.refresh(subsidy)
    audit.record(actor.id, "shipping_subsidy.stop", "shipping_subsidy", subsidy.id, spent_vnd=subsidy.spent_vnd,
                 budget_vnd=subsidy.budget_vnd)
    db.session.flush()
    _terms_changed()
    return subsidy


def subsidies_for(user) -> list[ShippingSubsidy]:
    """The subsidies of the projects the account manages, newest first."""
    projects = scoped(select(SupportProject.id), user)
    return list(db.session.scalars(
        select(ShippingSubsidy).where(ShippingSubsidy.project_id.in_(projects.scalar_subquery()))
        .options(selectinload(ShippingSubsidy.project), selectinload(ShippingSubsidy.households))
        .order_by(ShippingSubsidy.created_at.desc(), ShippingSubsidy.id.desc())))


def subsidy_or_404(subsidy_id: int, user) -> ShippingSubsidy:
    subsidy = db.session.get(ShippingSubsidy, subsidy_id) if is_id(subsidy_id) else None
    if subsidy is None:
        raise NotFound(_("Không tìm thấy chương trình hỗ trợ phí giao."))
    require_scope(user, subsidy.project.province_id)
    return subsidy


STATE_LABELS = {
    "live": _l("Đang áp dụng"), "not_started": _l("Chưa bắt đầu"), "ended": _l("Đã hết hạn"),
    "stopped": _l("Đã dừng"), "spent": _l("Đã hết ngân sách"),
}


def state_of(subsidy: ShippingSubsidy, at: dt.datetime | None = None) -> tuple[str, str]:
    """(code, words) of where a subsidy stands now."""
    at = at or utcnow()
    if not subsidy.active:
        code = "stopped"
    elif subsidy.spent_vnd >= subsidy.budget_vnd:
        code = "spent"
    elif at < subsidy.starts_at:
        code = "not_started"
    elif at >= subsidy.ends_at:
        code = "ended"
    else:
        code = "live"
    return code, str(STATE_LABELS[code])


def local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(LOCAL_TZ).date()


def uses_of(subsidy: ShippingSubsidy, limit: int = 200) -> list[tuple[ShippingSubsidyUse, ProducerOrder]]:
    """The parts the subsidy paid for, newest first, with their order (for the staff page)."""
    return [(use, po) for use, po in db.session.execute(
        select(ShippingSubsidyUse, ProducerOrder)
        .join(ProducerOrder, ProducerOrder.id == ShippingSubsidyUse.producer_order_id)
        .where(ShippingSubsidyUse.subsidy_id == subsidy.id)
        .options(selectinload(ProducerOrder.order), selectinload(ProducerOrder.producer))
        .order_by(ShippingSubsidyUse.created_at.desc(), ShippingSubsidyUse.id.desc()).limit(limit)).tuples()]


# ---------------------------------------------------------------- the programme's spending (report)
def _spent_rows(project_ids: list[int], start: dt.datetime | None, end: dt.datetime | None):
    """(project, household, amount) of uses still standing: not given back, their part not cancelled."""
    if not project_ids:
        return []
    stmt = (select(ShippingSubsidy.project_id, ShippingSubsidyUse.producer_id, func.sum(ShippingSubsidyUse.amount_vnd))
            .join(ShippingSubsidy, ShippingSubsidy.id == ShippingSubsidyUse.subsidy_id)
            .join(ProducerOrder, ProducerOrder.id == ShippingSubsidyUse.producer_order_id)
            .where(ShippingSubsidy.project_id.in_(project_ids), ShippingSubsidyUse.released_at.is_(None),
                   ProducerOrder.status != OrderStatus.CANCELLED)
            .group_by(ShippingSubsidy.project_id, ShippingSubsidyUse.producer_id))
    if start is not None:
        stmt = stmt.where(ShippingSubsidyUse.created_at >= start)
    if end is not None:
        stmt = stmt.where(ShippingSubsidyUse.created_at < end)
    return db.session.execute(stmt).all()


def spending_by_project(project_ids: list[int], first_day: dt.date, last_day: dt.date) -> dict[int, int]:
    """What each project's shipping subsidies paid for parts placed in the period (local days, inclusive)."""
    out: dict[int, int] = defaultdict(int)
    for project_id, _producer_id, amount in _spent_rows(project_ids, local_midnight(first_day),
                                                        local_midnight(last_day + dt.timedelta(days=1))):
        out[project_id] += int(amount or 0)
    return dict(out)


def spending_by_household(project_id: int, first_day: dt.date, last_day: dt.date) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for _project_id, producer_id, amount in _spent_rows([project_id], local_midnight(first_day),
                                                        local_midnight(last_day + dt.timedelta(days=1))):
        out[producer_id] += int(amount or 0)
    return dict(out)
