"""Server-side login sessions: every sign-in opens a row, logout deletes it.

Flask's session cookie and Flask-Login's remember cookie are signed, not stored: a copy of either stays
valid for as long as its content matches. Both carry `User.get_id()` = "id:session_version:key", where the
key names one `LoginSession` row. The loader accepts a cookie only while that row exists and has not
expired, so logging out (one row gone), logging out everywhere and changing or resetting the password
(every row of the account gone, and the session version bumped) end those sessions for good.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, bindparam, delete, select

from ..extensions import db
from ..timeutil import utcnow
from .models import LoginSession, User


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _lifetime(remember: bool) -> dt.timedelta:
    cfg = current_app.config
    return cfg["REMEMBER_COOKIE_DURATION"] if remember else cfg["PERMANENT_SESSION_LIFETIME"]


def open_session(user: User, remember: bool = False) -> str:
    """A new login session for `user`; afterwards `user.get_id()` names it. Flushes only."""
    now = utcnow()
    # Expired rows of this account are of no use to anyone: tidy them while we are here.
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now))
    key = secrets.token_urlsafe(24)
    db.session.add(LoginSession(user_id=user.id, key_hash=_hash(key), remember=remember,
                                created_at=now, expires_at=now + _lifetime(remember)))
    db.session.flush()
    user.login_session_key = key
    return key


#: Facts about the signed-in person that every page's header shows (the cart badge, the hub area's link), asked for
#: in the loader's own statement: name -> a function of the users.id column giving a scalar subquery. Registered at
#: app creation by the domains that own the facts (accounts cannot import them), read with `carried`.
_carried: dict[str, Callable[[Any], ColumnElement]] = {}
CARRIED = "_carried"


def carry(name: str, subquery: Callable[[Any], ColumnElement]) -> None:
    _carried[name] = subquery
    _loader_statement.clear()


#: The loader's statement, built once per process with bound parameters: built anew for every request it cost
#: 1.5 ms of a signed-in page's CPU, most of it SQLAlchemy working out the statement's cache key, which a reused
#: statement keeps (0.2 ms, measured at 10,000 products; issue 15). Keyed by the carried facts' names.
_loader_statement: dict[tuple[str, ...], Select] = {}


def _loader_select(names: tuple[str, ...]) -> Select:
    stmt = _loader_statement.get(names)
    if stmt is None:
        stmt = _loader_statement[names] = (
            select(User, *(_carried[name](User.id).label(f"carried_{name}") for name in names))
            .join(LoginSession, LoginSession.user_id == User.id).where(
                User.id == bindparam("uid"), User.session_version == bindparam("version"),
                LoginSession.key_hash == bindparam("key_hash"), LoginSession.expires_at > bindparam("now")))
    return stmt


def carried(user: Any, name: str) -> Any:
    """The fact `name` as the loader read it for this request, or None when it was not read (a user object that
    did not come from the loader, or one whose fact `forget` dropped after a change)."""
    return getattr(user, "__dict__", {}).get(CARRIED, {}).get(name)


def forget(user: Any, name: str) -> None:
    """The request changed the fact (a cart line added): the next read asks the database."""
    getattr(user, "__dict__", {}).get(CARRIED, {}).pop(name, None)


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the account of a live session whose version still matches, else None. One
    statement: the account, its login session and the carried facts together (issue 15: a signed-in page costs
    one statement more than an anonymous one, not three)."""
    uid, _, rest = (user_id or "").partition(":")
    version, _, key = rest.partition(":")
    if not uid.isdigit() or not version.isdigit() or not key or len(key) > 64:
        return None
    names = tuple(_carried)
    row = db.session.execute(_loader_select(names), {
        "uid": int(uid), "version": int(version), "key_hash": _hash(key), "now": utcnow()}).first()
    if row is None:
        return None
    user = row[0]
    user.login_session_key = key
    user.__dict__[CARRIED] = dict(zip(names, row[1:], strict=True))
    return user


def end_session(user: User) -> None:
    """Log out this browser: its row goes, so every copy of its cookies is worthless."""
    if user.login_session_key:
        db.session.execute(delete(LoginSession).where(LoginSession.key_hash == _hash(user.login_session_key)))
    user.login_session_key = None


def end_all_sessions(user: User) -> None:
    """Every browser of the account is signed out; the session version moves on as a second lock."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.session_version += 1
    user.login_session_key = None
