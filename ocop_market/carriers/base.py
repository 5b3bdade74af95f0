"""The one interface every carrier adapter offers, and the plain values that cross it.

An adapter is the only module that talks to its carrier (HTTP, a file, nothing at all for the post office); the
rest of the shop sees `Carrier` and the dataclasses here. Errors become `CarrierError`, whose message is safe to show
to the producer."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Protocol


class CarrierCode(enum.StrEnum):
    #: Giao Hàng Nhanh, through its public API (carriers/ghn.py)
    GHN = "ghn"
    #: the post office (Bưu điện / VNPost counter): the producer hands the parcel over and types its tracking number
    MANUAL = "manual"


class ShipmentStatus(enum.StrEnum):
    """A shipment's own state, the same words for every carrier (each adapter maps its carrier's statuses)."""

    CREATED = "created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    DELIVERING = "delivering"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNING = "returning"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    LOST = "lost"


S = ShipmentStatus
#: how far along a shipment is: a status moves only to a higher rank (or sideways between a delivery attempt and
#: a failed one, which alternate); the last four end the shipment and never change again
RANK: dict[str, int] = {S.CREATED: 0, S.PICKED_UP: 1, S.IN_TRANSIT: 2, S.DELIVERING: 3, S.FAILED_ATTEMPT: 3,
                        S.RETURNING: 4, S.DELIVERED: 9, S.RETURNED: 9, S.CANCELLED: 9, S.LOST: 9}
FINAL = frozenset({S.DELIVERED, S.RETURNED, S.CANCELLED, S.LOST})
#: outcomes staff must look at (nothing is refunded automatically)
NEEDS_STAFF = frozenset({S.RETURNING, S.RETURNED, S.CANCELLED, S.LOST})


def moves_forward(current: str, new: str) -> bool:
    """Whether a shipment at `current` may take `new` (pure; the service applies it by compare-and-set)."""
    if current in FINAL or new == current:
        return False
    return RANK.get(new, -1) > RANK.get(current, 99) or (
        RANK.get(new) == RANK.get(current) and new in (S.DELIVERING, S.FAILED_ATTEMPT))


class CarrierError(RuntimeError):
    """The carrier refused or could not be reached; `str()` is a sentence for the producer or staff."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


class MalformedWebhook(ValueError):
    """A signed webhook body that is not what the carrier sends."""


@dataclass(frozen=True)
class Address:
    name: str
    phone: str
    line: str
    commune: str
    province: str


@dataclass(frozen=True)
class ParcelItem:
    name: str
    quantity: int
    weight_grams: int


@dataclass(frozen=True)
class Parcel:
    """What a carrier needs to price and carry one producer's part of an order."""

    #: our reference, unique per part (order code and part id): the carrier refuses a second order with it
    reference: str
    sender: Address
    recipient: Address
    weight_grams: int
    #: what the carrier collects from the buyer (0 unless cash on delivery)
    cod_vnd: int
    #: the goods' value, for the carrier's insurance
    value_vnd: int
    items: tuple[ParcelItem, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class CreatedShipment:
    tracking_code: str
    fee_vnd: int
    expected_delivery: dt.datetime | None = None


@dataclass(frozen=True)
class TrackingUpdate:
    """One step the carrier reported for a parcel."""

    tracking_code: str
    #: the carrier's own word ("delivering", "delivered", …) and our status for it
    carrier_status: str
    status: str
    at: dt.datetime
    description: str = ""
    #: the carrier's id for the event; without one, status and time identify it
    event_id: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return (self.event_id or f"{self.carrier_status}@{self.at.isoformat()}")[:120]


class Carrier(Protocol):
    code: str
    #: whether the shop asks the carrier for the tracking code (True) or the producer types it (False)
    creates_orders: bool

    def quote(self, parcel: Parcel) -> int: ...

    def create_shipment(self, parcel: Parcel, tracking_code: str | None = None) -> CreatedShipment: ...

    def label(self, tracking_code: str) -> bytes | None:
        """The carrier's own label as PDF bytes, or None: then the shop prints its own (carriers/labels.py)."""
        ...

    def track(self, tracking_code: str) -> list[TrackingUpdate]: ...

    def cod_report(self, period: tuple[dt.date, dt.date], tracking_codes: list[str]) -> dict[str, int]:
        """COD the carrier collected per tracking code, for parcels of the period."""
        ...
