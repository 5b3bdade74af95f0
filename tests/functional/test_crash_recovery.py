"""Crashes: a real process is killed (SIGKILL, no cleanup, no atexit) at the worst moment, then a fresh one
takes over the same database and search index.

- killed right after a catalog commit, before the search index is touched: the change is in the database
  and in the outbox; a restarted server (the production layout: gunicorn with gunicorn.conf.py and a queue
  consumer, `Procfile.production`) applies it on start;
- killed in the middle of the index write, holding the index lock: `search apply` finishes the job;
- killed half-way through a CSV import, after some rows were flushed: nothing of the import is kept.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from ocop_market.audit import AuditEntry
from ocop_market.catalog import importer
from ocop_market.catalog.models import OcopCertificate, Producer, Product
from ocop_market.extensions import db
from ocop_market.search import SearchQuery, get_search
from ocop_market.search.models import SearchOutbox
from tests.conftest import PG_URL, make_producer, make_product

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NEW_NAME = "Mật ong bạc hà Đồng Văn"

CHILD = textwrap.dedent('''
    """Run one step in a process of its own, then die by SIGKILL at the chosen point."""
    import json, os, signal, sys

    from ocop_market import create_app
    from ocop_market.extensions import db

    cfg = json.loads(os.environ["OCOP_CHILD_CONFIG"])
    step = sys.argv[1]
    app = create_app(cfg)


    def die(*args, **kwargs):
        os.write(1, f"killed at {step}\\n".encode())  # fd 1: the CLI runner captures sys.stdout
        os.kill(os.getpid(), signal.SIGKILL)


    with app.app_context():
        if step in ("after-commit", "mid-index-write"):
            from ocop_market.catalog.models import Product

            if step == "after-commit":
                # The moment between the commit and the first index write.
                import ocop_market.search.outbox as outbox
                outbox.schedule_apply = die
            elif app.config["SEARCH_BACKEND"] == "whoosh":
                # Inside the index writer: the lock is held and a segment is half written.
                from whoosh.writing import SegmentWriter
                SegmentWriter.commit = die
            else:
                # Inside tantivy's writer: both locks held, the document being added, nothing committed.
                from ocop_market.search import tantivy_backend
                tantivy_backend._document = die
            product = db.session.get(Product, int(sys.argv[2]))
            product.name = sys.argv[3]
            db.session.commit()
        elif step == "import":
            from ocop_market.catalog.importer import writing

            real, done = writing._apply_row, []

            def apply_then_maybe_die(*args, **kwargs):
                real(*args, **kwargs)
                done.append(1)
                if len(done) == int(sys.argv[3]):
                    db.session.flush()  # the rows so far are written inside the open transaction
                    die()

            writing._apply_row = apply_then_maybe_die
            app.test_cli_runner().invoke(args=["catalog", "import", sys.argv[2]])
    print("survived", step, flush=True)
    sys.exit(3)
''')


def _child_config(app) -> dict:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "INSTANCE_PATH": app.instance_path,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "SEARCH_APPLY": "inline",
        "SEARCH_BACKEND": app.config["SEARCH_BACKEND"],
    }


def run_child(app, tmp_path, *args: str) -> subprocess.CompletedProcess:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": ROOT, "OCOP_CHILD_CONFIG": json.dumps(_child_config(app))}
    proc = subprocess.run([sys.executable, str(script), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == -signal.SIGKILL, f"child was not killed: {proc.returncode}\n{proc.stdout}{proc.stderr}"
    assert f"killed at {args[0]}" in proc.stdout
    return proc


def ids_for(q: str) -> list[int]:
    return get_search().query(SearchQuery(q=q)).ids


def pending() -> int:
    db.session.rollback()  # a fresh snapshot: the other process committed meanwhile
    return db.session.scalar(select(func.count(SearchOutbox.id)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthz(base: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_killed_between_commit_and_index_write_restarted_server_catches_up(app, ctx, tmp_path):
    product = make_product(make_producer())
    assert ids_for("hat de") == [product.id]

    run_child(app, tmp_path, "after-commit", str(product.id), NEW_NAME)

    db.session.expire_all()
    assert db.session.get(Product, product.id).name == NEW_NAME  # the commit is durable
    assert pending() == 1  # ... and so is the note that the index must follow
    assert ids_for("mat ong") == [] and ids_for("hat de trung khanh") == [product.id]  # index is stale

    # Restart: the production layout (Procfile.production: gunicorn and a queue consumer, under honcho); each
    # worker hands the outbox to the queue as it starts and the consumer applies it.
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP",)}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], INSTANCE_PATH=app.instance_path,
        SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"], UPLOAD_DIR=app.config["UPLOAD_DIR"],
        OCOP_ENV="development", SECRET_KEY="x" * 8 + os.urandom(16).hex(),
        GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", GUNICORN_THREADS="2",
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""), QUEUE_WORKERS="1",
    )
    server = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "honcho"), "start", "-f",
                               "Procfile.production"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    started = time.monotonic()
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"the server exited: {server.stdout.read().decode(errors='replace')}")
            try:
                status, body = _healthz(base)
            except OSError:
                time.sleep(0.1)
                continue
            if body["checks"]["search_index"].get("lag_events") == 0:
                break
            time.sleep(0.1)
        assert body is not None, "gunicorn never answered /healthz"
        assert status == 200 and body["status"] == "ok", body
        assert body["checks"]["search_index"]["lag_events"] == 0, body
        print(f"caught up {time.monotonic() - started:.1f}s after start")
    finally:
        os.killpg(server.pid, signal.SIGINT)  # quick shutdown; graceful TERM is not what is tested
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
        server.stdout.close()

    assert pending() == 0
    assert ids_for("mat ong bac ha") == [product.id]
    assert get_search().verify() == []  # the stored document carries the new name


@pytest.mark.parametrize("app_config", [{"SEARCH_BACKEND": "tantivy"}, {"SEARCH_BACKEND": "whoosh"}], indirect=True)
def test_killed_inside_the_index_write_next_apply_repairs(app, ctx, runner, tmp_path):
    product = make_product(make_producer())
    run_child(app, tmp_path, "mid-index-write", str(product.id), NEW_NAME)

    assert pending() == 1  # the rows are deleted only after the index write: still there
    assert ids_for("mat ong") == []
    # The dead process's index lock went with it: the next apply is not blocked.
    result = runner.invoke(args=["search", "apply", "--wait", "5"])
    assert result.exit_code == 0, result.output
    assert "applied 1 outbox row" in result.output
    assert ids_for("mat ong bac ha") == [product.id]
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def _catalog_counts() -> dict[str, int]:
    db.session.rollback()
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Producer, Product, OcopCertificate, SearchOutbox)}


CSV = os.path.join(ROOT, "tests", "data", "catalog_good.csv")


def test_import_killed_half_way_leaves_nothing_written(app, ctx, runner, tmp_path):
    make_product(make_producer(name="Hộ ông Hoàng Văn Tú", commune="Xã Quảng Uyên"), "Trà giảo cổ lam")
    before = _catalog_counts()
    audits = db.session.scalar(select(func.count(AuditEntry.id)))

    # Killed after the 3rd of 5 rows was written (flushed) inside the import's transaction.
    run_child(app, tmp_path, "import", CSV, "3")

    assert _catalog_counts() == before
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audits
    assert ids_for("tinh dau hoi") == []

    # The database is not left locked or half-migrated: the same import now runs to the end.
    result = runner.invoke(args=["catalog", "import", CSV])
    assert result.exit_code == 0, result.output
    rows = len(importer.parse(open(CSV, "rb").read()))
    assert rows >= 4  # the kill after row 3 really was half-way
    assert _catalog_counts()["Product"] == before["Product"] + rows
    assert ids_for("tinh dau hoi") != []


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: a killed client's open transaction is rolled back")
def test_postgres_connection_of_killed_import_is_gone(app, ctx, tmp_path):
    """The server notices the dead client and drops its session: no idle transaction keeps locks."""
    from sqlalchemy import text

    run_child(app, tmp_path, "import", CSV, "2")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        db.session.rollback()
        idle = db.session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"))
        if idle == 0:
            break
        time.sleep(0.2)
    assert idle == 0


# ---------------------------------------------------------------- readiness and the serving configuration
def test_healthz_is_not_ready_while_committed_changes_wait(app, ctx, client, runner):
    product = make_product(make_producer())
    assert client.get("/healthz").status_code == 200
    app.config["SEARCH_APPLY"] = "off"  # as if the process had died after its commit
    product.name = NEW_NAME
    db.session.commit()
    app.config["SEARCH_MAX_LAG_EVENTS"] = 0  # any waiting change makes this instance not ready
    resp = client.get("/healthz")
    body = resp.get_json()
    assert resp.status_code == 503 and body["status"] == "unavailable"
    assert body["checks"]["search_index"]["lag_events"] == 1
    assert any(r.startswith("search index behind: 1 change(s) waiting") for r in body["reasons"])
    assert resp.headers["Cache-Control"] == "no-store"
    assert runner.invoke(args=["search", "apply"]).exit_code == 0
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json()["reasons"] == []


def test_healthz_reports_an_unreachable_database(tmp_path):
    from ocop_market import create_app

    broken = create_app({
        "ENV_NAME": "testing", "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
        # A directory that does not exist: SQLite cannot open the file.
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search"), "UPLOAD_DIR": str(tmp_path / "uploads"),
    })
    resp = broken.test_client().get("/healthz")
    body = resp.get_json()
    assert resp.status_code == 503
    assert body["checks"]["database"] == {"ok": False, "backend": "sqlite", "error": "OperationalError"}
    assert "database unreachable (OperationalError)" in body["reasons"]
    assert "missing" not in json.dumps(body)  # no paths or connection strings leak


def _gunicorn_settings(monkeypatch, **env) -> dict:
    import runpy

    for k in ("WEB_CONCURRENCY", "GUNICORN_BIND", "GUNICORN_THREADS", "GUNICORN_CONTROL_SOCKET"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return runpy.run_path(os.path.join(ROOT, "gunicorn.conf.py"))


def test_gunicorn_settings_follow_cpu_count_and_environment(monkeypatch):
    cores = os.cpu_count()
    s = _gunicorn_settings(monkeypatch)
    assert s["workers"] == 2 * cores + 1 and s["bind"] == ["127.0.0.1:8000"]
    assert s["preload_app"] is False and s["accesslog"] == "-" and s["worker_class"] == "gthread"
    assert s["control_socket_disable"] is True and s["timeout"] > 0
    assert _gunicorn_settings(monkeypatch, WEB_CONCURRENCY="2")["workers"] == min(2, 2 * cores + 1)
    assert _gunicorn_settings(monkeypatch, WEB_CONCURRENCY="999")["workers"] == 2 * cores + 1  # a cap, never more
    assert _gunicorn_settings(monkeypatch, GUNICORN_BIND="0.0.0.0:80, unix:/run/ocop.sock")["bind"] == [
        "0.0.0.0:80", "unix:/run/ocop.sock"]
