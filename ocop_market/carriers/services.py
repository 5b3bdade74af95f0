"""Carrier use cases: ship a producer's part with a carrier, apply what the carrier reports, reconcile its cash on
delivery. Functions flush; the caller commits (`db_tx.transaction`). A call to a carrier never holds a transaction
open: the caller asks the carrier first and records its answer in one transaction with the part's move.

A carrier-confirmed delivery moves the part through `orders.services.move` as role "carrier": the same ledger
credit, sold count, buyer's message and history entry as the producer's "delivered", so programme outcomes count it
the same way (they read delivered parts and their first move to delivered)."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from .. import audit
from ..catalog import hubs
from ..db_tx import transaction
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..orders import fulfilment, rules
from ..orders import services as orders
from ..orders.history import part_event
from ..orders.models import OrderStatus, PaymentMethod, PaymentStatus, ProducerOrder
from ..timeutil import utcnow
from .base import (
    NEEDS_STAFF,
    Address,
    Carrier,
    CarrierCode,
    CarrierError,
    Parcel,
    ParcelItem,
    ShipmentStatus,
    TrackingUpdate,
    moves_forward,
)
from .ghn import GhnCarrier
from .manual import ManualCarrier, clean_tracking_code
from .models import Shipment, TrackingEvent

log = logging.getLogger(__name__)

#: the producer's choice on "Gửi hàng": the household carries it itself (as before carriers), the post office, GHN
SELF = "self"

CARRIER_LABELS: dict[str, object] = {
    CarrierCode.GHN: _l("Giao Hàng Nhanh (GHN)"),
    CarrierCode.MANUAL: _l("Bưu điện"),
    SELF: _l("Hộ tự giao"),
}
STATUS_LABELS: dict[str, object] = {
    ShipmentStatus.CREATED: _l("Đã tạo vận đơn, chờ lấy hàng"),
    ShipmentStatus.PICKED_UP: _l("Đã lấy hàng"),
    ShipmentStatus.IN_TRANSIT: _l("Đang vận chuyển"),
    ShipmentStatus.DELIVERING: _l("Đang giao đến người nhận"),
    ShipmentStatus.FAILED_ATTEMPT: _l("Giao không thành công, sẽ giao lại"),
    ShipmentStatus.RETURNING: _l("Đang hoàn hàng về người bán"),
    ShipmentStatus.DELIVERED: _l("Đã giao thành công"),
    ShipmentStatus.RETURNED: _l("Đã hoàn hàng về người bán"),
    ShipmentStatus.CANCELLED: _l("Vận đơn đã hủy"),
    ShipmentStatus.LOST: _l("Thất lạc hoặc hư hỏng"),
}
#: A carrier's step that our status names too broadly, in words of its own: GHN's "picking" leaves the parcel CREATED,
#: but a buyer who reads "Đã tạo vận đơn" twice cannot tell that a courier is on the way to the household.
STEP_LABELS: dict[tuple[str, str], object] = {
    (CarrierCode.GHN, "picking"): _l("Nhân viên vận chuyển đang đến lấy hàng"),
    (CarrierCode.GHN, "money_collect_picking"): _l("Nhân viên vận chuyển đang đến lấy hàng"),
}
#: the history entry a part gets when its carrier reports one of these (staff look; nothing is refunded by itself)
PROBLEM_EVENTS: dict[str, str] = {ShipmentStatus.RETURNED: "carrier_returned", ShipmentStatus.CANCELLED: "carrier_cancelled",
                  ShipmentStatus.LOST: "carrier_lost"}
#: an item's weight for a part placed before listings had a packed weight
DEFAULT_ITEM_GRAMS = 500


def carrier_label(code: str) -> str:
    return str(CARRIER_LABELS.get(code, code))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def event_label(carrier: str, event: TrackingEvent) -> str:
    """A tracking step in words: the carrier's own step where ours says too little, else our status."""
    return str(STEP_LABELS.get((carrier, event.carrier_status)) or status_label(event.status))


# ---------------------------------------------------------------- which carriers
def adapter(code: str, cfg) -> Carrier:
    """The adapter for `code`; NotFound when the shop does not offer that carrier."""
    if code == CarrierCode.MANUAL:
        return ManualCarrier()
    if code == CarrierCode.GHN:
        ghn = GhnCarrier.from_config(cfg)
        if ghn is not None:
            return ghn
    raise NotFound(_("Không có đơn vị vận chuyển này."))


def choices(cfg) -> list[str]:
    """What "Gửi hàng" offers, in order: GHN only when it is configured (GHN_API_TOKEN), README "Carriers"."""
    offered = [SELF, CarrierCode.MANUAL]
    if cfg.get("GHN_API_TOKEN"):
        offered.append(CarrierCode.GHN)
    return offered


# ---------------------------------------------------------------- the parcel of a part
def cod_due(po: ProducerOrder) -> int:
    """What the carrier collects for this part: the part's total while a cash-on-delivery order is unpaid."""
    order = po.order
    if order.payment_method != PaymentMethod.COD or order.payment_status != PaymentStatus.UNPAID:
        return 0
    return po.total_vnd


def parcel_weight(po: ProducerOrder) -> int:
    weight = po.parcel_weight_grams  # the weight the fee was priced on; None for parts placed before weights
    if weight is not None and weight > 0:
        return weight
    return max(1, sum(line.quantity for line in po.lines)) * DEFAULT_ITEM_GRAMS


def parcel_of(po: ProducerOrder, note: str = "") -> Parcel:
    order, producer = po.order, po.producer
    per_item = max(1, parcel_weight(po) // max(1, sum(line.quantity for line in po.lines)))
    return Parcel(
        reference=f"{order.code}-{po.id}",
        sender=Address(producer.name, producer.phone or "", producer.village or producer.commune, producer.commune,
                       producer.province.name),
        recipient=Address(order.contact_name, order.phone, order.address_line, order.commune, order.province.name),
        weight_grams=parcel_weight(po), cod_vnd=cod_due(po), value_vnd=po.subtotal_vnd,
        items=tuple(ParcelItem(line.product_name, line.quantity, per_item) for line in po.lines), note=note)


# ---------------------------------------------------------------- shipping a part
@dataclass(frozen=True)
class Shipped:
    carrier: str
    tracking_code: str | None


def _record_shipment(po_id: int, carrier: str, tracking_code: str, cod_vnd: int, fee_vnd: int,
                     actor_id: int | None, hub_id: int | None) -> Shipment:
    shipment = Shipment(producer_order_id=po_id, carrier=carrier, tracking_code=tracking_code, cod_vnd=cod_vnd,
                        fee_vnd=fee_vnd, status=ShipmentStatus.CREATED, created_by_id=actor_id, hub_id=hub_id)
    db.session.add(shipment)
    db.session.flush()
    now = utcnow()
    db.session.add(TrackingEvent(shipment_id=shipment.id, event_key="created", carrier_status="created",
                                 status=ShipmentStatus.CREATED, at=now, description=""))
    db.session.flush()
    return shipment


def _check_can_ship(po: ProducerOrder, as_role: str) -> None:
    if not rules.can_move(po.status, OrderStatus.SHIPPED, "producer" if as_role in ("producer", "hub") else as_role):
        raise Conflict(_("Không thể gửi hàng cho đơn đang ở bước “%(s)s”.", s=orders.status_label(po.status)))
    if db.session.scalar(select(Shipment.id).where(Shipment.producer_order_id == po.id)) is not None:
        raise Conflict(_("Phần đơn này đã có vận đơn."))


def ship_part(po: ProducerOrder, choice: str, tracking_code: str | None, note: str, actor, as_role: str,
              cfg) -> Shipped:
    """"Gửi hàng" with a carrier choice, for the producer or the household's hub (as_role "hub"), and commit.

    GHN: the order is created through the adapter first (no transaction open), then the shipment and the part's
    move to shipped are committed together; GHN refusing (or not answering) keeps nothing. Post office: the
    tracking number typed is checked, recorded with the move. "Self": the move alone, as before carriers."""
    note = (note or "").strip()[:300]
    if choice not in choices(cfg):
        raise InvalidInput(_("Vui lòng chọn cách gửi hàng."))
    hub_id = hubs.acting_hub(actor, po.producer_id).id if as_role == "hub" else None
    if choice == SELF:
        fulfilment.move_part(po, OrderStatus.SHIPPED, actor, as_role, note)
        return Shipped(SELF, None)
    _check_can_ship(po, as_role)
    carrier = adapter(choice, cfg)
    parcel = parcel_of(po, note)
    if carrier.creates_orders:
        try:
            created = carrier.create_shipment(parcel)
        except CarrierError as exc:
            log.warning("carrier %s refused part %s: %s", choice, po.id, exc)
            raise Conflict(_("%(carrier)s chưa nhận vận đơn: %(why)s. Chưa có gì thay đổi; vui lòng thử lại "
                             "hoặc chọn cách gửi khác.", carrier=carrier_label(choice), why=str(exc))) from None
        code, fee = created.tracking_code, created.fee_vnd
    else:
        try:
            code = clean_tracking_code(tracking_code)
        except CarrierError as exc:
            raise InvalidInput(str(exc), field="tracking_code") from None
        fee = 0
        if db.session.scalar(select(Shipment.id).where(Shipment.carrier == choice, Shipment.tracking_code == code)):
            raise InvalidInput(_("Mã vận đơn %(code)s đã được dùng cho một đơn khác.", code=code),
                               field="tracking_code")
    po_id, cod, actor_id = po.id, parcel.cod_vnd, actor.id if actor is not None else None
    step_note = _("%(carrier)s · mã vận đơn %(code)s", carrier=carrier_label(choice), code=code)
    if note:
        step_note += f" · {note}"
    try:
        fulfilment.move_part(po, OrderStatus.SHIPPED, actor, as_role, step_note,
                             then=lambda: _record_shipment(po_id, choice, code, cod, fee, actor_id, hub_id))
    except Conflict:
        if carrier.creates_orders:  # the carrier has an order we did not keep: staff cancel it there
            log.error("part %s: %s order %s created but the part could not move to shipped", po_id, choice, code)
        raise
    return Shipped(choice, code)


# ---------------------------------------------------------------- what the carrier reports
def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())[:300]


def apply_update(carrier: str, upd: TrackingUpdate) -> str:
    """Record one tracking update (flush). Outcomes: "unknown" (no such parcel: ignored, logged), "duplicate"
    (already recorded), "recorded", "delivered" (the part moved to delivered as the carrier), "flagged".

    States only move forward (`base.moves_forward`, applied by compare-and-set): a late "picked" after
    "delivered" is kept in the parcel's history and changes nothing else."""
    shipment = db.session.scalar(select(Shipment).where(Shipment.carrier == carrier,
                                                        Shipment.tracking_code == upd.tracking_code))
    if shipment is None:
        log.info("carrier %s: update for unknown parcel %s (%s) ignored", carrier, upd.tracking_code,
                 upd.carrier_status)
        return "unknown"
    key = upd.key
    if db.session.scalar(select(TrackingEvent.id).where(TrackingEvent.shipment_id == shipment.id,
                                                        TrackingEvent.event_key == key)) is not None:
        return "duplicate"
    db.session.add(TrackingEvent(shipment_id=shipment.id, event_key=key, carrier_status=upd.carrier_status[:40],
                                 status=upd.status, at=upd.at, description=_clean(upd.description)))
    db.session.flush()
    current = shipment.status
    if not moves_forward(current, upd.status):
        return "recorded"
    won = db.session.execute(
        update(Shipment).where(Shipment.id == shipment.id, Shipment.status == current)
        .values(status=upd.status, updated_at=utcnow(), **({"needs_attention": True} if upd.status in NEEDS_STAFF else {}))
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
    db.session.refresh(shipment)
    if not won:
        return "recorded"
    po = shipment.producer_order
    note = _("%(carrier)s · mã vận đơn %(code)s", carrier=carrier_label(carrier), code=shipment.tracking_code)
    if upd.status == ShipmentStatus.DELIVERED:
        if po.status == OrderStatus.SHIPPED:
            orders.move(po, OrderStatus.DELIVERED, None, "carrier", note)
            return "delivered"
        return "recorded"
    if upd.status in PROBLEM_EVENTS and po.status not in (OrderStatus.CANCELLED,):
        part_event(po.order, po, None, None, PROBLEM_EVENTS[upd.status],
                   note + (f" · {_clean(upd.description)}" if upd.description else ""))
        log.warning("carrier %s: parcel %s of part %s is %s: flagged to staff", carrier, shipment.tracking_code,
                    po.id, upd.status)
        return "flagged"
    return "recorded"


def needs_carrier_confirmation(carrier: str, upd: TrackingUpdate) -> bool:
    """A reported delivery moves money (the household's ledger) and closes the part: before acting on one for a
    parcel still under way, the carrier's own API must say so too (`carrier_confirms`). GHN cannot sign its
    callbacks, so a leaked webhook secret alone must not be enough to mark a part delivered."""
    if upd.status != ShipmentStatus.DELIVERED:
        return False
    status = db.session.scalar(select(Shipment.status).where(Shipment.carrier == carrier,
                                                             Shipment.tracking_code == upd.tracking_code))
    return status is not None and status != ShipmentStatus.DELIVERED


def carrier_confirms(carrier: str, upd: TrackingUpdate, cfg) -> bool:
    """Whether the carrier's API reports the parcel at the update's status (no transaction open: it calls out).
    CarrierError when the carrier cannot be asked; False when the shop no longer has that carrier configured."""
    try:
        carrier_adapter = adapter(carrier, cfg)
    except NotFound:
        return False
    return any(u.status == upd.status for u in carrier_adapter.track(upd.tracking_code))


# ---------------------------------------------------------------- reading
def shipments_of_order(order_id: int) -> dict[int, Shipment]:
    """The order's shipments by part, with their events: one statement per page (kept for the request)."""
    cache: dict[int, dict[int, Shipment]] = {}
    if has_request_context():  # one statement per page however many parts show their parcel
        owner = id(request._get_current_object())  # type: ignore[attr-defined]  # the proxy's real request
        if g.get("_shipments_request") != owner:
            g._shipments_request, g._shipments_of_order = owner, {}
        cache = g._shipments_of_order
    if order_id not in cache:
        rows = db.session.scalars(
            select(Shipment).join(ProducerOrder, ProducerOrder.id == Shipment.producer_order_id)
            .where(ProducerOrder.order_id == order_id).options(selectinload(Shipment.events)))
        cache[order_id] = {s.producer_order_id: s for s in rows}
    return cache[order_id]


def shipment_of(po: ProducerOrder) -> Shipment | None:
    return shipments_of_order(po.order_id).get(po.id)


def staff_shipments(status: str | None = None, attention: bool = False):
    stmt = (select(Shipment).order_by(Shipment.created_at.desc(), Shipment.id.desc())
            .options(selectinload(Shipment.producer_order).selectinload(ProducerOrder.order),
                     selectinload(Shipment.producer_order).selectinload(ProducerOrder.producer)))
    if status:
        stmt = stmt.where(Shipment.status == status)
    if attention:
        stmt = stmt.where(Shipment.needs_attention.is_(True))
    return stmt


# ---------------------------------------------------------------- staff: cash on delivery
def cod_candidates(carrier: str, period: tuple[dt.date, dt.date]) -> list[tuple[int, str]]:
    """(shipment id, tracking code) of the carrier's COD parcels shipped in the period (local days)."""
    start = dt.datetime.combine(period[0], dt.time.min, tzinfo=dt.UTC) - dt.timedelta(hours=7)
    end = dt.datetime.combine(period[1] + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC) - dt.timedelta(hours=7)
    return list(db.session.execute(
        select(Shipment.id, Shipment.tracking_code).where(
            Shipment.carrier == carrier, Shipment.cod_vnd > 0, Shipment.created_at >= start,
            Shipment.created_at < end).order_by(Shipment.id)).tuples())


def record_cod_report(actor, carrier: str, period: tuple[dt.date, dt.date], candidates: list[tuple[int, str]],
                      report: dict[str, int]) -> dict:
    """Keep what the carrier reported for each parcel of the period (0 when it reported nothing), audited."""
    now = utcnow()
    mismatches = 0
    for shipment_id, code in candidates:
        shipment = db.session.get_one(Shipment, shipment_id)
        shipment.cod_reported_vnd = int(report.get(code, 0))
        shipment.cod_checked_at = now
        if shipment.cod_mismatch:
            mismatches += 1
    db.session.flush()
    summary = {"carrier": carrier, "start": period[0].isoformat(), "end": period[1].isoformat(),
               "parcels": len(candidates), "reported_vnd": sum(report.get(c, 0) for _i, c in candidates),
               "mismatches": mismatches}
    audit.record(actor.id, "carriers.cod_reconcile", "carrier", None, **summary)
    return summary


def reconcile_cod(actor, carrier: str, period: tuple[dt.date, dt.date], cfg) -> dict:
    """Ask the carrier what it collected (no transaction open during the call), then record it and commit."""
    if period[0] > period[1]:
        raise InvalidInput(_("Ngày bắt đầu phải trước ngày kết thúc."))
    with transaction():
        candidates = cod_candidates(carrier, period)
    carrier_adapter = adapter(carrier, cfg)
    try:
        report = carrier_adapter.cod_report(period, [code for _i, code in candidates])
    except CarrierError as exc:
        raise Conflict(_("%(carrier)s chưa trả báo cáo COD: %(why)s", carrier=carrier_label(carrier),
                         why=str(exc))) from None
    with transaction():
        return record_cod_report(actor, carrier, period, candidates, report)


def clear_attention(actor, shipment_id: int, note: str) -> Shipment:
    shipment = db.session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(_("Không tìm thấy vận đơn."))
    if not shipment.needs_attention:
        raise Conflict(_("Vận đơn này không còn chờ cán bộ xem."))
    shipment.needs_attention = False
    audit.record(actor.id, "carriers.attention_cleared", "shipment", shipment.id, code=shipment.tracking_code,
                 status=shipment.status, note=note.strip()[:300])
    db.session.flush()
    return shipment

