"""Fulfilment: the one owner of what money does to an order (issue 11).

Layering chosen: **orders may import payments, never the reverse.** `payments/` holds the payment records
(`models.py`, `records.py`), the producer ledger and the adapters (Stripe gateway, VietQR); it knows nothing
of an order's state machine. Orders owns the use cases that join the two, here: a transfer received, a card
checkout, a Stripe event's effect, the expiry sweep, and every move of a part that may send money back. Why
this way round: the order's state and its money must change in one transaction, and the order pages (buyer,
producer, staff) that start these use cases already live in orders; payments then stays a library of records
and adapters that any higher domain can use. The Stripe webhook is received by payments (signature, shape,
event id) and handed up through the `signals.stripe_checkout_event` signal; `apply_stripe_event` below is its
receiver.

Each use case has one function: state changes go through `services.move`, refunds through `refunds`, ledger
credits through `payments.ledger.credit_delivery` (called by `services.move`), and the Stripe refund after a
commit through `refunds.send_card_refunds`, called from `move_part` and the sweep only.

Transactions: functions without a `gateway` only flush. Functions that talk to Stripe follow the one pattern of
`db_tx` — prepare → commit → call Stripe → record → commit — so no transaction waits for Stripe.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..catalog import hubs
from ..db_tx import transaction
from ..errors import Conflict, NotAllowed
from ..extensions import db
from ..payments import records
from ..payments.models import Payment, PaymentKind, PaymentMethod, PaymentState, PaymentStatus
from ..payments.stripe_gateway import (
    CURRENCY,
    CheckoutLine,
    CheckoutSession,
    GatewayError,
    StripeGateway,
    WebhookEvent,
)
from ..timeutil import utcnow
from . import refunds, services
from .history import order_event
from .models import Order, OrderStatus, ProducerOrder
from .settings import card_enabled

log = logging.getLogger(__name__)


def card_gateway(cfg) -> StripeGateway | None:
    """The Stripe gateway, or None while card payments are off."""
    return StripeGateway.from_config(cfg) if card_enabled(cfg) else None


# ---------------------------------------------------------------- the order's one payment
def _claim_paid(order: Order) -> bool:
    """Mark an unpaid order paid, atomically: of two charges reported at once only one pays the order; the
    other is beyond its total and is given back (see `fulfil_checkout_session`)."""
    won = db.session.execute(
        update(Order).where(Order.id == order.id, Order.payment_status == PaymentStatus.UNPAID)
        .values(payment_status=PaymentStatus.PAID, paid_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    db.session.refresh(order)
    return bool(won)


def _place_paid_parts(order: Order, charge: Payment, actor, as_role: str, note: str, refund_note: str) -> None:
    """Payment arrived: parts waiting for it move to placed; parts cancelled meanwhile are refunded."""
    for po in order.producer_orders:
        if po.status == OrderStatus.AWAITING_PAYMENT:
            try:
                services.move(po, OrderStatus.PLACED, actor, as_role, note)
            except Conflict:
                db.session.refresh(po)  # cancelled in a concurrent transaction a moment ago
        if po.status == OrderStatus.CANCELLED:
            refunds.request_refund(order, po, refund_note, charge)


def move_part(po: ProducerOrder, to: str, actor, as_role: str, note: str = "", gateway=None,
              then: Callable[[], object] | None = None) -> None:
    """Move one part (buyer, producer or staff pages) and commit; a cancelled paid card part is refunded
    at once (after the commit), else by the next sweep. Staff moves leave an audit row in the same commit.
    `then`: more work of the same step, in the same transaction after the move (the carrier's shipment record)."""
    with transaction():
        frm = po.status
        services.move(po, to, actor, as_role, note)
        if then is not None:
            then()
        if as_role == "staff":
            audit.record(actor.id, "order.move", "producer_order", po.id, code=po.order.code, frm=frm, to=to)
        elif as_role == "hub":  # an on-behalf action: which hub, for which household
            audit.record(actor.id, "order.move", "producer_order", po.id, code=po.order.code, frm=frm, to=to,
                         hub_id=hubs.acting_hub(actor, po.producer_id).id, producer_id=po.producer_id)
        order_id, method = po.order_id, po.order.payment_method
    if to == OrderStatus.CANCELLED and method == PaymentMethod.CARD:
        refunds.send_card_refunds(gateway, order_id)


# ---------------------------------------------------------------- bank transfer
def mark_transfer_received(order: Order, actor, note: str = "") -> Payment:
    """Staff saw the transfer on the account statement: the order moves to placed."""
    if actor is None or not actor.is_staff:
        raise NotAllowed()
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise Conflict(_("Đơn này không thanh toán bằng chuyển khoản."))
    if all(po.status == OrderStatus.CANCELLED for po in order.producer_orders):
        raise Conflict(_("Đơn đã hủy; hãy hoàn lại tiền cho người mua thay vì ghi nhận."))
    # A compare-and-set, not a check then an insert: two staff confirming at once record it once.
    if not _claim_paid(order):
        raise Conflict(_("Đơn này đã được ghi nhận thanh toán."))
    payment = Payment(order_id=order.id, kind=PaymentKind.CHARGE, method=PaymentMethod.BANK_TRANSFER,
                      state=PaymentState.SUCCEEDED, amount_vnd=order.total_vnd,
                      idempotency_key=f"transfer-{order.id}", confirmed_by_id=actor.id, note=note.strip())
    db.session.add(payment)
    db.session.flush()
    order_event(order, actor.id, "paid", _("Đã nhận chuyển khoản") + (f": {note.strip()}" if note.strip() else ""))
    _place_paid_parts(order, payment, actor, "staff", _("Đã nhận chuyển khoản"),
                      _("Phần đơn đã hủy trước khi nhận tiền"))
    audit.record(actor.id, "order.transfer_received", "order", order.id, code=order.code, amount_vnd=order.total_vnd)
    db.session.flush()
    return payment


def mark_refund_sent(refund_id: int, actor) -> Payment:
    """Staff sent a bank-transfer refund by hand."""
    if actor is None or not actor.is_staff:
        raise NotAllowed()
    refund = db.session.get(Payment, refund_id)
    if refund is None or refund.kind != PaymentKind.REFUND or refund.method == PaymentMethod.CARD:
        raise Conflict(_("Không có khoản hoàn tiền thủ công này."))
    if not refunds.settle_refund(refund, None, actor.id):
        raise Conflict(_("Khoản hoàn tiền đã được ghi nhận."))
    audit.record(actor.id, "order.refund_sent", "order", refund.order_id, amount_vnd=refund.amount_vnd)
    return refund


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


def _claim_card_attempt(order: Order) -> Payment:
    """The order's one open card attempt: the existing one, or a new one with a new idempotency key.

    The partial unique index `uq_payments_open_card_attempt` decides between concurrent clicks: the
    second insert fails and that click reuses the winner's attempt (and so its idempotency key)."""
    attempt = records.open_card_attempt(order.id)
    if attempt is not None:
        return attempt
    try:
        attempt = records.add_once(Payment(
            order_id=order.id, kind=PaymentKind.CHARGE, method=PaymentMethod.CARD, state=PaymentState.PENDING,
            amount_vnd=order.total_vnd, currency=CURRENCY, expires_at=order.payment_due_at,
            idempotency_key=f"checkout-{order.id}-{records.next_charge_number(order.id)}"))
    except IntegrityError:
        attempt = None
    if attempt is None or attempt.state != PaymentState.PENDING:
        # The winner of a concurrent click was closed in the meantime: rare; the buyer clicks again.
        raise Conflict(_("Đơn vừa được cập nhật. Vui lòng thử lại."))
    return attempt


@dataclass(frozen=True)
class CheckoutPlan:
    """What `prepare_card_checkout` decided: a URL to send the buyer to, or a Stripe request to make."""

    payment_id: int
    checkout_url: str | None
    request: dict


def prepare_card_checkout(order_id: int, success_url: str, cancel_url: str) -> CheckoutPlan:
    """Claim the order's open card attempt (flush). Until that attempt is settled or expired every click
    gets the same idempotency key, so Stripe answers every retry with the same Checkout Session."""
    order = db.session.get_one(Order, order_id)
    if order is None or order.payment_method != PaymentMethod.CARD:
        raise Conflict(_("Đơn này không thanh toán bằng thẻ."))
    if order.payment_status != PaymentStatus.UNPAID or order.status != OrderStatus.AWAITING_PAYMENT:
        raise Conflict(_("Đơn này không còn chờ thanh toán."))
    if order.payment_due_at is None or order.payment_due_at <= utcnow() + dt.timedelta(minutes=1):
        raise Conflict(_("Đã hết thời gian thanh toán cho đơn này."))
    attempt = _claim_card_attempt(order)
    db.session.flush()
    if attempt.checkout_url:
        return CheckoutPlan(attempt.id, attempt.checkout_url, {})
    return CheckoutPlan(attempt.id, None, dict(
        order_id=order.id, order_code=order.code, lines=checkout_lines(order), success_url=success_url,
        cancel_url=cancel_url, expires_at=order.payment_due_at, idempotency_key=attempt.idempotency_key,
        customer_email=order.buyer.email))


def record_checkout_session(payment_id: int, session: CheckoutSession) -> str | None:
    """Keep the session Stripe made for the attempt (flush); returns the URL to send the buyer to."""
    db.session.execute(
        update(Payment).where(Payment.id == payment_id, Payment.provider_ref.is_(None))
        .values(provider_ref=session.id, checkout_url=session.url, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return session.url


def checkout_failed(payment_id: int, error: GatewayError) -> None:
    """Stripe answered with an error it saved against the key: close the attempt so that the next click opens
    a new one (a new key). An error Stripe may still recover from keeps the attempt, and its key, open."""
    if not error.retryable:
        records.close_attempt(payment_id, PaymentState.FAILED, str(error), only_without_session=True)


def start_card_checkout(order_id: int, gateway, success_url: str, cancel_url: str) -> str:
    """Create (or reuse) the Stripe Checkout Session of an unpaid card order; returns its URL.

    The Stripe pattern (db_tx): prepare → commit → call Stripe → record → commit. Raises GatewayError
    (after recording it) when Stripe fails; the order is kept."""
    with transaction():
        plan = prepare_card_checkout(order_id, success_url, cancel_url)
    if plan.checkout_url:
        return plan.checkout_url
    try:
        session = gateway.create_checkout_session(**plan.request)
    except GatewayError as exc:
        with transaction():
            checkout_failed(plan.payment_id, exc)
        raise
    with transaction():
        url = record_checkout_session(plan.payment_id, session)
    if not url:
        raise GatewayError("Stripe returned a session without a URL", retryable=True)
    return url


def _payment_for_session(session: CheckoutSession) -> Payment | None:
    payment = db.session.scalar(select(Payment).where(Payment.provider_ref == session.id))
    if payment is None and session.order_id is not None:
        # A session whose id we never recorded (we crashed between Stripe's answer and our record): only an
        # attempt without a session can be it; one with another session id is another payment.
        payment = db.session.scalar(select(Payment).where(
            Payment.order_id == session.order_id, Payment.kind == PaymentKind.CHARGE,
            Payment.method == PaymentMethod.CARD, Payment.provider_ref.is_(None)).order_by(Payment.id.desc()))
    return payment


def fulfil_checkout_session(session: CheckoutSession) -> str:
    """The one idempotent fulfilment. Forward only: a paid order stays paid, a placed one stays placed.

    Money Stripe took is always accounted for: the attempt becomes succeeded whatever we thought of it
    (pending, expired, failed). If the order was already cancelled (the session expired and stock went back
    before the payment was reported), the money is refunded rather than the stock taken again; if the order
    was already paid by another charge, this charge is beyond its total and is refunded whole."""
    payment = _payment_for_session(session)
    if payment is None:
        return "unknown_session"
    order = db.session.get_one(Order, payment.order_id)
    amount, currency = session.amount_total, session.currency
    if amount != order.total_vnd or amount != payment.amount_vnd or currency != CURRENCY:
        order_event(order, None, "payment_mismatch", f"Stripe {amount} {currency} ≠ {order.total_vnd} {CURRENCY}")
        log.error("amount/currency mismatch for order %s: %s %s", order.code, amount, currency)
        return "amount_mismatch"
    won = db.session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.state != PaymentState.SUCCEEDED)
        .values(state=PaymentState.SUCCEEDED, payment_intent=session.payment_intent, provider_ref=session.id,
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if not won:
        return "already_fulfilled"
    db.session.refresh(payment)
    if not _claim_paid(order):
        refunds.refund_excess(order, payment)
        db.session.flush()
        return "excess_refund"
    order_event(order, None, "paid", _("Đã thanh toán bằng thẻ"))
    _place_paid_parts(order, payment, None, "system", _("Đã thanh toán bằng thẻ"),
                      _("Thanh toán đến sau khi đơn đã hủy"))
    db.session.flush()
    return "fulfilled"


def expire_checkout_session(session: CheckoutSession) -> str:
    payment = _payment_for_session(session)
    if payment is None:
        return "unknown_session"
    if not records.close_attempt(payment.id):
        return "ignored"
    order = db.session.get_one(Order, payment.order_id)
    if order.payment_status == PaymentStatus.UNPAID:
        services.cancel_awaiting(order, _("Hết hạn thanh toán"))
    return "expired"


HANDLERS = {
    "checkout.session.completed":
        lambda s: fulfil_checkout_session(s) if s.payment_status == "paid" else "awaiting_async",
    "checkout.session.async_payment_succeeded": fulfil_checkout_session,
    "checkout.session.expired": expire_checkout_session,
    "checkout.session.async_payment_failed": expire_checkout_session,
}


def apply_stripe_event(sender, event: WebhookEvent, **extra) -> tuple[str, int | None]:
    """Receiver of `signals.stripe_checkout_event`: apply a checked Checkout Session event (flush only)."""
    handler = HANDLERS.get(event.type)
    if handler is None or event.session is None:
        return "ignored", None
    outcome = handler(event.session)
    payment = _payment_for_session(event.session)
    return outcome, payment.order_id if payment else None


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


def stale_card_attempts(now: dt.datetime | None = None) -> list[tuple[int, str | None]]:
    """Open card attempts that can no longer lead to a wanted payment: their order is past its deadline,
    or no part of it waits for payment any more (paid by another attempt, or cancelled). (id, session id)."""
    now = now or utcnow()
    awaiting = select(ProducerOrder.order_id).where(ProducerOrder.status == OrderStatus.AWAITING_PAYMENT)
    return [(pid, ref) for pid, ref in db.session.execute(
        select(Payment.id, Payment.provider_ref).join(Order, Order.id == Payment.order_id).where(
            Payment.kind == PaymentKind.CHARGE, Payment.method == PaymentMethod.CARD,
            Payment.state == PaymentState.PENDING,
            (Order.payment_due_at < now) | (Order.payment_status != PaymentStatus.UNPAID) | Order.id.not_in(awaiting),
        ).order_by(Payment.id)
    )]


def _cancel_if_unpaid(order_id: int) -> bool:
    order = db.session.get_one(Order, order_id)
    if order.payment_status != PaymentStatus.UNPAID or records.open_card_attempt(order_id) is not None:
        return False
    return bool(services.cancel_awaiting(order, _("Hết hạn thanh toán")))


def expire_unpaid(gateway=None, now: dt.datetime | None = None) -> dict:
    """Close stale card attempts, cancel unpaid card orders past their deadline (stock back), retry refunds.

    Safe to run at any time and in parallel with webhooks: every change is a compare-and-set. A stale attempt's
    Stripe session is expired first (or read back, if it was paid meanwhile: then it is fulfilled, which
    refunds it if the order no longer wants it). The Stripe pattern (db_tx): no transaction waits for Stripe."""
    counts = {"expired": 0, "fulfilled": 0, "refunds": 0}
    with transaction():
        stale = stale_card_attempts(now)
    for payment_id, session_id in stale:
        if gateway is not None and session_id:
            try:
                session = gateway.expire_checkout_session(session_id)
            except GatewayError:
                try:
                    session = gateway.retrieve_checkout_session(session_id)
                except GatewayError as exc:
                    log.warning("attempt %s: Stripe unreachable, will retry: %s", payment_id, exc)
                    continue
            if session.status == "complete" and session.payment_status == "paid":
                with transaction():
                    if fulfil_checkout_session(session) == "fulfilled":
                        counts["fulfilled"] += 1
                continue
            if session.status == "open":  # Stripe refused to expire it and it is still payable: retry later
                continue
        with transaction():
            records.close_attempt(payment_id)
    with transaction():
        due = due_card_orders(now)
    for order_id in due:
        with transaction():
            if _cancel_if_unpaid(order_id):
                counts["expired"] += 1
    counts["refunds"] = refunds.send_card_refunds(gateway)
    return counts
