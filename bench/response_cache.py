"""The response cache (issue 15) beside the bare Flask endpoint, request by request, in one process.

One shop (bench/load_seed.py: N synthetic products on SQLite, the tantivy index built by `flask search reindex`),
three apps on it: the shop with RESPONSE_CACHE off (every request rendered: today's cost), the shop with the cache
on (files in the shop's instance folder, or Redis with --redis-url), and bench/bare_app.py (one route answering
"ok": the ceiling). Each request goes through the whole WSGI stack (Flask test client) and its CPU time (the
requesting thread) and SQL statements are recorded. Per page and round: bare, uncached, a miss (the catalogue
generation bumped just before, so the page renders and is stored), then a hit; the four alternate, so the
machine's load falls on all of them alike.

    .venv/bin/python bench/response_cache.py --n 10000 --rounds 30
    .venv/bin/python bench/response_cache.py --n 10000 --redis-url redis://127.0.0.1:6379/8
    .venv/bin/python bench/response_cache.py --n 10000 --gunicorn --reuse

With --gunicorn the same four are measured from outside as well, as issue 15 measured them: one gunicorn per app
(the project's gunicorn.conf.py, one gthread worker with one thread, worker recycling off), keep-alive requests one
after another from this process, and the server's CPU per request read from the worker's /proc stat (clock ticks,
so each figure is the worker's CPU over a block of requests divided by their number: --requests per page for bare
and hits, a tenth of that for uncached pages and misses).

Anonymous visitors without a session (the cached case). A measurement, not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from bench.load_seed import app_env, seed  # noqa: E402

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36"}
MODES = ("bare", "uncached", "miss", "hit")


def pages(workdir: Path, plan: dict) -> list[tuple[str, str]]:
    with sqlite3.connect(workdir / "load.sqlite3") as conn:
        producer = conn.execute("SELECT slug FROM producers WHERE status = 'verified' ORDER BY id LIMIT 1").fetchone()[0]
        product_id = conn.execute("SELECT id FROM products WHERE slug = ?", (plan["product_slugs"][0],)).fetchone()[0]
    return [("home", "/"), ("catalog list", "/san-pham"), ("group list", "/san-pham?group=food"),
            ("search 'hat de'", "/tim-kiem?q=hat+de"), ("product", f"/san-pham/{plan['product_slugs'][0]}"),
            ("producer", f"/co-so/{producer}"), ("api search", "/api/v1/products?q=hat+de"),
            ("api product", f"/api/v1/products/{product_id}")]


class Timed:
    """A test client that reports CPU ms, SQL statements and the X-Cache header of one request."""

    def __init__(self, app, engine=None):
        self.client = app.test_client()
        self.count = 0
        if engine is not None:
            from sqlalchemy import event

            event.listen(engine, "before_cursor_execute", self._statement)

    def _statement(self, *_args) -> None:
        self.count += 1

    def get(self, path: str) -> dict:
        self.count = 0
        c0 = time.thread_time()
        resp = self.client.get(path, headers=BROWSER)
        spent = (time.thread_time() - c0) * 1000
        return {"ms": spent, "status": resp.status_code, "statements": self.count,
                "cache": resp.headers.get("X-Cache", "-"), "bytes": len(resp.get_data())}


def worker_cpu_s(master_pid: int) -> float:
    """CPU seconds (user + system) of the gunicorn master's one worker, all its threads."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    assert len(children) == 1, f"expected one worker, found {children}"
    fields = Path(f"/proc/{children[0]}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def gunicorn_run(plan_pages, env: dict, workdir: Path, cached_app, requests: int, redis_url: str) -> dict:
    """Per page and mode: (server CPU ms per request, requests, X-Cache values seen)."""
    import http.client

    from bench.load import Server, free_port, gunicorn_cmd
    from ocop_market import response_cache

    base_env = {**env, "GUNICORN_MAX_REQUESTS": "0", "GUNICORN_LOG_LEVEL": "warning", "GUNICORN_KEEPALIVE": "600",
                "SEARCH_APPLY": "off",
                "PROMOTION_COUNTER_FLUSH_EVENTS": "200"}
    servers = {}
    for mode, app_path, extra in (("bare", "bare_app:wsgi", {}),
                                  ("uncached", "wsgi:app", {"RESPONSE_CACHE": "0", "REDIS_URL": ""}),
                                  ("cached", "wsgi:app", {"RESPONSE_CACHE": "1", "REDIS_URL": redis_url})):
        port = free_port()
        chdir = ROOT / "bench" if mode == "bare" else ROOT
        cmd = gunicorn_cmd(app_path, port, 1, 1, chdir, workdir / f"gunicorn-{mode}.log")
        servers[mode] = Server(cmd, {**base_env, **extra}, "/", port)
    out: dict = {}
    try:
        conns = {m: http.client.HTTPConnection("127.0.0.1", s.port, timeout=60) for m, s in servers.items()}

        def fetch(mode: str, path: str) -> str:
            try:
                conns[mode].request("GET", path, headers=BROWSER)
                resp = conns[mode].getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # the server ended an idle keep-alive connection: a new one, as a browser would
                conns[mode].close()
                conns[mode] = http.client.HTTPConnection("127.0.0.1", servers[mode].port, timeout=60)
                conns[mode].request("GET", path, headers=BROWSER)
                resp = conns[mode].getresponse()
            resp.read()
            assert resp.status == 200, (mode, path, resp.status)
            return resp.getheader("X-Cache") or "-"

        for name, path in plan_pages:
            for mode in ("bare", "uncached", "cached"):
                fetch(mode, "/" if mode == "bare" else path)  # warm: the hit block starts with the page stored
            row = {}
            for mode, server_mode, count in (("bare", "bare", requests), ("uncached", "uncached", max(20, requests // 10)),
                                             ("miss", "cached", max(20, requests // 10)), ("hit", "cached", requests)):
                seen = []
                before = worker_cpu_s(servers[server_mode].proc.pid)
                for _ in range(count):
                    if mode == "miss":
                        response_cache.bump(cached_app)  # in this process (not the worker's CPU), on its store
                    seen.append(fetch(server_mode, "/" if mode == "bare" else path))
                spent = worker_cpu_s(servers[server_mode].proc.pid) - before
                row[mode] = (1000 * spent / count, count, seen)
            out[name] = row
            print(f"  gunicorn {name}: " + ", ".join(f"{m} {v[0]:.2f} ms" for m, v in row.items()), file=sys.stderr)
        for c in conns.values():
            c.close()
    finally:
        for server in servers.values():
            server.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--workdir", default="/tmp/ocop-response-cache")
    ap.add_argument("--redis-url", default="", help="the cache in this Redis instead of files (its keys are flushed)")
    ap.add_argument("--reuse", action="store_true", help="keep the shop of an earlier run in --workdir")
    ap.add_argument("--gunicorn", action="store_true", help="also measure server CPU under gunicorn")
    ap.add_argument("--requests", type=int, default=300, help="gunicorn: requests per page for bare and hits")
    args = ap.parse_args()
    workdir = Path(args.workdir)
    url = f"sqlite:///{workdir / 'load.sqlite3'}"
    t = time.monotonic()
    if args.reuse and (workdir / "plan.json").exists():
        import json

        plan = json.loads((workdir / "plan.json").read_text())
    else:
        plan = seed(url, workdir, args.n, 2)
    built = time.monotonic() - t
    env = app_env(url, workdir)

    from bench.bare_app import app as bare_app
    from ocop_market import create_app, response_cache
    from ocop_market.extensions import db

    def shop_app(cache: bool):
        cfg = {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": env["INSTANCE_PATH"],
               "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"], "UPLOAD_DIR": env["UPLOAD_DIR"],
               "SEARCH_BACKEND": "tantivy", "SECRET_KEY": env["SECRET_KEY"], "SEARCH_APPLY": "off",
               "RESPONSE_CACHE": cache, "REDIS_URL": args.redis_url if cache else "",
               # the promotion counters flushed as in production (every 200 events or 30 s), not per request
               "PROMOTION_COUNTER_FLUSH_EVENTS": 200, "PROMOTION_COUNTER_FLUSH_SECONDS": 30}
        return create_app(cfg)

    uncached_app, cached_app = shop_app(False), shop_app(True)
    if args.redis_url:
        cached_app.extensions["response_cache"].clear()
    with uncached_app.app_context():
        uncached = Timed(uncached_app, db.engine)
    with cached_app.app_context():
        cached = Timed(cached_app, db.engine)
    bare = Timed(bare_app)
    plan_pages = pages(workdir, plan)
    samples: dict[str, dict[str, list[dict]]] = {name: {m: [] for m in MODES} for name, _ in plan_pages}
    started = dt.datetime.now(dt.UTC)
    load = [os.getloadavg()[0]]
    for round_no in range(args.rounds + 1):
        for name, path in plan_pages:
            got = {"bare": bare.get("/"), "uncached": uncached.get(path)}
            response_cache.bump(cached_app)  # the page must render again and be stored
            got["miss"] = cached.get(path)
            got["hit"] = cached.get(path)
            if round_no:  # the first round warms every app up
                for mode in MODES:
                    samples[name][mode].append(got[mode])
        load.append(os.getloadavg()[0])
    served = gunicorn_run(plan_pages, env, workdir, cached_app, args.requests, args.redis_url) if args.gunicorn else {}
    ended = dt.datetime.now(dt.UTC)

    backend = "Redis" if args.redis_url else "files (instance/response_cache)"
    print(f"## Response cache — {started:%Y-%m-%d %H:%M}–{ended:%H:%M} UTC, load average {min(load):.1f}–{max(load):.1f}")
    print()
    print(f"`{' '.join(['.venv/bin/python', 'bench/response_cache.py'] + sys.argv[1:])}` — {plan['products']:,} "
          f"products (bench/load_seed.py, SQLite, tantivy; "
          f"{'shop of the last run' if args.reuse else f'shop built in {built:.0f} s'}), cache on {backend}, "
          f"{args.rounds} rounds after a warm-up; CPU ms of the requesting thread per request (Flask test client), "
          "p50 / p95; % of bare = bare's p50 over the page's p50 (the share of the bare endpoint's throughput)")
    print()
    print("| page | bare | uncached | % of bare | miss (render + store) | hit | % of bare | hit / uncached "
          "| statements uncached → hit | X-Cache of hits | bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, by in samples.items():
        ms = {m: [s["ms"] for s in by[m]] for m in MODES}
        p50 = {m: percentile(ms[m], 50) for m in MODES}
        p95 = {m: percentile(ms[m], 95) for m in MODES}
        hits = sum(s["cache"] == "HIT" for s in by["hit"])
        bad = sum(s["status"] != 200 for m in MODES for s in by[m])
        assert not bad, f"{name}: {bad} responses were not 200"
        stmts_u = sum(s["statements"] for s in by["uncached"]) / len(by["uncached"])
        stmts_h = sum(s["statements"] for s in by["hit"]) / len(by["hit"])
        print(f"| {name} | {p50['bare']:.2f} / {p95['bare']:.2f} | {p50['uncached']:.2f} / {p95['uncached']:.2f} "
              f"| {100 * p50['bare'] / p50['uncached']:.1f} % | {p50['miss']:.2f} / {p95['miss']:.2f} "
              f"| {p50['hit']:.2f} / {p95['hit']:.2f} | {100 * p50['bare'] / p50['hit']:.1f} % "
              f"| {p50['hit'] / p50['uncached']:.3f} | {stmts_u:.1f} → {stmts_h:.1f} | {hits}/{len(by['hit'])} HIT "
              f"| {by['hit'][0]['bytes']:,} |", flush=True)
    if not served:
        return
    print()
    print(f"Under gunicorn (one gthread worker, one thread; server CPU per request from /proc, blocks of {args.requests} "
          f"requests for bare and hits, {max(20, args.requests // 10)} for uncached pages and misses):")
    print()
    print("| page | bare | uncached | % of bare | miss | % of bare | hit | % of bare | hits |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in served.items():
        bare_ms = row["bare"][0]
        cells = []
        for mode in ("uncached", "miss", "hit"):
            ms = row[mode][0]
            cells.append(f"{ms:.2f} | " + (f"{100 * bare_ms / ms:.1f} %" if ms else "–"))
        hits = sum(x == "HIT" for x in row["hit"][2])
        print(f"| {name} | {bare_ms:.2f} | " + " | ".join(cells) + f" | {hits}/{row['hit'][1]} |")


if __name__ == "__main__":
    main()

