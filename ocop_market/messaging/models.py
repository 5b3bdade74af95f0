from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class MessageState(enum.StrEnum):
    PENDING = "pending"  # written with its event, not yet tried
    SENDING = "sending"  # claimed by one deliverer (no other sends it meanwhile)
    SENT = "sent"
    FAILED = "failed"  # the last try failed; retried while attempts remain
    EXPIRED = "expired"  # no longer worth sending (a code past its validity)


DUE_STATES = (MessageState.PENDING, MessageState.FAILED)


class OutboundMessage(Model):
    """One message to one recipient over one channel (tin nhắn gửi đi), written in the same transaction as the
    event it tells of. (event_key, channel) is unique: each event is sent at most once per channel."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        UniqueConstraint("event_key", "channel", name="uq_outbound_messages_event_channel"),
        CheckConstraint("channel IN ('email','sms')", name="channel_known"),
        CheckConstraint("state IN ('pending','sending','sent','failed','expired')", name="state_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what happened, e.g. "password_reset:42" (kind and the id of the event's own row)
    event_key: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(8))
    #: an e-mail address, or a phone number in E.164 (+84…)
    recipient: Mapped[str] = mapped_column(String(254))
    #: the account it is for, when there is one (for a notifications page)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: message kind: the folder under templates/messaging/
    template: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    #: values the template shows; nothing secret
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: values that must not stay at rest (a reset code, a sign-in link): erased once the message is final
    secret_params: Mapped[dict | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=MessageState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: when a deliverer took it (a row left "sending" long after this was interrupted mid-send)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: a failed message is not tried again before this (back-off: 1, 2, 4… minutes)
    retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: not sent after this (a 30-minute code is useless later); empty = no limit
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class InboundSms(Model):
    """One text a phone sent us through the SMS gateway (tin nhắn đến): kept with what it did, so a gateway's
    redelivery of the same message (same `gateway_id`) gets the same answer and does nothing twice."""

    __tablename__ = "inbound_sms"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the gateway's own id of the message, when it sends one
    gateway_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    #: E.164 (+84…)
    sender: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(String(1000))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: what it did: confirmed, declined, not_possible, unknown_order, not_understood
    outcome: Mapped[str] = mapped_column(String(24), default="")
    #: the order code it named, if any
    order_code: Mapped[str | None] = mapped_column(String(20))
