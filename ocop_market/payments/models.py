"""Money records: payment attempts and refunds, Stripe events seen, and what the service owes producers."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..catalog.models import Producer
    from ..orders.models import Order, ProducerOrder


class PaymentKind(enum.StrEnum):
    CHARGE = "charge"
    REFUND = "refund"


class PaymentState(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"


class LedgerKind(enum.StrEnum):
    #: the value of a delivered producer order, owed to the producer
    EARNING = "earning"
    #: cash the producer's shipper collected from the buyer (cash on delivery): already in their hands
    COD_COLLECTED = "cod_collected"
    #: money staff transferred to the producer
    PAYOUT = "payout"


def _in(values: type[enum.StrEnum]) -> str:
    return ",".join(f"'{v.value}'" for v in values)


class Payment(Model):
    """A charge attempt (card checkout, bank transfer) or a refund for one order (thanh toán)."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(PaymentKind)})", name="kind_known"),
        CheckConstraint(f"state IN ({_in(PaymentState)})", name="state_known"),
        CheckConstraint("method IN ('cod','bank_transfer','card')", name="method_known"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        Index("ix_payments_order_kind", "order_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    #: a refund belongs to the producer order whose cancellation caused it
    producer_order_id: Mapped[int | None] = mapped_column(ForeignKey("producer_orders.id"))
    kind: Mapped[str] = mapped_column(String(8), default=PaymentKind.CHARGE)
    method: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12), default=PaymentState.PENDING)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="vnd")
    #: sent with every gateway request for this attempt, so a retried request is not doubled
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    #: Stripe Checkout Session id (cs_...) or refund id (re_...)
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent: Mapped[str | None] = mapped_column(String(255))
    checkout_url: Mapped[str | None] = mapped_column(Text)
    #: staff who saw the bank transfer arrive
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship("Order")
    confirmed_by: Mapped[User | None] = relationship("User")


class StripeEvent(Model):
    """A Stripe webhook event already handled; the unique id makes a redelivery a no-op."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(80), default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Payout(Model):
    """Money staff transferred to a producer to settle the ledger (chi trả)."""

    __tablename__ = "payouts"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    #: the bank transfer reference staff used
    reference: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    producer: Mapped[Producer] = relationship("Producer")
    recorded_by: Mapped[User | None] = relationship("User")


class ProducerLedgerEntry(Model):
    """One movement of money between the service and a producer (sổ công nợ). Positive: owed to
    the producer; negative: settled. The balance is the sum; the service takes no commission."""

    __tablename__ = "producer_ledger_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(LedgerKind)})", name="kind_known"),
        CheckConstraint(
            "(kind = 'earning' AND amount_vnd > 0) OR (kind <> 'earning' AND amount_vnd < 0)", name="sign_by_kind"
        ),
        # A delivered producer order is credited once, whatever retries happen.
        UniqueConstraint("producer_order_id", "kind", name="uq_ledger_po_kind"),
        Index("ix_ledger_producer_at", "producer_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_vnd: Mapped[int] = mapped_column(Integer)
    producer_order_id: Mapped[int | None] = mapped_column(ForeignKey("producer_orders.id"))
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    producer_order: Mapped[ProducerOrder | None] = relationship("ProducerOrder")
    payout: Mapped[Payout | None] = relationship("Payout")
