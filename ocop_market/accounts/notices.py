"""Telling a person something on the channels they have: e-mail to their address, SMS to their number."""
from __future__ import annotations

import logging

from sqlalchemy import or_, select

from ..extensions import db
from ..messaging.models import Channel, OutboundMessage
from ..messaging.phone import InvalidPhoneNumber
from ..messaging.rendering import has_template
from ..messaging.services import queue_message
from .models import Role, User

log = logging.getLogger(__name__)


def tell(*, event_key: str, template: str, params: dict, email: str | None = None, phone: str | None = None,
         user: User | None = None, locale: str | None = None, secret_params: dict | None = None) -> list[OutboundMessage]:
    """Write one message per channel this kind has text for and the person can receive and chose (flush only).
    A number that is no phone number is skipped with a log line: the event itself must not fail over it.

    The text is in the recipient's language, never in that of whoever set the event off (a buyer browsing in
    English, staff, a job): `locale` if given, else the account's, else Vietnamese (a household's own number).
    """
    locale = locale or (user.locale if user is not None else None) or "vi"
    written = []
    for channel, recipient in ((Channel.EMAIL, email), (Channel.SMS, phone)):
        if not recipient or not has_template(template, channel):
            continue
        if user is not None and not (user.notify_email if channel == Channel.EMAIL else user.notify_sms):
            continue
        try:
            written.append(queue_message(event_key=event_key, channel=channel, recipient=recipient, template=template,
                                         params=params, user_id=user.id if user else None, locale=locale,
                                         secret_params=secret_params))
        except InvalidPhoneNumber:
            log.warning("message %s not written: %r is not a phone number", event_key, recipient)
    return written


def tell_user(user: User, *, event_key: str, template: str, params: dict, phone: str | None = None,
              secret_params: dict | None = None) -> list[OutboundMessage]:
    """`phone`: where to text them when their account has no number (e.g. the one given with an order)."""
    return tell(event_key=event_key, template=template, params=params, email=user.email, phone=user.phone or phone,
                user=user, secret_params=secret_params)


def staff_for_province(province_id: int | None) -> list[User]:
    """Active staff who look after this province (staff without a province look after all), admins if none."""
    staff = list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role == Role.STAFF,
                           or_(User.province_id == province_id, User.province_id.is_(None)))
        .order_by(User.id)))
    if staff:
        return staff
    return list(db.session.scalars(select(User).where(User.active.is_(True), User.role == Role.ADMIN).order_by(User.id)))


def welcome(user: User) -> None:
    """A new account made with an e-mail address is greeted there (a phone sign-up already got its code)."""
    if user.email:
        queue_message(event_key=f"welcome:{user.id}", channel=Channel.EMAIL, recipient=user.email, template="welcome",
                      params={"name": user.display_name, "producer": user.role == Role.PRODUCER}, user_id=user.id,
                      locale=user.locale)
