"""The refund book of orders: every refund is queued here, settled here, and sent to Stripe from here.

- `request_refund`: a paid part was cancelled (called by the state machine, `services.move`).
- `refund_excess`: the last line of defence, a charge beyond the order's total (called by fulfilment).
- `settle_refund`: the money went back (Stripe answered, or staff sent a transfer by hand).
- `send_card_refunds`: the one place that talks to Stripe about refunds, after the caller's commit.

Everything flushes only, except `send_card_refunds`, which follows the Stripe pattern of `db_tx`."""
from __future__ import annotations

import logging

from flask_babel import gettext as _

from ..db_tx import transaction
from ..extensions import db
from ..money import format_number
from ..payments import records
from ..payments.models import EXCESS_REFUND_PREFIX, Payment, PaymentKind, PaymentState, PaymentStatus
from ..payments.stripe_gateway import GatewayError
from .history import order_event
from .models import Order, OrderStatus, ProducerOrder

log = logging.getLogger(__name__)


def request_refund(order: Order, po: ProducerOrder, note: str, charge: Payment | None = None) -> Payment:
    """Queue the refund of one cancelled, paid producer order; its unique key makes it happen once."""
    key = f"refund-po-{po.id}"
    existing = records.by_key(key)
    if existing is not None:
        return existing
    charge = charge or records.paying_charge(order.id)
    refund = records.add_once(Payment(
        order_id=order.id, producer_order_id=po.id, kind=PaymentKind.REFUND, method=order.payment_method,
        state=PaymentState.PENDING, amount_vnd=po.total_vnd, idempotency_key=key, note=note,
        refund_of_id=charge.id if charge else None))
    order_event(order, None, "refund_requested", _("Chờ hoàn %(n)s đ", n=format_number(po.total_vnd)))
    return refund


def refund_excess(order: Order, charge: Payment) -> Payment:
    """A successful charge on an order already paid is given back whole, against that charge."""
    refund = records.add_once(Payment(
        order_id=order.id, kind=PaymentKind.REFUND, method=charge.method, state=PaymentState.PENDING,
        amount_vnd=charge.amount_vnd, idempotency_key=f"{EXCESS_REFUND_PREFIX}{charge.id}", refund_of_id=charge.id,
        note=_("Khoản thu vượt tổng đơn (thanh toán trùng): hoàn lại tự động")))
    order_event(order, None, "payment_excess",
                _("Thu trùng %(n)s đ; đã xếp hoàn lại tự động", n=format_number(charge.amount_vnd)))
    log.warning("order %s: charge %s beyond the order's total, refund queued", order.code, charge.id)
    return refund


def settle_refund(refund: Payment, provider_ref: str | None, actor_id: int | None = None) -> bool:
    """The money went back. False when it was already settled (of two settlers only one books it)."""
    if not records.settle(refund.id, provider_ref, actor_id):
        return False
    order = db.session.get_one(Order, refund.order_id)
    if refund.is_excess_refund:
        # Money that was never the order's: its total, refunded amount and status stay as they are.
        order_event(order, actor_id, "excess_refunded", _("Đã hoàn khoản thu trùng"))
        db.session.flush()
        return True
    order.refunded_vnd = min(order.total_vnd, order.refunded_vnd + refund.amount_vnd)
    if order.refunded_vnd >= order.total_vnd or all(p.status == OrderStatus.CANCELLED for p in order.producer_orders):
        order.payment_status = PaymentStatus.REFUNDED
    order_event(order, actor_id, "refunded", _("Đã hoàn tiền"))
    db.session.flush()
    return True


def _send(gateway, call: records.RefundCall) -> dict:
    if call.retried:
        # An earlier request got an error Stripe saved against its key; Stripe may have refunded all the
        # same. Look before sending again under a fresh key, so the buyer is never refunded twice.
        done = next((r for r in gateway.refunds_of(call.payment_intent)
                     if (r.get("metadata") or {}).get("refund_key") == call.refund_key), None)
        if done is not None:
            return done
    return gateway.refund(payment_intent=call.payment_intent, amount_vnd=call.amount_vnd,
                          idempotency_key=call.request_key,
                          metadata={"order_id": str(call.order_id), "refund_key": call.refund_key})


def send_card_refunds(gateway, order_id: int | None = None) -> int:
    """Send queued card refunds to Stripe, each against the charge it gives back; returns how many went.

    Call it after your commit (it commits per refund itself, the Stripe pattern of `db_tx`: read → commit →
    call → record → commit). A failed call leaves the refund queued for the sweep: under the same key when
    Stripe may still answer it, under a fresh one when Stripe saved an error against the old one."""
    if gateway is None:
        return 0
    with transaction():
        calls = records.queued_card_refunds(order_id)
    sent = 0
    for call in calls:
        try:
            result = _send(gateway, call)
        except GatewayError as exc:
            log.warning("refund %s failed, will retry: %s", call.refund_id, exc)
            if not exc.retryable:
                with transaction():
                    records.gateway_refused(call.refund_id, str(exc))
            continue
        with transaction():
            if settle_refund(db.session.get_one(Payment, call.refund_id), result.get("id")):
                sent += 1
    return sent
