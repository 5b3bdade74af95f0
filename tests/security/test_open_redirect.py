"""SECURITY.md 20: `next=` only leads to a local path of this site."""
from __future__ import annotations

import pytest

from ocop_market.security import is_safe_next, safe_next
from tests.conftest import make_user

from .conftest import LOGIN_PATH, csrf_token

EVIL = [
    "//evil.com",
    "////evil.com",
    "/\\evil.com",
    "/\\/evil.com",
    "\\\\evil.com",
    "https:evil.com",
    "https:/evil.com",
    "http://evil.com",
    "HTTP://evil.com/san-pham",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.com",  # browsers drop tabs and newlines: "/\t/x" becomes "//x"
    "/\n/evil.com",
    "/\r\n/evil.com",
    "\x00//evil.com",
    " //evil.com",
    "evil.com",
    "",
]
LOCAL = ["/san-pham", "/san-pham?group=food&page=2", "/gio-hang", "/co-so/htx-hat-de#cau-chuyen", "/%2F%2Fevil.com"]


@pytest.mark.parametrize("target", EVIL)
def test_unsafe_targets_are_refused(target):
    assert not is_safe_next(target)
    assert safe_next(target, "/") == "/"


@pytest.mark.parametrize("target", LOCAL)
def test_local_paths_are_kept(target):
    assert is_safe_next(target) and safe_next(target, "/") == target


@pytest.fixture
def login_client(app):
    with app.app_context():
        make_user("nguoimua@example.vn")
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"  # many sign-ins from one address in this test
    return app.test_client()


def _sign_in(client, next_in_query=None, next_in_form=None):
    url = LOGIN_PATH
    token = csrf_token(client)
    data = {"login": "nguoimua@example.vn", "password": "secret-pass-1", "csrf_token": token}
    if next_in_form is not None:
        data["next"] = next_in_form
    resp = client.post(url, query_string={"next": next_in_query} if next_in_query is not None else None, data=data)
    if "\x00" in (next_in_query or "") + (next_in_form or ""):
        assert resp.status_code == 400  # a NUL byte is refused before anything else (security.py)
        return "/"
    assert resp.status_code == 302
    location = resp.headers["Location"]
    client.post("/tai-khoan/dang-xuat", data={"csrf_token": csrf_token(client)})
    return location


BRIEF = ["//evil.com", "////evil.com", "/\\evil.com", "https:evil.com", "javascript:alert(1)", "http://evil.com",
         "/\t/evil.com"]


def test_login_never_redirects_off_site(login_client):
    for target in EVIL:
        assert _sign_in(login_client, next_in_query=target) in ("/", "http://localhost/"), target
    for target in BRIEF:  # the hidden form field takes the same path
        assert _sign_in(login_client, next_in_form=target) in ("/", "http://localhost/"), target


def test_login_follows_a_local_next(login_client):
    assert _sign_in(login_client, next_in_query="/san-pham") == "/san-pham"
    assert _sign_in(login_client, next_in_form="/san-pham?group=food") == "/san-pham?group=food"


@pytest.mark.parametrize("target", ["//evil.com", "/\\evil.com", "https:evil.com", "javascript:alert(1)"])
def test_language_switch_never_redirects_off_site(app, target):
    resp = app.test_client().get("/ngon-ngu/en", query_string={"next": target})
    assert resp.status_code == 302
    assert "evil" not in resp.headers["Location"] and "javascript" not in resp.headers["Location"]
