"""Programme rules without a database: periods, disbursement rates and limits, category moves, outcome figures."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_market import charts
from ocop_market.money import format_vnd_short
from ocop_market.programs import rules
from ocop_market.programs.rules import Household, Sale

D = dt.date


@pytest.mark.parametrize("raw,start,end,kind", [
    ("2026-Q4", D(2026, 10, 1), D(2027, 1, 1), "quarter"),
    ("2026-q1", D(2026, 1, 1), D(2026, 4, 1), "quarter"),
    ("2026-02", D(2026, 2, 1), D(2026, 3, 1), "month"),
    ("2025", D(2025, 1, 1), D(2026, 1, 1), "year"),
    ("2026-H1", D(2026, 1, 1), D(2026, 7, 1), "half"),
    ("2026-h2", D(2026, 7, 1), D(2027, 1, 1), "half"),
    # the budget year runs to its carry-over cut-off, 31 January of the next year
    ("2026-NS", D(2026, 1, 1), D(2027, 2, 1), "budget_year"),
])
def test_periods(raw, start, end, kind):
    p = rules.parse_period(raw)
    assert (p.start, p.end, p.kind) == (start, end, kind)
    assert p.contains(start) and not p.contains(end) and p.last_day == end - dt.timedelta(days=1)


def test_half_year_and_budget_year_keys_and_their_budget_year():
    h2 = rules.parse_period("2026-h2")
    assert (h2.key, h2.budget_year, h2.last_day) == ("2026-H2", 2026, D(2026, 12, 31))
    ns = rules.parse_period("2025-ns")
    assert (ns.key, ns.budget_year, ns.last_day) == ("2025-NS", 2025, D(2026, 1, 31))
    assert rules.parse_period("2026-01").budget_year == 2026  # January belongs to its own year's plan


@pytest.mark.parametrize("raw", ["", "2026-Q5", "2026-13", "2026-Q0", "26-Q1", "2026-Q4;--", "1999", "abcd", "2026-1",
                                 "2026-H3", "2026-H0", "2026-H", "2026-NS1", "NS2026"])
def test_bad_periods_are_refused(raw):
    with pytest.raises(rules.PeriodError):
        rules.parse_period(raw)


def test_disbursement_rate_in_basis_points_and_vietnamese_format():
    assert rules.disbursement_rate_bp(69_060_000, 100_000_000) == 6906
    assert rules.format_rate(6906) == "69,06 %"
    assert rules.disbursement_rate_bp(1, 3) == 3333  # 33.333… rounds down
    assert rules.disbursement_rate_bp(2, 3) == 6667  # 66.666… rounds up
    assert rules.disbursement_rate_bp(0, 0) is None and rules.format_rate(None) == "—"
    assert rules.disbursement_rate_bp(5, 5) == 10000


def test_a_disbursement_may_reach_but_not_pass_the_budget():
    rules.check_disbursement(budget=100, already_disbursed=60, amount=40)
    with pytest.raises(rules.OverBudget) as exc:
        rules.check_disbursement(budget=100, already_disbursed=60, amount=41, source="central")
    assert exc.value.remaining == 40 and exc.value.source == "central"


def test_disbursement_table_per_source_against_the_multi_year_budget_up_to_a_day():
    lines = rules.disbursement_table(
        {"central": 100_000_000, "local": 20_000_000, "people": 10_000_000},
        [("central", D(2025, 8, 1), 69_060_000), ("local", D(2025, 10, 1), 5_000_000),
         ("people", D(2026, 1, 15), 1_000_000)],
        ["central", "local", "policy_credit", "people", "enterprise"], until=D(2025, 12, 31))
    by = {line.source: line for line in lines}
    assert by["central"].rate_bp == 6906 and by["local"].rate_bp == 2500
    assert by["people"].disbursed_vnd == 0 and by["policy_credit"].rate_bp is None
    assert len(lines) == 5  # no total across sources: a loan is not budget capital


#: A hand-made project over two budget years. Expected figures worked out by hand below.
#:   2024 plan: central 100.000.000, local 10.000.000
#:   2025 plan: central 130.000.000 + 10.000.000 carried over; local 13.000.000 + 2.000.000 carried over
PLANS = {(2024, "central"): (100_000_000, 0), (2024, "local"): (10_000_000, 0),
         (2025, "central"): (130_000_000, 10_000_000), (2025, "local"): (13_000_000, 2_000_000)}
#: (source, plan year, day, amount)
PAYMENTS = [
    ("central", 2024, D(2024, 5, 10), 90_000_000),
    ("local", 2024, D(2024, 6, 20), 8_000_000),
    ("policy_credit", 2024, D(2024, 6, 3), 60_000_000),  # a loan: never in the rate
    ("people", 2024, D(2024, 7, 1), 30_000_000),  # a contribution: never in the rate
    ("central", 2024, D(2025, 1, 20), 5_000_000),  # January 2025, still 2024's capital (before the cut-off)
    ("central", 2025, D(2025, 3, 12), 40_000_000),
    ("central", 2025, D(2025, 9, 18), 36_684_000),
    ("local", 2025, D(2025, 9, 18), 12_802_500),
    ("central", 2025, D(2026, 1, 20), 20_000_000),  # 2025's capital paid at its cut-off
    ("central", 2026, D(2026, 1, 25), 7_000_000),  # January 2026 from 2026's own plan
]


def test_annual_rates_central_and_local_apart_against_the_plan_with_carry_over():
    by_2024 = {line.source: line for line in rules.annual_lines(PLANS, PAYMENTS, 2024)}
    # 2024 central: 90.000.000 + 5.000.000 paid in January 2025 = 95.000.000 of 100.000.000
    assert (by_2024["central"].disbursed_vnd, by_2024["central"].rate_bp) == (95_000_000, 9500)
    assert (by_2024["local"].disbursed_vnd, by_2024["local"].rate_bp) == (8_000_000, 8000)
    # up to 31 December 2024 (the calendar year) the January payment is not yet made
    assert rules.annual_lines(PLANS, PAYMENTS, 2024, until=D(2024, 12, 31))[0].rate_bp == 9000
    assert by_2024["local"].unspent_vnd == 2_000_000  # what the 2025 plan carries over
    by_2025 = {line.source: line for line in rules.annual_lines(PLANS, PAYMENTS, 2025, until=D(2025, 12, 31))}
    # 2025 central, calendar year: 40.000.000 + 36.684.000 = 76.684.000 of 140.000.000 = 54,774… %
    assert by_2025["central"].plan_total_vnd == 140_000_000 and by_2025["central"].carried_over_vnd == 10_000_000
    assert (by_2025["central"].disbursed_vnd, by_2025["central"].rate_bp) == (76_684_000, 5477)
    # 2025 local: 12.802.500 of 15.000.000 = 85,35 %
    assert (by_2025["local"].disbursed_vnd, rules.format_rate(by_2025["local"].rate_bp)) == (12_802_500, "85,35 %")
    # budget year 2025 to its cut-off: + 20.000.000 of January 2026 = 96.684.000 of 140.000.000 = 69,06 %
    ns = rules.parse_period("2025-NS")
    central_ns, local_ns = rules.annual_lines(PLANS, PAYMENTS, ns.budget_year, until=ns.last_day)
    assert (central_ns.disbursed_vnd, rules.format_rate(central_ns.rate_bp)) == (96_684_000, "69,06 %")
    assert local_ns.rate_bp == 8535
    # a year without a plan has no rate, even with payments
    assert rules.annual_lines(PLANS, PAYMENTS, 2026)[0].rate_bp is None
    # loans and contributions, asked for, are their own lines and never part of the headline sources
    assert rules.HEADLINE_SOURCES == ("central", "local")
    apart = rules.annual_lines(PLANS, PAYMENTS, 2024, sources=rules.APART_SOURCES)
    assert [(line.source, line.disbursed_vnd) for line in apart] == [
        ("policy_credit", 60_000_000), ("people", 30_000_000), ("enterprise", 0)]


def test_which_years_capital_a_payment_may_draw_from():
    assert rules.plan_years_for(D(2026, 1, 31)) == (2026, 2025)
    assert rules.plan_years_for(D(2026, 2, 1)) == (2026,)
    assert rules.plan_years_for(D(2026, 12, 31)) == (2026,)


def test_a_payment_may_reach_but_not_pass_the_years_plan():
    line = rules.PlanLine("central", 2025, 130, 10, 100)
    rules.check_against_plan(line, 40)
    with pytest.raises(rules.OverPlan) as exc:
        rules.check_against_plan(line, 41)
    assert (exc.value.remaining, exc.value.year) == (40, 2025)
    rules.check_against_plan(rules.PlanLine("central", 2025, 0, 0, 0), 10**9)  # no plan entered: not checked
    rules.check_against_plan(None, 1)


@given(st.lists(st.tuples(st.sampled_from(rules.HEADLINE_SOURCES + rules.APART_SOURCES),
                          st.integers(2023, 2026), st.dates(D(2023, 1, 1), D(2027, 1, 31)),
                          st.integers(1, 10**9)), max_size=30),
       st.lists(st.tuples(st.sampled_from(rules.APART_SOURCES), st.integers(2023, 2026),
                          st.dates(D(2023, 1, 1), D(2027, 1, 31)), st.integers(1, 10**9)), max_size=10),
       st.integers(2023, 2026))
def test_loans_and_contributions_never_move_the_headline(payments, more_apart, year):
    headline = rules.annual_lines(PLANS, payments, year)
    assert rules.annual_lines(PLANS, payments + more_apart, year) == headline
    assert [line.source for line in headline] == ["central", "local"]
    for line in headline:
        assert line.disbursed_vnd == sum(a for s, y, _d, a in payments if s == line.source and y == year)


@pytest.mark.parametrize("joined,latest,move", [
    ("poor", "near_poor", "escaped_poverty"),  # thoát nghèo, though still near-poor
    ("poor", "escaped", "escaped_poverty"),
    ("poor", "none", "escaped_poverty"),
    ("near_poor", "none", "escaped_near_poverty"),  # thoát cận nghèo: never poor, so not thoát nghèo
    ("near_poor", "escaped", "escaped_near_poverty"),  # a mislabelled record still counts as above near-poor
    ("escaped", "poor", "fell_back"),  # tái nghèo
    ("near_poor", "poor", "newly_poor"),  # phát sinh nghèo
    ("none", "poor", "newly_poor"),
    ("poor", "poor", None),
    ("near_poor", "near_poor", None),
    ("escaped", "none", None),
    ("none", "near_poor", None),
    ("poor", None, None),
])
def test_category_moves(joined, latest, move):
    assert rules.category_move(joined, latest) == move


CATEGORY = st.sampled_from([rules.POOR, rules.NEAR_POOR, rules.ESCAPED, rules.NONE])


@given(CATEGORY, st.one_of(st.none(), CATEGORY))
def test_thoat_ngheo_is_exactly_a_poor_household_no_longer_poor(joined, latest):
    move = rules.category_move(joined, latest)
    assert (move == rules.ESCAPED_POVERTY) == (joined == rules.POOR and latest not in (None, rules.POOR))
    assert (move == rules.ESCAPED_NEAR_POVERTY) == (joined == rules.NEAR_POOR and latest in (rules.ESCAPED, rules.NONE))
    assert (move in (rules.FELL_BACK, rules.NEWLY_POOR)) == (joined != rules.POOR and latest == rules.POOR)


@pytest.mark.parametrize("history,allowed", [
    ([(D(2025, 12, 1), "poor")], True),
    ([(D(2024, 7, 1), "poor"), (D(2025, 12, 1), "near_poor")], True),  # poor → near-poor → above: still escaped
    ([(D(2025, 12, 1), "escaped")], True),
    ([], True),  # nothing known: not refused
    ([(D(2024, 4, 15), "near_poor"), (D(2025, 12, 12), "near_poor")], False),  # never poor: demo's Đinh Thị Lan
    ([(D(2025, 12, 1), "none")], False),
    ([(D(2023, 5, 31), "poor"), (D(2025, 1, 1), "near_poor")], False),  # poor more than 36 months before
    ([(D(2026, 6, 2), "poor")], False),  # after the day assessed
])
def test_newly_escaped_only_follows_poverty_within_36_months(history, allowed):
    assert rules.escaped_allowed(history, D(2026, 6, 1)) is allowed


def test_outcome_of_a_small_group():
    period = rules.parse_period("2025-Q4")
    households = [
        Household(1, 10, "poor", 1_000_000, (1_600_000, "near_poor"), ethnic_minority=True, woman_headed=True),
        Household(2, 10, "near_poor", 1_200_000, (2_000_000, "none"), ethnic_minority=True),
        Household(3, 10, "poor", 800_000, None, woman_headed=True),
        Household(1, 11, "poor", 1_000_000, (1_600_000, "near_poor")),  # same household, second project
        Household(4, 10, "escaped", 1_500_000, (1_100_000, "poor"), ethnic_minority=True),
        Household(5, 10, "poor", 700_000, (2_300_000, "none"), woman_headed=True),
    ]
    sales = [
        Sale(101, 1, 10, D(2025, 10, 5), 200_000),
        Sale(102, 1, 10, D(2025, 12, 20), 100_000),
        Sale(103, 2, 10, D(2025, 11, 2), 150_000),
        Sale(104, 2, 10, D(2025, 9, 30), 50_000),  # before the period: only the first-sale date
        Sale(105, 2, 10, D(2026, 1, 1), 100_000),  # after the period
        Sale(106, 9, 10, D(2025, 11, 1), 70_000),  # a household not taking part: revenue, not a seller
    ]
    plan = rules.annual_lines(PLANS, PAYMENTS, 2025, until=period.last_day)
    o = rules.outcome("P1", "Dự án", period, households, sales, active_listings=2, plan=plan,
                      apart_disbursed_vnd={"policy_credit": 60_000_000})
    assert o.households == 5
    assert o.revenue_vnd == 520_000 and o.orders == 4
    assert o.households_with_sales == 2
    assert o.revenue_per_household_vnd == 104_000
    assert o.first_sale == {1: D(2025, 10, 5), 2: D(2025, 9, 30)}
    assert o.first_sale_on == D(2025, 9, 30)
    # incomes of the four households with a record: (1.000+1.200+1.500+700)/4 → (1.600+2.000+1.100+2.300)/4 thousand
    assert (o.baseline_income_avg_vnd, o.latest_income_avg_vnd, o.income_change_vnd) == (1_100_000, 1_750_000, 650_000)
    # H1 and H5 were poor and are not: 2 thoát nghèo, of which H1 is near-poor; H2 near-poor → none: thoát cận
    # nghèo; H4 newly escaped → poor: tái nghèo
    assert (o.escaped_poverty, o.poor_to_near_poor, o.escaped_near_poverty, o.fell_back, o.newly_poor) == (2, 1, 1, 1, 0)
    assert o.households_with_records == 4
    assert o.category_counts_joining == {"poor": 3, "near_poor": 1, "escaped": 1}
    assert o.category_counts_latest == {"near_poor": 1, "none": 2, "poor": 1}
    em, wh = o.breakdown["ethnic_minority"], o.breakdown["woman_headed"]
    # ethnic minority: H1, H2, H4; H1 and H2 sold in the period (300.000 + 150.000)
    assert (em.households, em.escaped_poverty, em.escaped_near_poverty, em.fell_back) == (3, 1, 1, 1)
    assert (em.households_with_sales, em.revenue_vnd) == (2, 450_000)
    # woman-headed: H1, H3, H5; H1 and H5 escaped poverty; only H1 sold (300.000)
    assert (wh.households, wh.escaped_poverty, wh.escaped_near_poverty, wh.households_with_sales, wh.revenue_vnd) == \
        (3, 2, 0, 1, 300_000)
    assert o.rate_bp("central") == 5477 and o.rate_bp("local") == 8535 and o.rate_bp("people") is None
    assert o.apart_disbursed_vnd == {"policy_credit": 60_000_000}


def test_monthly_revenue_and_bar_geometry():
    period = rules.parse_period("2025-Q4")
    months = rules.months_ending(period, 3)
    assert months == [D(2025, 10, 1), D(2025, 11, 1), D(2025, 12, 1)]
    series = rules.monthly_revenue([Sale(1, 1, 1, D(2025, 10, 5), 200), Sale(2, 1, 1, D(2025, 12, 9), 100),
                                    Sale(3, 1, 1, D(2024, 12, 9), 999)], months)
    assert [v for _, v in series] == [200, 0, 100]
    chart = charts.columns("t", [("10", (200,)), ("11", (0,)), ("12", (100,))])
    tallest, empty, half = chart.bars
    assert empty.h == 0 and tallest.h == pytest.approx(2 * half.h)
    assert tallest.y + tallest.h == pytest.approx(chart.axis_y)
    assert chart.legend == [] and {b.css for b in chart.bars} == {"chart-bar"}
    paired = charts.columns("t", [("a", (10, 5_000_000))], ("x", "y"), fmt=format_vnd_short)
    assert [b.css for b in paired.bars] == ["chart-bar-0", "chart-bar-1"]
    assert [b.tip for b in paired.bars] == ["a: 10", "a: 5,0 tr"]
    assert paired.legend == [("x", "chart-bar-0"), ("y", "chart-bar-1")]


def test_newly_escaped_lapses_36_months_after_recognition():
    from ocop_market import register_models
    from ocop_market.catalog.models import HouseholdAssessment

    register_models()  # every mapped class, so the model can be built without a database
    a = HouseholdAssessment(assessed_on=D(2024, 1, 10), category="escaped", recognition_date=D(2023, 12, 20))
    assert a.category_on(D(2026, 12, 19)) == "escaped"
    assert a.category_on(D(2026, 12, 20)) == "none"  # 36 months after the commune's decision
    undated = HouseholdAssessment(assessed_on=D(2024, 1, 10), category="escaped")
    assert undated.category_on(D(2027, 1, 9)) == "escaped" and undated.category_on(D(2027, 1, 10)) == "none"
    assert HouseholdAssessment(assessed_on=D(2020, 1, 1), category="poor").category_on(D(2030, 1, 1)) == "poor"
