"""The allocation rule is pure: property tests over random requests, no database."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocop_market.promotions import rules
from ocop_market.promotions.rules import Candidate, Quotas, Slot

CATEGORIES = ["poor", "near_poor", "escaped", "project"]


@st.composite
def weeks(draw):
    year = draw(st.integers(2024, 2030))
    week = draw(st.integers(1, 52))
    return f"{year}-W{week:02d}"


@st.composite
def scenario(draw):
    n_groups = draw(st.integers(1, 3))
    slots = [Slot(1, "home", draw(st.integers(0, 5))), Slot(2, "search", draw(st.integers(0, 3)))]
    slots += [Slot(10 + g, "group", draw(st.integers(0, 3)), group_id=g) for g in range(n_groups)]
    n = draw(st.integers(0, 40))
    candidates = []
    for key in range(n):
        producer = draw(st.integers(1, 15))
        candidates.append(Candidate(
            key=key,
            product_id=draw(st.integers(1, 30)),
            producer_id=producer,
            group_id=draw(st.integers(0, n_groups - 1)),
            category=draw(st.sampled_from(CATEGORIES + [None])),
            problems=tuple(draw(st.lists(st.sampled_from(["out_of_stock", "no_photo"]), max_size=1))),
            recent_weeks=draw(st.integers(0, 4)),
            last_week_index=draw(st.one_of(st.none(), st.integers(100, 200))),
            quarter_used=draw(st.integers(0, 5)),
        ))
    quotas = Quotas(per_quarter=draw(st.integers(0, 6)), per_week=draw(st.integers(1, 2)))
    return draw(weeks()), candidates, slots, quotas


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(scenario())
def test_never_more_than_capacity_and_positions_unique(s):
    week, candidates, slots, quotas = s
    out = rules.allocate(week, candidates, slots, quotas)
    per_slot = Counter(a.placement_id for a in out.assignments)
    capacity = {sl.placement_id: sl.capacity for sl in slots}
    assert all(per_slot[p] <= capacity[p] for p in per_slot)
    positions = [(a.placement_id, a.position) for a in out.assignments]
    assert len(positions) == len(set(positions))
    assert all(1 <= a.position <= capacity[a.placement_id] for a in out.assignments)
    # every candidate is either served or refused with a reason, never both
    served = {a.key for a in out.assignments}
    assert served.isdisjoint(out.refusals) and served | set(out.refusals) == {c.key for c in candidates}
    assert all(code in rules.REASON_TEXT for code in out.refusals.values())


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(scenario())
def test_quotas_and_eligibility_respected(s):
    week, candidates, slots, quotas = s
    out = rules.allocate(week, candidates, slots, quotas)
    by_key = {c.key: c for c in candidates}
    per_producer = Counter(a.producer_id for a in out.assignments)
    assert all(n <= quotas.per_week for n in per_producer.values())
    earlier: Counter = Counter()
    for a in sorted(out.assignments, key=lambda a: a.rank):
        c = by_key[a.key]
        assert c.category is not None and not c.problems
        # slot-weeks counted this quarter, this one included, stay within the quota
        assert c.quarter_used + earlier[a.producer_id] + 1 <= quotas.per_quarter
        earlier[a.producer_id] += 1
        slot = next(sl for sl in slots if sl.placement_id == a.placement_id)
        assert slot.kind != "group" or slot.group_id == c.group_id
    assert len({a.product_id for a in out.assignments}) == len(out.assignments)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(scenario())
def test_same_input_same_output_whatever_the_order(s):
    week, candidates, slots, quotas = s
    first = rules.allocate(week, candidates, slots, quotas)
    again = rules.allocate(week, list(reversed(candidates)), list(reversed(slots)), quotas)
    assert first.assignments == again.assignments and first.refusals == again.refusals


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.data())
def test_demand_within_k_weeks_of_capacity_is_served_within_k_weeks(capacity, k, data):
    """N requesters each wishing every one of K weeks, N <= K x capacity: all are served by week K."""
    n = data.draw(st.integers(0, k * capacity))
    categories = data.draw(st.lists(st.sampled_from(CATEGORIES), min_size=n, max_size=n))
    start = data.draw(weeks())
    recent: Counter = Counter()
    last: dict[int, int] = {}
    served_at: dict[int, int] = {}
    for i in range(k):
        week = rules.add_weeks(start, i)
        candidates = [
            Candidate(key=p, product_id=p, producer_id=p, group_id=0, category=categories[p],
                      recent_weeks=recent[p], last_week_index=last.get(p), quarter_used=recent[p])
            for p in range(n)
        ]
        out = rules.allocate(week, candidates, [Slot(1, "home", capacity)], Quotas(per_quarter=k, per_week=1))
        assert len(out.assignments) == min(capacity, n)
        for a in out.assignments:
            served_at.setdefault(a.producer_id, i)
            recent[a.producer_id] += 1
            last[a.producer_id] = rules.week_index(week)
    assert set(served_at) == set(range(n))


def test_priority_least_recent_then_category_then_lottery():
    week = "2026-W49"
    c = [
        Candidate(1, 11, 1, 0, "project", recent_weeks=0),
        Candidate(2, 12, 2, 0, "poor", recent_weeks=1, last_week_index=50),
        Candidate(3, 13, 3, 0, "poor", recent_weeks=0),
        Candidate(4, 14, 4, 0, "near_poor", recent_weeks=0),
        Candidate(5, 15, 5, 0, "poor", recent_weeks=1, last_week_index=40),
    ]
    out = rules.allocate(week, c, [Slot(1, "home", 5)], Quotas())
    assert out.order == [3, 4, 1, 5, 2]
    assert [a.rank for a in out.assignments] == [1, 2, 3, 4, 5]
    # the lottery decides between equals, and changes with the week
    ties = [Candidate(k, 100 + k, k, 0, "poor") for k in range(1, 9)]
    orders = {w: rules.allocate(w, ties, [Slot(1, "home", 8)], Quotas()).order for w in ("2026-W49", "2026-W50")}
    assert orders["2026-W49"] != orders["2026-W50"]
    assert rules.lottery_ticket("2026-W49", 101) == rules.lottery_ticket("2026-W49", 101)


def test_placement_preference_home_then_group_then_search():
    c = [Candidate(k, k, k, 0, "poor") for k in range(1, 6)]
    slots = [Slot(1, "home", 1), Slot(2, "search", 2), Slot(3, "group", 1, group_id=0), Slot(4, "group", 5, group_id=9)]
    out = rules.allocate("2026-W01", c, slots, Quotas())
    assert [a.placement_id for a in out.assignments] == [1, 3, 2, 2]
    assert list(out.refusals.values()) == ["capacity"]


def test_pinned_positions_are_skipped():
    c = [Candidate(k, k, k, 0, "poor") for k in range(1, 4)]
    out = rules.allocate("2026-W01", c, [Slot(1, "home", 3, taken=frozenset({1, 3}))], Quotas())
    assert [a.position for a in out.assignments] == [2]


def test_weeks_start_monday_midnight_in_vietnam():
    start, end = rules.week_bounds("2026-W49")
    assert start == dt.datetime(2026, 11, 29, 17, 0, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(days=7)
    assert rules.week_of(start) == "2026-W49"
    assert rules.week_of(start - dt.timedelta(seconds=1)) == "2026-W48"
    assert rules.add_weeks("2026-W53", 1) == "2027-W01"
    assert rules.quarter_of("2026-W49") == (2026, 4)
    assert len(rules.quarter_weeks("2026-W49")) == 13
    for bad in ("2026-W54", "2025-W53", "2026W01", "", "2026-W1"):
        try:
            rules.parse_week(bad)
        except rules.BadWeek:
            continue
        raise AssertionError(bad)


def test_eligibility_lists_each_problem():
    good = rules.ListingFacts(True, "poor", False, True, 5, True, 4)
    assert rules.eligibility_problems(good, rules.EligibilityRules()) == []
    project_only = rules.ListingFacts(True, "none", True, True, 5, True, 3)
    assert rules.priority_category(project_only) == "project"
    bad = rules.ListingFacts(False, "none", False, False, 0, False, None)
    assert set(rules.eligibility_problems(bad, rules.EligibilityRules())) == {
        "producer_not_verified", "not_supported_household", "not_approved", "out_of_stock", "no_photo",
        "no_certificate"}
    assert rules.eligibility_problems(good, rules.EligibilityRules(min_stars=5)) == ["no_certificate"]


def test_gini_and_min_share():
    assert rules.gini([1, 1, 1, 1]) == 0
    assert abs(rules.gini([0, 0, 0, 10]) - 0.75) < 1e-9
    assert rules.min_share([1, 3]) == 0.25 and rules.min_share([]) == 0


@given(st.lists(st.integers(0, 5), min_size=1, max_size=10), st.dates())
def test_rotation_keeps_every_item(items, day):
    rotated = rules.rotate_by_day(items, day)
    assert sorted(rotated) == sorted(items)
    assert rules.rotate_by_day(items, day + dt.timedelta(days=1)) == rotated[1:] + rotated[:1]


def test_bots_are_recognised():
    assert rules.is_bot("Googlebot/2.1 (+http://www.google.com/bot.html)")
    assert rules.is_bot("curl/8.0") and rules.is_bot("") and rules.is_bot(None)
    assert not rules.is_bot("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36")
