"""Pure rules of a programme shipping subsidy (hỗ trợ phí giao): how much of one shipment's fee a subsidy pays,
and which subsidy pays which shipment of an order. No database here (tests/unit/test_subsidy_rules.py).

- per order: the amount, per producer shipment;
- per kg: the amount per kilogram of the parcel, pro rata (1.25 kg at 8.000 ₫/kg is 10.000 ₫), rounded down to
  whole đồng; nothing while the parcel's weight is unknown;
- then the optional cap per order, then the shipment's fee (a subsidy never pays more than the fee, so the buyer
  never pays less than nothing), then what is left of the budget (the last order gets the remainder);
- a shipment gets at most one subsidy, the one paying most (ties: the older subsidy); two shipments of one order
  share a budget, so the second gets what the first left."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

PER_ORDER = "per_order"
PER_KG = "per_kg"
MODES = (PER_ORDER, PER_KG)

#: bounds staff may enter (whole đồng); a budget above 100 billion đồng is a typing error
MAX_AMOUNT_VND = 10_000_000
MAX_BUDGET_VND = 100_000_000_000


@dataclass(frozen=True)
class LiveSubsidy:
    """A subsidy as checkout sees it: its terms, what is left and the households it pays for."""

    id: int
    name: str
    mode: str
    amount_vnd: int
    cap_per_order_vnd: int | None
    remaining_vnd: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    active: bool
    households: frozenset[int]

    def is_live(self, at: dt.datetime) -> bool:
        return self.active and self.starts_at <= at < self.ends_at and self.remaining_vnd > 0


@dataclass(frozen=True)
class Shipment:
    producer_id: int
    fee_vnd: int
    weight_grams: int | None = None


def amount_for(subsidy: LiveSubsidy, fee_vnd: int, weight_grams: int | None) -> int:
    """What the subsidy pays of one shipment's fee, before its budget is looked at."""
    if fee_vnd <= 0:
        return 0
    if subsidy.mode == PER_ORDER:
        amount = subsidy.amount_vnd
    elif subsidy.mode == PER_KG:
        if weight_grams is None or weight_grams <= 0:
            return 0
        amount = subsidy.amount_vnd * weight_grams // 1000
    else:
        return 0
    if subsidy.cap_per_order_vnd is not None:
        amount = min(amount, subsidy.cap_per_order_vnd)
    return max(0, min(amount, fee_vnd))


def allocate(shipments: Iterable[Shipment], subsidies: Iterable[LiveSubsidy],
             at: dt.datetime) -> dict[int, tuple[LiveSubsidy, int]]:
    """{producer_id: (subsidy, amount)} for the shipments a live subsidy pays part of."""
    live = sorted((s for s in subsidies if s.is_live(at)), key=lambda s: s.id)
    left = {s.id: s.remaining_vnd for s in live}
    out: dict[int, tuple[LiveSubsidy, int]] = {}
    for shipment in sorted(shipments, key=lambda s: s.producer_id):
        best: tuple[LiveSubsidy, int] | None = None
        for subsidy in live:
            if shipment.producer_id not in subsidy.households:
                continue
            amount = min(amount_for(subsidy, shipment.fee_vnd, shipment.weight_grams), left[subsidy.id])
            if amount > 0 and (best is None or amount > best[1]):
                best = (subsidy, amount)
        if best is not None:
            left[best[0].id] -= best[1]
            out[shipment.producer_id] = best
    return out
