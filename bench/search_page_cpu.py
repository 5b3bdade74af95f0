"""CPU of one uncached search page request (issue 16: ≤ 5 ms), and how much of it the engine takes.

The shop of bench/load.py (bench/load_seed.py: 10,000 products on SQLite, the index built by `flask search
reindex`), the search URLs of its locust plan (the 24 queries of bench/common.py as /tim-kiem URLs). Each
URL is requested through the whole WSGI stack (Flask test client: routing, the view, row loading,
templates, i18n) in rounds, and the CPU time of the requesting thread is recorded per request; beside it,
the CPU of `SearchService.query()` alone for the same query, so the page's own cost is visible. Nothing is
cached between requests except what the app keeps per process (compiled queries, the open index).

    .venv/bin/python bench/search_page_cpu.py --backends tantivy,whoosh --rounds 10
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from bench.load_seed import app_env, seed  # noqa: E402


def measure(backend: str, workdir: Path, n: int, rounds: int) -> dict:
    url = f"sqlite:///{workdir / 'load.sqlite3'}"
    plan = seed(url, workdir, n, 4, 42, backend)
    env = app_env(url, workdir, backend)
    from ocop_market import create_app
    from ocop_market.search import SearchQuery, get_search

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": env["INSTANCE_PATH"],
                      "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"], "UPLOAD_DIR": env["UPLOAD_DIR"],
                      "SEARCH_BACKEND": backend, "SECRET_KEY": env["SECRET_KEY"], "SEARCH_APPLY": "off"})
    client = app.test_client()
    page, engine = [], []
    with app.app_context():
        service = get_search(app)
        for round_no in range(rounds + 1):
            for search_url in plan["searches"]:
                c0 = time.thread_time()
                resp = client.get(search_url)
                spent = (time.thread_time() - c0) * 1000
                assert resp.status_code == 200, (search_url, resp.status_code)
                args = dict(parse_qsl(urlsplit(search_url).query))
                query = SearchQuery.from_args(args, per_page=app.config.get("PRODUCTS_PER_PAGE", 24))
                c0 = time.thread_time()
                service.query(query)
                alone = (time.thread_time() - c0) * 1000
                if round_no:  # the first round warms up
                    page.append(spent)
                    engine.append(alone)
    return {"backend": backend, "page": page, "engine": engine, "reindex": plan["reindex"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backends", default="tantivy,whoosh")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--workdir", default="/tmp/ocop-search-page")
    args = ap.parse_args()
    print(f"## Search page CPU per uncached request — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
          f"load average {os.getloadavg()[0]:.2f}")
    print()
    print(f"`{' '.join(['.venv/bin/python', 'bench/search_page_cpu.py'] + sys.argv[1:])}` — {args.n:,} products "
          f"(bench/load_seed.py, SQLite), the 24 search URLs of the load plan, {args.rounds} rounds after one warm-up")
    print()
    print("| backend | page CPU p50 | page CPU p95 | of which `SearchService.query` p50 | p95 | page minus engine p50 |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        r = measure(backend, Path(args.workdir) / backend, args.n, args.rounds)
        p50, p95 = percentile(r["page"], 50), percentile(r["page"], 95)
        e50, e95 = percentile(r["engine"], 50), percentile(r["engine"], 95)
        print(f"| {backend} | {p50:.2f} ms | {p95:.2f} ms | {e50:.2f} ms | {e95:.2f} ms | {p50 - e50:.2f} ms |",
              flush=True)


if __name__ == "__main__":
    main()
