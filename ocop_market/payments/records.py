"""Queries and writes on payment records alone: attempts, refunds, what was charged beyond a total.

Nothing here knows an order's state machine; orders (`orders/fulfilment.py`) decides and calls these.
Every function flushes at most."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..extensions import db
from ..timeutil import utcnow
from .models import EXCESS_REFUND_PREFIX, Payment, PaymentKind, PaymentMethod, PaymentState


def of_order(order_id: int) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)))


def by_key(key: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.idempotency_key == key))


def add_once(payment: Payment) -> Payment:
    """Insert a payment row whose idempotency key (or open-attempt slot) may already be taken by a concurrent
    twin: the stored row wins and is returned. A check-then-insert would race; the unique index decides."""
    try:
        with db.session.begin_nested():
            db.session.add(payment)
    except IntegrityError:
        stored = by_key(payment.idempotency_key)
        if stored is None and payment.kind == PaymentKind.CHARGE and payment.method == PaymentMethod.CARD:
            stored = open_card_attempt(payment.order_id)
        if stored is None:
            raise
        return stored
    return payment


def open_card_attempt(order_id: int) -> Payment | None:
    """The order's one open card attempt (the partial unique index `uq_payments_open_card_attempt`)."""
    return db.session.scalar(select(Payment).where(
        Payment.order_id == order_id, Payment.kind == PaymentKind.CHARGE, Payment.method == PaymentMethod.CARD,
        Payment.state == PaymentState.PENDING))


def next_charge_number(order_id: int) -> int:
    return 1 + (db.session.scalar(select(func.count(Payment.id)).where(
        Payment.order_id == order_id, Payment.kind == PaymentKind.CHARGE)) or 0)


def close_attempt(payment_id: int, state: str = PaymentState.EXPIRED, note: str | None = None,
                  only_without_session: bool = False) -> bool:
    """Compare-and-set an open attempt to a final state; False when it was not open any more."""
    stmt = update(Payment).where(Payment.id == payment_id, Payment.state == PaymentState.PENDING)
    if only_without_session:
        stmt = stmt.where(Payment.provider_ref.is_(None))
    values = {"state": state, "updated_at": utcnow()}
    if note is not None:
        values["note"] = note[:500]
    return bool(db.session.execute(stmt.values(**values).execution_options(synchronize_session=False)).rowcount)  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result


def paying_charge(order_id: int) -> Payment | None:
    """The succeeded charge that paid the order (the first one; later ones are refunded as excess)."""
    return db.session.scalar(select(Payment).where(
        Payment.order_id == order_id, Payment.kind == PaymentKind.CHARGE, Payment.state == PaymentState.SUCCEEDED,
        ~Payment.id.in_(select(Payment.refund_of_id).where(
            Payment.idempotency_key.startswith(EXCESS_REFUND_PREFIX), Payment.refund_of_id.is_not(None)))
    ).order_by(Payment.id))


def excess_refunds(order_ids: list[int]) -> dict[int, int]:
    """For staff: per order, the money charged beyond its total (given back, or queued to be)."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(Payment.order_id, func.sum(Payment.amount_vnd)).where(
            Payment.order_id.in_(order_ids), Payment.kind == PaymentKind.REFUND,
            Payment.idempotency_key.startswith(EXCESS_REFUND_PREFIX)).group_by(Payment.order_id))
    return {order_id: int(total) for order_id, total in rows}


@dataclass(frozen=True)
class RefundCall:
    """A queued card refund as plain values, to be sent to Stripe outside any transaction."""

    refund_id: int
    order_id: int
    payment_intent: str
    amount_vnd: int
    #: the refund's own key (sent in metadata, to find it again) and the key for this request
    refund_key: str
    request_key: str
    retried: bool


def queued_card_refunds(order_id: int | None = None) -> list[RefundCall]:
    charge = aliased(Payment)
    stmt = (select(Payment, charge.payment_intent)
            .join(charge, charge.id == Payment.refund_of_id)
            .where(Payment.kind == PaymentKind.REFUND, Payment.method == PaymentMethod.CARD,
                   Payment.state == PaymentState.PENDING, charge.state == PaymentState.SUCCEEDED,
                   charge.payment_intent.is_not(None))
            .order_by(Payment.id))
    if order_id is not None:
        stmt = stmt.where(Payment.order_id == order_id)
    return [RefundCall(r.id, r.order_id, intent, r.amount_vnd, r.idempotency_key, r.gateway_key,
                       r.gateway_failures > 0) for r, intent in db.session.execute(stmt)]


def gateway_refused(payment_id: int, error: str) -> None:
    """Stripe saved an error against this row's key: the next request goes under a fresh key."""
    db.session.execute(
        update(Payment).where(Payment.id == payment_id, Payment.state == PaymentState.PENDING)
        .values(gateway_failures=Payment.gateway_failures + 1, note=error[:500])
        .execution_options(synchronize_session=False))


def settle(payment_id: int, provider_ref: str | None, actor_id: int | None = None) -> bool:
    """Compare-and-set a pending refund to succeeded; False when someone settled it first."""
    return bool(db.session.execute(
        update(Payment).where(Payment.id == payment_id, Payment.state == PaymentState.PENDING)
        .values(state=PaymentState.SUCCEEDED, provider_ref=provider_ref, confirmed_by_id=actor_id,
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount)  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
