"""Pure programme rules: reporting periods, disbursement rates and limits, category moves and the outcome
figures of a group of households. No database here: services feed plain rows in."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..catalog import households
from ..money import format_rate_bp
from ..timeutil import add_months

#: one project may not carry more than this per source (a typo guard; the biggest projects are far below)
MAX_AMOUNT_VND = 1_000_000_000_000
#: income per person per month: a bound far above any rural household
MAX_INCOME_VND = 1_000_000_000

POOR, NEAR_POOR, ESCAPED, NONE = "poor", "near_poor", "escaped", "none"


# ---------------------------------------------------------------- periods
#: Capital of budget year N may still be paid out until the last day of this month of year N+1 (the carry-over
#: cut-off: 31 January under the State Budget Law's year-end rules); kept as data so a different rule is one edit.
CUTOFF_MONTH, CUTOFF_DAY = 1, 31


def budget_year_cutoff(year: int) -> dt.date:
    """The last day on which year `year`'s capital plan may still be disbursed."""
    return dt.date(year + 1, CUTOFF_MONTH, CUTOFF_DAY)


@dataclass(frozen=True)
class Period:
    """A reporting period: a month (2026-10), a quarter (2026-Q4), a half-year (2026-H1), a year (2026) or a
    budget year with its carry-over cut-off (2026-NS: 1 January 2026 to 31 January 2027). `end` is exclusive."""

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
    def budget_year(self) -> int:
        """The year whose capital plan the period's disbursement figures are measured against."""
        return self.start.year

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("Tháng %(m)s/%(y)s", m=self.start.month, y=self.start.year)
        if self.kind == "quarter":
            return _("Quý %(q)s/%(y)s", q=(self.start.month - 1) // 3 + 1, y=self.start.year)
        if self.kind == "half":
            return _("6 tháng đầu năm %(y)s", y=self.start.year) if self.start.month == 1 else \
                _("6 tháng cuối năm %(y)s", y=self.start.year)
        if self.kind == "budget_year":
            return _("Năm ngân sách %(y)s (đến %(d)s)", y=self.start.year, d=self.last_day.strftime("%d/%m/%Y"))
        return _("Năm %(y)s", y=self.start.year)


_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|H([12])|(0[1-9]|1[0-2])|(NS)))?$")


class PeriodError(ValueError):
    pass


def parse_period(raw: str) -> Period:
    """'2026' -> the year, '2026-Q4' -> October to December, '2026-H1' -> January to June, '2026-10' -> October,
    '2026-NS' -> the budget year 2026 up to its cut-off (31 January 2027). Anything else: PeriodError."""
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
        h = int(m.group(3))
        start = dt.date(year, 6 * (h - 1) + 1, 1)
        return Period("half", start, add_months(start, 6), f"{year}-H{h}")
    if m.group(4):
        start = dt.date(year, int(m.group(4)), 1)
        return Period("month", start, add_months(start, 1), f"{year}-{m.group(4)}")
    if m.group(5):
        return Period("budget_year", dt.date(year, 1, 1), budget_year_cutoff(year) + dt.timedelta(days=1),
                      f"{year}-NS")
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


def format_rate(bp: int | None, lang: str = "vi") -> str:
    """6906 -> '69,06 %' in Vietnamese (decimal comma, a space before the sign), '69.06%' in English; None -> '—'."""
    return format_rate_bp(bp, lang)


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
                       sources: Iterable[str], until: dt.date | None = None) -> list[SourceLine]:
    """Per source against the project's multi-year budget: allocated, disbursed up to `until` (inclusive, all when
    None), rate. No total across sources: a loan and a contribution are not budget capital, so a sum of the five
    would be no figure anyone reports."""
    done: dict[str, int] = {}
    for source, day, amount in disbursements:
        if until is None or day <= until:
            done[source] = done.get(source, 0) + amount
    return [SourceLine(s, budgets.get(s, 0), done.get(s, 0)) for s in sources]


#: the rates officials report: state budget against the year's capital plan, central and local apart
HEADLINE_SOURCES = ("central", "local")
#: policy-bank credit and contributions: amounts shown apart, never in a headline rate
APART_SOURCES = ("policy_credit", "people", "enterprise")


def plan_years_for(day: dt.date) -> tuple[int, ...]:
    """Which years' capital a disbursement on `day` may draw from: its own year, and the year before until that
    year's cut-off (a January payment may still be last year's carried capital)."""
    if day <= budget_year_cutoff(day.year - 1):
        return day.year, day.year - 1
    return (day.year,)


@dataclass(frozen=True)
class PlanLine:
    """One source's capital plan for one budget year (kế hoạch vốn năm) and what was paid out of it."""

    source: str
    year: int
    #: capital assigned in the year's plan
    planned_vnd: int
    #: unspent capital of the previous year allowed to carry over (vốn năm trước chuyển sang)
    carried_over_vnd: int
    disbursed_vnd: int

    @property
    def plan_total_vnd(self) -> int:
        return self.planned_vnd + self.carried_over_vnd

    @property
    def rate_bp(self) -> int | None:
        return disbursement_rate_bp(self.disbursed_vnd, self.plan_total_vnd)

    @property
    def unspent_vnd(self) -> int:
        """What could carry over to the next year (the suggestion when its plan is entered)."""
        return max(0, self.plan_total_vnd - self.disbursed_vnd)


def annual_lines(plans: Mapping[tuple[int, str], tuple[int, int]],
                 disbursements: Iterable[tuple[str, int, dt.date, int]], year: int,
                 until: dt.date | None = None, sources: Iterable[str] = HEADLINE_SOURCES) -> list[PlanLine]:
    """Per source, the year's plan (planned, carried over) and the disbursements drawn from that year's capital
    (`plan_year == year`) paid out up to `until` (inclusive; all of them when None, i.e. up to the cut-off).
    `plans` maps (year, source) to (planned, carried over); `disbursements` are (source, plan year, day, amount)."""
    done: dict[str, int] = {}
    for source, plan_year, day, amount in disbursements:
        if plan_year == year and (until is None or day <= until):
            done[source] = done.get(source, 0) + amount
    return [PlanLine(s, year, *plans.get((year, s), (0, 0)), done.get(s, 0)) for s in sources]


class OverPlan(ValueError):
    def __init__(self, source: str, year: int, plan_total: int, already: int, amount: int):
        super().__init__(source)
        self.source, self.year, self.plan_total, self.already, self.amount = source, year, plan_total, already, amount

    @property
    def remaining(self) -> int:
        return max(0, self.plan_total - self.already)


def check_against_plan(line: PlanLine | None, amount: int) -> None:
    """Refuse a disbursement beyond the year's plan (planned + carried over) once a plan is entered for it."""
    if line is not None and line.plan_total_vnd > 0 and line.disbursed_vnd + amount > line.plan_total_vnd:
        raise OverPlan(line.source, line.year, line.plan_total_vnd, line.disbursed_vnd, amount)


# ---------------------------------------------------------------- households
#: official counts of a household's move between two assessments
ESCAPED_POVERTY = "escaped_poverty"  # thoát nghèo: was poor, now near-poor or above
ESCAPED_NEAR_POVERTY = "escaped_near_poverty"  # thoát cận nghèo: was near-poor (never poor), now above it
FELL_BACK = "fell_back"  # tái nghèo: had escaped poverty, poor again
NEWLY_POOR = "newly_poor"  # phát sinh nghèo: poor now without having been poor
MOVES = (ESCAPED_POVERTY, ESCAPED_NEAR_POVERTY, FELL_BACK, NEWLY_POOR)


def category_move(at_joining: str, latest: str | None) -> str | None:
    """The official move from the category at joining to the latest one (Decree 07/2021 usage):
    poor → near-poor, newly escaped or none: thoát nghèo; near-poor → above near-poor: thoát cận nghèo (it was
    never poor, so not thoát nghèo); newly escaped → poor: tái nghèo; near-poor or none → poor: phát sinh nghèo.
    None when there is no record yet, nothing changed, or the move is none of these."""
    if latest is None or latest == at_joining:
        return None
    if at_joining == POOR:
        return ESCAPED_POVERTY
    if latest == POOR:
        return FELL_BACK if at_joining == ESCAPED else NEWLY_POOR
    if at_joining == NEAR_POOR and latest in (ESCAPED, NONE):
        return ESCAPED_NEAR_POVERTY
    return None


# The registry's rule, re-exported with the other definitions: 'hộ mới thoát nghèo' only after poverty.
ESCAPED_MONTHS = households.ESCAPED_MONTHS
escaped_allowed = households.escaped_allowed


# ---------------------------------------------------------------- privacy
def may_name_publicly(producer_kind: str, consent_on: dt.date | None) -> bool:
    """Whether a public page may show a producer as taking part in a poverty-reduction project: a household only
    with its recorded consent; a cooperative, cooperative group or enterprise (a lead unit) always."""
    return producer_kind != "household" or consent_on is not None


@dataclass(frozen=True)
class Household:
    """One participation: a household in a project, with what the services found about it."""

    producer_id: int
    project_id: int
    category_at_joining: str
    baseline_income_vnd: int
    #: the latest assessment from joining to the period's end: (income, category), or None; the income is None
    #: for a category the household declared without an income survey
    latest: tuple[int | None, str] | None = None
    ethnic_minority: bool = False
    woman_headed: bool = False


@dataclass(frozen=True)
class Sale:
    """One delivered order line of a project's listing."""

    producer_order_id: int
    producer_id: int
    project_id: int
    delivered_on: dt.date
    amount_vnd: int


BREAKDOWNS = ("ethnic_minority", "woman_headed")


@dataclass
class Breakdown:
    """Household figures of the group's ethnic-minority (or woman-headed) households."""

    households: int = 0
    escaped_poverty: int = 0
    escaped_near_poverty: int = 0
    fell_back: int = 0
    newly_poor: int = 0
    households_with_sales: int = 0
    revenue_vnd: int = 0


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
    #: thoát nghèo, and of those the households now near-poor
    escaped_poverty: int = 0
    poor_to_near_poor: int = 0
    escaped_near_poverty: int = 0
    fell_back: int = 0
    newly_poor: int = 0
    promotion_impressions: int = 0
    certificates_expiring: int = 0
    #: the headline: state budget of the period's budget year against its capital plan (with carry-over)
    plan: dict[str, PlanLine] = field(default_factory=dict)
    #: policy-bank credit, people's and enterprises' money paid out up to the period's end, shown apart
    apart_disbursed_vnd: dict[str, int] = field(default_factory=dict)
    category_counts_joining: dict[str, int] = field(default_factory=dict)
    category_counts_latest: dict[str, int] = field(default_factory=dict)
    #: "ethnic_minority" / "woman_headed" -> the household figures of those households alone
    breakdown: dict[str, Breakdown] = field(default_factory=dict)
    #: programme spending: what the project's shipping subsidies paid of its households' shipping fees, for parts
    #: placed in the period and not cancelled (programs/subsidies.py)
    shipping_subsidy_vnd: int = 0

    @property
    def revenue_per_household_vnd(self) -> int:
        """Revenue divided by the households taking part (not only those who sold), rounded down."""
        return self.revenue_vnd // self.households if self.households else 0

    @property
    def income_change_vnd(self) -> int | None:
        if self.baseline_income_avg_vnd is None or self.latest_income_avg_vnd is None:
            return None
        return self.latest_income_avg_vnd - self.baseline_income_avg_vnd

    def rate_bp(self, source: str) -> int | None:
        line = self.plan.get(source)
        return line.rate_bp if line else None

    @property
    def first_sale_on(self) -> dt.date | None:
        return min(self.first_sale.values()) if self.first_sale else None


def _avg(values: list[int]) -> int | None:
    # Rounded half up to whole đồng.
    return (2 * sum(values) + len(values)) // (2 * len(values)) if values else None


def outcome(key: str, label: str, period: Period, households: Iterable[Household], sales: Iterable[Sale],
            *, active_listings: int = 0, promotion_impressions: int = 0, certificates_expiring: int = 0,
            plan: Iterable[PlanLine] = (), apart_disbursed_vnd: Mapping[str, int] | None = None) -> Outcome:
    """Compute a group's figures. `sales` may reach outside the period (first-sale dates use all of them);
    revenue, orders and households with sales count only sales delivered within the period.
    A household in two projects of the same group counts once for household figures."""
    out = Outcome(key=key, label=label, active_listings=active_listings, promotion_impressions=promotion_impressions,
                  certificates_expiring=certificates_expiring, plan={line.source: line for line in plan},
                  apart_disbursed_vnd=dict(apart_disbursed_vnd or {}))
    members: dict[int, Household] = {}
    for h in households:
        members.setdefault(h.producer_id, h)
    out.households = len(members)
    orders: set[int] = set()
    sellers: set[int] = set()
    revenue_by_producer: dict[int, int] = {}
    for s in sales:
        if s.producer_id in members:
            first = out.first_sale.get(s.producer_id)
            if first is None or s.delivered_on < first:
                out.first_sale[s.producer_id] = s.delivered_on
        if period.contains(s.delivered_on):
            out.revenue_vnd += s.amount_vnd
            revenue_by_producer[s.producer_id] = revenue_by_producer.get(s.producer_id, 0) + s.amount_vnd
            orders.add(s.producer_order_id)
            sellers.add(s.producer_id)
    out.orders = len(orders)
    out.households_with_sales = len(sellers & set(members))
    # Only households that have sold within or before the period keep a first-sale date here.
    out.first_sale = {pid: day for pid, day in out.first_sale.items() if day < period.end}
    out.breakdown = {flag: Breakdown() for flag in BREAKDOWNS}
    baselines, latest = [], []
    for h in members.values():
        parts = [out.breakdown[flag] for flag in BREAKDOWNS if getattr(h, flag)]
        for b in parts:
            b.households += 1
            if h.producer_id in revenue_by_producer:
                b.households_with_sales += 1
                b.revenue_vnd += revenue_by_producer[h.producer_id]
        out.category_counts_joining[h.category_at_joining] = out.category_counts_joining.get(h.category_at_joining, 0) + 1
        if h.latest is None:
            continue
        income, category = h.latest
        if income is not None:
            baselines.append(h.baseline_income_vnd)
            latest.append(income)
        out.category_counts_latest[category] = out.category_counts_latest.get(category, 0) + 1
        move = category_move(h.category_at_joining, category)
        if move is None:
            continue
        for target in (out, *parts):
            setattr(target, move, getattr(target, move) + 1)
        if move == ESCAPED_POVERTY and category == NEAR_POOR:
            out.poor_to_near_poor += 1
    out.households_with_records = sum(1 for h in members.values() if h.latest is not None)
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
