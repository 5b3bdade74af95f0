"""Backups (`flask --app wsgi db backup PATH`) and the restore drill: restore into a new database, rebuild the
search index, and find the same rows and the same search results as when the backup was taken.

SQLite goes through the online backup API; PostgreSQL through pg_dump -Fc / pg_restore (skipped when those
tools are not on PATH).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from ocop_market import create_app
from ocop_market.extensions import db
from ocop_market.search import SearchQuery, get_search
from tests.conftest import PG_URL, make_producer, make_product

QUERIES = [
    SearchQuery(q="hat de"),
    SearchQuery(q="mien dong"),
    SearchQuery(q="che"),
    SearchQuery(q="", sort="price_asc"),
    SearchQuery(q="", group="drinks"),
    SearchQuery(q="", stars=5),
    SearchQuery(q="", province="lang-son"),
]


def _seed_catalog():
    hoa = make_producer(name="Hộ bà Lục Thị Hoa")
    coop = make_producer(name="HTX Miến dong Bình Liêu", province_code="LS", commune="Xã Lộc Yên")
    make_product(hoa, "Hạt dẻ Trùng Khánh", price=150_000)
    make_product(hoa, "Hạt dẻ rang muối", price=95_000, stars=3)
    make_product(coop, "Miến dong Bình Liêu", price=80_000, stars=5)
    make_product(coop, "Chè Shan tuyết", price=220_000, group="drinks", stars=4)
    make_product(coop, "Rượu men lá", price=180_000, group="drinks", status="draft")  # not public


def _table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def _search_results() -> list:
    service = get_search()
    out = []
    for q in QUERIES:
        r = service.query(q)
        out.append((q.q, q.sort, q.group, q.stars, q.province, r.total, r.ids, r.facets))
    return out


def _snapshot() -> tuple[dict, list]:
    return _table_counts(), _search_results()


def _new_app(tmp_path, db_url: str, name: str):
    return create_app({
        "ENV_NAME": "testing",
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / f"{name}-instance"),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SEARCH_INDEX_DIR": str(tmp_path / f"{name}-search"),
        "UPLOAD_DIR": str(tmp_path / f"{name}-uploads"),
        "SERVER_NAME": "localhost",
    })


def _cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"{' '.join(args)} failed: {result.output}{result.exception!r}"
    return result.output


def _change_after_backup(app):
    """Writes made after the backup must not come back with the restore."""
    with app.app_context():
        producer = make_producer(name="Hộ ông Nông Văn Sáng", commune="Xã Đàm Thủy")
        make_product(producer, "Hạt dẻ sấy khô", price=120_000)


def _restore_drill(app, tmp_path, backup_file: str, restore_url: str):
    """Restore into `restore_url` with a new app, rebuild its index through the CLI, return its snapshot."""
    restored = _new_app(tmp_path, restore_url, "restored")
    try:
        out = _cli(restored, "db", "restore", backup_file, "--yes", "--no-reindex")
        assert "restored" in out
        with restored.app_context():
            assert get_search().doc_count() == 0  # nothing indexed yet: the rebuild below does it
        out = _cli(restored, "search", "reindex")
        assert "indexed 4 product(s)" in out
        with restored.app_context():
            verify = restored.test_cli_runner().invoke(args=["search", "verify"])
            assert verify.exit_code == 0, verify.output
            return _snapshot()
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.skipif(bool(PG_URL), reason="SQLite online backup; the PostgreSQL drill is test_postgres_restore_drill")
def test_sqlite_backup_and_restore_drill(app, tmp_path):
    with app.app_context():
        _seed_catalog()
        before = _snapshot()
    counts, results = before
    assert counts["products"] == 5 and counts["producers"] == 2
    assert all(r[5] > 0 for r in results)  # every query finds something: the comparison means something
    backup_file = str(tmp_path / "backups" / "shop.sqlite3")
    with app.app_context():
        out = _cli(app, "db", "backup", backup_file)
    assert "backup written" in out and os.path.getsize(backup_file) > 0
    assert os.stat(backup_file).st_mode & 0o077 == 0  # personal data: readable by its owner only
    # One self-contained, consistent file: no WAL beside it, integrity check passes.
    assert not os.path.exists(backup_file + "-wal")
    with sqlite3.connect(backup_file) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    _change_after_backup(app)

    after = _restore_drill(app, tmp_path, backup_file, f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    assert after == before


@pytest.mark.skipif(bool(PG_URL), reason="SQLite online backup")
def test_sqlite_backup_is_consistent_while_a_writer_is_mid_transaction(app, tmp_path):
    """The backup API copies the committed state; a transaction still open elsewhere is not half-copied."""
    with app.app_context():
        _seed_catalog()
        db_file = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    writer = sqlite3.connect(db_file, timeout=5)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE products SET price_vnd = 1")
        writer.execute("DELETE FROM search_outbox")
        backup_file = str(tmp_path / "mid.sqlite3")
        with app.app_context():
            _cli(app, "db", "backup", backup_file)
        writer.commit()
    finally:
        writer.close()
    with sqlite3.connect(backup_file) as conn:
        prices = sorted(p for (p,) in conn.execute("SELECT price_vnd FROM products"))
    assert prices == [80_000, 95_000, 150_000, 180_000, 220_000]


def test_restore_refuses_without_yes(app, tmp_path):
    backup_file = tmp_path / "b.bin"
    backup_file.write_bytes(b"not used")
    result = app.test_cli_runner().invoke(args=["db", "restore", str(backup_file)])
    assert result.exit_code != 0 and "--yes" in result.output


def test_postgres_backup_command_hides_the_password(tmp_path):
    from ocop_market.backup import pg_dump_command, pg_restore_command

    url = "postgresql+psycopg://shop:s3cret-pw@db.internal:5432/ocop"
    dump = pg_dump_command(url, str(tmp_path / "x.dump"))
    assert dump.argv[:2] == ["pg_dump", "--format=custom"]
    assert "s3cret-pw" not in " ".join(dump.argv) and "s3cret-pw" not in dump.display()
    assert dump.env == {"PGPASSWORD": "s3cret-pw"}
    assert "postgresql://shop@db.internal:5432/ocop" in dump.argv  # no "+psycopg": libpq syntax
    restore = pg_restore_command(url, "x.dump")
    assert restore.argv[0] == "pg_restore" and "--single-transaction" in restore.argv


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")),
                    reason="pg_dump/pg_restore not on PATH (apt-get install postgresql-client)")
def test_postgres_restore_drill(app, tmp_path):
    with app.app_context():
        _seed_catalog()
        before = _snapshot()
    backup_file = str(tmp_path / "shop.dump")
    with app.app_context():
        out = _cli(app, "db", "backup", backup_file)
    assert "backup written" in out
    with open(backup_file, "rb") as fh:
        assert fh.read(5) == b"PGDMP"  # pg_dump's custom format
    assert os.stat(backup_file).st_mode & 0o077 == 0
    _change_after_backup(app)

    base = make_url(PG_URL)
    name = f"{base.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        after = _restore_drill(app, tmp_path, backup_file, base.set(database=name).render_as_string(False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    assert after == before


@pytest.mark.skipif(bool(PG_URL), reason="SQLite in-place restore")
def test_sqlite_restore_in_place_rolls_the_shop_back_and_rebuilds_the_index(app, tmp_path):
    """`db restore PATH --yes` over the configured (WAL-mode, in use) database, reindex included."""
    with app.app_context():
        _seed_catalog()
        before = _snapshot()
        backup_file = str(tmp_path / "shop.sqlite3")
        _cli(app, "db", "backup", backup_file)
    _change_after_backup(app)
    with app.app_context():
        assert _table_counts()["products"] == 6
        out = _cli(app, "db", "restore", backup_file, "--yes")
        assert "search index rebuilt: 4 product(s)" in out
        assert _snapshot() == before
        assert get_search().verify() == []
