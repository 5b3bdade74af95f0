"""Account recovery and phone verification by one-time codes (issue 12 §4).

- Password reset: the owner types their e-mail or phone; a 6-digit code goes to that address (by e-mail also a
  link carrying a long token). Either, used once within 30 minutes, sets a new password and ends every login
  session. The same code unlocks sign-in for a locked-out owner's browser (`use_code` + `limits`).
- Sign-up by phone: nothing is created until the number is confirmed with the SMS code, so nobody can hold a
  number they do not own. A number that already has an account gets an SMS saying so instead of a code.

Every answer is the same for an unknown account as for a known one: a request creates or sends nothing the
requester can observe, and a wrong code, an expired one and a code for nobody give one `InvalidCode`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..errors import InvalidInput
from ..extensions import db
from ..messaging.links import public_url
from ..messaging.models import Channel
from ..messaging.services import queue_message
from ..timeutil import utcnow
from .models import AccountCode, CodePurpose, Role, User
from .services import find_by_login, hash_password, normalise_login, normalise_phone, registering_locale, set_password

CODE_LIFETIME = dt.timedelta(minutes=30)
#: wrong tries after which a code is void (with 10^6 codes: a guess in 200,000)
MAX_WRONG_CODES = 5


class InvalidCode(InvalidInput):
    """One answer for a wrong, expired, used or unknown code, and for a code asked for an unknown account."""

    def __init__(self):
        super().__init__(_("Mã không đúng hoặc đã hết hạn. Hãy kiểm tra lại, hoặc yêu cầu mã mới."))


def _digest(purpose: str, value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def clean_code(raw: str | None) -> str:
    """What a person typed ("123 456", "123-456") as six digits, or '' if it cannot be a code."""
    digits = "".join(ch for ch in (raw or "") if ch not in " -.")
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else ""


def _issue(purpose: str, channel: str, recipient: str, user_id: int | None = None,
           payload: dict | None = None, with_token: bool = False) -> tuple[AccountCode, str, str | None]:
    now = utcnow()
    code = _new_code()
    token = secrets.token_urlsafe(32) if with_token else None
    row = AccountCode(purpose=purpose, user_id=user_id, channel=channel, recipient=recipient,
                      code_hash=_digest(purpose, f"{recipient}|{code}"),
                      token_hash=_digest(purpose, token) if token else None,
                      payload=payload, created_at=now, expires_at=now + CODE_LIFETIME)
    db.session.add(row)
    db.session.flush()
    return row, code, token


def _live(stmt):
    now = utcnow()
    return stmt.where(AccountCode.used_at.is_(None), AccountCode.expires_at > now,
                      AccountCode.failed_attempts < MAX_WRONG_CODES)


def _consume(row: AccountCode) -> None:
    """Mark used, once: two requests racing with the same code cannot both pass."""
    done = db.session.execute(
        update(AccountCode).where(AccountCode.id == row.id, AccountCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; 2.0's Session.execute says Result
    if done != 1:
        raise InvalidCode()
    db.session.expire(row)


def _check_code(row: AccountCode | None, code: str) -> AccountCode:
    code = clean_code(code)
    if row is None or not code:
        raise InvalidCode()
    if not hmac.compare_digest(row.code_hash, _digest(row.purpose, f"{row.recipient}|{code}")):
        # Counted even though the caller rolls back its own work: the view commits this one change.
        db.session.execute(update(AccountCode).where(AccountCode.id == row.id)
                           .values(failed_attempts=AccountCode.failed_attempts + 1)
                           .execution_options(synchronize_session=False))
        raise InvalidCode()
    _consume(row)
    return row


# ------------------------------------------------------------------ password reset
def request_password_reset(login: str) -> None:
    """Send a reset code to the address typed (an e-mail also gets a link), if it names an active account.

    The channel follows what the owner typed: an e-mail address gets an e-mail, a phone number an SMS. Earlier
    codes of the account stop working. Returns nothing: the caller must answer alike either way.
    The code is written in the language of the page it was asked on (queue_message's default), where the person
    is waiting for it, not in the account's message language.
    """
    user = find_by_login(login)
    if user is None or not user.is_active:
        return
    kind, value = normalise_login(login)
    channel = Channel.EMAIL if kind == "email" else Channel.SMS
    db.session.execute(
        update(AccountCode).where(AccountCode.user_id == user.id, AccountCode.purpose == CodePurpose.PASSWORD_RESET,
                                  AccountCode.used_at.is_(None)).values(expires_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    row, code, token = _issue(CodePurpose.PASSWORD_RESET, channel, value, user_id=user.id,
                              with_token=channel == Channel.EMAIL)
    link = public_url("accounts.reset_with_link", token=token) if token else None
    queue_message(event_key=f"password_reset:{row.id}", channel=channel, recipient=value,
                  template="password_reset", user_id=user.id, expires_at=row.expires_at,
                  params={"name": user.display_name, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
                  secret_params={"code": code, "link": link})


def use_reset_code(login: str, code: str) -> User:
    """The account whose live reset code this is; the code is used up. Anything else is `InvalidCode`."""
    user = find_by_login(login)
    row = None
    if user is not None and user.is_active:
        row = db.session.scalar(_live(select(AccountCode).where(
            AccountCode.user_id == user.id, AccountCode.purpose == CodePurpose.PASSWORD_RESET,
            AccountCode.recipient == normalise_login(login)[1],
        )).order_by(AccountCode.id.desc()).limit(1))
    row = _check_code(row, code)
    if user is None:  # cannot happen: no user, no row, and _check_code refused it
        raise InvalidCode()
    if row.channel == Channel.SMS:
        user.phone_verified_at = utcnow()  # the code reached this phone: the number is the owner's
    return user


def reset_link_is_live(token: str) -> bool:
    return _reset_row_for_token(token) is not None


def _reset_row_for_token(token: str) -> AccountCode | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(_live(select(AccountCode).where(
        AccountCode.token_hash == _digest(CodePurpose.PASSWORD_RESET, token),
        AccountCode.purpose == CodePurpose.PASSWORD_RESET,
    )))


def reset_with_link(token: str, new_password: str) -> User:
    row = _reset_row_for_token(token)
    if row is None:
        raise InvalidCode()
    _consume(row)
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise InvalidCode()
    set_password(user, new_password)
    return user


def reset_with_code(login: str, code: str, new_password: str) -> User:
    """A new password with a code from the owner's phone or e-mail; every login session of the account ends."""
    user = use_reset_code(login, code)
    set_password(user, new_password)
    return user


# ------------------------------------------------------------------ sign-up by phone
def start_phone_registration(display_name: str, phone: str, password: str, role: str = Role.BUYER) -> int:
    """Send a confirmation code to `phone`; the account is created by `confirm_phone_registration`.

    Returns the pending registration's id (kept in the browser's session). A number that already has an
    account gets an SMS saying so, and no code: the answer on screen is the same.
    """
    if role not in (Role.BUYER, Role.PRODUCER):
        raise InvalidInput(_("Vai trò không hợp lệ."))
    try:
        number = normalise_phone(phone)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    payload = {"display_name": (display_name or "").strip() or number,
               "password_hash": hash_password(password), "role": str(role)}
    row, code, _token = _issue(CodePurpose.PHONE_REGISTRATION, Channel.SMS, number, payload=payload)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    if find_by_login(number) is None:
        queue_message(event_key=f"phone_registration:{row.id}", channel=Channel.SMS, recipient=number,
                      template="phone_verification", expires_at=row.expires_at,
                      params={"minutes": minutes}, secret_params={"code": code})
    else:
        queue_message(event_key=f"phone_registration:{row.id}", channel=Channel.SMS, recipient=number,
                      template="phone_already_registered", expires_at=row.expires_at)
    return row.id


def confirm_phone_registration(registration_id: int | None, code: str) -> User:
    row = None
    if registration_id:
        row = db.session.scalar(_live(select(AccountCode).where(
            AccountCode.id == registration_id, AccountCode.purpose == CodePurpose.PHONE_REGISTRATION)))
    row = _check_code(row, code)
    payload = row.payload or {}
    if find_by_login(row.recipient) is not None:  # registered meanwhile (or this was never the owner's code)
        raise InvalidCode()
    user = User(phone=row.recipient, display_name=payload["display_name"], password_hash=payload["password_hash"],
                role=payload["role"], phone_verified_at=utcnow(), locale=registering_locale())
    db.session.add(user)
    db.session.flush()
    return user
