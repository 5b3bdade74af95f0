"""Helpers for the security suite: users of every role, signing in without the form, dummy URLs for rules.

Requests here are made without holding an app context: the test client would otherwise reuse it and
carry `g` (the cached current user, the CSRF token) from one request into the next.
"""
from __future__ import annotations

import re
import uuid

import pytest
from werkzeug.routing import IntegerConverter, Rule

from ocop_market.accounts.sessions import open_session
from ocop_market.extensions import db
from tests.conftest import make_producer, make_user

LOGIN_PATH = "/tai-khoan/dang-nhap"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
CSRF_MESSAGE = "thiếu mã bảo vệ"
#: Called by machines that cannot hold a CSRF token: Stripe's servers (checked by the event's signature) and the SMS
#: gateway handing over a text a phone sent (checked by the gateway's bearer token).
CSRF_EXEMPT_PATHS = {"/payments/stripe/webhook", "/sms/inbound", "/carriers/<carrier>/webhook"}


@pytest.fixture
def users(app):
    """One account per role; the producer owns a verified producer record. Values: Flask-Login ids."""
    with app.app_context():
        buyer = make_user("nguoimua@example.vn", role="buyer")
        producer_user = make_user("nhasanxuat@example.vn", role="producer")
        make_producer(owner=producer_user)
        staff = make_user("canbo@example.vn", role="staff")
        admin = make_user("quantri@example.vn", role="admin")
        # Each gets a server-side login session, as signing in through the form would open.
        for u in (buyer, producer_user, staff, admin):
            open_session(u)
        db.session.commit()
        return {u.role: u.get_id() for u in (buyer, producer_user, staff, admin)}


def sign_in(client, user_id: str | None) -> None:
    """Put a signed-in session in the client's cookie jar (Flask-Login's own keys), or leave it anonymous."""
    if user_id is None:
        return
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = user_id
        sess["_fresh"] = True


def csrf_token(client) -> str:
    """A valid token for this client's session, read from a real page."""
    for url in ("/", LOGIN_PATH):
        html = client.get(url).get_data(as_text=True)
        m = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
        if m:
            return m.group(1)
    raise AssertionError("no page offered a CSRF token")


def dummy_path(rule: Rule) -> str:
    """The rule's URL with made-up arguments (ids 1): guards must refuse before any lookup."""
    values = {}
    for name in rule.arguments:
        if rule.defaults and name in rule.defaults:
            continue
        converter = type(rule._converters.get(name)).__name__
        if isinstance(rule._converters.get(name), IntegerConverter):  # the `id` converter included
            values[name] = 1
        elif converter == "FloatConverter":
            values[name] = 1.0
        elif converter == "UUIDConverter":
            values[name] = uuid.UUID(int=1)
        elif converter == "AnyConverter":
            values[name] = rule._converters[name].items[0]
        else:
            values[name] = "1"
    built = rule.build(values, append_unknown=False)
    assert built, f"cannot build {rule.rule}"
    return built[1]


def blueprint_of(rule: Rule) -> str:
    return rule.endpoint.rpartition(".")[0]


def is_staff_rule(rule: Rule) -> bool:
    """The admin blueprint and anything else mounted in the staff area (e.g. staff order desks)."""
    bp = blueprint_of(rule)
    return bp == "admin" or bp.startswith(("admin", "staff")) or rule.rule.startswith("/quan-tri")


def is_producer_rule(rule: Rule) -> bool:
    bp = blueprint_of(rule)
    return bp == "producer" or bp.startswith("producer") or rule.rule.startswith("/gian-hang")


def methods_of(rule: Rule, wanted=("GET",) + UNSAFE_METHODS) -> list[str]:
    return [m for m in wanted if m in (rule.methods or ())]
