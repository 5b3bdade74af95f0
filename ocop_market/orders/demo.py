"""Demo orders in every state across the past months, so buyer, producer and staff pages have something
to show on a fresh `make run`. Orders go through the real use cases (stock is reserved, events written,
ledger booked); only their dates are moved back afterwards. Idempotent: skipped once the demo buyer has orders."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from ..accounts import services as accounts
from ..catalog.models import Producer, ProducerStatus, Product, ProductStatus
from ..errors import DomainError
from ..extensions import db
from ..payments import ledger
from ..payments.models import ProducerLedgerEntry
from ..timeutil import utcnow
from . import fulfilment, returns, reviews, services
from .models import Order, OrderEvent, OrderStatus, PaymentMethod, ProducerOrder
from .settings import DEMO_VIETQR

BUYER_EMAIL = "nguoimua@ocop.local"
STAFF_EMAIL = "canbo@ocop.local"
#: marks the orders this module made (other demo steps place orders for the same buyer)
DEMO_ADDRESS = "Số 12, tổ 3, phường Sông Hiến"

S = OrderStatus
#: (days ago, payment method, how far each part goes)
PLAN = [
    (170, PaymentMethod.COD, S.COMPLETED), (150, PaymentMethod.BANK_TRANSFER, S.COMPLETED),
    (128, PaymentMethod.COD, S.COMPLETED), (110, PaymentMethod.COD, S.CANCELLED),
    (95, PaymentMethod.BANK_TRANSFER, S.DELIVERED), (80, PaymentMethod.COD, S.DELIVERED),
    (62, PaymentMethod.COD, S.COMPLETED), (45, PaymentMethod.BANK_TRANSFER, S.COMPLETED),
    (30, PaymentMethod.COD, S.DELIVERED), (14, PaymentMethod.COD, S.SHIPPED),
    (6, PaymentMethod.BANK_TRANSFER, S.CONFIRMED), (3, PaymentMethod.COD, S.CONFIRMED),
    (1, PaymentMethod.COD, S.PLACED), (0, PaymentMethod.BANK_TRANSFER, S.AWAITING_PAYMENT),
    # delivered a few days ago: the buyer has asked for returns (one waits for the producer, one for staff)
    (5, PaymentMethod.COD, S.DELIVERED), (4, PaymentMethod.BANK_TRANSFER, S.DELIVERED),
]
PATH = [S.CONFIRMED, S.SHIPPED, S.DELIVERED, S.COMPLETED]


def _products() -> list[Product]:
    return list(db.session.scalars(
        select(Product).join(Product.producer)
        .where(Product.status == ProductStatus.APPROVED, Producer.status == ProducerStatus.VERIFIED, Product.stock >= 6)
        .order_by(Product.producer_id, Product.id)
    ))


def seed_demo_orders(cfg=None) -> int:
    """Create the demo orders unless they exist; returns how many were created. Flushes only."""
    from flask import current_app

    buyer = accounts.find_by_login(BUYER_EMAIL)
    staff = accounts.find_by_login(STAFF_EMAIL)
    if buyer is None or staff is None:
        return 0
    if db.session.scalar(select(func.count(Order.id)).where(Order.buyer_id == buyer.id,
                                                           Order.address_line == DEMO_ADDRESS)):
        return 0
    cfg = dict(cfg if cfg is not None else current_app.config)
    for key, value in DEMO_VIETQR.items():
        cfg[key] = cfg.get(key) or value
    products = _products()
    by_producer: dict[int, list[Product]] = {}
    for p in products:
        by_producer.setdefault(p.producer_id, []).append(p)
    producers = sorted(by_producer)
    if len(producers) < 2:
        return 0
    province_id = products[0].producer.province_id
    # The demo stock stays what the catalogue file says (a second import would reset it anyway).
    stock_before = {p.id: p.stock for p in products}
    now = utcnow()
    created = 0
    recently_delivered: list[Order] = []
    reviewable: list[Order] = []
    for i, (days_ago, method, target) in enumerate(PLAN):
        first = by_producer[producers[i % len(producers)]]
        second = by_producer[producers[(i + 3) % len(producers)]]
        items = {first[i % len(first)].id: 1 + i % 2, second[(i + 1) % len(second)].id: 1}
        data = services.CheckoutData(
            contact_name="Nguyễn Minh Anh", phone="0912345678", address_line=DEMO_ADDRESS,
            commune="Phường Thục Phán", province_id=province_id, payment_method=method,
            note="Giao giờ hành chính" if i % 3 == 0 else "")
        try:
            with db.session.begin_nested():
                order = services.place_order(buyer, items, data, cfg)
                if method == PaymentMethod.BANK_TRANSFER and target != S.AWAITING_PAYMENT:
                    fulfilment.mark_transfer_received(order, staff, f"FT{order.id:06d}")
                for po in order.producer_orders:
                    if target == S.CANCELLED:
                        services.move(po, S.CANCELLED, buyer, "buyer", "Đổi ý")
                        continue
                    if target in PATH:
                        for step in PATH[: PATH.index(target) + 1]:
                            role, actor = ("buyer", buyer) if step == S.COMPLETED else ("staff", staff)
                            services.move(po, step, actor, role, "")
        except DomainError:
            continue
        _backdate(order, now - dt.timedelta(days=days_ago, hours=3 + i % 7))
        created += 1
        if target == S.DELIVERED and days_ago <= returns.RETURN_DAYS:
            recently_delivered.append(order)
        if target in (S.DELIVERED, S.COMPLETED) and days_ago < reviews.REVIEW_DAYS:
            reviewable.append(order)
    for product_id, stock in stock_before.items():
        db.session.execute(update(Product).where(Product.id == product_id).values(stock=stock)
                           .execution_options(synchronize_session=False))
    db.session.flush()
    _seed_returns(buyer, recently_delivered)
    _seed_reviews(buyer, staff, reviewable, cfg)
    # One payout already made, so the ledger shows both sides.
    for producer, owed in ledger.balances():
        if owed > 0:
            ledger.record_payout(staff, producer, owed // 2 or owed, "UNC-DEMO-001", "Chi trả đợt 1")
            break
    return created


def _seed_returns(buyer, orders: list[Order]) -> None:
    """The buyer asks to return part of each recent delivery; the second one's producer disagrees, so the staff
    queue has a dispute to decide (through the real use cases)."""
    asks = [("damaged", "Hai túi bị rách khi nhận, hạt bị ẩm."), ("not_as_described", "Gói nhỏ hơn trong ảnh.")]
    for n, order in enumerate(orders[:2]):
        db.session.refresh(order)
        po = order.producer_orders[0]
        line = po.lines[0]
        reason, text = asks[n]
        try:
            with db.session.begin_nested():
                ret, _files = returns.request_return(buyer, po, returns.ReturnAsk({line.id: 1}, reason, text, True, []),
                                                     {})
                owner = po.producer.owner
                if n == 1 and owner is not None:
                    returns.answer(ret, owner, False, "Hàng đóng gói đúng quy cách, có ảnh trước khi gửi.")
        except DomainError:
            continue


#: (stars, text) of the demo buyer's reviews, in turn
REVIEWS = [
    (5, "Hàng đúng như mô tả, đóng gói cẩn thận, giao nhanh. Sẽ mua lại."),
    (4, "Ngon, thơm. Giao hơi chậm một ngày nhưng người bán có gọi báo trước."),
    (5, "Mua làm quà Tết, người nhận rất thích."),
    (3, "Chất lượng ổn, gói nhỏ hơn mình nghĩ."),
    (2, "Tin nhắn quảng cáo số điện thoại bên ngoài, liên hệ zalo 09xx để mua rẻ hơn."),
    (4, ""),
]


def _seed_reviews(buyer, staff, orders: list[Order], cfg) -> None:
    """The demo buyer reviews the lines delivered in the last 60 days (through the real use cases): the producer
    answers the first, and staff hide one that advertises outside the platform, so every review page has a case."""
    n = 0
    for order in orders:
        db.session.refresh(order)
        for po in order.producer_orders:
            for line in po.lines:
                stars, text = REVIEWS[n % len(REVIEWS)]
                try:
                    with db.session.begin_nested():
                        review, _files = reviews.write_review(buyer, line, reviews.ReviewInput(stars, text, []), cfg)
                        owner = po.producer.owner
                        if n == 0 and owner is not None:
                            reviews.answer(review, owner, "Cảm ơn anh chị đã ủng hộ hộ sản xuất!",
                                           text_en="Thank you for supporting our household!")
                        if stars == 2:
                            reviews.hide(review, staff, "Quảng cáo bán hàng ngoài Chợ OCOP.")
                except DomainError:
                    continue
                n += 1


def _backdate(order: Order, placed_at: dt.datetime) -> None:
    """Move an order's dates into the past. Core UPDATEs: order events stay append-only for the ORM."""
    db.session.flush()
    order.created_at = placed_at
    if order.paid_at:
        order.paid_at = placed_at + dt.timedelta(hours=2)
    po_ids = [po.id for po in order.producer_orders]
    db.session.execute(update(ProducerOrder).where(ProducerOrder.id.in_(po_ids))
                       .values(created_at=placed_at, updated_at=placed_at + dt.timedelta(days=1)))
    events = db.session.execute(
        select(OrderEvent.id).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)).scalars().all()
    for n, event_id in enumerate(events):
        db.session.execute(update(OrderEvent).where(OrderEvent.id == event_id)
                           .values(at=placed_at + dt.timedelta(hours=n * 14)))
    db.session.execute(update(ProducerLedgerEntry).where(ProducerLedgerEntry.producer_order_id.in_(po_ids))
                       .values(at=placed_at + dt.timedelta(days=3)))
    db.session.expire(order)



