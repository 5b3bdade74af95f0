"""Demo parcels for `flask seed demo`: the demo's order on its way goes by GHN (with the steps GHN reported so far)
for one household and by the post office for the other, so the buyer's order page shows tracking and staff's
Vận chuyển desk has rows. Written as the services would (shipment, events); no carrier is called. Idempotent."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ..extensions import db
from ..orders.models import OrderEvent, OrderStatus, ProducerOrder
from .base import CarrierCode, ShipmentStatus
from .models import Shipment, TrackingEvent
from .services import cod_due

#: (GHN's word, ours, hours after the parcel left, what GHN said)
GHN_STEPS = [("picked", ShipmentStatus.PICKED_UP, 3, "Đã lấy hàng tại Trùng Khánh"),
             ("transporting", ShipmentStatus.IN_TRANSIT, 20, "Đang luân chuyển về kho Cao Bằng"),
             ("delivering", ShipmentStatus.DELIVERING, 44, "Nhân viên đang giao hàng")]


def seed_demo_shipments() -> int:
    """Parcels for the demo's shipped parts (GHN for the first, the post office for the second); how many made."""
    if db.session.scalar(select(func.count(Shipment.id))):
        return 0
    parts = list(db.session.scalars(select(ProducerOrder).where(ProducerOrder.status == OrderStatus.SHIPPED)
                                    .order_by(ProducerOrder.id).limit(2)))
    made = 0
    for n, po in enumerate(parts):
        left = db.session.scalar(select(func.max(OrderEvent.at)).where(
            OrderEvent.producer_order_id == po.id, OrderEvent.to_status == OrderStatus.SHIPPED)) or po.updated_at
        if n == 0:
            shipment = Shipment(producer_order_id=po.id, carrier=CarrierCode.GHN, tracking_code=f"GHNDEMO{po.id:04d}",
                                cod_vnd=cod_due(po), fee_vnd=32_000, status=ShipmentStatus.DELIVERING,
                                created_at=left, updated_at=left + dt.timedelta(hours=44))
            steps = GHN_STEPS
        else:
            shipment = Shipment(producer_order_id=po.id, carrier=CarrierCode.MANUAL,
                                tracking_code=f"EB{100000000 + po.id:09d}VN", cod_vnd=cod_due(po), fee_vnd=0,
                                status=ShipmentStatus.CREATED, created_at=left, updated_at=left)
            steps = []
        db.session.add(shipment)
        db.session.flush()
        db.session.add(TrackingEvent(shipment_id=shipment.id, event_key="created", carrier_status="created",
                                     status=ShipmentStatus.CREATED, at=left, description=""))
        for word, status, hours, said in steps:
            at = left + dt.timedelta(hours=hours)
            db.session.add(TrackingEvent(shipment_id=shipment.id, event_key=f"{word}@{at.isoformat()}",
                                         carrier_status=word, status=status, at=at, description=said))
        made += 1
    db.session.flush()
    return made
