"""Replies from a basic phone: `OK <order code>` confirms, `HUY <order code>` declines (issue 12 §2).

Only a text from the household's registered number (its owner's phone or the one on its record) acts on its part
of that order; any other sender learns nothing about the order. Case, diacritics and extra spaces do not matter
("ok dh2612024cvph", "Huỷ DH…"). Every text is kept (`InboundSms`) with its outcome and answered by SMS; a
redelivery with the same gateway id is answered the same way and changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from ..accounts.services import find_by_login
from ..catalog.notices import producer_numbers
from ..errors import Conflict
from ..extensions import db
from ..messaging.models import Channel, InboundSms
from ..messaging.phone import normalise_msisdn
from ..messaging.services import queue_message
from ..text import fold
from . import services
from .models import Order, OrderStatus, ProducerOrder

_COMMAND = re.compile(r"^\s*(OK|HUY)\s*[:\-]?\s*([A-Z0-9]{6,20})\s*[.!]?\s*$")
VERBS = {"OK": OrderStatus.CONFIRMED, "HUY": OrderStatus.CANCELLED}


@dataclass
class ReplyOutcome:
    outcome: str
    order_code: str | None = None
    #: the part's state when the step was not possible
    state: str = ""
    #: set when a card-paid part was declined: its refund goes to Stripe after the commit
    refund_order_id: int | None = None


def parse(text: str) -> tuple[str, str] | None:
    m = _COMMAND.match(fold(text or "").upper())
    return (m.group(1), m.group(2)) if m else None


def _part_for(code: str, sender: str) -> ProducerOrder | None:
    order = db.session.scalar(select(Order).where(Order.code == code))
    if order is None:
        return None
    parts = [po for po in order.producer_orders if sender in producer_numbers(po.producer)]
    return next((po for po in parts if po.status == OrderStatus.PLACED), parts[0] if parts else None)


def handle(sender_raw: str, text: str, gateway_id: str | None = None) -> ReplyOutcome:
    """Act on one inbound text and write its answer (flush only). `InvalidPhoneNumber` for a bad sender."""
    sender = normalise_msisdn(sender_raw)
    if gateway_id:
        seen = db.session.scalar(select(InboundSms).where(InboundSms.gateway_id == gateway_id))
        if seen is not None:
            return ReplyOutcome(seen.outcome, seen.order_code)
    row = InboundSms(gateway_id=gateway_id or None, sender=sender, text=(text or "")[:1000])
    db.session.add(row)
    db.session.flush()
    result = _act(sender, text)
    row.outcome, row.order_code = result.outcome, result.order_code
    queue_message(event_key=f"sms_reply:{row.id}", channel=Channel.SMS, recipient=sender, template="sms_reply",
                  params={"outcome": result.outcome, "code": result.order_code or "", "state": result.state},
                  locale=_sender_locale(sender))
    return result


def _sender_locale(sender: str) -> str:
    """The answer goes in the language of the account with this number; a household's own number reads Vietnamese."""
    account = find_by_login(sender)
    return account.locale if account is not None else "vi"


def _act(sender: str, text: str) -> ReplyOutcome:
    command = parse(text)
    if command is None:
        return ReplyOutcome("not_understood")
    verb, code = command
    po = _part_for(code, sender)
    if po is None:
        return ReplyOutcome("unknown_order", code)
    to = VERBS[verb]
    note = f"Trả lời SMS từ {sender}: {verb}"
    try:  # a refused step raises before it writes anything
        if po.status != OrderStatus.PLACED:  # a reply answers the new order; later steps are the shop's
            raise Conflict()
        services.move(po, to, po.producer.owner, "household", note)
    except Conflict:
        return ReplyOutcome("not_possible", code, state=str(services.status_label(po.status)))
    refund = po.order_id if to == OrderStatus.CANCELLED and po.order.payment_method == "card" else None
    return ReplyOutcome("confirmed" if to == OrderStatus.CONFIRMED else "declined", code, refund_order_id=refund)
