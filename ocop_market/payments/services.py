"""Payment use cases: bank transfers staff confirm, Stripe Checkout, its webhook, refunds, the expiry sweep.

Rule of the house: no database transaction is open while we wait for Stripe. Functions that talk to
Stripe therefore commit before and after the call themselves (and say so); all others only flush."""
from __future__ import annotations

import datetime as dt
import logging
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import audit
from ..errors import Conflict, NotAllowed
from ..extensions import db
from ..orders import services as orders
from ..orders.models import Order, OrderStatus, PaymentMethod, PaymentStatus, ProducerOrder
from ..timeutil import utcnow
from .models import Payment, PaymentKind, PaymentState, StripeEvent
from .stripe_gateway import CURRENCY, CheckoutLine, GatewayError

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- bank transfer
def mark_transfer_received(order: Order, actor, note: str = "") -> Payment:
    """Staff saw the transfer on the account statement: the order moves to placed."""
    if actor is None or not actor.is_staff:
        raise NotAllowed()
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise Conflict(_("Đơn này không thanh toán bằng chuyển khoản."))
    if order.payment_status != PaymentStatus.UNPAID:
        raise Conflict(_("Đơn này đã được ghi nhận thanh toán."))
    if all(po.status == OrderStatus.CANCELLED for po in order.producer_orders):
        raise Conflict(_("Đơn đã hủy; hãy hoàn lại tiền cho người mua thay vì ghi nhận."))
    payment = Payment(order_id=order.id, kind=PaymentKind.CHARGE, method=PaymentMethod.BANK_TRANSFER,
                      state=PaymentState.SUCCEEDED, amount_vnd=order.total_vnd,
                      idempotency_key=f"transfer-{order.id}", confirmed_by_id=actor.id, note=note.strip())
    db.session.add(payment)
    order.payment_status = PaymentStatus.PAID
    order.paid_at = utcnow()
    db.session.flush()
    orders.order_event(order, actor.id, "paid", _("Đã nhận chuyển khoản") + (f": {note.strip()}" if note.strip() else ""))
    orders.mark_placed(order, actor, "staff", _("Đã nhận chuyển khoản"))
    for po in order.producer_orders:
        if po.status == OrderStatus.CANCELLED:
            request_refund(order, po, _("Phần đơn đã hủy trước khi nhận tiền"))
    audit.record(actor.id, "order.transfer_received", "order", order.id, code=order.code, amount_vnd=order.total_vnd)
    db.session.flush()
    return payment


# ---------------------------------------------------------------- refunds
def request_refund(order: Order, po: ProducerOrder, note: str) -> Payment | None:
    """Queue the refund of one cancelled, paid producer order; the unique key makes it happen once."""
    key = f"refund-po-{po.id}"
    existing = db.session.scalar(select(Payment).where(Payment.idempotency_key == key))
    if existing is not None:
        return existing
    refund = Payment(order_id=order.id, producer_order_id=po.id, kind=PaymentKind.REFUND, method=order.payment_method,
                     state=PaymentState.PENDING, amount_vnd=po.total_vnd, idempotency_key=key, note=note)
    db.session.add(refund)
    db.session.flush()
    orders.order_event(order, None, "refund_requested", _("Chờ hoàn %(n)s đ", n=f"{po.total_vnd:,}".replace(",", ".")))
    return refund


def _settle_refund(refund: Payment, provider_ref: str | None, actor_id: int | None = None) -> bool:
    done = db.session.execute(
        update(Payment).where(Payment.id == refund.id, Payment.state == PaymentState.PENDING)
        .values(state=PaymentState.SUCCEEDED, provider_ref=provider_ref, confirmed_by_id=actor_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if not done:
        return False
    order = db.session.get_one(Order, refund.order_id)
    order.refunded_vnd = min(order.total_vnd, order.refunded_vnd + refund.amount_vnd)
    if order.refunded_vnd >= order.total_vnd or all(p.status == OrderStatus.CANCELLED for p in order.producer_orders):
        order.payment_status = PaymentStatus.REFUNDED
    orders.order_event(order, actor_id, "refunded", _("Đã hoàn tiền"))
    db.session.flush()
    return True


def mark_refund_sent(refund_id: int, actor) -> None:
    """Staff sent a bank-transfer refund by hand."""
    if actor is None or not actor.is_staff:
        raise NotAllowed()
    refund = db.session.get(Payment, refund_id)
    if refund is None or refund.kind != PaymentKind.REFUND or refund.method == PaymentMethod.CARD:
        raise Conflict(_("Không có khoản hoàn tiền thủ công này."))
    if not _settle_refund(refund, None, actor.id):
        raise Conflict(_("Khoản hoàn tiền đã được ghi nhận."))
    audit.record(actor.id, "order.refund_sent", "order", refund.order_id, amount_vnd=refund.amount_vnd)


def process_card_refunds(gateway, order_id: int | None = None) -> int:
    """Send queued card refunds to Stripe. Commits around each call (no transaction held while waiting)."""
    stmt = select(Payment.id).where(Payment.kind == PaymentKind.REFUND, Payment.method == PaymentMethod.CARD,
                                    Payment.state == PaymentState.PENDING)
    if order_id is not None:
        stmt = stmt.where(Payment.order_id == order_id)
    ids = list(db.session.scalars(stmt))
    db.session.commit()
    sent = 0
    for refund_id in ids:
        refund = db.session.get_one(Payment, refund_id)
        charge = db.session.scalar(select(Payment).where(
            Payment.order_id == refund.order_id, Payment.kind == PaymentKind.CHARGE,
            Payment.state == PaymentState.SUCCEEDED, Payment.payment_intent.is_not(None)))
        if charge is None:
            continue
        args = dict(payment_intent=charge.payment_intent, amount_vnd=refund.amount_vnd,
                    idempotency_key=refund.idempotency_key, metadata={"order_id": str(refund.order_id)})
        db.session.commit()
        try:
            result = gateway.refund(**args)
        except GatewayError as exc:
            log.warning("refund %s failed, will retry: %s", refund_id, exc)
            continue
        refund = db.session.get_one(Payment, refund_id)
        if _settle_refund(refund, result.get("id")):
            sent += 1
        db.session.commit()
    return sent


# ---------------------------------------------------------------- card (Stripe Checkout)
def checkout_lines(order: Order) -> list[CheckoutLine]:
    """From the order's own lines (database prices at placing) plus one shipping line per shipment."""
    lines = []
    for po in order.producer_orders:
        for ln in po.lines:
            lines.append(CheckoutLine(f"{ln.product_name} ({ln.unit})", ln.unit_price_vnd, ln.quantity))
        if po.shipping_vnd:
            lines.append(CheckoutLine(_("Phí vận chuyển — %(name)s", name=po.producer.name), po.shipping_vnd, 1))
    assert sum(ln.unit_amount_vnd * ln.quantity for ln in lines) == order.total_vnd
    return lines


def start_card_checkout(order_id: int, gateway, success_url: str, cancel_url: str) -> str:
    """Create (or reuse) the Stripe Checkout Session of an unpaid card order; returns its URL.

    Commits the new attempt before calling Stripe and the session id after it."""
    order = db.session.get(Order, order_id)
    if order is None or order.payment_method != PaymentMethod.CARD:
        raise Conflict(_("Đơn này không thanh toán bằng thẻ."))
    if order.payment_status != PaymentStatus.UNPAID or order.status != OrderStatus.AWAITING_PAYMENT:
        raise Conflict(_("Đơn này không còn chờ thanh toán."))
    now = utcnow()
    if order.payment_due_at is None or order.payment_due_at <= now + dt.timedelta(minutes=1):
        raise Conflict(_("Đã hết thời gian thanh toán cho đơn này."))
    open_attempt = db.session.scalar(select(Payment).where(
        Payment.order_id == order.id, Payment.kind == PaymentKind.CHARGE, Payment.state == PaymentState.PENDING,
        Payment.checkout_url.is_not(None)).order_by(Payment.id.desc()))
    if open_attempt is not None:
        return cast(str, open_attempt.checkout_url)  # the query asked for one that has a URL
    attempt = 1 + (db.session.scalar(select(func.count(Payment.id)).where(
        Payment.order_id == order.id, Payment.kind == PaymentKind.CHARGE)) or 0)
    payment = Payment(order_id=order.id, kind=PaymentKind.CHARGE, method=PaymentMethod.CARD,
                      state=PaymentState.PENDING, amount_vnd=order.total_vnd, currency=CURRENCY,
                      idempotency_key=f"checkout-{order.id}-{attempt}", expires_at=order.payment_due_at)
    db.session.add(payment)
    lines = checkout_lines(order)
    args = dict(order_id=order.id, order_code=order.code, lines=lines, success_url=success_url,
                cancel_url=cancel_url, expires_at=order.payment_due_at, idempotency_key=payment.idempotency_key,
                customer_email=order.buyer.email)
    db.session.commit()
    payment_id = payment.id
    session = gateway.create_checkout_session(**args)
    payment = db.session.get_one(Payment, payment_id)
    payment.provider_ref = session.get("id")
    payment.checkout_url = session.get("url")
    db.session.commit()
    return payment.checkout_url


def _payment_for_session(session: dict) -> Payment | None:
    sid = session.get("id")
    payment = db.session.scalar(select(Payment).where(Payment.provider_ref == sid)) if sid else None
    if payment is None:
        order_id = (session.get("metadata") or {}).get("order_id")
        if order_id and str(order_id).isdigit():
            payment = db.session.scalar(select(Payment).where(
                Payment.order_id == int(order_id), Payment.kind == PaymentKind.CHARGE,
                Payment.method == PaymentMethod.CARD).order_by(Payment.id.desc()))
    return payment


def fulfil_checkout_session(session: dict) -> str:
    """The one idempotent fulfilment. Forward only: a paid order stays paid, a placed one stays placed.

    If the order was already cancelled (the session expired and stock went back before the payment
    was reported), the money is refunded rather than the stock taken again: see README, "Payments"."""
    payment = _payment_for_session(session)
    if payment is None:
        return "unknown_session"
    order = db.session.get_one(Order, payment.order_id)
    amount, currency = session.get("amount_total"), str(session.get("currency") or "").lower()
    if amount != order.total_vnd or amount != payment.amount_vnd or currency != CURRENCY:
        orders.order_event(order, None, "payment_mismatch",
                           f"Stripe {amount} {currency} ≠ {order.total_vnd} {CURRENCY}")
        log.error("amount/currency mismatch for order %s: %s %s", order.code, amount, currency)
        return "amount_mismatch"
    won = db.session.execute(
        update(Payment).where(Payment.id == payment.id,
                              Payment.state.in_([PaymentState.PENDING, PaymentState.EXPIRED]))
        .values(state=PaymentState.SUCCEEDED, payment_intent=session.get("payment_intent"),
                provider_ref=session.get("id") or payment.provider_ref, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if not won:
        return "already_fulfilled"
    db.session.refresh(payment)
    if order.payment_status == PaymentStatus.UNPAID:
        order.payment_status = PaymentStatus.PAID
        order.paid_at = utcnow()
    orders.order_event(order, None, "paid", _("Đã thanh toán bằng thẻ"))
    orders.mark_placed(order, None, "system", _("Đã thanh toán bằng thẻ"))
    for po in order.producer_orders:
        if po.status == OrderStatus.CANCELLED:
            request_refund(order, po, _("Thanh toán đến sau khi đơn đã hủy"))
    db.session.flush()
    return "fulfilled"


def expire_checkout_session(session: dict) -> str:
    payment = _payment_for_session(session)
    if payment is None:
        return "unknown_session"
    gone = db.session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.state == PaymentState.PENDING)
        .values(state=PaymentState.EXPIRED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if not gone:
        return "ignored"
    order = db.session.get_one(Order, payment.order_id)
    if order.payment_status == PaymentStatus.UNPAID:
        orders.cancel_awaiting(order, _("Hết hạn thanh toán"))
    return "expired"


HANDLERS = {
    "checkout.session.completed": lambda s: fulfil_checkout_session(s) if s.get("payment_status") == "paid" else "awaiting_async",
    "checkout.session.async_payment_succeeded": fulfil_checkout_session,
    "checkout.session.expired": expire_checkout_session,
    "checkout.session.async_payment_failed": expire_checkout_session,
}


def handle_stripe_event(event: dict) -> str:
    """Store the event id and apply its effect in the caller's transaction.

    A duplicate id raises IntegrityError at the flush below: the caller rolls back and answers 200."""
    record = StripeEvent(event_id=event["id"], type=str(event.get("type", ""))[:80])
    db.session.add(record)
    db.session.flush()
    handler = HANDLERS.get(record.type)
    obj = ((event.get("data") or {}).get("object")) or {}
    if handler is None or not isinstance(obj, dict):
        record.outcome = "ignored"
    else:
        record.outcome = handler(obj)
        payment = _payment_for_session(obj)
        record.order_id = payment.order_id if payment else None
    db.session.flush()
    return record.outcome


# ---------------------------------------------------------------- the sweep
def due_card_orders(now: dt.datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(db.session.scalars(
        select(Order.id).where(
            Order.payment_method == PaymentMethod.CARD, Order.payment_status == PaymentStatus.UNPAID,
            Order.payment_due_at < now,
            Order.id.in_(select(ProducerOrder.order_id).where(ProducerOrder.status == OrderStatus.AWAITING_PAYMENT)),
        ).order_by(Order.id)
    ))


def expire_unpaid(gateway=None, now: dt.datetime | None = None) -> dict:
    """Cancel unpaid card orders past their deadline and release their stock; retry queued refunds.

    Safe to run at any time and in parallel with webhooks: every change is a compare-and-set.
    Before cancelling, the Stripe session is expired (or read back, if it was paid meanwhile)."""
    counts = {"expired": 0, "fulfilled": 0, "refunds": 0}
    ids = due_card_orders(now)
    db.session.commit()
    for order_id in ids:
        pending = db.session.scalar(select(Payment).where(
            Payment.order_id == order_id, Payment.kind == PaymentKind.CHARGE, Payment.state == PaymentState.PENDING,
            Payment.provider_ref.is_not(None)))
        session_id = pending.provider_ref if pending else None
        db.session.commit()
        if gateway is not None and session_id:
            try:
                session = gateway.expire_checkout_session(session_id)
            except GatewayError:
                try:
                    session = gateway.retrieve_checkout_session(session_id)
                except GatewayError as exc:
                    log.warning("order %s: Stripe unreachable, will retry: %s", order_id, exc)
                    continue
            if session.get("status") == "complete" and session.get("payment_status") == "paid":
                if fulfil_checkout_session(session) == "fulfilled":
                    counts["fulfilled"] += 1
                db.session.commit()
                continue
        order = db.session.get_one(Order, order_id)
        db.session.execute(
            update(Payment).where(Payment.order_id == order_id, Payment.kind == PaymentKind.CHARGE,
                                  Payment.state == PaymentState.PENDING)
            .values(state=PaymentState.EXPIRED, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if order.payment_status == PaymentStatus.UNPAID and orders.cancel_awaiting(order, _("Hết hạn thanh toán")):
            counts["expired"] += 1
        db.session.commit()
    if gateway is not None:
        counts["refunds"] = process_card_refunds(gateway)
    return counts
