"""Did free promotion sell more? Two comparisons that hold up better than "the week before" (pure; report.py feeds it).

- **Tied lottery losers** (a control group): within one week and one priority tier, the lottery alone decided who got
  a position and who was refused for want of room ("capacity"). Those winners and losers differ only by the draw, so
  their sales in that week compare like with like. Tiers where nobody lost (or nobody won) are left out.
- **The same weeks a year earlier** (`year_earlier`: 52 weeks before, the same weekdays): every promoted listing-week
  against the same listing's sales then, counted only for listings already on sale a year earlier.

Orders are order lines (one listing in one producer's order), revenue their totals in VND, cancelled ones left out.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import rules

Pair = tuple[str, int]  # (week, product id)


@dataclass(frozen=True)
class DrawnRequest:
    """One requested week as the week's published outcomes list it."""

    week: str
    product_id: int
    tier: int
    allocated: bool
    reason: str = ""


@dataclass(frozen=True)
class GroupFigures:
    products: int = 0  # distinct listings
    product_weeks: int = 0
    orders: int = 0
    revenue_vnd: int = 0

    @property
    def orders_per_week(self) -> float:
        return self.orders / self.product_weeks if self.product_weeks else 0.0

    @property
    def revenue_per_week(self) -> int:
        """Whole đồng per listing-week, rounded half up."""
        return (2 * self.revenue_vnd + self.product_weeks) // (2 * self.product_weeks) if self.product_weeks else 0


@dataclass(frozen=True)
class Comparison:
    #: winners of the tiers the lottery split, and the tied losers of those tiers (same weeks)
    promoted_tied: GroupFigures
    control: GroupFigures
    #: promoted listing-weeks of listings on sale a year earlier, and the same listings 52 weeks before
    promoted_matched: GroupFigures
    year_before: GroupFigures
    #: weeks whose published outcomes gave a control group
    control_weeks: tuple[str, ...] = ()

    @property
    def control_difference_vnd(self) -> int:
        return self.promoted_tied.revenue_per_week - self.control.revenue_per_week

    @property
    def year_difference_vnd(self) -> int:
        return self.promoted_matched.revenue_per_week - self.year_before.revenue_per_week


def year_earlier(week: str) -> str:
    return rules.add_weeks(week, -52)


def tied_groups(requests: Iterable[DrawnRequest]) -> tuple[set[Pair], set[Pair]]:
    """(winners, losers) of every (week, tier) that the lottery split: someone got a position and someone with the
    same tier was refused for capacity."""
    by_tier: defaultdict[tuple[str, int], list[DrawnRequest]] = defaultdict(list)
    for r in requests:
        by_tier[(r.week, r.tier)].append(r)
    winners: set[Pair] = set()
    losers: set[Pair] = set()
    for group in by_tier.values():
        won = {(r.week, r.product_id) for r in group if r.allocated}
        lost = {(r.week, r.product_id) for r in group if not r.allocated and r.reason == "capacity"}
        if won and lost:
            winners |= won
            losers |= lost - won
    return winners, losers


def figures(pairs: Iterable[Pair], sales: Mapping[Pair, tuple[int, int]]) -> GroupFigures:
    pairs = set(pairs)
    orders = sum(sales.get(p, (0, 0))[0] for p in pairs)
    revenue = sum(sales.get(p, (0, 0))[1] for p in pairs)
    return GroupFigures(len({product for _week, product in pairs}), len(pairs), orders, revenue)


def compare(requests: Iterable[DrawnRequest], promoted: Iterable[Pair], sales: Mapping[Pair, tuple[int, int]],
            first_week_on_sale: Mapping[int, str]) -> Comparison:
    """Both comparisons from the drawn requests, every promoted (week, listing) (pins included), sales per
    (week, listing) as (orders, revenue) — a year earlier included — and the first week each listing was on sale."""
    requests = list(requests)
    winners, losers = tied_groups(requests)
    matched = {(w, pid) for w, pid in promoted
               if pid in first_week_on_sale
               and rules.week_index(first_week_on_sale[pid]) <= rules.week_index(year_earlier(w))}
    return Comparison(
        promoted_tied=figures(winners, sales), control=figures(losers, sales),
        promoted_matched=figures(matched, sales),
        year_before=figures({(year_earlier(w), pid) for w, pid in matched}, sales),
        control_weeks=tuple(sorted({w for w, _pid in winners})),
    )
