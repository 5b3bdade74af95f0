"""Account use cases: register, authenticate, log out everywhere."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..timeutil import utcnow
from .models import Role, User

PHONE_RE = re.compile(r"^(0|\+84)(3|5|7|8|9)\d{8}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked against when the account does not exist, so both paths cost one scrypt verification.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_phone(raw: str) -> str:
    compact = re.sub(r"[\s.\-()]", "", raw or "")
    if not PHONE_RE.match(compact):
        raise ValueError(_("Số điện thoại di động không hợp lệ (10 số, ví dụ 0912345678)."))
    return "+84" + compact[1:] if compact.startswith("0") else compact


def normalise_login(raw: str) -> tuple[str, str]:
    """Return ("email", value) or ("phone", value) for what a user typed."""
    value = (raw or "").strip()
    if "@" in value:
        if not EMAIL_RE.match(value) or len(value) > 254:
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


def register(display_name: str, login: str, password: str, role: str = Role.BUYER) -> User:
    if role not in set(Role):
        raise InvalidInput(_("Vai trò không hợp lệ."))
    kind, value = normalise_login(login)
    if find_by_login(login) is not None:
        raise Conflict(_("Không thể tạo tài khoản với thông tin này."))
    user = User(
        display_name=display_name.strip(),
        password_hash=generate_password_hash(password),
        role=role,
        **{kind: value},
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(login: str, password: str) -> User | None:
    user = find_by_login(login)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password)
    user.session_version += 1


def log_out_everywhere(user: User) -> None:
    user.session_version += 1
