"""Login limits that slow attackers without locking owners out (issue 10 §5).

Only *failed* sign-ins count (a right password never uses up anyone's allowance), in three Flask-Limiter limits:
- per account + address (`LOGIN_RATE_LIMIT`): one address guessing one account;
- per account, whatever the address (`LOGIN_ACCOUNT_RATE_LIMIT`, slower): guessing spread over many addresses;
- per address, whatever the account (`LOGIN_ADDRESS_RATE_LIMIT`, generous): one address trying many accounts.
  Thousands of phones share one public address behind a carrier's NAT, so this one counts failures only and is
  high; it never applies to a trusted browser.

A *trusted browser* carries the device cookie (OWASP's "device cookie" defence against lockout): a signed
cookie issued when the account signs in there, or when its owner proves themselves with a code sent to their
phone or e-mail (the unlock path offered on the 429 page). For an account it trusts, the browser skips the
per-address limit and has a per-account ceiling of its own, so an attacker who exhausted the account's ceiling
from many addresses does not lock its owner out: their phone still signs in from a new network, and a new
device unlocks with a code.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, g, render_template, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .models import User
from .services import login_key

DEVICE_COOKIE = "ocop_device"
DEVICE_MAX_AGE = 180 * 24 * 3600  # seconds
MAX_ACCOUNTS_PER_DEVICE = 10


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ocop-login-device")


def _tag(key: str) -> str:
    """The account as the cookie names it: a keyed hash, so the cookie shows no e-mail or phone number."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"device|{key}".encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def _read_device() -> dict | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 4000:
        return None
    try:
        data = _serializer().loads(raw, max_age=DEVICE_MAX_AGE)
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("a"), list):
        return None
    return data


def _typed() -> str:
    return login_key(request.form.get("login", ""))


def trusted_device() -> str | None:
    """This browser's device id if it is trusted for the account being signed into, else None."""
    if "login_trusted_device" not in g:
        data = _read_device()
        g.login_trusted_device = data["d"] if data and _tag(_typed()) in data["a"] else None
    return g.login_trusted_device


def remember_device(response, user: User):
    """Trust this browser for `user` (each way of signing in: e-mail and phone) from now on."""
    data = _read_device() or {"d": secrets.token_hex(8), "a": []}
    tags = [_tag(f"{kind}:{value}") for kind, value in (("email", user.email), ("phone", user.phone)) if value]
    accounts = [t for t in data["a"] if t not in tags] + tags
    data["a"] = accounts[-MAX_ACCOUNTS_PER_DEVICE:]
    cfg = current_app.config
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps(data), max_age=DEVICE_MAX_AGE, httponly=True,
                        samesite="Lax", secure=bool(cfg.get("SESSION_COOKIE_SECURE")), path="/")
    return response


# ------------------------------------------------------------------ Flask-Limiter hooks for the login view
def account_address_key() -> str:
    return f"login:{_typed()}|{get_remote_address()}"


def account_key() -> str:
    device = trusted_device()
    return f"login-account:{_typed()}" + (f"|device:{device}" if device else "")


def address_key() -> str:
    return f"login-address:{get_remote_address()}"


def address_exempt() -> bool:
    return trusted_device() is not None


def failed(response) -> bool:
    """Only failed sign-ins are counted: success redirects (302), a refusal re-renders the form."""
    return response.status_code != 302


def locked_out(request_limit):
    """The 429 page of the login form: it offers the owner the way back in (a code to their phone or e-mail)."""
    return current_app.make_response((render_template("accounts/locked.html"), 429))
