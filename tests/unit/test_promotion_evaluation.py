"""The control-group comparison of the effect report on a hand-made data set, figures worked out by hand."""
from __future__ import annotations

from ocop_market.promotions import evaluation
from ocop_market.promotions.evaluation import DrawnRequest, GroupFigures

A, B = "2025-W10", "2025-W11"

REQUESTS = [
    # week A, tier 1: two winners, two tied losers (capacity) -> split by the lottery
    DrawnRequest(A, 1, 1, True), DrawnRequest(A, 2, 1, True),
    DrawnRequest(A, 3, 1, False, "capacity"), DrawnRequest(A, 4, 1, False, "capacity"),
    # week A, tier 2: only a loser -> no winner to compare with, left out
    DrawnRequest(A, 5, 2, False, "capacity"),
    # week B, tier 1: a winner and a refusal for quota (not the lottery) -> left out
    DrawnRequest(B, 1, 1, True), DrawnRequest(B, 6, 1, False, "quota"),
    # week B, tier 2: split
    DrawnRequest(B, 7, 2, True), DrawnRequest(B, 3, 2, False, "capacity"),
]
SALES = {
    (A, 1): (2, 300_000), (A, 2): (1, 100_000), (B, 7): (0, 0),  # tied winners: 3 orders, 400.000 ₫
    (A, 3): (1, 50_000), (A, 4): (0, 0), (B, 3): (1, 25_000),  # tied losers: 2 orders, 75.000 ₫
    (A, 5): (3, 999_000), (B, 6): (5, 999_000),  # in no group
    (B, 1): (4, 400_000), (B, 8): (1, 60_000),
    # a year earlier (52 weeks: 2024-W10 and 2024-W11)
    ("2024-W10", 1): (1, 100_000), ("2024-W11", 1): (1, 120_000), ("2024-W11", 8): (2, 80_000),
    ("2024-W11", 7): (9, 900_000),  # product 7 was not on sale then: left out
}
#: every promoted (week, listing): the draw's winners and a pin (8) in week B
PROMOTED = [(A, 1), (A, 2), (B, 1), (B, 7), (B, 8)]
FIRST_WEEK = {1: "2024-W01", 2: "2024-W09", 7: "2025-W01", 8: "2024-W11"}


def test_year_earlier_is_52_weeks_before():
    assert evaluation.year_earlier(A) == "2024-W10" and evaluation.year_earlier("2026-W01") == "2025-W01"


def test_tied_losers_are_the_control_group():
    winners, losers = evaluation.tied_groups(REQUESTS)
    assert winners == {(A, 1), (A, 2), (B, 7)}
    assert losers == {(A, 3), (A, 4), (B, 3)}


def test_comparison_on_a_hand_made_data_set():
    c = evaluation.compare(REQUESTS, PROMOTED, SALES, FIRST_WEEK)
    # 3 listings (1, 2, 7) in 3 listing-weeks: 3 orders, 400.000 ₫ -> 133.333,33 -> 133.333 ₫ a listing-week
    assert c.promoted_tied == GroupFigures(products=3, product_weeks=3, orders=3, revenue_vnd=400_000)
    assert c.promoted_tied.revenue_per_week == 133_333 and c.promoted_tied.orders_per_week == 1.0
    # 2 listings (3, 4) in 3 listing-weeks: 2 orders, 75.000 ₫ -> 25.000 ₫ a listing-week
    assert c.control == GroupFigures(products=2, product_weeks=3, orders=2, revenue_vnd=75_000)
    assert c.control.revenue_per_week == 25_000 and round(c.control.orders_per_week, 3) == 0.667
    assert c.control_difference_vnd == 108_333
    assert c.control_weeks == (A, B)
    # Listings on sale a year earlier: 1 (both weeks), 2 (listed 2024-W09, week A's year-earlier is 2024-W10), 8
    # (listed 2024-W11, just in time); 7 was listed in 2025. This year: 2+1+4+1 = 8 orders, 860.000 ₫ in 4 weeks.
    assert c.promoted_matched == GroupFigures(products=3, product_weeks=4, orders=8, revenue_vnd=860_000)
    assert c.promoted_matched.revenue_per_week == 215_000
    # The same four listing-weeks a year earlier: 1+0+1+2 = 4 orders, 300.000 ₫ -> 75.000 ₫ a listing-week.
    assert c.year_before == GroupFigures(products=3, product_weeks=4, orders=4, revenue_vnd=300_000)
    assert c.year_before.revenue_per_week == 75_000 and c.year_difference_vnd == 140_000


def test_no_split_tier_means_no_control_group():
    c = evaluation.compare([DrawnRequest(A, 1, 1, True), DrawnRequest(A, 2, 2, False, "capacity")], [(A, 1)],
                           {(A, 1): (1, 10)}, {})
    assert c.control == GroupFigures() and c.promoted_tied == GroupFigures() and c.control.revenue_per_week == 0
    assert c.year_before == GroupFigures() and c.control_weeks == ()
    # half a đồng rounds up
    assert GroupFigures(1, 2, 0, 3).revenue_per_week == 2
