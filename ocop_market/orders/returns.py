"""Returns and complaints after delivery (trả hàng / hoàn tiền), issue 17.

- the buyer asks within `RETURN_DAYS` of the delivery of a producer order: which lines and how many, a reason,
  what happened, up to three photos, and whether the goods go back (`request_return`);
- the producer, or the hub that sells for the household, accepts or disputes (`answer`);
- staff decide a dispute (`decide`), audited;
- an accepted return queues a refund by the order's own method (card: Stripe, sent after the commit with
  `refunds.send_card_refunds`; bank transfer and cash on delivery: staff send it and mark it sent), and takes the
  amount off what the service owes the producer (ledger `return_refund`);
- stock comes back only for goods the producer records as received back (`receive_goods`).

Every step writes a line in the part's timeline (`history.part_event`) and tells the other side. Each function
flushes; the request commits once. A step whose state moved meanwhile is a Conflict (compare-and-set)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..accounts.models import User
from ..accounts.notices import staff_for_province, tell, tell_user
from ..catalog import hubs, images
from ..catalog.models import Product
from ..catalog.notices import tell_hub, tell_producer
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..messaging.links import public_url
from ..money import format_number, format_vnd
from ..payments import records
from ..payments.models import LedgerKind, Payment, PaymentKind, PaymentMethod, PaymentState, ProducerLedgerEntry
from ..timeutil import utcnow
from .history import part_event
from .models import (
    OrderStatus,
    ProducerOrder,
    ReturnLine,
    ReturnPhoto,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)

#: days after delivery within which a buyer may ask (the big shops' usual window)
RETURN_DAYS = 7
MAX_PHOTOS = 3
MAX_DESCRIPTION = 2000

REASON_LABELS: dict[str, object] = {
    ReturnReason.DAMAGED: _l("Hàng bị hỏng, vỡ hoặc hư khi nhận"),
    ReturnReason.WRONG_ITEM: _l("Giao sai sản phẩm"),
    ReturnReason.NOT_AS_DESCRIBED: _l("Không đúng như mô tả"),
    ReturnReason.MISSING: _l("Thiếu hàng"),
    ReturnReason.OTHER: _l("Lý do khác"),
}
STATUS_LABELS: dict[str, object] = {
    ReturnStatus.REQUESTED: _l("Chờ người bán trả lời"),
    ReturnStatus.ACCEPTED: _l("Đã chấp nhận, hoàn tiền"),
    ReturnStatus.DISPUTED: _l("Người bán không đồng ý, chờ cán bộ quyết định"),
    ReturnStatus.REFUSED: _l("Không được chấp nhận"),
}
#: the timeline entries of a return (labels in `services.STATUS_LABELS`)
EVENT_REQUESTED = "return_requested"
EVENT_ACCEPTED = "return_accepted"
EVENT_DISPUTED = "return_disputed"
EVENT_REFUSED = "return_refused"
EVENT_GOODS_BACK = "return_goods_back"


def reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@dataclass
class ReturnAsk:
    """What the buyer filled in: quantities per order line id (0 or absent: not returned)."""

    quantities: dict[int, int]
    reason: str
    description: str
    send_back: bool
    photos: list[bytes]


# ---------------------------------------------------------------- who may see and act
def delivered_at(po: ProducerOrder) -> dt.datetime | None:
    """When the part was delivered: its `delivered` step in the history (a completed part went through it).
    Read from the part's events, which the order pages load anyway."""
    return next((e.at for e in po.events if e.to_status == OrderStatus.DELIVERED), None)


def return_deadline(po: ProducerOrder) -> dt.datetime | None:
    at = delivered_at(po)
    return at + dt.timedelta(days=RETURN_DAYS) if at is not None else None


def can_ask(po: ProducerOrder, now: dt.datetime | None = None) -> bool:
    if po.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return False
    deadline = return_deadline(po)
    return deadline is not None and (now or utcnow()) <= deadline


def of_part(po_id: int) -> ReturnRequest | None:
    return db.session.scalar(select(ReturnRequest).where(ReturnRequest.producer_order_id == po_id))


def of_order(order_id: int) -> dict[int, ReturnRequest]:
    """The order's returns by producer order id (the order page shows each beside its part)."""
    rows = db.session.scalars(select(ReturnRequest).where(ReturnRequest.order_id == order_id))
    return {r.producer_order_id: r for r in rows}


def for_buyer(buyer: User, return_id: int) -> ReturnRequest:
    ret = db.session.get(ReturnRequest, return_id)
    if ret is None or ret.buyer_id != buyer.id:
        raise NotFound(_("Không tìm thấy yêu cầu trả hàng."))
    return ret


def for_producer(user: User, return_id: int) -> ReturnRequest:
    """Another producer's return is 'not found', never 'forbidden' (as for orders)."""
    ret = db.session.get(ReturnRequest, return_id)
    if ret is None or ret.producer_order.producer.owner_id != user.id:
        raise NotFound(_("Không tìm thấy yêu cầu trả hàng."))
    return ret


def for_hub(user: User, return_id: int) -> ReturnRequest:
    """Unknown is 404; a household not linked to the member's hub is 403 (`hubs.acting_hub`)."""
    ret = db.session.get(ReturnRequest, return_id)
    if ret is None:
        raise NotFound(_("Không tìm thấy yêu cầu trả hàng."))
    hubs.acting_hub(user, ret.producer_order.producer_id)
    return ret


def for_staff(user: User, return_id: int) -> ReturnRequest:
    if not user.is_staff:
        raise NotAllowed()
    ret = db.session.get(ReturnRequest, return_id)
    if ret is None:
        raise NotFound(_("Không tìm thấy yêu cầu trả hàng."))
    return ret


def staff_queue() -> list[ReturnRequest]:
    """Disputes first (they wait for staff), then the rest, newest first; ordered in SQL, before the LIMIT."""
    return list(db.session.scalars(select(ReturnRequest).order_by(
        ReturnRequest.status != ReturnStatus.DISPUTED, ReturnRequest.created_at.desc(), ReturnRequest.id.desc()
    ).limit(300)))


def refund_of(ret: ReturnRequest) -> Payment | None:
    return records.by_key(_refund_key(ret))


def _refund_key(ret: ReturnRequest) -> str:
    return f"refund-return-{ret.id}"


# ---------------------------------------------------------------- the steps
def _check_ask(po: ProducerOrder, ask: ReturnAsk) -> tuple[list[tuple[int, int]], int]:
    by_id = {line.id: line for line in po.lines}
    chosen: list[tuple[int, int]] = []
    amount = 0
    for line_id, qty in sorted(ask.quantities.items()):
        if line_id not in by_id:
            raise InvalidInput(_("Sản phẩm không thuộc phần đơn này."))
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0 or qty > by_id[line_id].quantity:
            raise InvalidInput(_("Số lượng trả của “%(name)s” phải là số nguyên từ 0 đến %(n)s.",
                                 name=by_id[line_id].product_name, n=by_id[line_id].quantity))
        if qty:
            chosen.append((line_id, qty))
            amount += by_id[line_id].unit_price_vnd * qty
    if not chosen:
        raise InvalidInput(_("Vui lòng chọn ít nhất một sản phẩm và số lượng muốn trả."))
    if ask.reason not in set(ReturnReason):
        raise InvalidInput(_("Vui lòng chọn lý do trả hàng."))
    description = (ask.description or "").strip()
    if not description:
        raise InvalidInput(_("Vui lòng kể ngắn gọn chuyện gì đã xảy ra với hàng."))
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(_("Phần mô tả dài tối đa %(n)s ký tự.", n=MAX_DESCRIPTION))
    if len(ask.photos) > MAX_PHOTOS:
        raise InvalidInput(_("Gửi tối đa %(n)s ảnh.", n=MAX_PHOTOS))
    return chosen, amount


def request_return(buyer: User, po: ProducerOrder, ask: ReturnAsk, config) -> tuple[ReturnRequest, list[images.StoredImage]]:
    """The buyer asks. Returns the request and the photo files written (the caller removes them if its commit
    fails, so no file outlives its row)."""
    order = po.order
    if order.buyer_id != buyer.id:
        raise NotFound(_("Không tìm thấy đơn hàng."))
    if po.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        raise Conflict(_("Chỉ yêu cầu trả hàng được sau khi đã nhận hàng."))
    if not can_ask(po):
        raise Conflict(_("Đã quá %(n)s ngày kể từ khi giao hàng: không còn yêu cầu trả hàng được.", n=RETURN_DAYS))
    if of_part(po.id) is not None:
        raise Conflict(_("Phần đơn này đã có yêu cầu trả hàng."))
    chosen, amount = _check_ask(po, ask)
    stored: list[images.StoredImage] = []
    try:
        for data in ask.photos:
            stored.append(images.store_upload(data, config["UPLOAD_DIR"], max_bytes=config["MAX_IMAGE_BYTES"],
                                              max_pixels=config["MAX_IMAGE_PIXELS"]))
    except images.ImageRejected as exc:
        _remove(config, stored)
        raise InvalidInput(_("Ảnh %(i)s: %(msg)s", i=len(stored) + 1, msg=_(str(exc)))) from exc
    ret = ReturnRequest(producer_order_id=po.id, order_id=order.id, buyer_id=buyer.id, status=ReturnStatus.REQUESTED,
                        reason=ask.reason, description=ask.description.strip(), send_back=bool(ask.send_back),
                        refund_vnd=amount, created_at=utcnow())
    ret.lines = [ReturnLine(order_line_id=line_id, quantity=qty) for line_id, qty in chosen]
    ret.photos = [ReturnPhoto(stored_name=s.stored_name, original_format=s.original_format) for s in stored]
    try:
        # Two taps at once: the unique producer order decides, the second is told it exists.
        with db.session.begin_nested():
            db.session.add(ret)
    except IntegrityError:
        _remove(config, stored)
        if of_part(po.id) is not None:
            raise Conflict(_("Phần đơn này đã có yêu cầu trả hàng.")) from None
        raise
    part_event(order, po, buyer.id, None, EVENT_REQUESTED,
               f"{reason_label(ask.reason)} · {format_vnd(amount)}")
    _tell_seller(ret, "requested")
    db.session.flush()
    return ret, stored


def _remove(config, stored: list[images.StoredImage]) -> None:
    for s in stored:
        images.delete_files(config["UPLOAD_DIR"], s.stored_name, s.original_format)


def _move(ret: ReturnRequest, frm: str, to: str, **values) -> None:
    changed = db.session.execute(
        update(ReturnRequest).where(ReturnRequest.id == ret.id, ReturnRequest.status == frm)
        .values(status=to, **values).execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if changed != 1:
        raise Conflict(_("Yêu cầu trả hàng vừa được người khác xử lý. Vui lòng tải lại trang."))
    db.session.refresh(ret)


def _seller_role(actor: User | None, ret: ReturnRequest, as_role: str) -> int | None:
    """The hub acting for the household, if any; raises when the actor may not answer for it."""
    if actor is None:
        raise NotAllowed()
    if as_role == "hub":
        return hubs.acting_hub(actor, ret.producer_order.producer_id).id
    if as_role == "producer" and ret.producer_order.producer.owner_id == actor.id:
        return None
    raise NotFound(_("Không tìm thấy yêu cầu trả hàng."))


def answer(ret: ReturnRequest, actor: User, accept: bool, note: str, as_role: str = "producer") -> None:
    """The producer (or its hub) accepts the request — the refund follows — or disputes it with a reason."""
    hub_id = _seller_role(actor, ret, as_role)
    note = (note or "").strip()[:1000]
    if not accept and not note:
        raise InvalidInput(_("Vui lòng ghi lý do không đồng ý để cán bộ xem xét."))
    now = utcnow()
    if accept:
        _move(ret, ReturnStatus.REQUESTED, ReturnStatus.ACCEPTED, producer_note=note, answered_at=now)
        _accepted(ret, actor, note, hub_id)
    else:
        _move(ret, ReturnStatus.REQUESTED, ReturnStatus.DISPUTED, producer_note=note, answered_at=now)
        part_event(ret.order, ret.producer_order, actor.id, None, EVENT_DISPUTED, note, hub_id=hub_id)
        _tell_buyer(ret, "disputed", note)
        for staff in staff_for_province(ret.order.province_id):
            tell_user(staff, event_key=f"return:{ret.id}:disputed:{staff.id}", template="return_update",
                      params={**_params(ret), "step": "disputed_staff", "note": note[:200],
                              "link": public_url("staff_returns.detail", return_id=ret.id) or ""})
    db.session.flush()


def decide(ret: ReturnRequest, actor: User, for_buyer: bool, note: str) -> None:
    """Staff settle a dispute: for the buyer (the refund follows) or for the producer (nothing is refunded)."""
    if actor is None or not actor.is_staff:
        raise NotAllowed()
    note = (note or "").strip()[:1000]
    if not note:
        raise InvalidInput(_("Vui lòng ghi lý do quyết định: cả hai bên đều đọc được."))
    now = utcnow()
    to = ReturnStatus.ACCEPTED if for_buyer else ReturnStatus.REFUSED
    _move(ret, ReturnStatus.DISPUTED, to, staff_note=note, decided_at=now, decided_by_id=actor.id)
    audit.record(actor.id, "return.decide", "return_request", ret.id, order=ret.order.code,
                 decision="buyer" if for_buyer else "producer", amount_vnd=ret.refund_vnd)
    if for_buyer:
        _accepted(ret, actor, note, None)
    else:
        part_event(ret.order, ret.producer_order, actor.id, None, EVENT_REFUSED, note)
        _tell_buyer(ret, "refused", note)
        _tell_seller(ret, "refused", note)
    db.session.flush()


def _accepted(ret: ReturnRequest, actor: User, note: str, hub_id: int | None) -> None:
    """Queue the refund by the order's method and take the amount off what the producer is owed."""
    order, po = ret.order, ret.producer_order
    charge = records.paying_charge(order.id) if order.payment_method == PaymentMethod.CARD else None
    records.add_once(Payment(
        order_id=order.id, producer_order_id=po.id, kind=PaymentKind.REFUND, method=order.payment_method,
        state=PaymentState.PENDING, amount_vnd=ret.refund_vnd, idempotency_key=_refund_key(ret),
        note=_("Trả hàng: %(r)s", r=reason_label(ret.reason)), refund_of_id=charge.id if charge else None))
    # The delivery was credited to the producer in full; the refunded goods are not theirs any more. The unique
    # (producer order, kind) key books it once.
    db.session.add(ProducerLedgerEntry(producer_id=po.producer_id, kind=LedgerKind.RETURN_REFUND,
                                       amount_vnd=-ret.refund_vnd, producer_order_id=po.id,
                                       note=_("Trả hàng đơn %(code)s", code=order.code)))
    part_event(order, po, actor.id, None, EVENT_ACCEPTED,
               _("Hoàn %(n)s đ", n=format_number(ret.refund_vnd)) + (f" · {note}" if note else ""), hub_id=hub_id)
    _tell_buyer(ret, "accepted", note)


def receive_goods(ret: ReturnRequest, actor: User, as_role: str = "producer") -> None:
    """The parcel came back: its goods go back on the shelf (one atomic UPDATE per line), and their units no
    longer count as sold. Once only (compare-and-set on `goods_received_at`)."""
    hub_id = _seller_role(actor, ret, as_role)
    if ret.status != ReturnStatus.ACCEPTED or not ret.send_back:
        raise Conflict(_("Yêu cầu này không có hàng gửi trả về."))
    changed = db.session.execute(
        update(ReturnRequest).where(ReturnRequest.id == ret.id, ReturnRequest.goods_received_at.is_(None))
        .values(goods_received_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if changed != 1:
        raise Conflict(_("Hàng trả về đã được ghi nhận rồi."))
    for rl in ret.lines:
        db.session.execute(update(Product).where(Product.id == rl.order_line.product_id)
                           .values(stock=Product.stock + rl.quantity,
                                   sold_count=Product.sold_count - rl.quantity)
                           .execution_options(synchronize_session=False))
    db.session.refresh(ret)
    part_event(ret.order, ret.producer_order, actor.id, None, EVENT_GOODS_BACK,
               "; ".join(f"{rl.order_line.product_name} x{rl.quantity}" for rl in ret.lines), hub_id=hub_id)
    db.session.flush()


# ---------------------------------------------------------------- who hears of it
def _params(ret: ReturnRequest) -> dict:
    return {"code": ret.order.code, "producer": ret.producer_order.producer.name,
            "amount": format_vnd(ret.refund_vnd), "reason": reason_label(ret.reason)}


def _tell_buyer(ret: ReturnRequest, step: str, note: str) -> None:
    params = {**_params(ret), "step": step, "note": note[:200],
              "link": public_url("orders.order_detail", code=ret.order.code) or ""}
    order = ret.order
    if order.entered_by_hub_id is not None:
        tell(event_key=f"return:{ret.id}:{step}", template="return_update", params={**params, "link": ""},
             phone=order.phone)
        return
    tell_user(order.buyer, event_key=f"return:{ret.id}:{step}", template="return_update", params=params,
              phone=order.phone)


def _tell_seller(ret: ReturnRequest, step: str, note: str = "") -> None:
    producer = ret.producer_order.producer
    params = {**_params(ret), "step": step, "note": note[:200],
              "link": public_url("producer_returns.detail", return_id=ret.id) or ""}
    tell_producer(producer, event_key=f"return:{ret.id}:{step}:producer", template="return_update", params=params)
    hub = hubs.active_hub_of_producer(producer.id)
    if hub is not None:
        tell_hub(hub, event_key=f"return:{ret.id}:{step}:hub", template="return_update",
                 params={**params, "link": public_url("hub_returns.detail", return_id=ret.id) or ""})
