"""Shipments (vận đơn) of producer orders and the tracking events carriers report for them."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..constraints import one_of
from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow
from ..validators import PLAIN_TEXT
from .base import CarrierCode, ShipmentStatus

if TYPE_CHECKING:
    from ..orders.models import ProducerOrder


class Shipment(Model):
    """One producer order's parcel with one carrier (vận đơn): its tracking code, the cash the carrier collects
    for us (COD), the carrier's fee and the parcel's state as the carrier reports it. One per part."""

    __tablename__ = "shipments"
    __table_args__ = (
        one_of("carrier", CarrierCode, "carrier_known"),
        one_of("status", ShipmentStatus, "status_known"),
        UniqueConstraint("carrier", "tracking_code", name="uq_shipments_carrier_tracking"),
        CheckConstraint("cod_vnd >= 0 AND fee_vnd >= 0", name="amounts_not_negative"),
        CheckConstraint("cod_reported_vnd IS NULL OR cod_reported_vnd >= 0", name="reported_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_order_id: Mapped[int] = mapped_column(ForeignKey("producer_orders.id"), unique=True)
    carrier: Mapped[str] = mapped_column(String(16))
    #: GHN's order code, or the post office's number typed by the producer (upper case, no spaces)
    tracking_code: Mapped[str] = mapped_column(String(40))
    #: what the carrier should collect from the buyer and pay us (cash on delivery), 0 otherwise
    cod_vnd: Mapped[int] = mapped_column(Integer, default=0)
    #: what the carrier charges the shop for the parcel (0 when unknown, e.g. at the post office counter)
    fee_vnd: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=ShipmentStatus.CREATED, index=True)
    #: returned, cancelled or lost by the carrier: staff look at it (never refunded automatically)
    needs_attention: Mapped[bool] = mapped_column(default=False, index=True)
    #: the COD the carrier's report says it collected, at the last reconciliation
    cod_reported_vnd: Mapped[int | None] = mapped_column(Integer)
    cod_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    producer_order: Mapped[ProducerOrder] = relationship("ProducerOrder")
    events: Mapped[list[TrackingEvent]] = relationship("TrackingEvent", order_by="TrackingEvent.at",
                                                       back_populates="shipment", cascade="all, delete-orphan")

    @property
    def cod_mismatch(self) -> bool:
        """Delivered with COD, reconciled, and the carrier reports another amount than we expect."""
        return (self.cod_reported_vnd is not None and self.status == ShipmentStatus.DELIVERED
                and self.cod_reported_vnd != self.cod_vnd)


class TrackingEvent(Model):
    """One step the carrier reported (hành trình): its own word, ours, when (UTC) and what it said. A redelivered
    webhook finds its key already stored and adds nothing."""

    __tablename__ = "shipment_events"
    __table_args__ = (
        one_of("status", ShipmentStatus, "status_known"),
        UniqueConstraint("shipment_id", "event_key", name="uq_shipment_events_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    #: the carrier's event id, or its status and time ("delivered@2026-12-03T02:00:00+00:00")
    event_key: Mapped[str] = mapped_column(String(120))
    carrier_status: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    shipment: Mapped[Shipment] = relationship("Shipment", back_populates="events")
