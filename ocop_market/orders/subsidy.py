"""Orders' side of a programme shipping subsidy (hỗ trợ phí giao của chương trình): a shipment's fee, what a
programme offers to pay of it, and the buyer's price after it.

The subsidies themselves belong to the programmes domain (`programs/subsidies.py`), above orders, which therefore
never imports them: the cart and checkout ask `signals.shipping_subsidy_offers`, placing an order sends
`signals.shipping_subsidy_claimed` for each subsidised part (the receiver spends the budget by conditional UPDATE
or raises `SubsidyRanOut`), and cancelling one sends `signals.shipping_subsidy_released`. With no receiver (no
programme), nothing is ever subsidised.

Money: the part stores what the buyer pays (`shipping_vnd` = fee − subsidy, so `total = subtotal + shipping`
still holds and every payment, refund and Stripe line reads the buyer's amount) and the programme's part apart
(`shipping_subsidy_vnd`), which the producer's ledger credits at delivery (kind `shipping_subsidy`)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _

from .. import signals
from ..errors import Conflict
from ..money import format_vnd
from . import rules


@dataclass(frozen=True)
class ShipmentFee:
    """What a subsidy is computed on: one producer's shipment."""

    producer_id: int
    fee_vnd: int
    #: the parcel's weight, None while the shipment's weight is not known
    weight_grams: int | None = None


@dataclass(frozen=True)
class SubsidyOffer:
    producer_id: int
    subsidy_id: int
    amount_vnd: int
    #: the subsidy's name, as the buyer reads it
    label: str


class SubsidyRanOut(Conflict):
    """The subsidy shown to the buyer can no longer be spent (budget used up meanwhile, stopped, period over):
    nothing of the order was kept, and the buyer is shown the new total to confirm again."""

    def __init__(self, label: str = "", total_vnd: int | None = None):
        if total_vnd is not None:
            message = _("Hỗ trợ phí giao của chương trình vừa hết ngân sách hoặc chỉ còn một phần. Tổng tiền mới là "
                        "%(total)s: vui lòng xem lại và xác nhận đặt hàng lại.", total=format_vnd(total_vnd))
        else:
            message = _("Hỗ trợ phí giao của chương trình “%(name)s” vừa hết ngân sách hoặc đã dừng. Vui lòng xem "
                        "lại tổng tiền mới và xác nhận đặt hàng lại.", name=label)
        super().__init__(message)


@dataclass(frozen=True)
class Subsidised:
    """Totals with the programme's offers: what the buyer is shown and charged."""

    totals: rules.Totals
    offers: dict[int, SubsidyOffer] = field(default_factory=dict)

    def offer_for(self, producer_id: int) -> SubsidyOffer | None:
        return self.offers.get(producer_id)

    def subsidy_of(self, producer_id: int) -> int:
        offer = self.offers.get(producer_id)
        return offer.amount_vnd if offer else 0

    def buyer_shipping_of(self, shipment: rules.Shipment) -> int:
        return shipment.shipping_vnd - self.subsidy_of(shipment.producer_id)

    @property
    def subsidy_vnd(self) -> int:
        return sum(o.amount_vnd for o in self.offers.values())

    @property
    def subtotal_vnd(self) -> int:
        return self.totals.subtotal_vnd

    @property
    def fee_vnd(self) -> int:
        return self.totals.shipping_vnd

    @property
    def shipping_vnd(self) -> int:
        """What the buyer pays for shipping."""
        return self.totals.shipping_vnd - self.subsidy_vnd

    @property
    def total_vnd(self) -> int:
        return self.totals.total_vnd - self.subsidy_vnd


def shipment_fees(totals: rules.Totals, weights: dict[int, int] | None = None) -> list[ShipmentFee]:
    """What each shipment's buyer would pay for shipping, with its parcel's weight: `weights`, else the shipment's
    own `weight_grams` once the fee table gives shipments one (a weight of 0 is unknown: per-kg subsidies pay
    nothing then). The subsidy comes off what the buyer pays, so a shipment shipped free gets none."""
    weights = weights or {}
    out = []
    for s in totals.shipments:
        grams = weights.get(s.producer_id) or getattr(s, "weight_grams", None) or None
        out.append(ShipmentFee(s.producer_id, s.shipping_vnd, grams))
    return out


def apply(totals: rules.Totals, at: dt.datetime, weights: dict[int, int] | None = None,
          fresh: bool = False) -> Subsidised:
    """The programmes' offers for these shipments: at most one per shipment (the largest), never above its fee.
    `fresh`: placing an order, where nothing may come from a per-process copy (pages may use one)."""
    fees = {f.producer_id: f for f in shipment_fees(totals, weights)}
    chargeable = [f for f in fees.values() if f.fee_vnd > 0]
    best: dict[int, SubsidyOffer] = {}
    if chargeable:
        for answer in signals.answers(signals.shipping_subsidy_offers, shipments=chargeable, at=at, fresh=fresh):
            for producer_id, offer in answer.items():
                fee = fees.get(producer_id)
                if fee is None or offer.amount_vnd <= 0:
                    continue
                amount = min(offer.amount_vnd, fee.fee_vnd)
                if producer_id not in best or amount > best[producer_id].amount_vnd:
                    best[producer_id] = SubsidyOffer(producer_id, offer.subsidy_id, amount, offer.label)
    return Subsidised(totals, best)


def claim(po, offer: SubsidyOffer) -> None:
    """Spend the offer for a flushed part. The receiver that spent it answers True; one that cannot raises
    SubsidyRanOut, and an offer nobody spends is refused the same way (never a subsidy nobody pays)."""
    if not signals.answers(signals.shipping_subsidy_claimed, po, offer=offer):
        raise SubsidyRanOut(offer.label)


def release(po) -> None:
    if po.shipping_subsidy_vnd:
        signals.shipping_subsidy_released.send(po)
