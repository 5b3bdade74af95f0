"""Order use cases: placing an order, the state machine of its parts, the queries of the order pages.
Each function flushes; the request or CLI command that called it commits once (`db_tx.transaction`).
Payments arriving and leaving are `fulfilment.py`'s; refunds are booked in `refunds.py`.

Stock is taken by one conditional UPDATE per line (`stock >= :q`, row checked) inside the order's
transaction, so two buyers can never both get the last item, on SQLite as on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from .. import signals
from ..accounts.models import User
from ..accounts.services import normalise_phone
from ..catalog import hubs, tiers
from ..catalog import services as catalog
from ..catalog.models import Hub, Producer, ProducerStatus, Product, ProductStatus
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..money import format_vnd
from ..payments import ledger
from ..payments.models import PaymentState
from ..places import Province
from ..timeutil import LOCAL_TZ, local_today, utcnow
from . import fees, refunds, rules, schedule, subsidy
from .history import part_event
from .models import (
    MAX_CASE_QUANTITY,
    MAX_LINE_QUANTITY,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    ProducerOrder,
)
from .settings import bank_transfer_enabled, card_enabled


class OutOfStock(Conflict):
    """Not enough stock left for a line; nothing of the order was kept."""

    def __init__(self, product_name: str, product_id: int | None = None):
        super().__init__(_("Sản phẩm “%(name)s” không còn đủ hàng.", name=product_name), product_id=product_id)
        self.product_id = product_id


@dataclass
class CheckoutData:
    contact_name: str
    phone: str
    address_line: str
    commune: str
    province_id: int
    payment_method: str
    note: str = ""
    #: the total the buyer was shown and confirmed (checkout's hidden field): never charged more without being told
    expected_total_vnd: int | None = None
    #: the programmes' shipping subsidy shown with it: a smaller one now is told as "the subsidy just ran out"
    expected_subsidy_vnd: int | None = None
    #: the day the buyer asks to receive the goods (`schedule`); a quote's date for an order from a quote
    delivery_date: dt.date | None = None


class TotalChanged(Conflict):
    """The order would cost more than the total the buyer confirmed (a price rose, a subsidy ran out)."""

    def __init__(self, total_vnd: int):
        super().__init__(_("Tổng tiền đã thay đổi thành %(total)s. Vui lòng xem lại và xác nhận đặt hàng lại.",
                           total=format_vnd(total_vnd)))


#: the most one order may total: its amounts are 32-bit integer columns (PostgreSQL's int4 ends at 2,147,483,647)
MAX_ORDER_VND = 2_000_000_000

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_order_code(now: dt.datetime | None = None) -> str:
    """DH + local date + 5 random letters/digits: ASCII only, fits a bank transfer message."""
    day = (now or utcnow()).astimezone(LOCAL_TZ).strftime("%y%m%d")
    return "DH" + day + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(5))


def allowed_methods(cfg) -> list[str]:
    methods: list[str] = [PaymentMethod.COD]
    if bank_transfer_enabled(cfg):
        methods.append(PaymentMethod.BANK_TRANSFER)
    if card_enabled(cfg):
        methods.append(PaymentMethod.CARD)
    return methods


def _check_checkout(data: CheckoutData, cfg) -> CheckoutData:
    name = (data.contact_name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(_("Vui lòng nhập họ tên người nhận."))
    try:
        phone = normalise_phone(data.phone)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    address = (data.address_line or "").strip()
    commune = (data.commune or "").strip()
    if not address or not commune or len(address) > 200 or len(commune) > 120:
        raise InvalidInput(_("Vui lòng nhập đầy đủ địa chỉ nhận hàng."))
    if db.session.get(Province, data.province_id) is None:
        raise InvalidInput(_("Tỉnh/thành phố không hợp lệ."))
    if data.payment_method not in allowed_methods(cfg):
        raise InvalidInput(_("Phương thức thanh toán không khả dụng."))
    problem = schedule.delivery_date_problem(data.delivery_date, local_today())
    if problem:
        raise InvalidInput(problem, parameter="delivery_date")
    return CheckoutData(name, phone, address, commune, data.province_id, data.payment_method,
                        (data.note or "").strip()[:1000], data.expected_total_vnd, data.expected_subsidy_vnd,
                        data.delivery_date)


def _take_stock(product_id: int, quantity: int):
    """Reserve `quantity` of a sellable product; returns its current price, name, unit and producer."""
    verified = select(Producer.id).where(Producer.status == ProducerStatus.VERIFIED)
    stmt = (
        update(Product)
        .where(
            Product.id == product_id,
            Product.stock >= quantity,
            Product.status == ProductStatus.APPROVED,
            Product.producer_id.in_(verified),
        )
        .values(stock=Product.stock - quantity)
        .returning(Product.price_vnd, Product.producer_id, Product.name, Product.unit, Product.price_tiers,
                   Product.weight_grams)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).first()


def _return_stock(product_id: int, quantity: int) -> None:
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(stock=Product.stock + quantity)
        .execution_options(synchronize_session=False)
    )


def _fee_to(data: CheckoutData, producer_ids: set[int], cfg) -> rules.FeeOf:
    """Each producer's parcel priced by the fee table from its household to the checkout's address."""
    table = fees.fee_table()
    if table.is_empty:
        return fees.flat(int(cfg["SHIPPING_FEE_VND"]))
    producers = db.session.execute(select(Producer.id, Producer.province_id, Producer.commune)
                                   .where(Producer.id.in_(sorted(producer_ids)))).all()
    return fees.quoter(table, fees.origins_of(producers), fees.place_of(data.province_id, data.commune),
                       int(cfg["SHIPPING_FEE_VND"]))


def place_order(buyer: User, items: dict[int, int], data: CheckoutData, cfg=None, entered_by_hub: Hub | None = None,
                most: int = MAX_LINE_QUANTITY, quoted_prices: dict[int, int] | None = None) -> Order:
    """Turn a cart into an order: prices from the database (a listing's tiers reached by the quantity, or the
    price of an accepted quote in `quoted_prices`), stock reserved, one part per producer.
    `entered_by_hub`: a hub typed it in for a buyer who phoned or walked in (`place_assisted_order`).
    `most`: a line's bound, a person's 99 unless the caller knows the buyer is an organisation (`wholesale`).

    Raises OutOfStock (the caller rolls back: stock taken for earlier lines is given back with it)."""
    cfg = cfg if cfg is not None else current_app.config
    data = _check_checkout(data, cfg)
    if not items:
        raise InvalidInput(_("Giỏ hàng của bạn đang trống."))
    for qty in items.values():
        if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= min(most, MAX_CASE_QUANTITY):
            raise InvalidInput(_("Số lượng phải là số nguyên từ 1 đến %(n)s.", n=min(most, MAX_CASE_QUANTITY)))
    priced: list[rules.PricedLine] = []
    snapshot: dict[int, tuple[str, str]] = {}
    # Always in id order: two orders locking the same rows on PostgreSQL then wait, never deadlock.
    for pid in sorted(items):
        row = _take_stock(pid, items[pid])
        if row is None:
            product = db.session.get(Product, pid)
            raise OutOfStock(product.name if product else str(pid), pid)
        price, producer_id, name, unit, price_tiers, unit_grams = row
        price = (quoted_prices or {}).get(pid) or tiers.unit_price(price, price_tiers, items[pid])
        priced.append(rules.PricedLine(pid, producer_id, price, items[pid], unit_grams))
        snapshot[pid] = (name, unit)

    now = utcnow()
    result = subsidy.apply(rules.totals(priced, _fee_to(data, {ln.producer_id for ln in priced}, cfg),
                                        cfg.get("SHIPPING_FREE_ABOVE_VND")), now, fresh=True)
    if result.total_vnd > MAX_ORDER_VND:  # a case order of dear goods: the amounts' integer columns stop here
        raise InvalidInput(_("Đơn hàng vượt quá %(amount)s; vui lòng chia thành nhiều đơn.",
                             amount=format_vnd(MAX_ORDER_VND)))
    if data.expected_total_vnd is not None and result.total_vnd > data.expected_total_vnd:
        if data.expected_subsidy_vnd is not None and result.subsidy_vnd < data.expected_subsidy_vnd:
            raise subsidy.SubsidyRanOut(total_vnd=result.total_vnd)
        raise TotalChanged(result.total_vnd)
    method = data.payment_method
    initial = OrderStatus.PLACED if method == PaymentMethod.COD else OrderStatus.AWAITING_PAYMENT
    order = Order(
        code=new_order_code(now),
        buyer_id=buyer.id,
        contact_name=data.contact_name,
        phone=data.phone,
        address_line=data.address_line,
        commune=data.commune,
        province_id=data.province_id,
        note=data.note,
        payment_method=method,
        payment_status=PaymentStatus.UNPAID,
        subtotal_vnd=result.subtotal_vnd,
        shipping_vnd=result.shipping_vnd,
        total_vnd=result.total_vnd,
        refunded_vnd=0,
        created_at=now,
        payment_due_at=now + dt.timedelta(minutes=int(cfg["CARD_PAYMENT_MINUTES"])) if method == PaymentMethod.CARD else None,
        entered_by_hub_id=entered_by_hub.id if entered_by_hub is not None else None,
        delivery_date=data.delivery_date,
    )
    db.session.add(order)
    for shipment in result.totals.shipments:
        offer = result.offer_for(shipment.producer_id)
        po = ProducerOrder(
            producer_id=shipment.producer_id,
            status=initial,
            subtotal_vnd=shipment.subtotal_vnd,
            shipping_vnd=result.buyer_shipping_of(shipment),
            total_vnd=shipment.subtotal_vnd + result.buyer_shipping_of(shipment),
            shipping_subsidy_vnd=offer.amount_vnd if offer else 0,
            shipping_subsidy_label=offer.label if offer else "",
            parcel_weight_grams=shipment.weight_grams or None,
            shipping_zone=shipment.zone,
            created_at=now,
        )
        order.producer_orders.append(po)
        for line in shipment.lines:
            name, unit = snapshot[line.product_id]
            po.lines.append(OrderLine(
                product_id=line.product_id, product_name=name, unit=unit, unit_price_vnd=line.unit_price_vnd,
                quantity=line.quantity, line_total_vnd=line.total_vnd,
            ))
    db.session.flush()
    for po in order.producer_orders:
        offer = result.offer_for(po.producer_id)
        if offer is not None:
            subsidy.claim(po, offer)  # the budget's conditional UPDATE; SubsidyRanOut rolls the order back
        part_event(order, po, buyer.id, None, initial, "", hub_id=order.entered_by_hub_id)
    db.session.flush()
    signals.order_placed.send(order)
    return order


def place_assisted_order(member: User, items: dict[int, int], data: CheckoutData, cfg=None) -> Order:
    """A hub enters an order for a buyer who phoned or walked in: cash on delivery, only its households' goods,
    through `place_order` (the same prices, stock updates and messages). The order's account is the member's;
    the buyer is the name, phone and address typed in, and hears of the order's steps by SMS."""
    if not items:
        raise InvalidInput(_("Vui lòng chọn ít nhất một sản phẩm."))
    rows = db.session.execute(select(Product.id, Product.producer_id).where(Product.id.in_(list(items)))).all()
    if len(rows) != len(items):
        raise InvalidInput(_("Sản phẩm không hợp lệ."))
    acting = {hub.id: hub for hub in (hubs.acting_hub(member, pid) for pid in sorted({r.producer_id for r in rows}))}
    if len(acting) != 1:
        raise InvalidInput(_("Một đơn chỉ gồm hàng của các hộ thuộc cùng một điểm bán."))
    [hub] = acting.values()
    data = CheckoutData(data.contact_name, data.phone, data.address_line, data.commune, data.province_id,
                        PaymentMethod.COD, data.note)
    return place_order(member, items, data, cfg, entered_by_hub=hub)


# ---------------------------------------------------------------- state machine
def _role_of(actor: User | None, po: ProducerOrder, as_role: str) -> tuple[str, int | None]:
    """The role the transition table knows the actor by, and the hub it acts through (if any)."""
    if as_role in ("system", "carrier"):
        return as_role, None
    if as_role == "household":
        # The caller proved it speaks for this part's producer without a login: the one-tap link in the
        # producer's message (signed for this part and producer) or an SMS reply from the household's registered
        # number (`links`, `sms_replies`). It acts as the producer; `actor` is the owner's account, if any.
        return "producer", None
    if actor is None:
        raise NotAllowed()
    if as_role == "hub":
        # A hub member acts as the producer, only for a household linked to one of its hubs (403 otherwise);
        # the step then names the hub ("hub X for household Y").
        return "producer", hubs.acting_hub(actor, po.producer_id).id
    if as_role == "staff":
        if not actor.is_staff:
            raise NotAllowed()
    elif as_role == "producer":
        if po.producer.owner_id != actor.id:
            raise NotFound(_("Không tìm thấy đơn hàng."))
    elif as_role == "buyer":
        if po.order.buyer_id != actor.id:
            raise NotFound(_("Không tìm thấy đơn hàng."))
    else:
        raise NotAllowed()
    return as_role, None


def move(po: ProducerOrder, to: str, actor: User | None, as_role: str, note: str = "") -> None:
    """The only way a producer order changes state. Illegal steps raise Conflict (409).

    `as_role` "hub": a member of the household's hub acts as its producer (`catalog.hubs.acting_hub`)."""
    role, hub_id = _role_of(actor, po, as_role)
    frm = po.status
    if not rules.can_move(frm, to, role):
        raise Conflict(_("Không thể chuyển đơn từ “%(a)s” sang “%(b)s”.", a=status_label(frm), b=status_label(to)))
    # Compare-and-set: of two concurrent moves from the same state only one wins.
    changed = db.session.execute(
        update(ProducerOrder)
        .where(ProducerOrder.id == po.id, ProducerOrder.status == frm)
        .values(status=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if changed != 1:
        raise Conflict(_("Đơn hàng vừa được cập nhật bởi người khác. Vui lòng tải lại trang."))
    db.session.refresh(po)
    order = po.order
    part_event(order, po, actor.id if actor else None, frm, to, note, hub_id=hub_id)
    if to == OrderStatus.CANCELLED:
        for line in po.lines:
            _return_stock(line.product_id, line.quantity)
        subsidy.release(po)  # a programme's subsidy goes back to its budget, once
        db.session.refresh(order)  # paid meanwhile by a concurrent webhook? then this part is refunded
        if order.payment_status == PaymentStatus.PAID and order.payment_method != PaymentMethod.COD:
            refunds.request_refund(order, po, note or _("Hủy đơn"))
    elif to == OrderStatus.DELIVERED:
        ledger.credit_delivery(po)
        catalog.count_sold(po.lines)
        if order.payment_method == PaymentMethod.COD and all(
            p.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED) for p in order.producer_orders
        ) and order.payment_status == PaymentStatus.UNPAID:
            order.payment_status = PaymentStatus.PAID
            order.paid_at = utcnow()
    db.session.flush()


def cancel_awaiting(order: Order, note: str) -> int:
    """System cancellation of the parts still waiting for payment (expiry); returns how many."""
    n = 0
    for po in order.producer_orders:
        if po.status == OrderStatus.AWAITING_PAYMENT:
            try:
                move(po, OrderStatus.CANCELLED, None, "system", note)
                n += 1
            except Conflict:
                continue
    return n


def mark_placed(order: Order, actor: User | None, as_role: str, note: str) -> int:
    """Payment arrived: every part waiting for it moves to placed (forward only)."""
    n = 0
    for po in order.producer_orders:
        if po.status == OrderStatus.AWAITING_PAYMENT:
            move(po, OrderStatus.PLACED, actor, as_role, note)
            n += 1
    return n


STATUS_LABELS: dict[str, object] = {
    OrderStatus.AWAITING_PAYMENT: _l("Chờ thanh toán"),
    OrderStatus.PLACED: _l("Đã đặt"),
    OrderStatus.CONFIRMED: _l("Đã xác nhận"),
    OrderStatus.SHIPPED: _l("Đang giao"),
    OrderStatus.DELIVERED: _l("Đã giao"),
    OrderStatus.COMPLETED: _l("Hoàn tất"),
    OrderStatus.CANCELLED: _l("Đã hủy"),
    # order-level entries in the history
    "paid": _l("Đã thanh toán"),
    "refund_requested": _l("Chờ hoàn tiền"),
    "refunded": _l("Đã hoàn tiền"),
    "payment_mismatch": _l("Số tiền thanh toán không khớp"),
    "payment_excess": _l("Thu tiền trùng"),
    "excess_refunded": _l("Đã hoàn khoản thu trùng"),
    # a part's return after delivery (`returns`)
    "return_requested": _l("Người mua yêu cầu trả hàng"),
    "return_accepted": _l("Chấp nhận trả hàng"),
    "return_disputed": _l("Người bán không đồng ý trả hàng"),
    "return_refused": _l("Cán bộ từ chối yêu cầu trả hàng"),
    "return_goods_back": _l("Người bán đã nhận lại hàng"),
    # what a carrier reported that staff must look at (carriers/services.py); nothing is refunded by itself
    "carrier_returned": _l("Hãng vận chuyển trả hàng về người bán"),
    "carrier_cancelled": _l("Hãng vận chuyển hủy vận đơn"),
    "carrier_lost": _l("Hãng vận chuyển báo thất lạc hoặc hư hỏng"),
}
METHOD_LABELS: dict[str, object] = {
    PaymentMethod.COD: _l("Thanh toán khi nhận hàng (COD)"),
    PaymentMethod.BANK_TRANSFER: _l("Chuyển khoản ngân hàng (VietQR)"),
    PaymentMethod.CARD: _l("Thẻ quốc tế (Stripe)"),
}
PAYMENT_STATUS_LABELS: dict[str, object] = {
    PaymentStatus.UNPAID: _l("Chưa thanh toán"),
    PaymentStatus.PAID: _l("Đã thanh toán"),
    PaymentStatus.REFUNDED: _l("Đã hoàn tiền"),
}

#: One payment's own state (`Payment.state`), as the staff order page shows it.
PAYMENT_STATE_LABELS: dict[str, object] = {
    PaymentState.PENDING: _l("Đang chờ"),
    PaymentState.SUCCEEDED: _l("Thành công"),
    PaymentState.FAILED: _l("Thất bại"),
    PaymentState.EXPIRED: _l("Hết hạn"),
}

#: What the button of a step says (issue 14): the deed, as a verb, never the state it leads to ("Xác nhận đơn",
#: not "Đã xác nhận"). Keyed by (from, to) because the same target reads differently: declining a new order is
#: not cancelling one already confirmed. The producer's and the hub's pages both take their buttons from here.
ACTION_LABELS: dict[tuple[str, str], object] = {
    (OrderStatus.AWAITING_PAYMENT, OrderStatus.PLACED): _l("Ghi nhận đã thanh toán"),
    (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED): _l("Hủy đơn"),
    (OrderStatus.PLACED, OrderStatus.CONFIRMED): _l("Xác nhận đơn"),
    (OrderStatus.PLACED, OrderStatus.CANCELLED): _l("Từ chối đơn"),
    (OrderStatus.CONFIRMED, OrderStatus.SHIPPED): _l("Gửi hàng"),
    (OrderStatus.CONFIRMED, OrderStatus.CANCELLED): _l("Hủy đơn"),
    (OrderStatus.SHIPPED, OrderStatus.DELIVERED): _l("Báo đã giao hàng"),
    (OrderStatus.DELIVERED, OrderStatus.COMPLETED): _l("Hoàn tất đơn"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def action_label(frm: str, to: str) -> str:
    """The button's words for moving a part from `frm` to `to`; a pair outside the table is a programming error."""
    return str(ACTION_LABELS[(frm, to)])


def method_label(method: str) -> str:
    return str(METHOD_LABELS.get(method, method))


def payment_status_label(status: str) -> str:
    return str(PAYMENT_STATUS_LABELS.get(status, status))


def payment_state_label(state: str) -> str:
    return str(PAYMENT_STATE_LABELS.get(state, state))


# ---------------------------------------------------------------- queries
def _order_options():
    return (
        selectinload(Order.producer_orders).selectinload(ProducerOrder.lines),
        selectinload(Order.producer_orders).selectinload(ProducerOrder.producer),
        selectinload(Order.producer_orders).selectinload(ProducerOrder.events),
        selectinload(Order.province),
    )


def buyer_orders(buyer: User) -> Select:
    return (
        select(Order).where(Order.buyer_id == buyer.id).order_by(Order.created_at.desc(), Order.id.desc())
        .options(*_order_options())
    )


def buyer_order(buyer: User, code: str) -> Order:
    order = db.session.scalar(select(Order).where(Order.code == code, Order.buyer_id == buyer.id)
                              .options(*_order_options()))
    if order is None:
        raise NotFound(_("Không tìm thấy đơn hàng."))
    return order


def part_of(order: Order, po_id: int) -> ProducerOrder:
    """One producer's part of an order already found for its reader; a part of another order is not found."""
    for po in order.producer_orders:
        if po.id == po_id:
            return po
    raise NotFound(_("Không tìm thấy đơn hàng."))


def order_by_code(code: str) -> Order:
    order = db.session.scalar(select(Order).where(Order.code == code).options(*_order_options()))
    if order is None:
        raise NotFound(_("Không tìm thấy đơn hàng."))
    return order


def producer_orders(producer: Producer, status: str | None = None) -> Select:
    stmt = (
        select(ProducerOrder).where(ProducerOrder.producer_id == producer.id)
        .order_by(ProducerOrder.created_at.desc(), ProducerOrder.id.desc())
        .options(selectinload(ProducerOrder.lines), selectinload(ProducerOrder.order))
    )
    if status:
        stmt = stmt.where(ProducerOrder.status == status)
    return stmt


def producer_order_of(producer: Producer, po_id: int) -> ProducerOrder:
    """Another producer's order is 'not found', never 'forbidden'."""
    po = db.session.scalar(select(ProducerOrder).where(ProducerOrder.id == po_id,
                                                       ProducerOrder.producer_id == producer.id))
    if po is None:
        raise NotFound(_("Không tìm thấy đơn hàng."))
    return po


def staff_orders(status: str | None = None, method: str | None = None, payment_status: str | None = None,
                 code: str | None = None) -> Select:
    stmt = select(Order).order_by(Order.created_at.desc(), Order.id.desc()).options(*_order_options())
    if status:
        stmt = stmt.where(Order.id.in_(select(ProducerOrder.order_id).where(ProducerOrder.status == status)))
    if method:
        stmt = stmt.where(Order.payment_method == method)
    if payment_status:
        stmt = stmt.where(Order.payment_status == payment_status)
    if code:
        stmt = stmt.where(Order.code == code.strip().upper())
    return stmt


def hub_orders(households: list[Producer], status: str | None = None) -> Select:
    """The parts of the households a hub sells for, new first (the hub area)."""
    stmt = (
        select(ProducerOrder).where(ProducerOrder.producer_id.in_([p.id for p in households]))
        .order_by(ProducerOrder.created_at.desc(), ProducerOrder.id.desc())
        .options(selectinload(ProducerOrder.lines), selectinload(ProducerOrder.order),
                 selectinload(ProducerOrder.producer))
    )
    if status:
        stmt = stmt.where(ProducerOrder.status == status)
    return stmt


def count_waiting(households: list[Producer]) -> int:
    """Parts waiting for the household's (or its hub's) confirmation: the hub area's badge."""
    return db.session.scalar(select(func.count()).select_from(ProducerOrder).where(
        ProducerOrder.producer_id.in_([p.id for p in households]), ProducerOrder.status == OrderStatus.PLACED)) or 0


def hub_order(user: User, po_id: int) -> ProducerOrder:
    """A part the member's hub may act on: unknown is 404, another household's is 403 (`hubs.acting_hub`)."""
    po = db.session.get(ProducerOrder, po_id)
    if po is None:
        raise NotFound(_("Không tìm thấy đơn hàng."))
    hubs.acting_hub(user, po.producer_id)
    return po
