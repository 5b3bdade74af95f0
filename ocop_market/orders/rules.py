"""Pure order rules: quantities, totals, shipping, the state transition table. No database here."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import MAX_CASE_QUANTITY, MAX_LINE_QUANTITY, OrderStatus

S = OrderStatus

#: who may move a producer order from one state to another. "system" is the payment webhook or the sweep;
#: "carrier" a carrier's signed tracking webhook reporting the parcel delivered (carriers/services.py).
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.AWAITING_PAYMENT, S.PLACED): frozenset({"system", "staff"}),
    (S.AWAITING_PAYMENT, S.CANCELLED): frozenset({"system", "staff", "buyer"}),
    (S.PLACED, S.CONFIRMED): frozenset({"producer", "staff"}),
    (S.PLACED, S.CANCELLED): frozenset({"buyer", "producer", "staff"}),
    (S.CONFIRMED, S.SHIPPED): frozenset({"producer", "staff"}),
    (S.CONFIRMED, S.CANCELLED): frozenset({"buyer", "producer", "staff"}),
    (S.SHIPPED, S.DELIVERED): frozenset({"producer", "staff", "carrier"}),
    (S.DELIVERED, S.COMPLETED): frozenset({"buyer", "staff", "system"}),
}

#: states from which stock goes back to the shelf on cancellation (nothing has left the producer yet)
CANCELLABLE = frozenset(frm for (frm, to) in TRANSITIONS if to == S.CANCELLED)
#: the order of progress, used to show a timeline and to keep webhook effects forward-only
PROGRESS = [S.AWAITING_PAYMENT, S.PLACED, S.CONFIRMED, S.SHIPPED, S.DELIVERED, S.COMPLETED]


def can_move(frm: str, to: str, role: str) -> bool:
    return role in TRANSITIONS.get((frm, to), frozenset())


def next_steps(frm: str, role: str) -> list[str]:
    return [to for (f, to), roles in TRANSITIONS.items() if f == frm and role in roles]


_WHOLE = re.compile(r"^\s*\+?([0-9]{1,6})\s*$")


class QuantityError(ValueError):
    pass


def parse_quantity(raw, available: int, most: int = MAX_LINE_QUANTITY) -> int:
    """A whole number from 1 to min(available, most): a person's 99 unless the caller knows an organisation buys
    (`wholesale.line_limit`). Raises QuantityError (never overflows the database)."""
    if isinstance(raw, bool):
        raise QuantityError("not a number")
    if isinstance(raw, int):
        value = raw
    else:
        m = _WHOLE.match(str(raw if raw is not None else ""))
        if not m:
            raise QuantityError("not a whole number")
        value = int(m.group(1))
    limit = min(available, most, MAX_CASE_QUANTITY)
    if value < 1 or value > limit:
        raise QuantityError(f"outside 1..{limit}")
    return value


def shipping_fee(subtotal_vnd: int, fee_vnd: int, free_above_vnd: int | None) -> int:
    """Flat fee per producer shipment; free when that shipment's goods reach the threshold."""
    if free_above_vnd is not None and free_above_vnd > 0 and subtotal_vnd >= free_above_vnd:
        return 0
    return fee_vnd


@dataclass(frozen=True)
class PricedLine:
    product_id: int
    producer_id: int
    unit_price_vnd: int
    quantity: int
    #: one unit's packed weight in grams (0: not known to the caller)
    unit_grams: int = 0

    @property
    def total_vnd(self) -> int:
        return self.unit_price_vnd * self.quantity

    @property
    def weight_grams(self) -> int:
        return self.unit_grams * self.quantity


@dataclass(frozen=True)
class Shipment:
    producer_id: int
    lines: tuple[PricedLine, ...]
    subtotal_vnd: int
    shipping_vnd: int
    #: the parcel's weight (its lines' packed weights) and the fee table's zone it was priced for ("" flat)
    weight_grams: int = 0
    zone: str = ""

    @property
    def total_vnd(self) -> int:
        return self.subtotal_vnd + self.shipping_vnd


@dataclass(frozen=True)
class Totals:
    shipments: tuple[Shipment, ...]

    @property
    def subtotal_vnd(self) -> int:
        return sum(s.subtotal_vnd for s in self.shipments)

    @property
    def shipping_vnd(self) -> int:
        return sum(s.shipping_vnd for s in self.shipments)

    @property
    def total_vnd(self) -> int:
        return self.subtotal_vnd + self.shipping_vnd


#: a shipment's fee before the free-shipping threshold: (producer id, parcel grams) → (fee, zone); `fees.quoter`
FeeOf = Callable[[int, int], tuple[int, str]]


def totals(lines: Iterable[PricedLine], fee: int | FeeOf, free_above_vnd: int | None) -> Totals:
    """One shipment per producer; `fee` a flat fee per shipment, or the fee table's price of each parcel."""
    by_producer: dict[int, list[PricedLine]] = {}
    for line in lines:
        by_producer.setdefault(line.producer_id, []).append(line)
    shipments = []
    for producer_id in sorted(by_producer):
        group = tuple(by_producer[producer_id])
        subtotal = sum(ln.total_vnd for ln in group)
        grams = sum(ln.weight_grams for ln in group)
        fee_vnd, zone = (fee, "") if isinstance(fee, int) else fee(producer_id, grams)
        shipments.append(Shipment(producer_id, group, subtotal, shipping_fee(subtotal, fee_vnd, free_above_vnd),
                                  grams, zone))
    return Totals(tuple(shipments))
