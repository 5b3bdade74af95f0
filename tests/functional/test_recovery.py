"""Account recovery and phone verification (issue 12 §4), with the codes read from what really arrives at the
loopback SMTP server and SMS gateway. Requests run without a held app context (see test_accounts.py)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, text, update

from ocop_market.accounts.models import AccountCode, LoginSession, User
from ocop_market.accounts.recovery import CODE_LIFETIME
from ocop_market.extensions import db
from ocop_market.messaging.models import OutboundMessage
from ocop_market.timeutil import utcnow
from tests.conftest import csrf_from, make_user
from tests.functional.test_accounts import cookie, is_signed_in, post_login, replay, token

FORGOT = "/tai-khoan/quen-mat-khau"
RESET = "/tai-khoan/dat-lai-mat-khau"
REGISTER = "/tai-khoan/dang-ky"
VERIFY = "/tai-khoan/xac-nhan-so-dien-thoai"
INVALID_CODE = "Mã không đúng hoặc đã hết hạn."
SENT_NOTICE = "Nếu email hoặc số điện thoại này có tài khoản"


@pytest.fixture
def app_config(request, channels_config):
    return {**channels_config, **getattr(request, "param", {})}


@pytest.fixture
def dbx(app):
    class _Db:
        def user(self, login, **kw):
            with app.app_context():
                return make_user(login, **kw).id

        def scalar(self, stmt):
            with app.app_context():
                value = db.session.scalar(stmt)
                db.session.expunge_all()
                return value

        def execute(self, stmt):
            with app.app_context():
                db.session.execute(stmt)
                db.session.commit()

    return _Db()


def ask_reset(client, login, **kw):
    return client.post(FORGOT, data={"login": login, "csrf_token": token(client, FORGOT)}, **kw)


def reset_by_code(client, login, code, password="mat-khau-moi-2", **kw):
    return client.post(RESET, data={"login": login, "code": code, "new_password": password, "confirm": password,
                                    "csrf_token": token(client, RESET)}, **kw)


def code_in(text_: str) -> str:
    m = re.search(r"\b(\d{6})\b", text_)
    assert m, f"no code in {text_!r}"
    return m.group(1)


def link_in(text_: str) -> str:
    m = re.search(r"https?://\S+/tai-khoan/dat-lai-mat-khau/\S+", text_)
    assert m, f"no reset link in {text_!r}"
    return m.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


# ---------------------------------------------------------------- reset by e-mail link
def test_reset_by_email_link_sets_the_password_and_ends_every_session(app, client, dbx, smtp_server):
    dbx.user("hoa@example.vn", password="mat-khau-cu-1")
    other_device = app.test_client()
    post_login(other_device, "hoa@example.vn", "mat-khau-cu-1", remember=True)
    remembered = cookie(other_device, "remember_token")
    assert is_signed_in(other_device)

    resp = ask_reset(client, "HOA@example.vn")
    assert resp.status_code == 302 and resp.headers["Location"] == RESET
    assert len(smtp_server.mails) == 1
    mail = smtp_server.mails[0]
    assert mail.rcpt_tos == ["hoa@example.vn"] and mail.subject == "Chợ OCOP: đặt lại mật khẩu"
    assert "trong 30 phút" in mail.text
    link = link_in(mail.text)
    assert link.startswith("http://localhost/tai-khoan/dat-lai-mat-khau/")

    page = client.get(path_of(link))
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    resp = client.post(path_of(link), data={"new_password": "mat-khau-moi-2", "confirm": "mat-khau-moi-2",
                                            "csrf_token": csrf_from(page.get_data(as_text=True))},
                       follow_redirects=True)
    assert "Đã đặt lại mật khẩu" in resp.get_data(as_text=True)
    # Every session ended: the other device, and a copy of its remember-me cookie.
    assert not is_signed_in(other_device)
    assert not is_signed_in(replay(app, remember_token=remembered))
    assert dbx.scalar(select(func.count()).select_from(LoginSession)) == 0
    fresh = app.test_client()
    assert post_login(fresh, "hoa@example.vn", "mat-khau-cu-1").status_code == 200
    assert post_login(fresh, "hoa@example.vn", "mat-khau-moi-2").status_code == 302
    # Single use: the link is dead now, and so is the code that came with it.
    assert client.get(path_of(link)).status_code == 410
    resp = reset_by_code(app.test_client(), "hoa@example.vn", code_in(mail.text), "mat-khau-moi-3")
    assert resp.status_code == 200 and INVALID_CODE in resp.get_data(as_text=True)


def test_the_emailed_code_works_without_the_link(app, client, dbx, smtp_server):
    dbx.user("hoa@example.vn", password="mat-khau-cu-1")
    ask_reset(client, "hoa@example.vn")
    resp = reset_by_code(client, "hoa@example.vn", code_in(smtp_server.mails[0].text))
    assert resp.status_code == 302 and resp.headers["Location"] == "/tai-khoan/dang-nhap"
    assert post_login(app.test_client(), "hoa@example.vn", "mat-khau-moi-2").status_code == 302


@pytest.mark.parametrize("app_config", [{"PUBLIC_URL": "https://cho-ocop.example.vn/"}], indirect=True)
def test_the_reset_link_uses_public_url(client, dbx, smtp_server):
    dbx.user("hoa@example.vn")
    ask_reset(client, "hoa@example.vn")
    assert link_in(smtp_server.mails[0].text).startswith("https://cho-ocop.example.vn/tai-khoan/dat-lai-mat-khau/")


def test_production_never_takes_the_link_host_from_the_request(app):
    from ocop_market.messaging.links import public_url

    app.config["ENV_NAME"] = "production"
    with app.test_request_context("/", base_url="http://evil.example"):
        assert public_url("accounts.reset_with_link", token="t") is None
        app.config["PUBLIC_URL"] = "https://cho-ocop.example.vn"
        assert public_url("accounts.reset_with_link", token="t") == \
            "https://cho-ocop.example.vn/tai-khoan/dat-lai-mat-khau/t"


# ---------------------------------------------------------------- reset by SMS code
def test_reset_by_sms_code(app, client, dbx, sms_gateway):
    uid = dbx.user("0912345678", password="mat-khau-cu-1")
    resp = ask_reset(client, "091 234 5678")
    assert resp.status_code == 302
    assert [m.to for m in sms_gateway.messages] == ["+84912345678"]
    sms = sms_gateway.messages[0].text
    assert re.fullmatch(r"Cho OCOP: ma dat lai mat khau cua ban la \d{6}, dung trong 30 phut\. "
                        r"Khong dua ma nay cho ai\.", sms), sms
    # The code page remembers what was typed.
    assert 'value="091 234 5678"' in client.get(RESET).get_data(as_text=True)
    resp = reset_by_code(client, "+84912345678", code_in(sms)[:3] + " " + code_in(sms)[3:])
    assert resp.status_code == 302
    assert post_login(app.test_client(), "0912345678", "mat-khau-moi-2").status_code == 302
    assert dbx.scalar(select(User.phone_verified_at).where(User.id == uid)) is not None
    # Used once.
    assert INVALID_CODE in reset_by_code(client, "0912345678", code_in(sms), "mat-khau-moi-3").get_data(as_text=True)


def test_codes_and_links_are_not_kept_in_clear(app, client, dbx, smtp_server):
    dbx.user("hoa@example.vn")
    ask_reset(client, "hoa@example.vn")
    mail = smtp_server.mails[0].text
    secrets_sent = (code_in(mail), link_in(mail).rsplit("/", 1)[1])
    with app.app_context():
        rows = [tuple(map(str, r)) for table in ("account_codes", "outbound_messages")
                for r in db.session.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608 - fixed names
    assert rows and not [r for r in rows for s in secrets_sent if any(s in cell for cell in r)]
    assert dbx.scalar(select(OutboundMessage.secret_params)) is None


def test_a_code_lives_30_minutes(client, dbx, sms_gateway):
    dbx.user("0912345678")
    ask_reset(client, "0912345678")
    row = dbx.scalar(select(AccountCode))
    assert row.expires_at - row.created_at == CODE_LIFETIME == dt.timedelta(minutes=30)
    dbx.execute(update(AccountCode).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    resp = reset_by_code(client, "0912345678", code_in(sms_gateway.messages[0].text))
    assert INVALID_CODE in resp.get_data(as_text=True)


def test_five_wrong_codes_void_the_code(client, dbx, sms_gateway):
    dbx.user("0912345678")
    ask_reset(client, "0912345678")
    right = code_in(sms_gateway.messages[0].text)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(5):
        assert INVALID_CODE in reset_by_code(client, "0912345678", wrong).get_data(as_text=True)
    assert dbx.scalar(select(AccountCode.failed_attempts)) == 5
    assert INVALID_CODE in reset_by_code(client, "0912345678", right).get_data(as_text=True)


def test_a_new_request_voids_the_earlier_code(client, dbx, sms_gateway):
    dbx.user("0912345678")
    ask_reset(client, "0912345678")
    ask_reset(client, "0912345678")
    first, second = (code_in(m.text) for m in sms_gateway.messages)
    if first != second:
        assert INVALID_CODE in reset_by_code(client, "0912345678", first).get_data(as_text=True)
    assert reset_by_code(client, "0912345678", second).status_code == 302


def test_a_code_for_one_account_does_not_reset_another(client, dbx, sms_gateway):
    dbx.user("0912345678")
    other = dbx.user("0987654321", password="mat-khau-cu-1")
    ask_reset(client, "0912345678")
    resp = reset_by_code(client, "0987654321", code_in(sms_gateway.messages[0].text))
    assert INVALID_CODE in resp.get_data(as_text=True)
    assert dbx.scalar(select(User.session_version).where(User.id == other)) == 1


def test_bad_code_input_is_a_form_error(client, dbx):
    for typed in ("12345", "abcdef", "1234567", "١٢٣٤٥٦"):
        resp = reset_by_code(client, "0912345678", typed)
        assert resp.status_code == 200 and "Mã gồm 6 chữ số." in resp.get_data(as_text=True), typed


# ---------------------------------------------------------------- no enumeration, rate limits
def _page_after(client, resp) -> str:
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    return re.sub(r'value="[^"]*"', "", html)


def test_reset_answers_alike_for_unknown_and_known_accounts(app, dbx, smtp_server, sms_gateway):
    dbx.user("hoa@example.vn")
    dbx.user("0912345678")
    for known, unknown in (("hoa@example.vn", "khong-co@example.vn"), ("0912345678", "0987654321")):
        a, b = app.test_client(), app.test_client()
        ra, rb = ask_reset(a, known), ask_reset(b, unknown)
        assert (ra.status_code, ra.headers["Location"]) == (rb.status_code, rb.headers["Location"])
        page_a, page_b = _page_after(a, ra), _page_after(b, rb)
        assert SENT_NOTICE in page_a and page_a == page_b
        # And typing a code for the unknown one reads exactly like a wrong code for the known one.
        wa = reset_by_code(a, known, "000000").get_data(as_text=True)
        wb = reset_by_code(b, unknown, "000000").get_data(as_text=True)
        assert re.sub(r'value="[^"]*"', "", wa) == re.sub(r'value="[^"]*"', "", wb) and INVALID_CODE in wa
    # Only the known accounts were sent anything.
    assert [m.rcpt_tos for m in smtp_server.mails] == [["hoa@example.vn"]]
    assert [m.to for m in sms_gateway.messages] == ["+84912345678"]


def test_reset_requests_are_limited_per_account_whatever_the_address(app, dbx, sms_gateway):
    dbx.user("0912345678")
    for i in range(3):  # CODE_SEND_RATE_LIMIT: 3 per 15 minutes to one number
        c = app.test_client()
        assert ask_reset(c, "0912345678", environ_base={"REMOTE_ADDR": f"10.0.3.{i}"}).status_code == 302
    c = app.test_client()
    resp = ask_reset(c, "+84912345678", environ_base={"REMOTE_ADDR": "10.0.3.9"})
    assert resp.status_code == 429 and "Bạn đã thử quá nhiều lần" in resp.get_data(as_text=True)
    assert len(sms_gateway.messages) == 3


def test_reset_requests_are_limited_per_address(app, client):
    for i in range(10):  # RECOVERY_RATE_LIMIT: 10 per hour from one address
        assert ask_reset(client, f"nguoi{i}@example.vn").status_code == 302
    assert ask_reset(client, "nguoi-khac@example.vn").status_code == 429


def test_code_guesses_are_limited_per_address(app, client, dbx):
    app.config["CODE_CHECK_RATE_LIMIT"] = "5 per hour"
    for i in range(5):
        assert reset_by_code(client, f"09{i:08d}", "000000").status_code == 200
    assert reset_by_code(client, "0900000009", "000000").status_code == 429


# ---------------------------------------------------------------- sign-up by phone
def register(client, login, password="mat-khau-123", name="Nông Thị Lan", producer=False):
    data = {"display_name": name, "login": login, "password": password, "confirm": password,
            "csrf_token": token(client, REGISTER)}
    if producer:
        data["is_producer"] = "y"
    return client.post(REGISTER, data=data)


def verify(client, code):
    return client.post(VERIFY, data={"code": code, "csrf_token": token(client, VERIFY)})


def test_register_by_mobile_number_confirms_it_by_sms_and_stores_plus84(app, client, dbx, sms_gateway):
    resp = register(client, "091 234 5678", producer=True)
    assert resp.status_code == 302 and resp.headers["Location"] == VERIFY
    assert dbx.scalar(select(func.count()).select_from(User)) == 0  # nothing until the number is confirmed
    sms = sms_gateway.messages[0]
    assert sms.to == "+84912345678"
    assert re.fullmatch(r"Cho OCOP: ma xac nhan so dien thoai cua ban la \d{6}, dung trong 30 phut\. "
                        r"Khong dua ma nay cho ai\.", sms.text)
    page = client.get(VERIFY).get_data(as_text=True)
    assert "+84912345678" in page
    assert INVALID_CODE in verify(client, f"{(int(code_in(sms.text)) + 1) % 10**6:06d}").get_data(as_text=True)
    resp = verify(client, code_in(sms.text))
    # The confirmed number is the new account, signed in at once and sent to the producer's area.
    assert resp.status_code == 302 and resp.headers["Location"] == "/gian-hang/"
    assert "bạn đã đăng nhập" in client.get("/gian-hang/", follow_redirects=True).get_data(as_text=True)
    assert is_signed_in(client)
    client.post("/tai-khoan/dang-xuat", data={"csrf_token": token(client, "/")})
    user = dbx.scalar(select(User))
    assert user.phone == "+84912345678" and user.email is None and user.role == "producer"
    assert user.phone_verified_at is not None and user.password_hash.startswith("scrypt:")
    for login in ("0912345678", "+84912345678"):
        resp = post_login(client, login, "mat-khau-123")
        assert resp.status_code == 302 and resp.headers["Location"] == "/gian-hang/"
        client.post("/tai-khoan/dang-xuat", data={"csrf_token": token(client, "/")})
    # The sign-up is finished: its code is used up and the browser has no pending sign-up left.
    assert dbx.scalar(select(AccountCode.used_at)) is not None
    assert client.get(VERIFY).status_code == 302
    assert dbx.scalar(select(func.count()).select_from(User)) == 1


def test_register_an_existing_number_looks_the_same_and_tells_the_owner(app, dbx, sms_gateway):
    dbx.user("0912345678", password="mat-khau-cu-1")
    new, existing = app.test_client(), app.test_client()
    r_new, r_existing = register(new, "0987654321"), register(existing, "0912345678")
    assert (r_new.status_code, r_new.headers["Location"]) == (r_existing.status_code, r_existing.headers["Location"])
    html_new = client_page(new).replace("+84987654321", "PHONE")
    html_existing = client_page(existing).replace("+84912345678", "PHONE")
    assert html_new == html_existing
    by_number = {m.to: m.text for m in sms_gateway.messages}
    assert by_number["+84912345678"] == ('Cho OCOP: so nay da co tai khoan. Hay dang nhap, hoac chon "Quen mat khau" '
                                         'de nhan ma dat lai.')
    # No code reached anyone for the existing number: whatever is typed fails, and the account is untouched.
    assert INVALID_CODE in verify(existing, code_in(by_number["+84987654321"])).get_data(as_text=True)
    assert post_login(app.test_client(), "0912345678", "mat-khau-cu-1").status_code == 302
    assert dbx.scalar(select(func.count()).select_from(User)) == 1


def client_page(client) -> str:
    return re.sub(r'value="[^"]*"', "", client.get(VERIFY).get_data(as_text=True))


def test_a_pending_sign_up_cannot_be_finished_with_another_sign_ups_code(app, dbx, sms_gateway):
    owner, squatter = app.test_client(), app.test_client()
    register(owner, "0912345678", password="mat-khau-chu")
    register(squatter, "0912345678", password="mat-khau-ke-gian")
    owner_code, squatter_code = (code_in(m.text) for m in sms_gateway.messages)
    if owner_code != squatter_code:
        assert INVALID_CODE in verify(squatter, owner_code).get_data(as_text=True)
    assert verify(owner, owner_code).status_code == 302
    # The squatter's own code arrived on the owner's phone only; even with it the number is taken now.
    assert INVALID_CODE in verify(squatter, squatter_code).get_data(as_text=True)
    assert post_login(app.test_client(), "0912345678", "mat-khau-chu").status_code == 302


def test_sign_up_codes_are_limited_per_number(app, dbx, sms_gateway):
    for i in range(3):
        c = app.test_client()
        assert register(c, "0912345678").status_code == 302
    assert register(app.test_client(), "0912345678").status_code == 429
    assert len(sms_gateway.messages) == 3


def test_the_verify_page_without_a_pending_sign_up_goes_back_to_the_form(client):
    resp = client.get(VERIFY)
    assert resp.status_code == 302 and resp.headers["Location"] == REGISTER


def test_messages_go_out_in_the_visitors_language(app, dbx, smtp_server, sms_gateway):
    dbx.user("hoa@example.vn")
    c = app.test_client()
    c.set_cookie("lang", "en", domain="localhost")
    ask_reset(c, "hoa@example.vn")
    register(c, "0912345678")
    assert smtp_server.mails[0].subject == "OCOP Market: reset your password"
    assert "Password reset code:" in smtp_server.mails[0].text
    assert sms_gateway.messages[0].text.startswith("OCOP Market: your phone confirmation code is ")
