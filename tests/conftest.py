"""Shared fixtures. TEST_DATABASE_URL selects PostgreSQL; otherwise each test gets a fresh SQLite file."""
from __future__ import annotations

import datetime as dt
import io
import os
import re

import pytest
from PIL import Image
from sqlalchemy import text

from ocop_market import create_app
from ocop_market.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
_pg_schema_ready = False


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (per-test file)'}"


@pytest.fixture
def app_config(request):
    """Extra create_app settings for one test: `@pytest.mark.parametrize("app_config", [{...}], indirect=True)`,
    or override this fixture in a test module."""
    return dict(getattr(request, "param", None) or {})


@pytest.fixture(params=["tantivy", "whoosh", "postgres"])
def search_backend(request):
    """For modules whose tests run on every search backend: override `app_config` with
    `{"SEARCH_BACKEND": search_backend}`. The PostgreSQL one needs TEST_DATABASE_URL."""
    if request.param == "postgres" and not PG_URL:
        pytest.skip("the PostgreSQL search backend needs TEST_DATABASE_URL (a PostgreSQL database)")
    return request.param


@pytest.fixture
def app(tmp_path, app_config):
    global _pg_schema_ready
    cfg = {
        "ENV_NAME": "testing",
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": PG_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SERVER_NAME": "localhost",
        # Still salted scrypt, 32 times cheaper than production's n=2^15: hundreds of accounts are made and
        # signed in here, and full-strength hashing was a large share of the suite's CPU. Production's
        # parameters are pinned by tests/security/test_config.py.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    if PG_URL:
        # A test database need not survive a server crash: commits without waiting for the WAL flush.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                            "connect_args": {"options": "-c synchronous_commit=off"}}
    cfg.update(app_config)
    app = create_app(cfg)
    with app.app_context():
        if PG_URL:
            _end_stray_connections()
            if not _pg_schema_ready:
                # The whole schema, not drop_all(): tables an older version of the models had (a database kept
                # from an earlier run) would otherwise hold foreign keys that stop the drop.
                db.session.execute(text("DROP SCHEMA public CASCADE"))
                db.session.execute(text("CREATE SCHEMA public"))
                db.session.commit()
                db.create_all()
                _pg_schema_ready = True
            else:
                _empty_postgres_tables()
        else:
            db.create_all()
        from ocop_market.reference import ensure_reference_data

        ensure_reference_data()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


_reset_sql: str | None = None


def _empty_postgres_tables() -> None:
    """Every table emptied and every sequence back to 1, in one round trip. DELETE, not TRUNCATE: a test leaves a
    few rows, and TRUNCATE makes new files for each of the 40-odd tables and their indexes — 0.4–0.9 s a test on
    this machine against 0.03–0.07 s (measured with both on one database, back to back)."""
    global _reset_sql
    if _reset_sql is None:
        sequences = db.session.scalars(text(
            "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'"))
        _reset_sql = "; ".join([f'DELETE FROM "{t.name}"' for t in reversed(db.metadata.sorted_tables)]
                               + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences])
    db.session.execute(text(_reset_sql))
    db.session.commit()


def _end_stray_connections() -> None:
    """A connection a finished test left behind (a thread or a child process still mid-query) would deadlock
    with the TRUNCATE below: every test starts with the database to itself, so end the others first."""
    db.session.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ))
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


#: a raw float ('0.5012', '0.50', '1300000.0') or a whole number of four digits or more without thousands dots
#: ('1300000'; a code with a leading zero, '01477', is no figure): what a report must never show, where Vietnamese write '0,50' and '1.300.000'
_RAW_FIGURE = re.compile(r"(?<![\w.,/:-])(?:0\.\d+|\d+\.(?:\d{1,2}|\d{4,})(?![\d.])|[1-9]\d{3,})(?![\w.,/:-])")


def raw_figures(html: str, allowed: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The raw figures in a page's <main> text (tags, and the years and codes in `allowed`, left out)."""
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", main.split(">", 1)[-1])
    return [m for m in _RAW_FIGURE.findall(text) if m not in allowed]


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert m, "no CSRF token on the page"
    return m.group(1)


def _forget_csrf_token():
    # With the `ctx` fixture every request shares one `g`, where Flask-WTF caches the token;
    # login starts a new session, so a cached token would no longer match it.
    from flask import g, has_app_context

    if has_app_context():
        g.pop("csrf_token", None)


class Auth:
    """Log in through the real form, CSRF token included (like flaskr's AuthActions)."""

    def __init__(self, client):
        self.client = client

    def login(self, login: str, password: str = "secret-pass-1", follow=False):
        _forget_csrf_token()
        page = self.client.get("/tai-khoan/dang-nhap")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post(
            "/tai-khoan/dang-nhap",
            data={"login": login, "password": password, "csrf_token": token},
            follow_redirects=follow,
        )

    def logout(self):
        page = self.client.get("/")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post("/tai-khoan/dang-xuat", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return Auth(client)


def make_user(email: str, role: str = "buyer", password: str = "secret-pass-1", **kw):
    from ocop_market.accounts import services

    user = services.register(kw.pop("name", email.split("@")[0]), email, password, role)
    for k, v in kw.items():
        setattr(user, k, v)
    db.session.commit()
    return user


def make_producer(owner=None, name="Hộ bà Lục Thị Hoa", verified=True, category="poor", province_code="CB",
                  commune="Xã Trùng Khánh", actor=None, ethnic_minority=False, woman_headed=False):
    from sqlalchemy import select

    from ocop_market.catalog import producers
    from ocop_market.places import Province

    province = db.session.scalar(select(Province).where(Province.code == province_code))
    producer = producers.create_producer(
        actor or owner,
        producers.ProducerData(kind="household", name=name, province_id=province.id, commune=commune,
                               household_category=category, story="Gia đình trồng hạt dẻ ba đời.",
                               ethnic_minority=ethnic_minority, woman_headed=woman_headed),
        owner=owner,
    )
    if verified:
        producer.status = "verified"
    db.session.commit()
    return producer


def make_product(producer, name="Hạt dẻ Trùng Khánh", price=150_000, stock=10, group="food", status="approved",
                 stars=4, decision_date=None, actor=None):
    from ocop_market.catalog import certificates, listings, services

    g = services.group_by_code(group)
    product = listings.create_product(
        actor, producer, listings.ProductData(name=name, group_id=g.id, unit="túi 500g", price_vnd=price, stock=stock,
                                              description="Hạt dẻ rang, thơm bùi.")
    )
    if stars:
        certificates.set_certificate(actor, product, certificates.CertificateData(
            decision_no="123/QĐ-UBND", decision_date=decision_date or dt.date.today() - dt.timedelta(days=100),
            stars=stars, issuing_authority="UBND tỉnh Cao Bằng"))
    product.status = status
    db.session.commit()
    return product


def png_bytes(size=(64, 48), color=(200, 120, 40), fmt="PNG", **save) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt, **save)
    return buf.getvalue()


# ---------------------------------------------------------------- message channels on loopback
@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1; `.mails` lists what arrived."""
    from tests.loopback import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def sms_gateway():
    """A small real HTTP SMS gateway on 127.0.0.1; `.messages` lists what arrived."""
    from tests.loopback import SmsGateway

    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def channels_config(smtp_server, sms_gateway):
    """create_app settings that send through both loopback servers: `app_config` can return this."""
    return {"SMTP_URL": smtp_server.url(), "MAIL_FROM": "Chợ OCOP <no-reply@cho-ocop.test>",
            "SMS_GATEWAY_URL": sms_gateway.url, "SMS_GATEWAY_TOKEN": sms_gateway.token}
