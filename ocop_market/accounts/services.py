"""Account use cases: register, authenticate, change the password, log out everywhere."""
from __future__ import annotations

import re

from flask import current_app, has_request_context
from flask_babel import get_babel
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..places import Commune
from ..timeutil import utcnow
from . import sessions
from .models import MESSAGE_LOCALES, Role, User

# Vietnamese mobile numbers: 0912345678, +84912345678 or 84912345678; stored as +84912345678.
PHONE_RE = re.compile(r"^(0|\+84|84)[35789][0-9]{8}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The method comes from the configuration (PASSWORD_HASH_METHOD: werkzeug's scrypt, n=2^15, r=8, p=1, about
# 0.15 s of CPU a hash here); only the test suite lowers it, where hundreds of accounts are made and signed in.
_dummy_hashes: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    """Checked against when the account does not exist, so both paths cost one verification of the same cost."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hashes[method]


def normalise_phone(raw: str) -> str:
    compact = re.sub(r"[\s.\-()]", "", raw or "")
    if not PHONE_RE.fullmatch(compact):
        raise ValueError(_("Số điện thoại di động không hợp lệ (10 số, ví dụ 0912345678)."))
    if compact.startswith("0"):
        return "+84" + compact[1:]
    return compact if compact.startswith("+") else "+" + compact


def normalise_login(raw: str) -> tuple[str, str]:
    """Return ("email", value) or ("phone", value) for what a user typed."""
    value = (raw or "").strip()
    if "@" in value:
        if not EMAIL_RE.fullmatch(value) or len(value) > 254:
            raise ValueError(_("Địa chỉ email không hợp lệ."))
        return "email", value.lower()
    return "phone", normalise_phone(value)


def find_by_login(raw: str) -> User | None:
    try:
        kind, value = normalise_login(raw)
    except ValueError:
        return None
    column = User.email if kind == "email" else User.phone
    return db.session.scalar(select(User).where(column == value))


def login_key(raw: str) -> str:
    """The account a login attempt aims at, for counting attempts per account (0912… and +84912… alike)."""
    try:
        return ":".join(normalise_login(raw))
    except ValueError:
        return (raw or "").strip().lower()[:254]


def registering_locale() -> str:
    """The language a new account's messages start in: the one its owner is reading the site in (Vietnamese from
    a shell: `users create`, the seeds)."""
    if not has_request_context():
        return "vi"
    # The app's locale selector itself, not get_locale(): that caches its answer on `g`, and an app context shared
    # by several requests (a test's, a shell's) would then pin one request's language on the next, or this one's.
    selector = get_babel().locale_selector
    chosen = str(selector()) if selector is not None else ""
    return chosen if chosen in MESSAGE_LOCALES else "vi"


def set_message_locale(user: User, locale: str) -> bool:
    """Write the person's messages in this language from now on; False (nothing changed) for one we do not write."""
    if locale not in MESSAGE_LOCALES:
        return False
    if user.locale != locale:
        user.locale = locale
        db.session.flush()
    return True


def register(display_name: str, login: str, password: str, role: str = Role.BUYER,
             commune: Commune | None = None) -> User:
    """Create an account. An existing email/phone raises Conflict (the view must not reveal which). A commune
    officer's account needs its `commune` (and belongs to that commune's province)."""
    if role not in set(Role):
        raise InvalidInput(_("Vai trò không hợp lệ."))
    if (role == Role.COMMUNE_OFFICER) != (commune is not None):
        raise InvalidInput(_("Tài khoản cán bộ xã cần chọn xã; vai trò khác không gắn với xã."))
    try:
        kind, value = normalise_login(login)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    # Hash first: an existing account costs the same time as a new one.
    password_hash = hash_password(password)
    if find_by_login(login) is not None:
        raise Conflict(_("Không thể tạo tài khoản với thông tin này."))
    user = User(
        display_name=(display_name or "").strip() or value,
        password_hash=password_hash,
        role=role,
        commune_id=commune.id if commune is not None else None,
        province_id=commune.province_id if commune is not None else None,
        locale=registering_locale(),
        **{kind: value},
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:  # registered by a concurrent request in between
        raise Conflict(_("Không thể tạo tài khoản với thông tin này.")) from exc
    return user


def authenticate(login: str, password: str) -> User | None:
    """The user for these credentials, or None — the same None for an unknown account and a wrong password."""
    user = find_by_login(login)
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, current_password or ""):
        raise InvalidInput(_("Mật khẩu hiện tại không đúng."))
    set_password(user, new_password)


def set_password(user: User, password: str) -> None:
    """New hash, and every login session ends: no cookie issued before works any more."""
    user.password_hash = hash_password(password)
    sessions.end_all_sessions(user)


def log_out_everywhere(user: User) -> None:
    sessions.end_all_sessions(user)


def users_by_id(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def may_appoint_in(actor: User | None, commune: Commune) -> bool:
    """Admin names a commune officer anywhere; province staff only for a commune of their province."""
    if actor is None:
        return False
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.STAFF and actor.province_id is not None and actor.province_id == commune.province_id


def create_commune_officer(actor: User, display_name: str, login: str, password: str, commune: Commune) -> User:
    """A commune officer's account (cán bộ xã), made by admin or the province's staff: it sees and changes only
    `commune`'s records. Audited; the password is the one the creator hands over (the officer changes it)."""
    if not may_appoint_in(actor, commune):
        raise NotAllowed(_("Bạn chỉ tạo được tài khoản cán bộ xã cho các xã thuộc tỉnh của mình."))
    if len(password or "") < 8:
        raise InvalidInput(_("Mật khẩu cần từ 8 ký tự."))
    user = register(display_name, login, password, Role.COMMUNE_OFFICER, commune=commune)
    audit.record(actor.id, "user.create_commune_officer", "user", user.id, commune_code=commune.code)
    return user


def commune_officers(actor: User) -> list[User]:
    """The commune officers the actor may see: all for admin, their province's for staff."""
    q = select(User).where(User.role == Role.COMMUNE_OFFICER).order_by(User.province_id, User.commune_id, User.id)
    if actor.role != Role.ADMIN:
        q = q.where(User.province_id == (actor.province_id or -1))
    return list(db.session.scalars(q))
