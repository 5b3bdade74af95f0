"""Lockout-safe login limits (issue 10 §5): attackers are slowed, owners are never locked out for good.

Limits are lowered here so each case needs few (scrypt-costly) attempts; the mechanism is the one that runs
with the defaults (test_accounts.py checks those). Requests run without a held app context.
"""
from __future__ import annotations

import re

import pytest

from tests.functional.test_accounts import _vietnamese_429, cookie, post_login, token
from tests.functional.test_recovery import ask_reset, code_in

RESET = "/tai-khoan/dat-lai-mat-khau"
LIMITS = {"LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "6 per hour",
          "LOGIN_ADDRESS_RATE_LIMIT": "8 per hour"}


@pytest.fixture
def app_config(channels_config):
    return {**channels_config, **LIMITS}


@pytest.fixture
def users(app):
    from tests.conftest import make_user

    def make(*logins):
        with app.app_context():
            for login in logins:
                make_user(login)

    return make


def at(app, address, device=None):
    """A browser at `address`; with `device`, it carries that browser's device cookie."""
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = address
    if device:
        c.set_cookie("ocop_device", device, domain="localhost")
    return c


def spray(app, login, n, first_octet=20):
    """An attacker guessing `login` from n different addresses, one guess each."""
    for i in range(n):
        resp = post_login(at(app, f"10.{first_octet}.{i // 250}.{i % 250}"), login, "doan-bua")
        assert resp.status_code == 200


def unlock(client, login, code):
    return client.post(RESET, data={"login": login, "code": code, "unlock": "y", "csrf_token": token(client, RESET)})


def test_an_attacker_spraying_one_account_from_many_addresses_is_slowed(app, users):
    users("hoa@example.vn")
    spray(app, "hoa@example.vn", 6)
    # The account's ceiling is reached: the next guess from a fresh address is refused, right or wrong.
    _vietnamese_429(post_login(at(app, "10.99.0.1"), "hoa@example.vn", "doan-bua"))
    _vietnamese_429(post_login(at(app, "10.99.0.2"), "hoa@example.vn"))


def test_the_owner_from_a_new_address_still_gets_in(app, users):
    users("hoa@example.vn")
    home = at(app, "203.0.113.5")
    assert post_login(home, "hoa@example.vn").status_code == 302
    device = cookie(home, "ocop_device")
    assert device
    spray(app, "hoa@example.vn", 6)
    _vietnamese_429(post_login(at(app, "10.99.0.1"), "hoa@example.vn"))  # the account's ceiling is reached
    # The owner's phone on another network: a new address, the same trusted browser.
    phone = at(app, "198.51.100.77", device=device)
    assert post_login(phone, "hoa@example.vn").status_code == 302
    # A stolen copy of the device cookie does not let the attacker guess on without limit either:
    # the trusted browser has a ceiling of its own.
    for i in range(6):
        assert post_login(at(app, f"10.77.0.{i}", device=device), "hoa@example.vn", "doan-bua").status_code == 200
    assert post_login(at(app, "10.77.1.1", device=device), "hoa@example.vn", "doan-bua").status_code == 429


def test_a_device_cookie_for_one_account_does_not_help_another(app, users):
    users("hoa@example.vn", "lan@example.vn")
    home = at(app, "203.0.113.5")
    post_login(home, "hoa@example.vn")
    device = cookie(home, "ocop_device")
    spray(app, "lan@example.vn", 6)
    assert post_login(at(app, "198.51.100.1", device=device), "lan@example.vn").status_code == 429


def test_a_forged_device_cookie_is_ignored(app, users):
    users("hoa@example.vn")
    spray(app, "hoa@example.vn", 6)
    forged = "eyJkIjoiMDAwMCIsImEiOlsiYWJjIl19.AAAAAA.forged"
    assert post_login(at(app, "198.51.100.1", device=forged), "hoa@example.vn").status_code == 429


def test_many_users_behind_one_carrier_nat_all_get_in(app, users):
    """One public address for everyone: right passwords are never counted, a few typos do not add up to a
    lockout, and the per-address limit applies only to failures."""
    logins = [f"nguoi{i}@example.vn" for i in range(12)]
    users(*logins)
    nat = "100.64.0.1"
    for i, login in enumerate(logins):
        c = at(app, nat)
        if i % 2:  # half of them mistype once first
            assert post_login(c, login, "go-nham-1").status_code == 200
        assert post_login(c, login).status_code == 302, login


def test_behind_a_nat_an_attacker_cannot_lock_out_the_others(app, users):
    users("hoa@example.vn", "lan@example.vn")
    nat = "100.64.0.1"
    phone = at(app, nat)
    assert post_login(phone, "hoa@example.vn").status_code == 302  # Hoa's phone signed in here before
    device = cookie(phone, "ocop_device")
    # Someone behind the same NAT tries many accounts until the address's failure budget is gone.
    for i in range(8):
        post_login(at(app, nat), f"doan{i}@example.vn", "doan-bua")
    _vietnamese_429(post_login(at(app, nat), "ai-do@example.vn", "doan-bua"))
    # Hoa's trusted phone is unaffected; Lan, on a new phone, is offered the code path (next test).
    assert post_login(at(app, nat, device=device), "hoa@example.vn").status_code == 302
    locked = post_login(at(app, nat), "lan@example.vn")
    assert locked.status_code == 429 and "Mở khoá bằng mã" in locked.get_data(as_text=True)


@pytest.mark.parametrize("login", ["0912345678", "hoa@example.vn"])
def test_a_locked_out_owner_unlocks_with_a_code_sent_to_their_phone_or_email(app, users, sms_gateway, smtp_server,
                                                                              login):
    users(login)
    spray(app, login, 6)
    owner = at(app, "198.51.100.20")  # a new phone on a new network
    locked = post_login(owner, login)
    assert locked.status_code == 429
    unlock_page = re.search(r'href="(/tai-khoan/quen-mat-khau)"', locked.get_data(as_text=True)).group(1)
    assert owner.get(unlock_page).status_code == 200
    assert ask_reset(owner, login).status_code == 302
    arrived = sms_gateway.messages[0].text if "@" not in login else smtp_server.mails[0].text
    resp = unlock(owner, login, code_in(arrived))
    assert resp.status_code == 302 and resp.headers["Location"] == "/tai-khoan/dang-nhap"
    assert cookie(owner, "ocop_device")
    # The old password now works in this browser, although the attacker keeps the account's ceiling full.
    assert post_login(owner, login).status_code == 302
    _vietnamese_429(post_login(at(app, "10.99.9.9"), login, "doan-bua"))
    # The code was used: it unlocks nothing more.
    assert unlock(at(app, "198.51.100.21"), login, code_in(arrived)).status_code == 200


def test_a_reset_by_code_also_trusts_the_browser(app, users, sms_gateway):
    users("0912345678")
    spray(app, "0912345678", 6)
    owner = at(app, "198.51.100.30")
    ask_reset(owner, "0912345678")
    resp = owner.post(RESET, data={"login": "0912345678", "code": code_in(sms_gateway.messages[0].text),
                                   "new_password": "mat-khau-moi-2", "confirm": "mat-khau-moi-2",
                                   "csrf_token": token(owner, RESET)})
    assert resp.status_code == 302
    assert post_login(owner, "0912345678", "mat-khau-moi-2").status_code == 302
