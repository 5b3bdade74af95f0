"""Accounts: sign-up, sign-in by email or mobile number, sessions, password change, login limits.

These tests make requests without the `ctx` fixture on purpose: while a test holds an app context, the
test client reuses it, so `g` (Flask-Login's cached user, Flask-WTF's token) would leak from one
request into the next and hide exactly the session bugs tested here. Database work runs in `db_ctx`.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from ocop_market.accounts import services
from ocop_market.accounts.models import LoginSession, User
from ocop_market.extensions import db
from ocop_market.timeutil import utcnow
from tests.conftest import csrf_from, make_user

LOGIN = "/tai-khoan/dang-nhap"
REGISTER = "/tai-khoan/dang-ky"
PASSWORD_PAGE = "/tai-khoan/doi-mat-khau"
BAD_CREDENTIALS = "Thông tin đăng nhập không đúng."


@pytest.fixture
def db_ctx(app):
    """Short app contexts for setup and checks, never held across a request."""

    class _Db:
        def __call__(self):
            return app.app_context()

        def user(self, login, **kw):
            with app.app_context():
                return make_user(login, **kw).id

        def scalar(self, stmt):
            with app.app_context():
                value = db.session.scalar(stmt)
                db.session.expunge_all()
                return value

    return _Db()


def token(client, url=LOGIN) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def post_login(client, login, password="secret-pass-1", remember=False, next_url=None, **kw):
    data = {"login": login, "password": password, "csrf_token": token(client)}
    if remember:
        data["remember"] = "y"
    if next_url is not None:
        data["next"] = next_url
    return client.post(LOGIN, data=data, **kw)


def post_register(client, login, password="mat-khau-123", name="Nông Thị Lan", producer=False):
    data = {"display_name": name, "login": login, "password": password, "confirm": password,
            "csrf_token": token(client, REGISTER)}
    if producer:
        data["is_producer"] = "y"
    return client.post(REGISTER, data=data)


def cookie(client, name):
    c = client.get_cookie(name)
    return c.value if c else None


def replay(app, **cookies):
    """A new browser that only carries copied cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value, domain="localhost")
    return other


def is_signed_in(client) -> bool:
    resp = client.get(PASSWORD_PAGE)
    if resp.status_code == 302:
        assert resp.headers["Location"].startswith(LOGIN)
        return False
    assert resp.status_code == 200
    return True


# ---------------------------------------------------------------- registration
def test_register_by_email_ends_signed_in(client, db_ctx):
    resp = post_register(client, "Lan.Nong@Example.VN")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Chào mừng Nông Thị Lan! Tài khoản đã được tạo và bạn đã đăng nhập." in home
    assert is_signed_in(client)
    user = db_ctx.scalar(select(User).where(User.email == "lan.nong@example.vn"))
    assert user is not None and user.role == "buyer" and user.phone is None
    assert user.password_hash.startswith("scrypt:") and "mat-khau-123" not in user.password_hash
    # The password typed works on the next visit, too.
    client.post("/tai-khoan/dang-xuat", data={"csrf_token": token(client, "/")})
    resp = post_login(client, "lan.nong@example.vn", "mat-khau-123")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_register_goes_back_where_the_buyer_came_from(client):
    page = client.get(REGISTER + "?next=/gio-hang").get_data(as_text=True)
    assert 'name="next" value="/gio-hang"' in page
    data = {"display_name": "Lan", "login": "lan@example.vn", "password": "mat-khau-123", "confirm": "mat-khau-123",
            "next": "/gio-hang", "csrf_token": csrf_from(page)}
    assert client.post(REGISTER, data=data).headers["Location"] == "/gio-hang"
    # Somewhere else is never a place to go after signing up.
    other = client.application.test_client()
    page = other.get(REGISTER + "?next=//evil.example").get_data(as_text=True)
    assert 'name="next"' not in page


def test_register_page_speaks_to_a_first_timer(client):
    page = client.get(REGISTER).get_data(as_text=True)
    assert "Xong là bạn đăng nhập luôn và mua hàng được ngay." in page
    assert "Ít nhất 8 ký tự." in page and 'href="/tai-khoan/dang-nhap"' in page


@pytest.mark.parametrize("typed", ["0123456789", "091234567", "+1 555 123 4567", "abc", "a@b", "٠٩١٢٣٤٥٦٧٨"])
def test_register_refuses_invalid_login_with_a_message(client, db_ctx, typed):
    resp = post_register(client, typed)
    assert resp.status_code == 200
    assert "không hợp lệ" in resp.get_data(as_text=True)
    assert db_ctx.scalar(select(func.count()).select_from(User)) == 0


def test_register_form_errors_are_vietnamese(client):
    data = {"display_name": "", "login": "x@example.vn", "password": "ngan", "confirm": "khac",
            "csrf_token": token(client, REGISTER)}
    html = client.post(REGISTER, data=data).get_data(as_text=True)
    assert "Vui lòng nhập họ tên." in html and "Mật khẩu cần từ 8 ký tự." in html and "Hai mật khẩu không khớp." in html


def test_register_existing_account_signs_nobody_in_and_points_to_the_reset(client, db_ctx):
    db_ctx.user("hoa@example.vn", password="mat-khau-cu-1")
    existing = post_register(client, "HOA@example.vn", password="mat-khau-moi-2")
    assert existing.status_code == 302 and existing.headers["Location"] == LOGIN
    page = client.get(LOGIN).get_data(as_text=True)
    assert "Nếu bạn đã có tài khoản, hãy đăng nhập bằng mật khẩu cũ" in page
    assert "“Quên mật khẩu?”" in page and 'href="/tai-khoan/quen-mat-khau"' in page
    assert not is_signed_in(client)
    # Nothing about the existing account changed: the old password works, the one typed does not.
    assert db_ctx.scalar(select(func.count()).select_from(User).where(User.email == "hoa@example.vn")) == 1
    assert post_login(client, "hoa@example.vn", "mat-khau-moi-2").status_code == 200
    assert post_login(client, "hoa@example.vn", "mat-khau-cu-1").status_code == 302


def test_equal_passwords_hash_differently(ctx):
    a = make_user("a@example.vn", password="cung-mat-khau")
    b = make_user("b@example.vn", password="cung-mat-khau")
    assert a.password_hash != b.password_hash
    assert a.password_hash.startswith("scrypt:")


# ---------------------------------------------------------------- sign-in
def test_unknown_user_and_wrong_password_look_the_same(client, db_ctx):
    db_ctx.user("hoa@example.vn")
    unknown = post_login(client, "khong-co@example.vn", "sai-mat-khau")
    wrong = post_login(client, "hoa@example.vn", "sai-mat-khau")
    assert unknown.status_code == wrong.status_code == 200

    def normalise(resp, typed):
        html = resp.get_data(as_text=True).replace(typed, "LOGIN")
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)

    assert BAD_CREDENTIALS in unknown.get_data(as_text=True)
    assert normalise(unknown, "khong-co@example.vn") == normalise(wrong, "hoa@example.vn")
    assert not is_signed_in(client)


def test_inactive_account_cannot_sign_in(client, db_ctx):
    db_ctx.user("hoa@example.vn", active=False)
    resp = post_login(client, "hoa@example.vn")
    assert resp.status_code == 200 and BAD_CREDENTIALS in resp.get_data(as_text=True)


def test_deactivated_account_loses_its_open_session(client, db_ctx):
    uid = db_ctx.user("hoa@example.vn")
    post_login(client, "hoa@example.vn")
    assert is_signed_in(client)
    with db_ctx():
        db.session.get(User, uid).active = False
        db.session.commit()
    assert not is_signed_in(client)


def test_login_starts_a_new_session(client, db_ctx):
    uid = db_ctx.user("hoa@example.vn")
    client.get(LOGIN)
    with client.session_transaction() as sess:
        sess["planted"] = "attacker"
    before = cookie(client, "session")
    assert before
    assert post_login(client, "hoa@example.vn").status_code == 302
    after = cookie(client, "session")
    assert after and after != before
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{uid}:1:")  # id, session version, login session key


def test_landing_page_by_role(client, db_ctx):
    db_ctx.user("canbo@example.vn", role="staff")
    assert post_login(client, "canbo@example.vn").headers["Location"] == "/quan-tri/"


def test_login_page_keeps_only_a_safe_next(client):
    html = client.get(LOGIN + "?next=/san-pham").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/san-pham">' in html
    html = client.get(LOGIN + "?next=//evil.com").get_data(as_text=True)
    assert 'name="next"' not in html


def test_protected_page_sends_anonymous_to_login_and_back(client, db_ctx):
    db_ctx.user("hoa@example.vn")
    resp = client.get(PASSWORD_PAGE)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith(LOGIN) and "next=" in location
    resp = client.get(location)
    assert resp.status_code == 200 and "Vui lòng đăng nhập để tiếp tục." in resp.get_data(as_text=True)
    resp = client.post(location, data={"login": "hoa@example.vn", "password": "secret-pass-1",
                                       "csrf_token": csrf_from(resp.get_data(as_text=True))})
    assert resp.headers["Location"] == PASSWORD_PAGE


# ---------------------------------------------------------------- sign-out, everywhere, password change
def test_logout_signs_out(client, db_ctx):
    db_ctx.user("hoa@example.vn")
    post_login(client, "hoa@example.vn")
    assert is_signed_in(client)
    resp = client.post("/tai-khoan/dang-xuat", data={"csrf_token": token(client, "/")})
    assert resp.status_code == 302
    assert not is_signed_in(client)


def test_logout_ends_the_session_and_a_copied_cookie_fails(app, client, db_ctx):
    """Issue 10 §2: a copy of a plain session cookie taken before logout opens nothing afterwards."""
    db_ctx.user("hoa@example.vn")
    post_login(client, "hoa@example.vn")
    copied = cookie(client, "session")
    # The copy works while the session stands (so this test can fail)...
    assert is_signed_in(replay(app, session=copied))
    client.post("/tai-khoan/dang-xuat", data={"csrf_token": token(client, "/")})
    # ...and after logout it ends at the login page, on the orders page too.
    thief = replay(app, session=copied)
    resp = thief.get("/don-hang")
    assert resp.status_code == 302 and resp.headers["Location"].startswith(LOGIN)
    assert not is_signed_in(thief)
    assert db_ctx.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_logout_on_one_device_keeps_the_others_signed_in(app, client, db_ctx):
    db_ctx.user("hoa@example.vn")
    phone = app.test_client()
    post_login(phone, "hoa@example.vn", remember=True)
    post_login(client, "hoa@example.vn", remember=True)
    remembered_here = cookie(client, "remember_token")
    client.post("/tai-khoan/dang-xuat", data={"csrf_token": token(client, "/")})
    assert not is_signed_in(replay(app, remember_token=remembered_here))
    assert is_signed_in(phone)
    assert is_signed_in(replay(app, remember_token=cookie(phone, "remember_token")))


def test_a_session_restored_from_remember_me_ends_with_its_cookie_at_logout(app, db_ctx):
    """The remember cookie restores the very session it was issued with, so logging out of the restored
    session also makes the remember cookie (and any copy) worthless."""
    db_ctx.user("hoa@example.vn")
    first = app.test_client()
    post_login(first, "hoa@example.vn", remember=True)
    remembered = cookie(first, "remember_token")
    restored = replay(app, remember_token=remembered)
    assert is_signed_in(restored)
    restored.post("/tai-khoan/dang-xuat", data={"csrf_token": token(restored, "/")})
    assert not is_signed_in(replay(app, remember_token=remembered))
    assert not is_signed_in(first)  # the same login session: it is over everywhere it was carried


def test_an_expired_login_session_no_longer_signs_in(app, client, db_ctx):
    db_ctx.user("hoa@example.vn")
    post_login(client, "hoa@example.vn")
    assert is_signed_in(client)
    with db_ctx():
        db.session.execute(update(LoginSession).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    assert not is_signed_in(client)


def test_a_forged_or_old_style_user_id_is_refused(app, db_ctx):
    uid = db_ctx.user("hoa@example.vn")
    for forged in (f"{uid}:1", f"{uid}:1:", f"{uid}:1:made-up-key", "x:1:k", f"{uid}:one:k"):
        c = app.test_client()
        with c.session_transaction() as sess:
            sess["_user_id"] = forged
            sess["_fresh"] = True
        assert not is_signed_in(c), forged


def test_logout_clears_remember_cookie_and_a_copy_of_it_fails(app, client, db_ctx):
    db_ctx.user("hoa@example.vn")
    post_login(client, "hoa@example.vn", remember=True)
    remembered = cookie(client, "remember_token")
    assert remembered
    # The copied cookie alone signs in while the login stands (so this test can fail)...
    assert is_signed_in(replay(app, remember_token=remembered))
    resp = client.post("/tai-khoan/dang-xuat", data={"csrf_token": token(client, "/")})
    set_cookies = resp.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=;") and "Expires=Thu, 01 Jan 1970" in c for c in set_cookies)
    assert cookie(client, "remember_token") is None
    assert not is_signed_in(client)
    # ...and after logout the copy is worthless.
    assert not is_signed_in(replay(app, remember_token=remembered))


def test_logout_everywhere_invalidates_old_cookies(app, client, db_ctx):
    db_ctx.user("hoa@example.vn")
    other_device = app.test_client()
    post_login(other_device, "hoa@example.vn", remember=True)
    stolen = {"session": cookie(other_device, "session"), "remember_token": cookie(other_device, "remember_token")}
    post_login(client, "hoa@example.vn")
    old_here = cookie(client, "session")
    assert is_signed_in(replay(app, **stolen))
    assert is_signed_in(replay(app, session=old_here))

    page = client.get(PASSWORD_PAGE).get_data(as_text=True)
    resp = client.post("/tai-khoan/dang-xuat-moi-noi", data={"csrf_token": csrf_from(page)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(LOGIN)
    assert not is_signed_in(client)
    assert not is_signed_in(other_device)
    assert not is_signed_in(replay(app, **stolen))
    assert not is_signed_in(replay(app, session=old_here))
    assert not is_signed_in(replay(app, session=stolen["session"]))


def test_change_password_keeps_this_device_and_signs_out_the_others(app, client, db_ctx):
    db_ctx.user("hoa@example.vn", password="mat-khau-cu-1")
    other_device = app.test_client()
    post_login(other_device, "hoa@example.vn", "mat-khau-cu-1", remember=True)
    post_login(client, "hoa@example.vn", "mat-khau-cu-1")
    old_cookie = cookie(client, "session")
    assert is_signed_in(other_device)

    page = client.get(PASSWORD_PAGE).get_data(as_text=True)
    resp = client.post(PASSWORD_PAGE, data={"current_password": "mat-khau-cu-1", "new_password": "mat-khau-moi-2",
                                            "confirm": "mat-khau-moi-2", "csrf_token": csrf_from(page)},
                       follow_redirects=True)
    assert resp.status_code == 200 and "Đã đổi mật khẩu" in resp.get_data(as_text=True)
    assert is_signed_in(client)
    assert not is_signed_in(other_device)
    assert not is_signed_in(replay(app, session=old_cookie))

    fresh = app.test_client()
    assert post_login(fresh, "hoa@example.vn", "mat-khau-cu-1").status_code == 200
    assert post_login(fresh, "hoa@example.vn", "mat-khau-moi-2").status_code == 302


def test_change_password_refuses_a_wrong_current_password(client, db_ctx):
    uid = db_ctx.user("hoa@example.vn")
    post_login(client, "hoa@example.vn")
    page = client.get(PASSWORD_PAGE).get_data(as_text=True)
    resp = client.post(PASSWORD_PAGE, data={"current_password": "doan-bua", "new_password": "mat-khau-moi-2",
                                            "confirm": "mat-khau-moi-2", "csrf_token": csrf_from(page)})
    assert resp.status_code == 200 and "Mật khẩu hiện tại không đúng." in resp.get_data(as_text=True)
    assert db_ctx.scalar(select(User.session_version).where(User.id == uid)) == 1
    assert is_signed_in(client)
    with db_ctx():
        assert services.authenticate("hoa@example.vn", "secret-pass-1") is not None


# ---------------------------------------------------------------- login limits
def _vietnamese_429(resp):
    assert resp.status_code == 429
    html = resp.get_data(as_text=True)
    assert "Quá nhiều yêu cầu" in html and "Bạn đã thử quá nhiều lần" in html and "Traceback" not in html
    assert "Retry-After" in resp.headers


def test_login_attempts_are_limited_per_account_and_address(app, client, db_ctx):
    db_ctx.user("hoa@example.vn")
    db_ctx.user("lan@example.vn")
    for _ in range(10):  # "10 per minute" in the default LOGIN_RATE_LIMIT, failed attempts only
        assert post_login(client, "hoa@example.vn", "doan-bua").status_code == 200
    _vietnamese_429(post_login(client, "hoa@example.vn", "doan-bua"))
    # Another account from this address, and this account from another address, are not affected.
    assert post_login(app.test_client(), "lan@example.vn").status_code == 302
    other = app.test_client()
    resp = post_login(other, "hoa@example.vn", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert resp.status_code == 302


def test_login_attempts_are_limited_per_account_across_addresses(app, db_ctx):
    """The slower ceiling (LOGIN_ACCOUNT_RATE_LIMIT, 30 per hour): guesses spread over many addresses."""
    db_ctx.user("0912345678")
    db_ctx.user("lan@example.vn")
    for i in range(30):
        typed = "0912345678" if i % 2 else "+84912345678"  # both spellings count for the one account
        c = app.test_client()
        resp = post_login(c, typed, "doan-bua", environ_base={"REMOTE_ADDR": f"10.0.1.{i}"})
        assert resp.status_code == 200
    # A fresh address in a browser the account never used is refused for now, even with the right password...
    c = app.test_client()
    locked = post_login(c, "0912345678", "secret-pass-1", environ_base={"REMOTE_ADDR": "10.0.2.1"})
    _vietnamese_429(locked)
    # ...and offered the way back in: a code to the owner's phone or e-mail.
    assert 'href="/tai-khoan/quen-mat-khau"' in locked.get_data(as_text=True)
    # Another account from a fresh address still signs in.
    c = app.test_client()
    assert post_login(c, "lan@example.vn", environ_base={"REMOTE_ADDR": "10.0.2.2"}).status_code == 302
