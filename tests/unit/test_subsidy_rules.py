"""The pure rules of a programme shipping subsidy: the amount per shipment and which subsidy pays which shipment."""
from __future__ import annotations

import datetime as dt

from ocop_market.programs.subsidy_rules import LiveSubsidy, Shipment, allocate, amount_for

NOW = dt.datetime(2026, 12, 3, 5, 0, tzinfo=dt.UTC)


def _subsidy(id=1, mode="per_order", amount=15_000, cap=None, remaining=1_000_000, households=(1, 2), active=True,
             starts=NOW - dt.timedelta(days=1), ends=NOW + dt.timedelta(days=1)):
    return LiveSubsidy(id, f"HT {id}", mode, amount, cap, remaining, starts, ends, active, frozenset(households))


def test_per_order_is_the_amount_capped_at_the_fee():
    assert amount_for(_subsidy(amount=15_000), 30_000, None) == 15_000
    assert amount_for(_subsidy(amount=45_000), 30_000, None) == 30_000
    assert amount_for(_subsidy(amount=15_000), 0, None) == 0  # a free shipment gets nothing


def test_per_kg_is_pro_rata_rounded_down_then_capped():
    per_kg = _subsidy(mode="per_kg", amount=8_000)
    assert amount_for(per_kg, 30_000, 1_250) == 10_000
    assert amount_for(per_kg, 30_000, 333) == 2_664
    assert amount_for(per_kg, 30_000, None) == 0  # weight unknown: nothing
    assert amount_for(per_kg, 30_000, 10_000) == 30_000  # never more than the fee
    assert amount_for(_subsidy(mode="per_kg", amount=8_000, cap=12_000), 30_000, 5_000) == 12_000


def test_allocate_picks_the_largest_eligible_live_subsidy_and_shares_the_budget():
    small = _subsidy(id=1, amount=10_000)
    large = _subsidy(id=2, amount=20_000, households=(1,))
    got = allocate([Shipment(1, 30_000), Shipment(2, 30_000), Shipment(3, 30_000)], [small, large], NOW)
    assert {pid: (s.id, a) for pid, (s, a) in got.items()} == {1: (2, 20_000), 2: (1, 10_000)}
    # Two shipments of one order share what is left: the second gets the remainder.
    tight = _subsidy(id=3, amount=15_000, remaining=20_000)
    got = allocate([Shipment(1, 30_000), Shipment(2, 30_000)], [tight], NOW)
    assert {pid: a for pid, (_s, a) in got.items()} == {1: 15_000, 2: 5_000}


def test_allocate_ignores_stopped_spent_and_out_of_period_subsidies():
    for dead in (_subsidy(active=False), _subsidy(remaining=0), _subsidy(starts=NOW + dt.timedelta(seconds=1)),
                 _subsidy(ends=NOW)):
        assert allocate([Shipment(1, 30_000)], [dead], NOW) == {}
