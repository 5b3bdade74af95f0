"""The one way into the outbox."""
from __future__ import annotations

import datetime as dt

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from . import delivery
from .models import Channel, MessageState, OutboundMessage
from .phone import normalise_msisdn


def _current_locale() -> str:
    if has_request_context():
        locale = get_locale()
        if locale is not None:
            return locale.language
    return "vi"


def _existing(event_key: str, channel: str) -> OutboundMessage | None:
    return db.session.scalar(
        select(OutboundMessage).where(OutboundMessage.event_key == event_key, OutboundMessage.channel == channel)
    )


def was_queued(event_key: str, prefix: bool = False) -> bool:
    """Whether any message of this event (or, with `prefix`, of any event whose key starts so) was written."""
    match = (OutboundMessage.event_key.startswith(event_key, autoescape=True) if prefix
             else OutboundMessage.event_key == event_key)
    return db.session.scalar(select(OutboundMessage.id).where(match).limit(1)) is not None


def queue_message(*, event_key: str, channel: str, recipient: str, template: str, params: dict | None = None,
                  secret_params: dict | None = None, locale: str | None = None, user_id: int | None = None,
                  expires_at: dt.datetime | None = None, deliver_after_commit: bool = True) -> OutboundMessage:
    """Write a message in the caller's transaction (flush only); it is sent after that transaction commits.

    The same event and channel twice gives back the first row: each event is told at most once per channel
    (`event_key` should name the event's own row, e.g. "password_reset:<id>").
    An SMS recipient is normalised to E.164 (`InvalidPhoneNumber`, a ValueError, if it is no number).
    """
    if channel not in set(Channel):
        raise ValueError(f"unknown channel {channel!r}")
    recipient = normalise_msisdn(recipient) if channel == Channel.SMS else (recipient or "").strip()
    if not recipient:
        raise ValueError("a message needs a recipient")
    found = _existing(event_key, channel)
    if found is not None:
        return found
    message = OutboundMessage(event_key=event_key, channel=channel, recipient=recipient, template=template,
                              params=dict(params or {}), secret_params=dict(secret_params) if secret_params else None,
                              locale=locale or _current_locale(), user_id=user_id, expires_at=expires_at)
    # No savepoint to catch a duplicate: on SQLite (pysqlite) a SAVEPOINT opened before the transaction's
    # first write commits on release. The event key names the event's own row, written in this same
    # transaction, so a concurrent duplicate cannot arise; the unique key still refuses one.
    db.session.add(message)
    db.session.flush()
    if deliver_after_commit:
        delivery.deliver_after_commit(db.session(), message.id)
    return message


class NotResendable(ValueError):
    pass


def resend(message_id: int) -> OutboundMessage:
    """Staff send a failed message again (its attempts start over), after the caller's commit (flush only).
    A message that carried a time-limited code is not resent: its code may be stale and its secret is erased;
    the person asks for a new one."""
    message = db.session.get(OutboundMessage, message_id)
    if message is None:
        raise NotResendable(_("không có tin này"))
    if message.state != MessageState.FAILED:
        raise NotResendable(_("chỉ gửi lại tin đang lỗi"))
    if message.expires_at is not None:
        raise NotResendable(_("tin có mã dùng trong thời hạn không được gửi lại; người nhận hãy xin mã mới"))
    message.state, message.attempts, message.retry_at, message.last_error = MessageState.PENDING, 0, None, None
    db.session.flush()
    delivery.deliver_after_commit(db.session(), message.id)
    return message


def failed_messages(limit: int = 200) -> list[OutboundMessage]:
    return list(db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.state == MessageState.FAILED)
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()).limit(limit)))
