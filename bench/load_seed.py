"""Seed a fresh database for the load test: N synthetic products (bench/synth.py), their verified producers,
OCOP certificates for the starred ones and one buyer account per locust user, with SQLAlchemy core bulk
inserts (10,000 products in a few seconds), then build the search index with `flask --app wsgi search reindex`.

Writes `plan.json` in the work folder: what the locust file needs (buyer logins, product slugs and ids,
search URLs from bench/common.QUERY_MIX), so the locust side never imports the app.

    .venv/bin/python bench/load_seed.py --db sqlite --workdir /tmp/ocop-load/sqlite --n 10000 --buyers 64

Run with the project venv. The database is wiped: a SQLite file is deleted, a PostgreSQL schema `public` is
dropped and recreated (use a database of its own), then `flask db upgrade` builds the schema.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import QUERY_MIX  # noqa: E402
from bench.synth import generate  # noqa: E402

BUYER_PASSWORD = "load-test-pass-1"
SECRET_KEY = "load-bench-" + "k3y-not-for-production-0123456789abcdef"
PRODUCER_LOGIN, STAFF_LOGIN = "producer@load.example.com", "staff@load.example.com"
PENDING_LISTINGS = 60
CART_MIN_STOCK = 100  # add-to-cart picks products with at least this stock: a 60 s run never sells one out


def app_env(db_url: str, workdir: Path, search_backend: str = "tantivy") -> dict[str, str]:
    """Environment for `flask`/gunicorn: this database, index and uploads under workdir, login limit lifted
    (every locust user logs in from 127.0.0.1 at the start; the default 10 per minute would answer 429)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        INSTANCE_PATH=str(workdir / "instance"),
        SEARCH_INDEX_DIR=str(workdir / "search_index"),
        UPLOAD_DIR=str(workdir / "uploads"),
        SECRET_KEY=SECRET_KEY,
        SEARCH_BACKEND=search_backend,
        OCOP_ENV="development",  # production marks cookies Secure, which a plain-HTTP loopback client drops
        LOGIN_RATE_LIMIT="100000 per minute",
        REGISTER_RATE_LIMIT="100000 per minute",
        PYTHONPATH=str(ROOT),
    )
    env.pop("FLASK_DEBUG", None)
    return env


def wipe(db_url: str, workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    for sub in ("search_index", "uploads"):
        p = workdir / sub
        if p.exists():
            subprocess.run(["rm", "-rf", str(p)], check=True)
    if db_url.startswith("sqlite"):
        path = Path(db_url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        engine.connect().close()
    except OperationalError as exc:  # a database of its own, created on first use
        if "does not exist" not in str(exc):
            raise
        url = make_url(db_url)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def flask(args: list[str], env: dict[str, str]) -> str:
    out = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout.strip()


def insert_rows(n: int, buyers: int, seed: int, env: dict[str, str]) -> dict:
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SEARCH_INDEX_DIR", "UPLOAD_DIR",
                                           "SECRET_KEY", "OCOP_ENV", "SEARCH_BACKEND")})
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from ocop_market import create_app
    from ocop_market.accounts.models import User
    from ocop_market.catalog.models import OcopCertificate, Producer, Product, ProductGroup
    from ocop_market.extensions import db
    from ocop_market.places import Province
    from ocop_market.reference import ensure_reference_data
    from ocop_market.text import slugify

    rows = generate(n, seed)
    rng = random.Random(seed + 1)
    now = dt.datetime.now(dt.UTC)
    app = create_app({"SEARCH_APPLY": "off"})  # the index is rebuilt in one go afterwards
    with app.app_context():
        ensure_reference_data()
        db.session.commit()
        province_ids = dict(db.session.execute(select(Province.code, Province.id)).all())
        group_ids = dict(db.session.execute(select(ProductGroup.code, ProductGroup.id)).all())

        # Producers: synth's producer ids, made unique on (name, commune, province) as the table requires.
        producer_of: dict[int, int] = {}
        by_place: dict[tuple, int] = {}
        producers = []
        for r in rows:
            key = (r["producer_name"], r["commune"], r["province_code"])
            pid = by_place.get(key)
            if pid is None:
                pid = by_place[key] = len(producers) + 1
                producers.append({
                    "id": pid, "slug": f"{slugify(r['producer_name'])[:100]}-{pid}", "kind": r["producer_kind"],
                    "name": r["producer_name"], "province_id": province_ids[r["province_code"]],
                    "commune": r["commune"], "status": "verified", "verified_at": now, "created_at": now,
                    "updated_at": now,
                })
            producer_of[r["id"]] = pid

        products, certificates, seen = [], [], set()
        for r in rows:
            pid = producer_of[r["id"]]
            name = r["name"]
            if (pid, name) in seen:  # same producer, same name: the table wants them distinct
                name = f"{name} lô {r['id']}"
            seen.add((pid, name))
            products.append({
                "id": r["id"], "slug": r["slug"][:120], "producer_id": pid, "group_id": group_ids[r["group"]],
                "name": name[:160], "description": r["description"], "unit": r["unit"], "price_vnd": r["price_vnd"],
                "stock": r["stock"], "status": "approved", "submitted_at": r["created_at"], "reviewed_at": now,
                "created_at": r["created_at"], "updated_at": r["created_at"],
            })
            if r["stars"]:
                decided = now.date() - dt.timedelta(days=rng.randrange(30, 900))  # valid: under 36 months old
                certificates.append({
                    "product_id": r["id"], "decision_no": f"{rng.randrange(100, 9999)}/QĐ-UBND",
                    "decision_date": decided, "issuing_authority": f"UBND {r['province']}",
                    "level": "central" if r["stars"] == 5 else "province", "score": 50 + 10 * (r["stars"] - 3),
                    "stars": r["stars"], "state": "valid", "created_at": now,
                })

        password_hash = generate_password_hash(BUYER_PASSWORD)  # one hash for all: scrypt is slow on purpose
        users = [{"email": f"buyer{i}@load.example.com", "display_name": f"Người mua {i}",
                  "password_hash": password_hash, "role": "buyer", "session_version": 1, "active": True,
                  "created_at": now} for i in range(1, buyers + 1)]
        # The signed-in areas' pages (bench/load.py --pages): the first producer's owner (their dashboard) and a
        # staff account, whose queues get PENDING listings waiting for review (extra rows: the N stay public).
        users += [{"email": email, "display_name": name, "password_hash": password_hash, "role": role,
                   "session_version": 1, "active": True, "created_at": now}
                  for email, name, role in ((PRODUCER_LOGIN, "Chủ cơ sở thử tải", "producer"),
                                            (STAFF_LOGIN, "Cán bộ thử tải", "staff"))]
        first = products[0]
        pending = [{**first, "id": n + 1 + i, "slug": f"cho-duyet-{i}", "name": f"{first['name']} chờ duyệt {i}",
                    "status": "pending", "reviewed_at": None} for i in range(PENDING_LISTINGS)]

        conn = db.session.connection()
        for table, batch in ((Producer, producers), (Product, products + pending), (OcopCertificate, certificates),
                             (User, users)):
            for start in range(0, len(batch), 2000):
                conn.execute(insert(table), batch[start:start + 2000])
        from sqlalchemy import update

        conn.execute(update(Producer).where(Producer.id == first["producer_id"]).values(
            owner_id=select(User.id).where(User.email == PRODUCER_LOGIN).scalar_subquery()))
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            from sqlalchemy import text

            for table in ("producers", "products"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            # Planner statistics now, as autovacuum would within a minute or two: right after a bulk load
            # the empty-table estimates make the home page's newest-products query a 3,661-loop nested
            # loop (1.2 s instead of 0.2 ms, measured).
            conn.execute(text("ANALYZE"))
        db.session.commit()

    cart_products = [{"id": p["id"], "slug": p["slug"]} for p in products if p["stock"] >= CART_MIN_STOCK]
    return {
        "products": len(products), "producers": len(producers), "certificates": len(certificates),
        "buyers": [u["email"] for u in users if u["role"] == "buyer"], "password": BUYER_PASSWORD,
        "producer_login": PRODUCER_LOGIN, "staff_login": STAFF_LOGIN,
        "product_slugs": [p["slug"] for p in products],
        "cart_products": cart_products,
        "searches": [search_url(q) for q in QUERY_MIX],
    }


def search_url(q) -> str:
    from urllib.parse import urlencode

    params = {"q": q.q or None, "group": q.group, "stars": q.stars, "province": q.province,
              "min_price": q.min_price, "max_price": q.max_price, "in_stock": 1 if q.in_stock else None,
              "sort": q.sort if q.sort != "relevance" else None}
    return "/tim-kiem?" + urlencode({k: v for k, v in params.items() if v is not None})


def analyze(db_url: str) -> None:
    """Planner statistics, as `flask catalog import` leaves them (cli._refresh_statistics) on both engines."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def seed(db_url: str, workdir: Path, n: int, buyers: int, seed_value: int = 42, search_backend: str = "tantivy") -> dict:
    env = app_env(db_url, workdir, search_backend)
    timings = {}
    t = time.monotonic()
    wipe(db_url, workdir)
    flask(["db", "upgrade"], env)
    timings["schema_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    plan = insert_rows(n, buyers, seed_value, env)
    timings["insert_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    plan["reindex"] = flask(["search", "reindex"], env)
    analyze(db_url)  # again: the PostgreSQL search backend's documents table was just filled
    timings["reindex_s"] = round(time.monotonic() - t, 1)
    plan["timings"] = timings
    (workdir / "plan.json").write_text(json.dumps(plan, ensure_ascii=False))
    return plan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="sqlite", help="sqlite, or a postgresql+psycopg:// URL")
    ap.add_argument("--workdir", default="/tmp/ocop-load/sqlite")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--buyers", type=int, default=64)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--search-backend", default="tantivy", choices=["tantivy", "whoosh", "postgres"])
    args = ap.parse_args()
    workdir = Path(args.workdir)
    url = f"sqlite:///{workdir / 'load.sqlite3'}" if args.db == "sqlite" else args.db
    plan = seed(url, workdir, args.n, args.buyers, args.seed, args.search_backend)
    print(json.dumps({k: plan[k] for k in ("products", "producers", "certificates", "reindex", "timings")},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
