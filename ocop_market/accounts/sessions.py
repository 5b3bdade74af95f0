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

from flask import current_app
from sqlalchemy import delete, select

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


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the account of a live session whose version still matches, else None."""
    uid, _, rest = (user_id or "").partition(":")
    version, _, key = rest.partition(":")
    if not uid.isdigit() or not version.isdigit() or not key or len(key) > 64:
        return None
    user = db.session.scalar(
        select(User).join(LoginSession, LoginSession.user_id == User.id).where(
            User.id == int(uid), User.session_version == int(version),
            LoginSession.key_hash == _hash(key), LoginSession.expires_at > utcnow(),
        )
    )
    if user is not None:
        user.login_session_key = key
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
