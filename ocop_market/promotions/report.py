"""Queries for the transparency page and the staff effect report (figures + inline SVG charts)."""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import charts
from ..catalog import services as catalog
from ..catalog.models import Producer, Product
from ..charts import Chart
from ..extensions import db
from ..money import format_vnd
from ..orders.models import OrderLine, OrderStatus, ProducerOrder
from ..timeutil import utcnow
from . import eligibility, evaluation, placements, rules
from .models import (
    Allocation,
    AllocationState,
    Conversion,
    DailyCounter,
    Placement,
    PromotionRequest,
    RequestedWeek,
    WeekLottery,
    WeekRun,
)


def recent_runs(limit: int = 12) -> list[WeekRun]:
    return list(db.session.scalars(select(WeekRun).order_by(WeekRun.week.desc()).limit(limit)))


def waiting_requests(week: str) -> list[RequestedWeek]:
    return list(db.session.scalars(
        select(RequestedWeek).where(RequestedWeek.week == week)
        .options(selectinload(RequestedWeek.request).selectinload(PromotionRequest.product),
                 selectinload(RequestedWeek.request).selectinload(PromotionRequest.producer))
        .order_by(RequestedWeek.state, RequestedWeek.id)
    ))


@dataclass
class Figures:
    slot_weeks: int = 0
    impressions: int = 0
    clicks: int = 0
    attributed_orders: int = 0
    attributed_revenue: int = 0
    orders_during: int = 0
    revenue_during: int = 0
    orders_before: int = 0
    revenue_before: int = 0
    impressions_before: int = 0

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def ctr(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0


@dataclass
class Row:
    allocation: Allocation
    figures: Figures


@dataclass
class Fairness:
    producers: int = 0
    total_impressions: int = 0
    gini: float = 0.0
    min_share: float = 0.0
    poor_share: float = 0.0
    per_producer: list[tuple[str, int, bool]] = field(default_factory=list)  # name, impressions, poor


@dataclass
class EffectReport:
    weeks: list[str]
    rows: list[Row]
    placements: list[tuple[Placement, Figures]]
    totals: Figures
    fairness: Fairness
    charts: dict[str, Chart]
    comparison: evaluation.Comparison
    #: the finished weeks the comparison covers
    compared_weeks: list[str] = field(default_factory=list)


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(rules.LOCAL_TZ).date()


def _sales(product_ids: set[int], start: dt.datetime, end: dt.datetime) -> list[tuple[int, dt.datetime, int]]:
    """(product, time, line total) of order lines placed in [start, end), cancelled parts left out."""
    if not product_ids:
        return []
    rows = db.session.execute(
        select(OrderLine.product_id, ProducerOrder.created_at, OrderLine.line_total_vnd)
        .join(ProducerOrder, ProducerOrder.id == OrderLine.producer_order_id)
        .where(OrderLine.product_id.in_(product_ids), ProducerOrder.created_at >= start,
               ProducerOrder.created_at < end, ProducerOrder.status != OrderStatus.CANCELLED)
    ).all()
    return [(pid, at if at.tzinfo else at.replace(tzinfo=dt.UTC), total) for pid, at, total in rows]


def _counters(product_ids: set[int], first: dt.date, last: dt.date) -> Sequence[tuple[int, int, dt.date, int, int]]:
    if not product_ids:
        return []
    return db.session.execute(
        select(DailyCounter.placement_id, DailyCounter.product_id, DailyCounter.day, DailyCounter.impressions,
               DailyCounter.clicks)
        .where(DailyCounter.product_id.in_(product_ids), DailyCounter.day >= first, DailyCounter.day <= last)
    ).tuples().all()


def effect_report(n_weeks: int = 8, now: dt.datetime | None = None) -> EffectReport:
    now = now or utcnow()
    current = rules.week_of(now)
    weeks = [rules.add_weeks(current, -i) for i in range(n_weeks - 1, -1, -1)]
    allocations = db.session.scalars(
        select(Allocation).where(Allocation.week.in_(weeks), Allocation.state == AllocationState.ACTIVE)
        .options(selectinload(Allocation.placement).selectinload(Placement.group),
                 selectinload(Allocation.product), selectinload(Allocation.producer))
        .order_by(Allocation.week.desc(), Allocation.placement_id, Allocation.position)
    ).all()
    product_ids = {a.product_id for a in allocations}
    first_start = min((a.starts_at for a in allocations), default=now)
    span_start = first_start - dt.timedelta(days=7)
    sales = _sales(product_ids, span_start, now + dt.timedelta(seconds=1))
    counters = _counters(product_ids, _local_day(span_start), _local_day(now))
    conversions: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    if allocations:
        for allocation_id, n, revenue in db.session.execute(
            select(Conversion.allocation_id, func.count(), func.coalesce(func.sum(Conversion.revenue_vnd), 0))
            .where(Conversion.allocation_id.in_([a.id for a in allocations])).group_by(Conversion.allocation_id)
        ):
            conversions[allocation_id] = [int(n), int(revenue)]

    rows: list[Row] = []
    by_placement: dict[int, Figures] = defaultdict(Figures)
    totals = Figures()
    for a in allocations:
        end = min(a.ends_at, now)
        length = end - a.starts_at
        if length <= dt.timedelta(0):
            continue  # a future week
        before = a.starts_at - length
        f = Figures(slot_weeks=1)
        first_day, last_day = _local_day(a.starts_at), _local_day(end - dt.timedelta(microseconds=1))
        before_first = _local_day(before)
        for placement_id, product_id, day, imp, clk in counters:
            if product_id != a.product_id:
                continue
            if placement_id == a.placement_id and first_day <= day <= last_day:
                f.impressions += imp
                f.clicks += clk
            elif before_first <= day < first_day:
                f.impressions_before += imp
        for product_id, at, total in sales:
            if product_id != a.product_id:
                continue
            if a.starts_at <= at < end:
                f.orders_during += 1
                f.revenue_during += total
            elif before <= at < a.starts_at:
                f.orders_before += 1
                f.revenue_before += total
        f.attributed_orders, f.attributed_revenue = conversions[a.id]
        rows.append(Row(a, f))
        by_placement[a.placement_id].add(f)
        totals.add(f)
    placement_rows = [(p, by_placement[p.id]) for p in placements.placements() if p.id in by_placement]
    first_day = _local_day(rules.week_bounds(weeks[0])[0])
    fairness_figures = fairness(first_day, _local_day(now))
    done = [w for w in weeks if rules.week_bounds(w)[1] <= now]
    return EffectReport(weeks, rows, placement_rows, totals, fairness_figures,
                        _charts(rows, placement_rows, fairness_figures),
                        comparison(done, [a for a in allocations if a.week in done]), done)


def _weekly_sales(product_ids: set[int], weeks: list[str]) -> dict[tuple[str, int], tuple[int, int]]:
    """(orders, revenue) per (week, listing) for the given weeks."""
    if not product_ids or not weeks:
        return {}
    wanted = set(weeks)
    start = min(rules.week_bounds(w)[0] for w in weeks)
    end = max(rules.week_bounds(w)[1] for w in weeks)
    out: defaultdict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for product_id, at, total in _sales(product_ids, start, end):
        week = rules.week_of(at)
        if week in wanted:
            out[(week, product_id)][0] += 1
            out[(week, product_id)][1] += total
    return {k: (v[0], v[1]) for k, v in out.items()}


def comparison(weeks: list[str], promoted: Sequence[Allocation]) -> evaluation.Comparison:
    """Promoted listings against the tied lottery losers of the same weeks (from each week's published outcomes)
    and against their own sales 52 weeks earlier (evaluation.py). `promoted` are the weeks' active allocations."""
    drawn: list[evaluation.DrawnRequest] = []
    if weeks:
        removed = set(db.session.scalars(select(Allocation.requested_week_id).where(
            Allocation.week.in_(weeks), Allocation.state == AllocationState.REMOVED,
            Allocation.requested_week_id.is_not(None))))
        for published in db.session.scalars(select(WeekLottery.published).where(
                WeekLottery.week.in_(weeks), WeekLottery.revealed_at.is_not(None))):
            document = json.loads(published or "{}")
            for r in document.get("requests", []):
                # A winner staff removed later was not promoted the whole week: in neither group.
                drawn.append(evaluation.DrawnRequest(document["week"], int(r["product_id"]), int(r["tier"]),
                                                     r["outcome"] == "allocated" and r["key"] not in removed,
                                                     r["reason"]))
    pairs = {(a.week, a.product_id) for a in promoted}
    product_ids = {pid for _w, pid in pairs} | {d.product_id for d in drawn}
    sales = _weekly_sales(product_ids, weeks)
    sales.update(_weekly_sales({pid for _w, pid in pairs}, [evaluation.year_earlier(w) for w in weeks]))
    first_week: dict[int, str] = {}
    if pairs:
        for pid, created_at in db.session.execute(
                select(Product.id, Product.created_at).where(Product.id.in_({pid for _w, pid in pairs}))):
            first_week[pid] = rules.week_of(created_at if created_at.tzinfo else created_at.replace(tzinfo=dt.UTC))
    return evaluation.compare(drawn, pairs, sales, first_week)


def fairness(first: dt.date, last: dt.date) -> Fairness:
    """How impressions were shared among the producers eligible now (or promoted in the period)."""
    products = db.session.scalars(catalog.public_products()).all()
    in_project = eligibility.producers_in_active_projects(sorted({p.producer_id for p in products}))
    elig = eligibility.eligibility_rules()
    eligible = {p.producer_id for p in products
                if not rules.eligibility_problems(eligibility.listing_facts(p, p.producer_id in in_project), elig)}
    shown: dict[int, int | None] = dict(db.session.execute(
        select(Product.producer_id, func.sum(DailyCounter.impressions))
        .join(Product, Product.id == DailyCounter.product_id)
        .where(DailyCounter.day >= first, DailyCounter.day <= last).group_by(Product.producer_id)
    ).tuples().all())
    population = sorted(eligible | set(shown))
    if not population:
        return Fairness()
    producers = {p.id: p for p in db.session.scalars(select(Producer).where(Producer.id.in_(population)))}
    values = [int(shown.get(pid, 0) or 0) for pid in population]
    total = sum(values)
    poor = sum(int(shown.get(pid, 0) or 0) for pid in population if producers[pid].household_category == "poor")
    per = sorted(((producers[pid].name, int(shown.get(pid, 0) or 0), producers[pid].household_category == "poor")
                  for pid in population), key=lambda t: (-t[1], t[0]))
    return Fairness(producers=len(population), total_impressions=total, gini=rules.gini(values),
                    min_share=rules.min_share(values), poor_share=poor / total if total else 0.0, per_producer=per)


def _charts(rows: list[Row], by_placement, fair: Fairness) -> dict[str, Chart]:
    listing: dict[str, Figures] = defaultdict(Figures)
    for row in rows:
        listing[row.allocation.product.name].add(row.figures)
    top = sorted(listing.items(), key=lambda kv: -(kv[1].revenue_during + kv[1].revenue_before))[:12]
    shown = fair.per_producer[:20]
    return {
        "revenue": charts.rows(_("Doanh thu trong thời gian quảng bá so với cùng khoảng thời gian trước đó"),
                               [(name, (f.revenue_before, f.revenue_during)) for name, f in top],
                               (_("Trước"), _("Trong khi quảng bá")), fmt=format_vnd),
        "orders": charts.rows(_("Số đơn hàng: trước và trong khi quảng bá"),
                              [(name, (f.orders_before, f.orders_during)) for name, f in top],
                              (_("Trước"), _("Trong khi quảng bá"))),
        "placements": charts.rows(_("Lượt hiển thị và lượt bấm theo vị trí"),
                                  [(placements.placement_label(p), (f.impressions, f.clicks)) for p, f in by_placement],
                                  (_("Lượt hiển thị"), _("Lượt bấm"))),
        "producers": charts.rows(_("Lượt hiển thị theo cơ sở đủ điều kiện (in đậm: hộ nghèo)"),
                                 [(name, (n,)) for name, n, _poor in shown], (_("Lượt hiển thị"),),
                                 strong={i for i, (_n, _v, poor) in enumerate(shown) if poor}),
    }


# ---------------------------------------------------------------- a producer's own figures
@dataclass
class ProducerWeek:
    week: str
    #: placements held this week (active allocations of the producer's listings)
    placements: int = 0
    impressions: int = 0
    clicks: int = 0
    #: the producer's orders placed this week (cancelled ones left out) and their subtotal
    orders: int = 0
    revenue_vnd: int = 0
    #: order lines bought after a click on the producer's promotion
    attributed_orders: int = 0


def producer_weeks(producer_id: int, n_weeks: int = 8, now: dt.datetime | None = None) -> list[ProducerWeek]:
    """One producer's promotion views, clicks and orders per week, newest first; nobody else's rows are read."""
    now = now or utcnow()
    current = rules.week_of(now)
    weeks = [rules.add_weeks(current, -i) for i in range(n_weeks)]
    rows = {w: ProducerWeek(w) for w in weeks}
    start, end = rules.week_bounds(weeks[-1])[0], rules.week_bounds(current)[1]
    for week, n in db.session.execute(
        select(Allocation.week, func.count()).where(Allocation.producer_id == producer_id, Allocation.week.in_(weeks),
                                                   Allocation.state == AllocationState.ACTIVE)
        .group_by(Allocation.week)
    ).tuples():
        rows[week].placements = int(n)
    for day, impressions, clicks in db.session.execute(
        select(DailyCounter.day, func.sum(DailyCounter.impressions), func.sum(DailyCounter.clicks))
        .join(Product, Product.id == DailyCounter.product_id)
        .where(Product.producer_id == producer_id, DailyCounter.day >= _local_day(start),
               DailyCounter.day < _local_day(end))
        .group_by(DailyCounter.day)
    ).tuples():
        row = rows.get(rules.week_code(day))
        if row is not None:
            row.impressions += int(impressions or 0)
            row.clicks += int(clicks or 0)
    for at, subtotal in db.session.execute(
        select(ProducerOrder.created_at, ProducerOrder.subtotal_vnd)
        .where(ProducerOrder.producer_id == producer_id, ProducerOrder.created_at >= start,
               ProducerOrder.created_at < end, ProducerOrder.status != OrderStatus.CANCELLED)
    ).tuples():
        row = rows.get(rules.week_of(at if at.tzinfo else at.replace(tzinfo=dt.UTC)))
        if row is not None:
            row.orders += 1
            row.revenue_vnd += subtotal
    for (at,) in db.session.execute(
        select(Conversion.created_at).join(Allocation, Allocation.id == Conversion.allocation_id)
        .where(Allocation.producer_id == producer_id, Conversion.created_at >= start, Conversion.created_at < end)
    ).tuples():
        row = rows.get(rules.week_of(at if at.tzinfo else at.replace(tzinfo=dt.UTC)))
        if row is not None:
            row.attributed_orders += 1
    return [rows[w] for w in weeks]
