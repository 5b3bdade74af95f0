"""Pure programme rules: reporting periods, disbursement rates and limits, category moves and the outcome
figures of a group of households. No database here: services feed plain rows in."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..timeutil import add_months

#: one project may not carry more than this per source (a typo guard; the biggest projects are far below)
MAX_AMOUNT_VND = 1_000_000_000_000
#: income per person per month: a bound far above any rural household
MAX_INCOME_VND = 1_000_000_000

POOR, NEAR_POOR, ESCAPED, NONE = "poor", "near_poor", "escaped", "none"


# ---------------------------------------------------------------- periods
@dataclass(frozen=True)
class Period:
    """A reporting period: a month (2026-10), a quarter (2026-Q4) or a year (2026). `end` is exclusive."""

    kind: str
    start: dt.date
    end: dt.date
    key: str

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("Tháng %(m)s/%(y)s", m=self.start.month, y=self.start.year)
        if self.kind == "quarter":
            return _("Quý %(q)s/%(y)s", q=(self.start.month - 1) // 3 + 1, y=self.start.year)
        return _("Năm %(y)s", y=self.start.year)


_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$")


class PeriodError(ValueError):
    pass


def parse_period(raw: str) -> Period:
    """'2026' -> the year, '2026-Q4' -> October to December, '2026-10' -> October. Anything else: PeriodError."""
    m = _PERIOD.match((raw or "").strip().upper())
    if not m:
        raise PeriodError(raw)
    year = int(m.group(1))
    if not 2000 <= year <= 2100:
        raise PeriodError(raw)
    if m.group(2):
        q = int(m.group(2))
        start = dt.date(year, 3 * (q - 1) + 1, 1)
        return Period("quarter", start, add_months(start, 3), f"{year}-Q{q}")
    if m.group(3):
        start = dt.date(year, int(m.group(3)), 1)
        return Period("month", start, add_months(start, 1), f"{year}-{m.group(3)}")
    return Period("year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(year))


def quarter_of(day: dt.date) -> Period:
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def months_ending(period: Period, count: int = 12) -> list[dt.date]:
    """First days of the `count` months ending with the period's last month (for the revenue chart)."""
    last = dt.date(period.last_day.year, period.last_day.month, 1)
    return [add_months(last, -i) for i in range(count - 1, -1, -1)]


# ---------------------------------------------------------------- money
def disbursement_rate_bp(disbursed: int, allocated: int) -> int | None:
    """Disbursed / allocated in basis points (6906 = 69.06 %), rounded half up; None when nothing is allocated."""
    if allocated <= 0:
        return None
    return (disbursed * 10000 * 2 + allocated) // (allocated * 2)


def format_rate(bp: int | None) -> str:
    """6906 -> '69,06 %' (Vietnamese decimal comma); None -> '—'."""
    if bp is None:
        return "—"
    return f"{bp // 100},{bp % 100:02d} %"


class OverBudget(ValueError):
    def __init__(self, source: str, budget: int, already: int, amount: int):
        super().__init__(source)
        self.source, self.budget, self.already, self.amount = source, budget, already, amount

    @property
    def remaining(self) -> int:
        return max(0, self.budget - self.already)


def check_disbursement(budget: int, already_disbursed: int, amount: int, source: str = "") -> None:
    """Refuse a disbursement that would take a source past its allocation."""
    if already_disbursed + amount > budget:
        raise OverBudget(source, budget, already_disbursed, amount)


@dataclass(frozen=True)
class SourceLine:
    source: str
    budget_vnd: int
    disbursed_vnd: int

    @property
    def rate_bp(self) -> int | None:
        return disbursement_rate_bp(self.disbursed_vnd, self.budget_vnd)


def disbursement_table(budgets: Mapping[str, int], disbursements: Iterable[tuple[str, dt.date, int]],
                       sources: Iterable[str], until: dt.date | None = None) -> tuple[list[SourceLine], SourceLine]:
    """Per source and in total: allocated, disbursed up to `until` (inclusive, all when None), rate."""
    done: dict[str, int] = {}
    for source, day, amount in disbursements:
        if until is None or day <= until:
            done[source] = done.get(source, 0) + amount
    lines = [SourceLine(s, budgets.get(s, 0), done.get(s, 0)) for s in sources]
    total = SourceLine("total", sum(line.budget_vnd for line in lines), sum(line.disbursed_vnd for line in lines))
    return lines, total


# ---------------------------------------------------------------- households
def category_move(at_joining: str, latest: str | None) -> str | None:
    """'poor_to_near_poor' when a poor household is now near-poor; 'escaped' when a poor or near-poor household
    is now escaped or not poor at all; None otherwise (no record yet, unchanged, or worse)."""
    if latest is None:
        return None
    if at_joining == POOR and latest == NEAR_POOR:
        return "poor_to_near_poor"
    if at_joining in (POOR, NEAR_POOR) and latest in (ESCAPED, NONE):
        return "escaped"
    return None


@dataclass(frozen=True)
class Household:
    """One participation: a household in a project, with what the services found about it."""

    producer_id: int
    project_id: int
    category_at_joining: str
    baseline_income_vnd: int
    #: the latest livelihood record on or before the period's end: (income, category), or None
    latest: tuple[int, str] | None = None


@dataclass(frozen=True)
class Sale:
    """One delivered order line of a project's listing."""

    producer_order_id: int
    producer_id: int
    project_id: int
    delivered_on: dt.date
    amount_vnd: int


@dataclass
class Outcome:
    """The figures of one group (a project, a commune or a province) for one period."""

    key: str
    label: str
    households: int = 0
    revenue_vnd: int = 0
    orders: int = 0
    active_listings: int = 0
    households_with_sales: int = 0
    #: producer id -> the day of its first ever delivered sale of a project listing
    first_sale: dict[int, dt.date] = field(default_factory=dict)
    households_with_records: int = 0
    baseline_income_avg_vnd: int | None = None
    latest_income_avg_vnd: int | None = None
    poor_to_near_poor: int = 0
    escaped: int = 0
    promotion_impressions: int = 0
    certificates_expiring: int = 0
    budget_vnd: int = 0
    disbursed_vnd: int = 0
    category_counts_joining: dict[str, int] = field(default_factory=dict)
    category_counts_latest: dict[str, int] = field(default_factory=dict)

    @property
    def revenue_per_household_vnd(self) -> int:
        """Revenue divided by the households taking part (not only those who sold), rounded down."""
        return self.revenue_vnd // self.households if self.households else 0

    @property
    def income_change_vnd(self) -> int | None:
        if self.baseline_income_avg_vnd is None or self.latest_income_avg_vnd is None:
            return None
        return self.latest_income_avg_vnd - self.baseline_income_avg_vnd

    @property
    def disbursement_rate_bp(self) -> int | None:
        return disbursement_rate_bp(self.disbursed_vnd, self.budget_vnd)

    @property
    def first_sale_on(self) -> dt.date | None:
        return min(self.first_sale.values()) if self.first_sale else None


def _avg(values: list[int]) -> int | None:
    # Rounded half up to whole đồng.
    return (2 * sum(values) + len(values)) // (2 * len(values)) if values else None


def outcome(key: str, label: str, period: Period, households: Iterable[Household], sales: Iterable[Sale],
            *, active_listings: int = 0, promotion_impressions: int = 0, certificates_expiring: int = 0,
            budget_vnd: int = 0, disbursed_vnd: int = 0) -> Outcome:
    """Compute a group's figures. `sales` may reach outside the period (first-sale dates use all of them);
    revenue, orders and households with sales count only sales delivered within the period.
    A household in two projects of the same group counts once for household figures."""
    out = Outcome(key=key, label=label, active_listings=active_listings, promotion_impressions=promotion_impressions,
                  certificates_expiring=certificates_expiring, budget_vnd=budget_vnd, disbursed_vnd=disbursed_vnd)
    members: dict[int, Household] = {}
    for h in households:
        members.setdefault(h.producer_id, h)
    out.households = len(members)
    orders: set[int] = set()
    sellers: set[int] = set()
    for s in sales:
        if s.producer_id in members:
            first = out.first_sale.get(s.producer_id)
            if first is None or s.delivered_on < first:
                out.first_sale[s.producer_id] = s.delivered_on
        if period.contains(s.delivered_on):
            out.revenue_vnd += s.amount_vnd
            orders.add(s.producer_order_id)
            sellers.add(s.producer_id)
    out.orders = len(orders)
    out.households_with_sales = len(sellers & set(members))
    # Only households that have sold within or before the period keep a first-sale date here.
    out.first_sale = {pid: day for pid, day in out.first_sale.items() if day < period.end}
    baselines, latest = [], []
    for h in members.values():
        out.category_counts_joining[h.category_at_joining] = out.category_counts_joining.get(h.category_at_joining, 0) + 1
        if h.latest is None:
            continue
        income, category = h.latest
        baselines.append(h.baseline_income_vnd)
        latest.append(income)
        out.category_counts_latest[category] = out.category_counts_latest.get(category, 0) + 1
        move = category_move(h.category_at_joining, category)
        if move == "poor_to_near_poor":
            out.poor_to_near_poor += 1
        elif move == "escaped":
            out.escaped += 1
    out.households_with_records = len(latest)
    # The change compares the same households: those with a record after joining.
    out.baseline_income_avg_vnd = _avg(baselines)
    out.latest_income_avg_vnd = _avg(latest)
    return out


def monthly_revenue(sales: Iterable[Sale], months: list[dt.date]) -> list[tuple[dt.date, int]]:
    totals = {m: 0 for m in months}
    for s in sales:
        m = dt.date(s.delivered_on.year, s.delivered_on.month, 1)
        if m in totals:
            totals[m] += s.amount_vnd
    return [(m, totals[m]) for m in months]
