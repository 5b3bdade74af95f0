"""Programme rules without a database: periods, disbursement rates and limits, category moves, outcome figures."""
from __future__ import annotations

import datetime as dt

import pytest

from ocop_market.programs import charts, rules
from ocop_market.programs.rules import Household, Sale

D = dt.date


@pytest.mark.parametrize("raw,start,end,kind", [
    ("2026-Q4", D(2026, 10, 1), D(2027, 1, 1), "quarter"),
    ("2026-q1", D(2026, 1, 1), D(2026, 4, 1), "quarter"),
    ("2026-02", D(2026, 2, 1), D(2026, 3, 1), "month"),
    ("2025", D(2025, 1, 1), D(2026, 1, 1), "year"),
])
def test_periods(raw, start, end, kind):
    p = rules.parse_period(raw)
    assert (p.start, p.end, p.kind) == (start, end, kind)
    assert p.contains(start) and not p.contains(end) and p.last_day == end - dt.timedelta(days=1)


@pytest.mark.parametrize("raw", ["", "2026-Q5", "2026-13", "2026-Q0", "26-Q1", "2026-Q4;--", "1999", "abcd", "2026-1"])
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


def test_disbursement_table_per_source_and_total_up_to_a_day():
    lines, total = rules.disbursement_table(
        {"central": 100_000_000, "local": 20_000_000, "people": 10_000_000},
        [("central", D(2025, 8, 1), 69_060_000), ("local", D(2025, 10, 1), 5_000_000),
         ("people", D(2026, 1, 15), 1_000_000)],
        ["central", "local", "policy_credit", "people", "enterprise"], until=D(2025, 12, 31))
    by = {line.source: line for line in lines}
    assert by["central"].rate_bp == 6906 and by["local"].rate_bp == 2500
    assert by["people"].disbursed_vnd == 0 and by["policy_credit"].rate_bp is None
    assert (total.budget_vnd, total.disbursed_vnd, total.rate_bp) == (130_000_000, 74_060_000, 5697)


@pytest.mark.parametrize("joined,latest,move", [
    ("poor", "near_poor", "poor_to_near_poor"),
    ("poor", "escaped", "escaped"),
    ("poor", "none", "escaped"),
    ("near_poor", "escaped", "escaped"),
    ("near_poor", "poor", None),
    ("poor", "poor", None),
    ("escaped", "none", None),
    ("poor", None, None),
])
def test_category_moves(joined, latest, move):
    assert rules.category_move(joined, latest) == move


def test_outcome_of_a_small_group():
    period = rules.parse_period("2025-Q4")
    households = [
        Household(1, 10, "poor", 1_000_000, (1_600_000, "near_poor")),
        Household(2, 10, "near_poor", 1_200_000, (2_000_000, "escaped")),
        Household(3, 10, "poor", 800_000, None),
        Household(1, 11, "poor", 1_000_000, (1_600_000, "near_poor")),  # same household, second project
    ]
    sales = [
        Sale(101, 1, 10, D(2025, 10, 5), 200_000),
        Sale(102, 1, 10, D(2025, 12, 20), 100_000),
        Sale(103, 2, 10, D(2025, 11, 2), 150_000),
        Sale(104, 2, 10, D(2025, 9, 30), 50_000),  # before the period: only the first-sale date
        Sale(105, 2, 10, D(2026, 1, 1), 100_000),  # after the period
        Sale(106, 9, 10, D(2025, 11, 1), 70_000),  # a household not taking part: revenue, not a seller
    ]
    o = rules.outcome("P1", "Dự án", period, households, sales, active_listings=2, budget_vnd=130_000_000,
                      disbursed_vnd=74_060_000)
    assert o.households == 3
    assert o.revenue_vnd == 520_000 and o.orders == 4
    assert o.households_with_sales == 2
    assert o.revenue_per_household_vnd == 173_333
    assert o.first_sale == {1: D(2025, 10, 5), 2: D(2025, 9, 30)}
    assert o.first_sale_on == D(2025, 9, 30)
    assert (o.baseline_income_avg_vnd, o.latest_income_avg_vnd, o.income_change_vnd) == (1_100_000, 1_800_000, 700_000)
    assert (o.poor_to_near_poor, o.escaped, o.households_with_records) == (1, 1, 2)
    assert o.category_counts_joining == {"poor": 2, "near_poor": 1}
    assert o.category_counts_latest == {"near_poor": 1, "escaped": 1}
    assert o.disbursement_rate_bp == 5697


def test_monthly_revenue_and_bar_geometry():
    period = rules.parse_period("2025-Q4")
    months = rules.months_ending(period, 3)
    assert months == [D(2025, 10, 1), D(2025, 11, 1), D(2025, 12, 1)]
    series = rules.monthly_revenue([Sale(1, 1, 1, D(2025, 10, 5), 200), Sale(2, 1, 1, D(2025, 12, 9), 100),
                                    Sale(3, 1, 1, D(2024, 12, 9), 999)], months)
    assert [v for _, v in series] == [200, 0, 100]
    chart = charts.bar_chart("t", [("10", 200), ("11", 0), ("12", 100)])
    tallest, empty, half = chart.bars
    assert empty.h == 0 and tallest.h == pytest.approx(2 * half.h)
    assert tallest.y + tallest.h == pytest.approx(chart.baseline_y)
    paired = charts.paired_chart("t", [("a", 10, 5)], ("x", "y"), money=False)
    assert [b.css for b in paired.bars] == ["bar-a", "bar-b"] and paired.bars[1].value_text == "5"
