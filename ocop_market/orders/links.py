"""The one-tap link a producer gets with a new order: confirm or decline it without logging in.

A link is short enough for an SMS: `/d/<part id>-<expiry>-<mac>`, the expiry in base 36 (Unix seconds) and a
60-bit HMAC (SHA-256, keyed by SECRET_KEY) over the part, its producer and the expiry. Nothing is stored; it is
valid for 72 hours and only ever moves the part forward (confirm) or cancels it while that is still allowed, so a
link that leaked after the producer acted is worthless. Opening it (GET) changes nothing: a link checker or a
phone's preview never confirms an order; the page's buttons do (POST).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re

from flask import current_app

from ..timeutil import utcnow

LIFETIME = dt.timedelta(hours=72)
_TOKEN = re.compile(r"^([0-9]{1,10})-([0-9a-z]{1,8})-([a-z2-7]{10})$")


class BadLink(ValueError):
    """Not a link we made, or changed."""


class ExpiredLink(ValueError):
    pass


def _mac(part_id: int, producer_id: int, expires: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"order-link:{part_id}:{producer_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:10]


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


def make_token(part_id: int, producer_id: int, now: dt.datetime | None = None) -> str:
    expires = int(((now or utcnow()) + LIFETIME).timestamp())
    return f"{part_id}-{_b36(expires)}-{_mac(part_id, producer_id, expires)}"


def part_of(token: str) -> int:
    """The part id a token names (before its producer is known); `BadLink` if it is no token at all."""
    m = _TOKEN.match(token or "")
    if m is None:
        raise BadLink(token)
    return int(m.group(1))


def check_token(token: str, producer_id: int, now: dt.datetime | None = None) -> int:
    """The part id, if this token was made for that part of this producer and has not expired."""
    m = _TOKEN.match(token or "")
    if m is None:
        raise BadLink(token)
    part_id, expires = int(m.group(1)), int(m.group(2), 36)
    if not hmac.compare_digest(m.group(3), _mac(part_id, producer_id, expires)):
        raise BadLink(token)
    if (now or utcnow()).timestamp() > expires:
        raise ExpiredLink(token)
    return part_id
