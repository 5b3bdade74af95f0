"""Telling a producer household something: its owner's e-mail and phone, or the household's own phone."""
from __future__ import annotations

from ..accounts.models import User
from ..accounts.notices import tell, tell_user
from ..audit import AuditEntry
from ..extensions import db
from ..messaging.models import OutboundMessage
from ..messaging.phone import InvalidPhoneNumber, normalise_msisdn
from .models import Hub, Producer, ProducerStatus, Product, ProductStatus


def producer_numbers(producer: Producer) -> set[str]:
    """The numbers that speak for this household (its owner's and its own), in E.164: a reply from one of them
    is the household's."""
    owner = db.session.get(User, producer.owner_id) if producer.owner_id else None
    numbers = set()
    for raw in (owner.phone if owner is not None else None, producer.phone):
        if raw:
            try:
                numbers.add(normalise_msisdn(raw))
            except InvalidPhoneNumber:
                continue
    return numbers


def tell_producer(producer: Producer, *, event_key: str, template: str, params: dict,
                  secret_params: dict | None = None) -> list[OutboundMessage]:
    owner = db.session.get(User, producer.owner_id) if producer.owner_id else None
    email = owner.email if owner is not None else None
    # Many households have no smartphone account: the number on their record is the one that reaches them.
    phone = (owner.phone if owner is not None else None) or producer.phone
    return tell(event_key=event_key, template=template, params=params, email=email, phone=phone, user=owner,
                secret_params=secret_params)


def tell_hub(hub: Hub, *, event_key: str, template: str, params: dict) -> list[OutboundMessage]:
    """The hub's own phone and e-mail; a hub with neither is told through each member's account (its own key)."""
    params = {**params, "hub": hub.name}
    if hub.email or hub.phone:
        return tell(event_key=event_key, template=template, params=params, email=hub.email, phone=hub.phone)
    written: list[OutboundMessage] = []
    for member in hub.members:
        if member.user.active:
            written += tell_user(member.user, event_key=f"{event_key}:{member.user_id}", template=template,
                                 params=params)
    return written


def _event_key(entry: AuditEntry) -> str:
    # The review's own audit row names the event: a listing approved, edited and approved again is two events.
    db.session.flush()
    return f"{entry.action}:{entry.id}"


def producer_reviewed(producer: Producer, entry: AuditEntry) -> None:
    """A producer verified or rejected (with the reason) hears of it."""
    tell_producer(producer, event_key=_event_key(entry), template="producer_reviewed",
                  params={"producer": producer.name, "verified": producer.status == ProducerStatus.VERIFIED,
                          "reason": producer.rejection_reason or ""})


def listing_reviewed(product: Product, entry: AuditEntry) -> None:
    """A listing approved or rejected (with the reason): its producer hears of it."""
    tell_producer(product.producer, event_key=_event_key(entry), template="listing_reviewed",
                  params={"producer": product.producer.name, "product": product.name,
                          "approved": product.status == ProductStatus.APPROVED,
                          "reason": product.rejection_reason or ""})
