"""Money records: payment attempts and refunds, Stripe events seen, and what the service owes producers."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any  # Any: orders is above, never imported here

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..constraints import one_of
from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..catalog.models import Producer


class PaymentMethod(enum.StrEnum):
    COD = "cod"
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"


class PaymentStatus(enum.StrEnum):
    """An order's payment as a whole (`Order.payment_status`)."""

    UNPAID = "unpaid"
    PAID = "paid"
    REFUNDED = "refunded"


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
    #: goods of a delivered order refunded to the buyer after a return: no longer owed to the producer
    RETURN_REFUND = "return_refund"
    #: the part of a delivered shipment's fee a programme paid (hỗ trợ phí giao): owed to the producer by the
    #: programme, since the buyer paid only the rest
    SHIPPING_SUBSIDY = "shipping_subsidy"


#: the rows the partial unique index above covers (the same text on SQLite and PostgreSQL)
OPEN_CARD_ATTEMPT = "kind = 'charge' AND method = 'card' AND state = 'pending'"


class Payment(Model):
    """A charge attempt (card checkout, bank transfer) or a refund for one order (thanh toán)."""

    __tablename__ = "payments"
    __table_args__ = (
        one_of("kind", PaymentKind, "kind_known"),
        one_of("state", PaymentState, "state_known"),
        one_of("method", PaymentMethod, "method_known"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        Index("ix_payments_order_kind", "order_id", "kind"),
        # At most one open card attempt per order, whatever the number of clicks, tabs or workers: a second
        # insert fails here and the caller reuses the open attempt (and its idempotency key) instead.
        Index("uq_payments_open_card_attempt", "order_id", unique=True,
              sqlite_where=text(OPEN_CARD_ATTEMPT), postgresql_where=text(OPEN_CARD_ATTEMPT)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    #: a refund belongs to the producer order whose cancellation caused it (none: an excess charge given back)
    producer_order_id: Mapped[int | None] = mapped_column(ForeignKey("producer_orders.id"))
    #: the charge a refund gives money back from (Stripe refunds a payment intent, so this must be the right one)
    refund_of_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
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
    #: requests for this row that Stripe answered with an error it saved against the key (it replays that
    #: error for the same key): the next request is sent under a fresh key, `gateway_key`
    gateway_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: staff who saw the bank transfer arrive
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Any] = relationship("Order")
    confirmed_by: Mapped[User | None] = relationship("User")
    refund_of: Mapped[Payment | None] = relationship("Payment", remote_side=[id])

    @property
    def gateway_key(self) -> str:
        """The idempotency key for the next request to the gateway about this row."""
        return self.idempotency_key if not self.gateway_failures else f"{self.idempotency_key}~{self.gateway_failures}"

    @property
    def is_excess_refund(self) -> bool:
        """A refund of a charge beyond the order's total (a second card payment for one order)."""
        return self.kind == PaymentKind.REFUND and self.idempotency_key.startswith(EXCESS_REFUND_PREFIX)


#: idempotency keys of refunds that give back a charge beyond the order's total
EXCESS_REFUND_PREFIX = "refund-excess-"


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
        one_of("kind", LedgerKind, "kind_known"),
        CheckConstraint(
            "(kind IN ('earning','shipping_subsidy') AND amount_vnd > 0) "
            "OR (kind NOT IN ('earning','shipping_subsidy') AND amount_vnd < 0)", name="sign_by_kind"
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

    producer_order: Mapped[Any] = relationship("ProducerOrder")
    payout: Mapped[Payout | None] = relationship("Payout")
