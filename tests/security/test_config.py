"""SECURITY.md 2, 7, 12, 13: production secrets, cookie flags, HSTS, and where login counters live."""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time

import pytest

from ocop_market import create_app
from ocop_market.config import ConfigError
from ocop_market.extensions import db, limiter
from tests.conftest import make_user

from .conftest import LOGIN_PATH, csrf_token
from .test_headers_and_errors import assert_security_headers

GOOD_KEY = "f3b1c9a27e5d4c0b8a6e2d9f1c7b3a5e0d4f8c2b6a9e1d3f5c7b9a2e4d6f8c0b"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("SECRET_KEY", "OCOP_ENV", "REDIS_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def _config(tmp_path, **overrides):
    return {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        **overrides,
    }


def _ready(app):
    from ocop_market.reference import ensure_reference_data

    with app.app_context():
        db.create_all()
        ensure_reference_data()
        db.session.commit()
    return app


# ---------------------------------------------------------------- SECRET_KEY
def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(_config(tmp_path, ENV_NAME="production"))


@pytest.mark.parametrize("key", ["dev", "changeme", "secret", "change-me", "development", "  ", "short-but-random-9f3a",
                                 "changemechangemechangemechangeme", "x" * 64])
def test_production_refuses_known_or_weak_keys(tmp_path, key):
    with pytest.raises(ConfigError):
        create_app(_config(tmp_path, ENV_NAME="production", SECRET_KEY=key))


def test_production_reads_the_key_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("OCOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "changeme")
    with pytest.raises(ConfigError):
        create_app(_config(tmp_path))
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    app = create_app(_config(tmp_path))
    assert app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] == GOOD_KEY


def test_development_keeps_one_generated_key(tmp_path):
    first = create_app(_config(tmp_path, ENV_NAME="development")).config["SECRET_KEY"]
    second = create_app(_config(tmp_path, ENV_NAME="development")).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text().strip() == first
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


# ---------------------------------------------------------------- cookies and HSTS in production
def test_production_cookie_flags_and_hsts(tmp_path):
    app = _ready(create_app(_config(tmp_path, ENV_NAME="production", SECRET_KEY=GOOD_KEY)))
    cfg = app.config
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["SESSION_COOKIE_HTTPONLY"] and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cfg["REMEMBER_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_HTTPONLY"] and cfg["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert not cfg["TESTING"] and not cfg.get("DEBUG")

    with app.app_context():
        make_user("nguoimua@example.vn")
    client = app.test_client()
    page = client.get(LOGIN_PATH, base_url="https://localhost")
    assert page.status_code == 200
    assert_security_headers(page, hsts=True)
    session_cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith("session="))
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in session_cookie

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    resp = client.post(LOGIN_PATH, base_url="https://localhost",
                       headers={"Referer": "https://localhost" + LOGIN_PATH},
                       data={"login": "nguoimua@example.vn", "password": "secret-pass-1", "remember": "y",
                             "csrf_token": token})
    assert resp.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in resp.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
            assert flag in cookies[name], (name, flag)


def test_no_hsts_outside_production(app):
    resp = app.test_client().get("/")
    assert "Strict-Transport-Security" not in resp.headers
    assert not app.config["SESSION_COOKIE_SECURE"]


def test_proxy_count_trusts_only_that_many_hops(tmp_path):
    plain = create_app(_config(tmp_path, ENV_NAME="testing"))
    behind = create_app(_config(tmp_path, ENV_NAME="testing", PROXY_COUNT=1))
    for app, expected in ((plain, "127.0.0.1"), (behind, "203.0.113.7")):
        @app.get("/_test/ip")
        def ip():
            from flask import request

            return request.remote_addr

        resp = app.test_client().get("/_test/ip", headers={"X-Forwarded-For": "203.0.113.7"})
        assert resp.get_data(as_text=True) == expected


# ---------------------------------------------------------------- login counters shared between workers
def test_rate_limit_storage_follows_redis_url(tmp_path, monkeypatch):
    assert create_app(_config(tmp_path, ENV_NAME="testing")).config["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/3")
    app = create_app(_config(tmp_path, ENV_NAME="testing"))
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6390/3"
    assert type(limiter._storage).__name__ == "RedisStorage"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed: the shared-counter test needs a local Redis")
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        conn = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                conn.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.skip("local redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _worker(tmp_path, redis=None):
    """A fresh app, as a new gunicorn worker process would build it (its own limiter storage)."""
    overrides = {"REDIS_URL": redis} if redis else {}
    return _ready(create_app(_config(tmp_path, ENV_NAME="testing", LOGIN_RATE_LIMIT="10 per hour", **overrides)))


def _attempts(app, n):
    client = app.test_client()
    token = csrf_token(client)
    # One account from one address: the limit LOGIN_RATE_LIMIT sets (failed attempts per account + address).
    return [client.post(LOGIN_PATH, data={"login": "ai@example.vn", "password": "doan-bua", "csrf_token": token}
                        ).status_code for _ in range(n)]


def test_memory_counters_are_per_worker(tmp_path):
    """The trap SECURITY.md 2 warns about: with memory:// each worker counts on its own."""
    assert _attempts(_worker(tmp_path), 6) == [200] * 6
    # 12 attempts on two workers, none refused; yet each worker does count: its own 11th is refused
    # (without that, this test would also pass with no limit at all).
    assert _attempts(_worker(tmp_path), 11) == [200] * 10 + [429]


def test_redis_counters_are_shared_between_workers(tmp_path, redis_url):
    assert _attempts(_worker(tmp_path, redis_url), 6) == [200] * 6
    # The second worker sees the first one's attempts: the 11th attempt overall is refused.
    assert _attempts(_worker(tmp_path, redis_url), 6) == [200] * 4 + [429] * 2


# ---------------------------------------------------------------- password hashing (PROMISES 1)
def test_production_hashes_new_passwords_with_full_strength_scrypt(tmp_path):
    """The suite lowers scrypt's cost for speed (tests/conftest.py); a production app must not."""
    app = _ready(create_app(_config(tmp_path, ENV_NAME="production", SECRET_KEY=GOOD_KEY)))
    with app.app_context():
        user = make_user("nguoimua@example.vn")
        method, _salt, _hash = user.password_hash.split("$")
    name, n, r, p = method.split(":")
    assert name == "scrypt" and int(n) >= 2**15 and int(r) >= 8 and int(p) >= 1
