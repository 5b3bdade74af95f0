"""Telling a producer household something: its owner's e-mail and phone, or the household's own phone."""
from __future__ import annotations

from ..accounts.models import User
from ..accounts.notices import tell
from ..extensions import db
from ..messaging.models import OutboundMessage
from .models import Producer


def tell_producer(producer: Producer, *, event_key: str, template: str, params: dict) -> list[OutboundMessage]:
    owner = db.session.get(User, producer.owner_id) if producer.owner_id else None
    email = owner.email if owner is not None else None
    # Many households have no smartphone account: the number on their record is the one that reaches them.
    phone = (owner.phone if owner is not None else None) or producer.phone
    return tell(event_key=event_key, template=template, params=params, email=email, phone=phone, user=owner)
