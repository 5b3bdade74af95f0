"""Pure rules of free promotion: weeks, eligibility, the allocation draw, rotation, fairness figures.

Nothing here touches the database or Flask: the same inputs always give the same outputs, which is what
lets anyone re-run a week's allocation and check it (the transparency promise) and what the property tests
and the fairness simulation in bench/ exercise.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ..timeutil import day_range_text

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")

#: household category -> tie-break rank (lower is served first); "project" = only in a support project
CATEGORY_RANK = {"poor": 0, "near_poor": 1, "escaped": 2, "project": 3}


# ---------------------------------------------------------------- weeks (ISO, Monday 00:00 in Việt Nam)
class BadWeek(ValueError):
    pass


def parse_week(code: str) -> tuple[int, int]:
    m = WEEK_RE.match(code or "")
    if not m:
        raise BadWeek(code)
    year, week = int(m.group(1)), int(m.group(2))
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise BadWeek(code) from exc
    if not 2000 <= year <= 2100:
        raise BadWeek(code)
    return year, week


def week_monday(code: str) -> dt.date:
    year, week = parse_week(code)
    return dt.date.fromisocalendar(year, week, 1)


def week_dates_text(code: str, lang: str = "vi") -> str:
    """The days a week covers, as people read them ("07/12 – 13/12/2026"): what producers and the public see,
    where staff also see the ISO code (issue 14)."""
    monday = week_monday(code)
    return day_range_text(monday, monday + dt.timedelta(days=6), lang)


def week_code(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_of(moment: dt.datetime) -> str:
    """The ISO week (in Việt Nam time) that an aware datetime falls in."""
    return week_code(moment.astimezone(LOCAL_TZ).date())


def week_bounds(code: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the week in UTC: Monday 00:00 Asia/Ho_Chi_Minh is Sunday 17:00 UTC."""
    monday = week_monday(code)
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=LOCAL_TZ)
    end = start + dt.timedelta(days=7)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def week_index(code: str) -> int:
    """Weeks since an epoch Monday: consecutive weeks differ by one, across years too."""
    return week_monday(code).toordinal() // 7


def add_weeks(code: str, n: int) -> str:
    return week_code(week_monday(code) + dt.timedelta(weeks=n))


def quarter_of(code: str) -> tuple[int, int]:
    """The quarter a week counts against: the quarter of its Monday."""
    monday = week_monday(code)
    return monday.year, (monday.month - 1) // 3 + 1


def quarter_weeks(code: str) -> list[str]:
    """Every week whose Monday lies in the same quarter as `code`'s Monday."""
    year, q = quarter_of(code)
    day = dt.date(year, 3 * (q - 1) + 1, 1)
    weeks: list[str] = []
    while (day.month - 1) // 3 + 1 == q and day.year == year:
        if day.weekday() == 0:
            weeks.append(week_code(day))
        day += dt.timedelta(days=1)
    return weeks


# ---------------------------------------------------------------- eligibility
@dataclass(frozen=True)
class ListingFacts:
    producer_verified: bool
    household_category: str  # poor | near_poor | escaped | none
    in_active_project: bool
    product_approved: bool
    stock: int
    has_photo: bool
    certificate_stars: int | None  # stars of a currently valid certificate, else None


@dataclass(frozen=True)
class EligibilityRules:
    min_stars: int = 3
    min_stock: int = 1


REASON_TEXT = {
    "producer_not_verified": "Cơ sở sản xuất chưa được xác minh",
    "not_supported_household": "Cơ sở không thuộc hộ nghèo, cận nghèo, mới thoát nghèo và không tham gia dự án hỗ trợ đang thực hiện",
    "not_approved": "Sản phẩm chưa được duyệt",
    "out_of_stock": "Sản phẩm hết hàng",
    "no_photo": "Sản phẩm chưa có ảnh",
    "no_certificate": "Sản phẩm chưa có chứng nhận OCOP còn hiệu lực đủ số sao",
    "quota": "Cơ sở đã dùng hết số tuần quảng bá của quý",
    "week_limit": "Cơ sở đã có vị trí quảng bá trong tuần này",
    "capacity": "Tuần này đã hết vị trí; những cơ sở được ưu tiên hơn đã nhận hết",
    "no_placement": "Không có vị trí nào phù hợp với sản phẩm",
    "removed": "Cán bộ đã gỡ vị trí",
    # the published outcomes' word for any of the eligibility problems above (they could say what a household is)
    "ineligible": "Chưa đủ điều kiện quảng bá",
}


def priority_category(facts: ListingFacts) -> str | None:
    if facts.household_category in ("poor", "near_poor", "escaped"):
        return facts.household_category
    if facts.in_active_project:
        return "project"
    return None


def eligibility_problems(facts: ListingFacts, rules: EligibilityRules) -> list[str]:
    problems = []
    if not facts.producer_verified:
        problems.append("producer_not_verified")
    if priority_category(facts) is None:
        problems.append("not_supported_household")
    if not facts.product_approved:
        problems.append("not_approved")
    if facts.stock < rules.min_stock:
        problems.append("out_of_stock")
    if not facts.has_photo:
        problems.append("no_photo")
    if facts.certificate_stars is None or facts.certificate_stars < rules.min_stars:
        problems.append("no_certificate")
    return problems


# ---------------------------------------------------------------- allocation
@dataclass(frozen=True)
class Slot:
    """A placement for the week: its capacity and the positions already taken (by pins)."""

    placement_id: int
    kind: str  # home | group | search
    capacity: int
    group_id: int | None = None
    taken: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Candidate:
    """One requested week of one listing, with what the rule needs to know about its producer."""

    key: int  # the requested week's id
    product_id: int
    producer_id: int
    group_id: int
    category: str | None  # poor | near_poor | escaped | project; None = not eligible
    problems: tuple[str, ...] = ()
    recent_weeks: int = 0  # slot-weeks the producer had in the look-back window
    last_week_index: int | None = None  # week_index of the producer's last promotion; None = never
    quarter_used: int = 0  # slot-weeks already counted this quarter (pins of this week included)
    week_used: int = 0  # placements the producer already holds this week (pins)


@dataclass(frozen=True)
class Quotas:
    per_quarter: int = 4
    per_week: int = 1


@dataclass(frozen=True)
class Assignment:
    key: int
    product_id: int
    producer_id: int
    placement_id: int
    position: int
    rank: int
    ticket: str


@dataclass
class Outcome:
    assignments: list[Assignment] = field(default_factory=list)
    refusals: dict[int, str] = field(default_factory=dict)  # key -> reason code
    order: list[int] = field(default_factory=list)  # keys in the order they were considered


KIND_PREFERENCE = {"home": 0, "group": 1, "search": 2}


def lottery_ticket(seed: str, product_id: int) -> str:
    """A listing's lottery number in a week's draw: the first 16 hex digits of sha256("<seed>:<product id>").

    The seed is the week's commit-reveal seed (`lottery.lottery_seed`), unknowable until requests close; weeks
    drawn before the commit-reveal used the week code itself ("2026-W49"), so their tickets still recompute."""
    return hashlib.sha256(f"{seed}:{product_id}".encode()).hexdigest()[:16]


def priority_tier(c: Candidate) -> tuple[int, int, int]:
    """Least promotion recently first (fewest slot-weeks in the window, then longest since the last one, never
    promoted before anyone), then household category. Candidates with the same tier are tied: the lottery decides."""
    last = -1 if c.last_week_index is None else c.last_week_index
    return (c.recent_weeks, last, CATEGORY_RANK.get(c.category or "", 9))


def priority_tiers(candidates: Iterable[Candidate]) -> dict[int, int]:
    """Each candidate's tier as a number, 1 = served first, equal numbers = tied. The number is what the week's
    published outcomes show: it orders the draw without saying which history or household category made it."""
    candidates = list(candidates)
    distinct = sorted({priority_tier(c) for c in candidates})
    number = {tier: i + 1 for i, tier in enumerate(distinct)}
    return {c.key: number[priority_tier(c)] for c in candidates}


def priority_key(seed: str, c: Candidate) -> tuple:
    return (*priority_tier(c), lottery_ticket(seed, c.product_id), c.key)


@dataclass(frozen=True)
class DrawEntry:
    """One requested week as the published outcomes list it: everything the draw needs and nothing about the
    household (its tier number only, no category; the producer as a code that holds within the week)."""

    key: int
    product_id: int
    producer: str
    group_id: int
    tier: int
    eligible: bool
    quarter_used: int = 0
    week_used: int = 0


@dataclass(frozen=True)
class Seat:
    key: int
    product_id: int
    placement_id: int
    position: int
    rank: int
    ticket: str


@dataclass
class DrawOutcome:
    seats: list[Seat] = field(default_factory=list)
    refusals: dict[int, str] = field(default_factory=dict)  # key -> reason code ("ineligible" for any problem)
    order: list[int] = field(default_factory=list)


def draw(seed: str, entries: Iterable[DrawEntry], slots: Sequence[Slot], quotas: Quotas) -> DrawOutcome:
    """The week's draw from its published inputs alone: entries in (tier, lottery ticket, key) order, each taking
    the best free position it may use (home, then its own group's page, then search results). A producer never
    gets more than `quotas.per_week` placements in the week nor more than `quotas.per_quarter` slot-weeks in
    the quarter; positions never exceed capacity."""
    outcome = DrawOutcome()
    free: dict[int, list[int]] = {
        s.placement_id: [p for p in range(1, max(0, s.capacity) + 1) if p not in s.taken] for s in slots
    }
    ordered_slots = sorted(slots, key=lambda s: (KIND_PREFERENCE.get(s.kind, 9), s.placement_id))
    week_count: dict[str, int] = {}
    quarter_count: dict[str, int] = {}
    served_products: set[int] = set()
    rank = 0
    for e in sorted(entries, key=lambda e: (e.tier, lottery_ticket(seed, e.product_id), e.key)):
        outcome.order.append(e.key)
        if not e.eligible:
            outcome.refusals[e.key] = "ineligible"
            continue
        if e.product_id in served_products:
            # The same listing asked twice for one week: one placement is enough.
            outcome.refusals[e.key] = "week_limit"
            continue
        if e.week_used + week_count.get(e.producer, 0) >= quotas.per_week:
            outcome.refusals[e.key] = "week_limit"
            continue
        if e.quarter_used + quarter_count.get(e.producer, 0) >= quotas.per_quarter:
            outcome.refusals[e.key] = "quota"
            continue
        usable = [s for s in ordered_slots if s.kind != "group" or s.group_id == e.group_id]
        if not usable:
            outcome.refusals[e.key] = "no_placement"
            continue
        slot = next((s for s in usable if free[s.placement_id]), None)
        if slot is None:
            outcome.refusals[e.key] = "capacity"
            continue
        rank += 1
        outcome.seats.append(Seat(e.key, e.product_id, slot.placement_id, free[slot.placement_id].pop(0), rank,
                                  lottery_ticket(seed, e.product_id)))
        week_count[e.producer] = week_count.get(e.producer, 0) + 1
        quarter_count[e.producer] = quarter_count.get(e.producer, 0) + 1
        served_products.add(e.product_id)
    return outcome


def draw_entries(candidates: Iterable[Candidate], producer_code=str) -> list[DrawEntry]:
    """The draw's view of the candidates: tier numbers instead of history and category, eligible or not."""
    candidates = list(candidates)
    tiers = priority_tiers(candidates)
    return [DrawEntry(c.key, c.product_id, producer_code(c.producer_id), c.group_id, tiers[c.key],
                      not c.problems and c.category is not None, c.quarter_used, c.week_used) for c in candidates]


def allocate(week: str, candidates: Iterable[Candidate], slots: Sequence[Slot], quotas: Quotas,
             seed: str | None = None) -> Outcome:
    """Decide who gets which free position of `week` (see `draw`); `seed` is the week's lottery seed (the week
    code for weeks drawn before the commit-reveal). A refused ineligible candidate keeps its first problem."""
    candidates = list(candidates)
    by_key = {c.key: c for c in candidates}
    drawn = draw(seed or week, draw_entries(candidates), slots, quotas)
    outcome = Outcome(order=drawn.order)
    outcome.assignments = [Assignment(s.key, s.product_id, by_key[s.key].producer_id, s.placement_id, s.position,
                                      s.rank, s.ticket) for s in drawn.seats]
    for key, reason in drawn.refusals.items():
        if reason == "ineligible":
            reason = (by_key[key].problems or ("not_supported_household",))[0]
        outcome.refusals[key] = reason
    return outcome


# ---------------------------------------------------------------- display and figures
def rotate_by_day(items: Sequence, day: dt.date) -> list:
    """Everyone takes a turn at the top: the list is rotated by one place per day."""
    if not items:
        return []
    shift = day.toordinal() % len(items)
    return list(items[shift:]) + list(items[:shift])


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative amounts: 0 = equal shares, towards 1 = all to one."""
    xs = sorted(v for v in values if v >= 0)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * weighted) / (n * total) - (n + 1) / n


def min_share(values: Sequence[float]) -> float:
    total = sum(values)
    if not values or total == 0:
        return 0.0
    return min(values) / total


BOT_RE = re.compile(
    r"bot|crawl|spider|slurp|scrap|curl|wget|python-requests|python-urllib|httpx|aiohttp|go-http-client|"
    r"java/|libwww|headless|phantomjs|facebookexternalhit|preview|monitor|lighthouse|pingdom|uptime",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    """Obvious robots only: an empty User-Agent or one naming a crawler, fetcher or monitor."""
    ua = (user_agent or "").strip()
    return not ua or bool(BOT_RE.search(ua))


def query_matches(query_words: Sequence[str], listing_words: set[str]) -> bool:
    """A search promotion shows for a query when every (folded) query word is a word of the listing."""
    words = [w for w in query_words if w]
    return bool(words) and all(w in listing_words for w in words)
