"""Carts and orders. An `Order` is what the buyer placed and pays; each producer ships its own
`ProducerOrder` (đơn của hộ sản xuất), whose state moves only through `rules.TRANSITIONS`.

`PaymentMethod` and `PaymentStatus` live in payments (the layer below) and are re-exported here."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..constraints import one_of
from ..extensions import Model
from ..payments.models import PaymentMethod, PaymentStatus
from ..timeutil import UTCDateTime, utcnow
from ..validators import PLAIN_TEXT, PLAIN_TEXT_MULTILINE

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..catalog.models import Hub, Producer, Product
    from ..places import Province

#: a person's most of one product in one order (a shop's usual bound, against typing slips and hoarding)
MAX_LINE_QUANTITY = 99
#: an organisation buyer's (accounts.Organisation: a school canteen, a company buying Tết gifts) most of one product
#: in one order, by the case; the database's bound on a line (orders/wholesale.py decides who may pass 99)
MAX_CASE_QUANTITY = 10_000


class OrderStatus(enum.StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PLACED = "placed"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"



class Cart(Model):
    """A signed-in buyer's cart (giỏ hàng); guests keep theirs in the session."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship("CartLine", cascade="all, delete-orphan", order_by="CartLine.id", back_populates="cart")


class CartLine(Model):
    __tablename__ = "cart_lines"
    __table_args__ = (
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_CASE_QUANTITY}", name="quantity_range"),
        UniqueConstraint("cart_id", "product_id", name="uq_cart_lines_cart_product"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    cart: Mapped[Cart] = relationship("Cart", back_populates="lines")
    product: Mapped[Product] = relationship("Product")


class Order(Model):
    """What the buyer placed in one checkout (đơn hàng), across one or more producers."""

    __tablename__ = "orders"
    __table_args__ = (
        one_of("payment_method", PaymentMethod, "method_known"),
        one_of("payment_status", PaymentStatus, "payment_status_known"),
        CheckConstraint("subtotal_vnd >= 0 AND shipping_vnd >= 0", name="amounts_not_negative"),
        CheckConstraint("total_vnd = subtotal_vnd + shipping_vnd", name="total_adds_up"),
        CheckConstraint("refunded_vnd >= 0 AND refunded_vnd <= total_vnd", name="refund_within_total"),
        Index("ix_orders_buyer_created", "buyer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "DH2511277KQ3M": ASCII only, so it fits a bank transfer message
    code: Mapped[str] = mapped_column(String(20), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    contact_name: Mapped[str] = mapped_column(String(120), info=PLAIN_TEXT)
    #: +84XXXXXXXXX
    phone: Mapped[str] = mapped_column(String(16))
    #: house number, village (thôn/bản)
    address_line: Mapped[str] = mapped_column(String(200), info=PLAIN_TEXT)
    commune: Mapped[str] = mapped_column(String(120), info=PLAIN_TEXT)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    note: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    payment_method: Mapped[str] = mapped_column(String(16))
    payment_status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.UNPAID, index=True)
    subtotal_vnd: Mapped[int] = mapped_column(Integer)
    shipping_vnd: Mapped[int] = mapped_column(Integer)
    total_vnd: Mapped[int] = mapped_column(Integer)
    #: the hub that typed the order in for a buyer who phoned or walked in (`buyer_id` is then its member's
    #: account, and the buyer hears of it by SMS at `phone`)
    entered_by_hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id"), index=True)
    refunded_vnd: Mapped[int] = mapped_column(Integer, default=0)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: an unpaid card order is cancelled and its stock released after this moment
    payment_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: the day the buyer asked to receive the goods (ngày giao mong muốn), a local calendar day; set by the quote for
    #: an order from a request for quote (orders/wholesale.py), optional otherwise
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)

    buyer: Mapped[User] = relationship("User")
    province: Mapped[Province] = relationship("Province")
    entered_by_hub: Mapped[Hub | None] = relationship("Hub")
    producer_orders: Mapped[list[ProducerOrder]] = relationship(
        "ProducerOrder", back_populates="order", order_by="ProducerOrder.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEvent]] = relationship("OrderEvent", order_by="OrderEvent.id", viewonly=True)

    @property
    def status(self) -> str:
        """One word for the whole order: the least advanced of its live parts, or cancelled."""
        states = [po.status for po in self.producer_orders]
        live = [s for s in states if s != OrderStatus.CANCELLED]
        if not live:
            return OrderStatus.CANCELLED
        order: list[str] = list(OrderStatus)
        return min(live, key=order.index)

    @property
    def shipping_subsidy_vnd(self) -> int:
        """What programmes pay of this order's shipping (the sum of its parts')."""
        return sum(po.shipping_subsidy_vnd for po in self.producer_orders)

    @property
    def line_count(self) -> int:
        return sum(len(po.lines) for po in self.producer_orders)


class ProducerOrder(Model):
    """One producer's part of an order (đơn của hộ sản xuất): shipped and tracked on its own."""

    __tablename__ = "producer_orders"
    __table_args__ = (
        one_of("status", OrderStatus, "status_known"),
        CheckConstraint("subtotal_vnd >= 0 AND shipping_vnd >= 0", name="amounts_not_negative"),
        CheckConstraint("total_vnd = subtotal_vnd + shipping_vnd", name="total_adds_up"),
        CheckConstraint("shipping_subsidy_vnd >= 0", name="subsidy_not_negative"),
        UniqueConstraint("order_id", "producer_id", name="uq_producer_orders_order_producer"),
        Index("ix_producer_orders_producer_status", "producer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"))
    status: Mapped[str] = mapped_column(String(20))
    subtotal_vnd: Mapped[int] = mapped_column(Integer)
    #: what the buyer pays for this shipment: the fee less the programme's subsidy below
    shipping_vnd: Mapped[int] = mapped_column(Integer)
    total_vnd: Mapped[int] = mapped_column(Integer)
    #: the part of the shipment's fee a programme pays (hỗ trợ phí giao), owed to the household by the programme
    #: (ledger kind `shipping_subsidy` at delivery); the fee is shipping_vnd + shipping_subsidy_vnd
    shipping_subsidy_vnd: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: the subsidy's name as the buyer saw it at checkout (kept like a line's product name)
    shipping_subsidy_label: Mapped[str] = mapped_column(String(160), default="", server_default="")
    #: the parcel's weight the fee was priced on (the lines' packed weights), in grams; None for parts placed
    #: before listings had a weight. The carrier is told this weight (carriers/services.py).
    parcel_weight_grams: Mapped[int | None] = mapped_column(Integer)
    #: the fee table's zone the fee was priced for (orders/fees.py), "" for a flat fee
    shipping_zone: Mapped[str] = mapped_column(String(16), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship("Order", back_populates="producer_orders")
    producer: Mapped[Producer] = relationship("Producer")
    lines: Mapped[list[OrderLine]] = relationship("OrderLine", back_populates="producer_order", order_by="OrderLine.id",
                         cascade="all, delete-orphan")
    events: Mapped[list[OrderEvent]] = relationship("OrderEvent", order_by="OrderEvent.id", back_populates="producer_order")
    #: the buyer's request for a VAT invoice on this part, if any (orders/vat.py)
    vat_invoice: Mapped[VatInvoiceRequest | None] = relationship("VatInvoiceRequest", back_populates="producer_order",
                                                                 uselist=False)


class OrderLine(Model):
    """A product bought, with the name, unit and price it had when the order was placed."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_CASE_QUANTITY}", name="quantity_range"),
        CheckConstraint("unit_price_vnd >= 0", name="price_not_negative"),
        CheckConstraint("line_total_vnd = unit_price_vnd * quantity", name="line_total_adds_up"),
        UniqueConstraint("producer_order_id", "product_id", name="uq_order_lines_po_product"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_order_id: Mapped[int] = mapped_column(ForeignKey("producer_orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(60))
    unit_price_vnd: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total_vnd: Mapped[int] = mapped_column(Integer)

    producer_order: Mapped[ProducerOrder] = relationship("ProducerOrder", back_populates="lines")
    product: Mapped[Product] = relationship("Product")


class OrderEvent(Model):
    """One step in a producer order's history: who moved it, when, from which state to which."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    producer_order_id: Mapped[int | None] = mapped_column(ForeignKey("producer_orders.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: empty when the system acted (payment webhook, expiry sweep)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the hub whose member acted for the household ("hub X for household Y"); empty otherwise
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship("User")
    hub: Mapped[Hub | None] = relationship("Hub")
    producer_order: Mapped[ProducerOrder | None] = relationship("ProducerOrder", back_populates="events")


class VatInvoiceStatus(enum.StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"


class VatInvoiceRequest(Model):
    """A buyer's request for a VAT invoice (yêu cầu xuất hóa đơn GTGT) on one producer's part of an order; the
    seller issues it from its own invoicing and records the number (orders/vat.py)."""

    __tablename__ = "vat_invoice_requests"
    __table_args__ = (
        one_of("status", VatInvoiceStatus, "status_known"),
        CheckConstraint("(status = 'issued') = (invoice_number IS NOT NULL)", name="number_when_issued"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one request per part: a part is sold by one seller, who issues one invoice for it
    producer_order_id: Mapped[int] = mapped_column(ForeignKey("producer_orders.id"), unique=True)
    #: mã số thuế: "0101234567", or "0101234567-001" for a branch
    tax_code: Mapped[str] = mapped_column(String(14))
    company_name: Mapped[str] = mapped_column(String(200), info=PLAIN_TEXT)
    company_address: Mapped[str] = mapped_column(String(300), info=PLAIN_TEXT)
    #: where the seller's e-invoice system sends the invoice, if the buyer gave one
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default=VatInvoiceStatus.REQUESTED)
    #: the invoice's symbol and number as the seller's e-invoice shows it (e.g. "1C25TAA-00000123")
    invoice_number: Mapped[str | None] = mapped_column(String(40), info=PLAIN_TEXT)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    producer_order: Mapped[ProducerOrder] = relationship("ProducerOrder", back_populates="vat_invoice")


class OrderHistoryIsAppendOnly(RuntimeError):
    pass


@event.listens_for(OrderEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise OrderHistoryIsAppendOnly("order events cannot be changed")


@event.listens_for(OrderEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise OrderHistoryIsAppendOnly("order events cannot be deleted")


# ---------------------------------------------------------------- returns (trả hàng / hoàn tiền) after delivery
class ReturnStatus(enum.StrEnum):
    #: the buyer asked; the producer (or its hub) answers
    REQUESTED = "requested"
    #: the producer, or staff deciding a dispute, agreed: the refund is queued, the ledger debited
    ACCEPTED = "accepted"
    #: the producer disputed the request: staff decide
    DISPUTED = "disputed"
    #: staff decided the dispute for the producer: nothing is refunded
    REFUSED = "refused"


class ReturnReason(enum.StrEnum):
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    MISSING = "missing"
    OTHER = "other"


class ReturnRequest(Model):
    """A buyer's request, after delivery, to give back (or be refunded for) goods of one producer order.

    One per producer order (the unique key decides between two taps); the amount is that of the lines asked for,
    priced as they were sold. Stock comes back only when the producer records the goods as received back."""

    __tablename__ = "return_requests"
    __table_args__ = (
        one_of("status", ReturnStatus, "status_known"),
        one_of("reason", ReturnReason, "reason_known"),
        CheckConstraint("refund_vnd > 0", name="refund_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_order_id: Mapped[int] = mapped_column(ForeignKey("producer_orders.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ReturnStatus.REQUESTED, index=True)
    reason: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, info=PLAIN_TEXT_MULTILINE)
    #: the buyer sends the goods back (false: e.g. spoilt food, refunded without a parcel back)
    send_back: Mapped[bool] = mapped_column(default=True)
    refund_vnd: Mapped[int] = mapped_column(Integer)
    producer_note: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    staff_note: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when the producer recorded the parcel back (and its stock went back on the shelf)
    goods_received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    producer_order: Mapped[ProducerOrder] = relationship("ProducerOrder")
    order: Mapped[Order] = relationship("Order")
    lines: Mapped[list[ReturnLine]] = relationship("ReturnLine", cascade="all, delete-orphan", order_by="ReturnLine.id")
    photos: Mapped[list[ReturnPhoto]] = relationship("ReturnPhoto", cascade="all, delete-orphan",
                                                     order_by="ReturnPhoto.id")


class ReturnLine(Model):
    __tablename__ = "return_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("return_id", "order_line_id", name="uq_return_lines_line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    quantity: Mapped[int] = mapped_column(Integer)

    order_line: Mapped[OrderLine] = relationship("OrderLine")


class ReturnPhoto(Model):
    """A photo the buyer sent with the request (stored by `catalog.images`, shown only to the parties)."""

    __tablename__ = "return_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_format: Mapped[str] = mapped_column(String(8))


# ---------------------------------------------------------------- reviews (đánh giá) from buyers who received the goods
class ProductReview(Model):
    """A buyer's review (đánh giá) of one delivered order line: stars, text, photos; the seller's one answer;
    staff may hide it with a reason. One per line (the unique key decides between two taps)."""

    __tablename__ = "product_reviews"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        CheckConstraint("(hidden_at IS NULL) OR (hidden_reason <> '')", name="hidden_with_reason"),
        Index("ix_product_reviews_product_created", "product_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the producer's (or its hub's) one answer
    answer: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    #: the same answer in English, if the seller gives one: English visitors read it instead of `answer`
    answer_en: Mapped[str] = mapped_column(Text, default="", server_default="", info=PLAIN_TEXT_MULTILINE)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id"))
    #: staff moderation: a hidden review is shown to nobody but its author and staff, and counts in no average
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_reason: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)

    order_line: Mapped[OrderLine] = relationship("OrderLine")
    product: Mapped[Product] = relationship("Product")
    buyer: Mapped[User] = relationship("User", foreign_keys=[buyer_id])
    answered_hub: Mapped[Hub | None] = relationship("Hub")
    photos: Mapped[list[ReviewPhoto]] = relationship("ReviewPhoto", cascade="all, delete-orphan",
                                                     order_by="ReviewPhoto.id")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def answer_for(self, lang: str) -> tuple[str, str]:
        """(text, its language) of the seller's answer for a visitor reading `lang`: the English version for an
        English visitor when the seller wrote one, the Vietnamese answer otherwise (marked as Vietnamese)."""
        if lang == "en" and self.answer_en:
            return self.answer_en, "en"
        return self.answer, "vi"


class ReviewPhoto(Model):
    """A photo sent with a review (stored by `catalog.images`; public while its review is visible)."""

    __tablename__ = "review_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("product_reviews.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_format: Mapped[str] = mapped_column(String(8))


# ---------------------------------------------------------------- requests for quote (yêu cầu báo giá) by the case
class QuoteStatus(enum.StrEnum):
    #: the organisation buyer asked; the producer (or its hub) answers once
    REQUESTED = "requested"
    #: the producer answered with a unit price, a delivery date and a validity date
    QUOTED = "quoted"
    #: the producer declined, with a reason
    DECLINED = "declined"
    #: the buyer accepted it into an order (`order_id`), once
    ACCEPTED = "accepted"
    #: unanswered in time, or not accepted before its validity date (written by `wholesale.expire_quotes`, and
    #: read as such by `Quote.state_on` before the sweep has run)
    EXPIRED = "expired"


class Quote(Model):
    """A request for quote (yêu cầu báo giá) between one organisation buyer and the household selling one listing:
    asked with a quantity (up to `MAX_CASE_QUANTITY`), a wanted delivery date and province; answered once with a
    unit price, delivery date and validity date, or declined; accepted once into an order at that price."""

    __tablename__ = "quotes"
    __table_args__ = (
        one_of("status", QuoteStatus, "status_known"),
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_CASE_QUANTITY}", name="quantity_range"),
        CheckConstraint("unit_price_vnd IS NULL OR unit_price_vnd > 0", name="price_positive"),
        CheckConstraint("status NOT IN ('quoted','accepted') OR (unit_price_vnd IS NOT NULL AND "
                        "delivery_date IS NOT NULL AND valid_until IS NOT NULL)", name="answer_complete"),
        CheckConstraint("(status = 'accepted') = (order_id IS NOT NULL)", name="order_when_accepted"),
        Index("ix_quotes_producer_status", "producer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    #: the buyer's wish (a local day), which the producer may answer with another date
    wanted_date: Mapped[dt.date | None] = mapped_column(Date)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    note: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    status: Mapped[str] = mapped_column(String(12), default=QuoteStatus.REQUESTED)
    unit_price_vnd: Mapped[int | None] = mapped_column(Integer)
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)
    #: the last local day the buyer may accept the price
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    decline_reason: Mapped[str] = mapped_column(Text, default="", info=PLAIN_TEXT_MULTILINE)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id"))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    buyer: Mapped[User] = relationship("User", foreign_keys=[buyer_id])
    product: Mapped[Product] = relationship("Product")
    producer: Mapped[Producer] = relationship("Producer")
    province: Mapped[Province] = relationship("Province")
    order: Mapped[Order | None] = relationship("Order")
    answered_hub: Mapped[Hub | None] = relationship("Hub")

    @property
    def total_vnd(self) -> int | None:
        return self.unit_price_vnd * self.quantity if self.unit_price_vnd is not None else None


class ShippingZone(enum.StrEnum):
    """How far a parcel goes, from the household to the buyer's address (vùng giao hàng)."""

    COMMUNE = "commune"        # cùng xã/phường
    PROVINCE = "province"      # trong tỉnh
    REGION = "region"          # cùng miền (Bắc, Trung, Nam)
    NATIONWIDE = "nationwide"  # liên miền


class ShippingRate(Model):
    """One cell of the fee table staff edit (bảng phí giao hàng): a parcel of this zone weighing up to
    `max_grams` costs `fee_vnd`. Above a zone's largest band, its ShippingZoneExtra adds per further 500 g."""

    __tablename__ = "shipping_rates"
    __table_args__ = (
        one_of("zone", ShippingZone, "zone_known"),
        CheckConstraint("max_grams BETWEEN 1 AND 100000", name="band_range"),
        CheckConstraint("fee_vnd BETWEEN 0 AND 5000000", name="fee_range"),
        UniqueConstraint("zone", "max_grams", name="uq_shipping_rates_zone_band"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone: Mapped[str] = mapped_column(String(16))
    max_grams: Mapped[int] = mapped_column(Integer)
    fee_vnd: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ShippingZoneExtra(Model):
    """What each further 500 g (or part of it) costs above a zone's largest weight band."""

    __tablename__ = "shipping_zone_extras"
    __table_args__ = (
        one_of("zone", ShippingZone, "zone_known"),
        CheckConstraint("per_500g_vnd BETWEEN 0 AND 1000000", name="extra_range"),
    )

    zone: Mapped[str] = mapped_column(String(16), primary_key=True)
    per_500g_vnd: Mapped[int] = mapped_column(Integer)
