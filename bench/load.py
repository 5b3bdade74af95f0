"""Load test (issue 7 item 4): locust, headless, against gunicorn on 127.0.0.1, 10,000 seeded products.

For each target, in one run: the bare Flask ceiling (bench/bare_app.py), the project on SQLite, the project on
PostgreSQL with the Whoosh index ("postgres") and with SEARCH_BACKEND=postgres ("postgres-fts"), and the bare
ceiling again at the end, to see drift on a shared machine. Each target gets a fresh
database seeded by bench/load_seed.py, its own gunicorn (same settings for all), warm-up requests, then
`locust --headless -u USERS -t DURATION`. The report (markdown, stdout and --out) gives requests/s,
p50/p95/p99, failures and 5xx per target and per request kind, and the project/bare ratio.

    make bench-load                                  # 60 s per target, 16 users, all targets
    .venv/bin/python bench/load.py --duration 10 --users 8 --targets bare,sqlite   # a smoke run

Only loopback is ever a target; user count and duration are bounded (--users <= 64, --duration <= 300).
gunicorn: `-c gunicorn.conf.py` when the repository has one, with workers/threads/bind forced on the command
line (so the bare app and the project run the same settings), else `-w 2 --threads 4`.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_seed import app_env, seed  # noqa: E402

LOCUST = ROOT / "bench/.venv/bin/locust"
GUNICORN = ROOT / ".venv/bin/gunicorn"
HOST = "127.0.0.1"
MAX_USERS, MAX_DURATION = 64, 300
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test_load"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def gunicorn_cmd(app: str, port: int, workers: int, threads: int, chdir: Path, log: Path) -> list[str]:
    cmd = [str(GUNICORN)]
    conf = ROOT / "gunicorn.conf.py"
    if conf.exists():
        cmd += ["-c", str(conf)]
    cmd += ["--chdir", str(chdir), "-w", str(workers), "--threads", str(threads), "-k", "gthread",
            "-b", f"{HOST}:{port}", "--error-logfile", str(log), app]
    return cmd


class Server:
    """A gunicorn process group, stopped (TERM, then KILL) on exit; its CPU time is read after it is reaped."""

    def __init__(self, cmd: list[str], env: dict, ready_path: str, port: int):
        self.cmd, self.port = cmd, port
        self.cpu_before = child_cpu()
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}{ready_path}", timeout=5) as r:
                    if r.status == 200:
                        return
            except Exception:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not become ready: {shlex.join(cmd)}")
            time.sleep(0.3)

    def stop(self) -> float:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its workers and waits for them
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return child_cpu() - self.cpu_before


def warm(port: int, paths: list[str]) -> None:
    for p in paths:
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}{p}", timeout=30).read()
        except Exception:
            pass


def run_locust(user_class: str, port: int, users: int, duration: int, csv_prefix: Path, plan: Path | None,
               wait: float) -> tuple[list[dict], float, str]:
    env = dict(os.environ, LOAD_WAIT=str(wait), LOAD_STATUS_OUT=f"{csv_prefix}_status.json")
    if plan is not None:
        env["LOAD_PLAN"] = str(plan)
    cmd = [str(LOCUST), "-f", str(ROOT / "bench/load_locustfile.py"), "--headless", "--only-summary",
           "-u", str(users), "-r", str(users), "-t", f"{duration}s", "--stop-timeout", "10",
           "--host", f"http://{HOST}:{port}", "--csv", str(csv_prefix), "--loglevel", "WARNING", user_class]
    for suffix in ("_stats.csv", "_failures.csv", "_status.json"):
        Path(f"{csv_prefix}{suffix}").unlink(missing_ok=True)
    before = child_cpu()
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=duration + 120)
    cpu = child_cpu() - before
    rows = list(csv.DictReader(open(f"{csv_prefix}_stats.csv", encoding="utf-8")))
    if out.returncode not in (0, 1):  # 1: locust's "there were failures"
        raise SystemExit(f"locust failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return rows, cpu, shlex.join(cmd)


def failures(csv_prefix: Path) -> list[dict]:
    path = Path(f"{csv_prefix}_failures.csv")
    return list(csv.DictReader(open(path, encoding="utf-8"))) if path.exists() else []


def statuses(csv_prefix: Path) -> dict[str, int]:
    """Responses by HTTP status over the whole run (bench/load_locustfile.py writes them at exit)."""
    path = Path(f"{csv_prefix}_status.json")
    return json.loads(path.read_text()) if path.exists() else {}


def server_errors(log: Path) -> list[str]:
    if not log.exists():
        return []
    lines = log.read_text(errors="replace").splitlines()
    return [ln for ln in lines if "Traceback" in ln or "ERROR" in ln or "Exception" in ln]


def target(name: str, args, workdir: Path) -> dict:
    work = workdir / name
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = work / "gunicorn.log"
    log.unlink(missing_ok=True)
    result: dict = {"target": name}
    if name.startswith("bare"):
        cmd = gunicorn_cmd("bare_app:wsgi", port, args.workers, args.threads, ROOT / "bench", log)
        env, plan, ready, user_class, warm_paths = dict(os.environ), None, "/", "BareUser", ["/"] * 20
    else:
        url = f"sqlite:///{work / 'load.sqlite3'}" if name == "sqlite" else args.pg
        backend = "postgres" if name == "postgres-fts" else "tantivy"
        result["search_backend"] = backend
        started = time.monotonic()
        info = seed(url, work, args.products, max(args.users, 1), args.seed, backend)
        result["seed"] = {"products": info["products"], "producers": info["producers"],
                          "certificates": info["certificates"], "reindex": info["reindex"],
                          "seconds": round(time.monotonic() - started, 1)}
        cmd = gunicorn_cmd("wsgi:app", port, args.workers, args.threads, ROOT, log)
        env, plan, ready, user_class = app_env(url, work, backend), work / "plan.json", "/healthz", "ShopBuyer"
        warm_paths = ["/", "/tim-kiem?q=hat+de", "/tim-kiem?q=c%C3%A0+ph%C3%AA&group=drinks&stars=4",
                      f"/san-pham/{info['product_slugs'][0]}", "/tai-khoan/dang-nhap"] * 4
    if args.db_note and not name.startswith("bare"):
        result["database"] = "SQLite (WAL) file" if name == "sqlite" else "PostgreSQL, loopback TCP"
    server = Server(cmd, env, ready, port)
    try:
        warm(port, warm_paths)
        result["load_before"] = loadavg()
        rows, locust_cpu, locust_cmd = run_locust(user_class, port, args.users, args.duration, work / "locust",
                                                  plan, args.wait)
        result["load_after"] = loadavg()
    finally:
        server_cpu = server.stop()
    result.update(gunicorn=shlex.join(cmd), locust=locust_cmd, locust_cpu_s=round(locust_cpu, 1),
                  server_cpu_s=round(server_cpu, 1), rows=rows, failures=failures(work / "locust"),
                  server_log_errors=server_errors(log)[:20], status=statuses(work / "locust"))
    return result


def num(row: dict, key: str) -> float:
    try:
        return float(row.get(key) or 0)
    except ValueError:
        return 0.0


def report(results: list[dict], args, started: str, machine: dict) -> str:
    out = [f"Run {started} UTC · {machine['nproc']} CPUs ({machine['cpu']}) · load average at start "
           f"{machine['load_start']}, at end {machine['load_end']} · {args.users} users, {args.duration} s each, "
           f"think time {args.wait} s · gunicorn -w {args.workers} --threads {args.threads} (gthread)"
           + (" with gunicorn.conf.py (its access log, max_requests recycling and hooks)"
              if (ROOT / "gunicorn.conf.py").exists() else "")
           + f" · {args.products:,} products", ""]
    out += ["| target | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | failures | 5xx | vs bare | "
            "server CPU s | server CPU ms/request | locust CPU s | load avg before → after |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    bare = [num(next(r for r in res["rows"] if r["Name"] == "Aggregated"), "Requests/s")
            for res in results if res["target"].startswith("bare")]
    ceiling = max(bare) if bare else None
    for res in results:
        agg = next(r for r in res["rows"] if r["Name"] == "Aggregated")
        five = sum(n for code, n in res["status"].items() if code.startswith("5"))
        rps = num(agg, "Requests/s")
        ratio = f"{rps / ceiling:.1%}" if ceiling and not res["target"].startswith("bare") else "—"
        out.append(f"| {res['target']} | {int(num(agg, 'Request Count')):,} | {rps:,.1f} | {num(agg, '50%'):.0f} | "
                   f"{num(agg, '95%'):.0f} | {num(agg, '99%'):.0f} | {num(agg, 'Max Response Time'):.0f} | "
                   f"{int(num(agg, 'Failure Count'))} | {five} | {ratio} | {res['server_cpu_s']} | "
                   f"{1000 * res['server_cpu_s'] / max(1, num(agg, 'Request Count')):.2f} | "
                   f"{res['locust_cpu_s']} | {res['load_before']} → {res['load_after']} |")
    for res in results:
        if res["target"].startswith("bare"):
            continue
        out += ["", f"**{res['target']}** (search backend {res['search_backend']}) by request kind "
                f"(seed: {res['seed']['products']:,} products, {res['seed']['producers']:,} producers, "
                f"{res['seed']['certificates']:,} certificates, {res['seed']['reindex']}; "
                f"seed total {res['seed']['seconds']} s)", "",
                "| request | count | req/s | p50 ms | p95 ms | p99 ms | failures |", "|---|---:|---:|---:|---:|---:|---:|"]
        for r in res["rows"]:
            if r["Name"] == "Aggregated":
                continue
            out.append(f"| {r['Type']} {r['Name']} | {int(num(r, 'Request Count')):,} | {num(r, 'Requests/s'):.1f} | "
                       f"{num(r, '50%'):.0f} | {num(r, '95%'):.0f} | {num(r, '99%'):.0f} | {int(num(r, 'Failure Count'))} |")
    out += ["", "Responses by status: " + "; ".join(
        f"{res['target']} " + ", ".join(f"{c}: {n:,}" for c, n in sorted(res["status"].items())) for res in results)]
    problems = [(res["target"], f) for res in results for f in res["failures"]]
    logs = [(res["target"], ln) for res in results for ln in res["server_log_errors"]]
    out += [""]
    if problems or logs:
        out += ["Failures:", ""]
        out += [f"- {t}: {f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}" for t, f in problems]
        out += [f"- {t} server log: {ln}" for t, ln in logs]
    else:
        out += ["Failures: none (locust saw no failed request; the gunicorn error logs have no traceback)."]
    out += ["", "Commands:", ""]
    out += [f"- {res['target']}: `{res['gunicorn'].replace(str(ROOT) + '/', '')}`" for res in results]
    for res in results:
        out.append(f"- locust, {res['target']}: `{res['locust'].replace(str(ROOT) + '/', '')}`")
    return "\n".join(out)


# ---------------------------------------------------------------- --pages: each page on its own (issue 15)
#: The public pages (cached for anonymous visitors) and the signed-in areas' own pages, with who asks for them.
PUBLIC_PAGES = ("home", "catalog list", "group list", "search", "product", "producer", "api search", "api product")
OWN_PAGES = {"cart": "buyer", "order history": "buyer", "producer dashboard": "producer",
             "producer orders": "producer", "staff listing queue": "staff", "staff producer queue": "staff",
             "staff orders": "staff"}
PAGE_MODES = ("anonymous, cache warm", "anonymous, uncached", "signed in")
URLS_PER_PAGE = 20


def page_urls(db_url: str, info: dict) -> dict[str, list[str]]:
    """A fixed set of URLs per page kind (20 at most, so a warm cache holds them all), from the seeded shop."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as conn:
        producers = list(conn.execute(text(
            "SELECT slug FROM producers WHERE status = 'verified' ORDER BY id LIMIT :n"), {"n": URLS_PER_PAGE}).scalars())
    engine.dispose()
    slugs = info["product_slugs"][:: max(1, len(info["product_slugs"]) // URLS_PER_PAGE)][:URLS_PER_PAGE]
    ids = [p["id"] for p in info["cart_products"][:URLS_PER_PAGE]]
    return {
        "home": ["/"],
        "catalog list": [f"/san-pham?page={n}" for n in range(1, 6)]
        + [f"/san-pham?sort={s}" for s in ("price_asc", "price_desc", "best_selling")],
        "group list": [f"/san-pham?group={g}" for g in ("food", "drinks", "herbal", "handicraft", "tourism")],
        "search": info["searches"][:URLS_PER_PAGE],
        "product": [f"/san-pham/{s}" for s in slugs],
        "producer": [f"/co-so/{s}" for s in producers],
        "api search": ["/api/v1/products?" + u.split("?", 1)[1] for u in info["searches"][:URLS_PER_PAGE]],
        "api product": [f"/api/v1/products/{i}" for i in ids],
        "cart": ["/gio-hang"], "order history": ["/don-hang"],
        "producer dashboard": ["/gian-hang/"], "producer orders": ["/gian-hang/don-hang/"],
        "staff listing queue": ["/quan-tri/san-pham/cho-duyet"], "staff producer queue": ["/quan-tri/co-so/cho-xac-minh"],
        "staff orders": ["/quan-tri/don-hang/"],
    }


def tree_cpu_s(master_pid: int) -> float:
    """utime + stime of a gunicorn master and its live workers, from /proc (workers never recycle in this run:
    GUNICORN_MAX_REQUESTS=0, so no worker's CPU leaves the tree)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def settled_cpu_s(master_pid: int, quiet_s: float = 1.0, timeout_s: float = 60.0) -> float:
    """The tree's CPU once it has gone quiet (no tick for `quiet_s`): on a loaded machine a slow page's requests are
    still being rendered after locust stops, and they belong to the run that sent them, not the next one."""
    deadline = time.monotonic() + timeout_s
    last, since = tree_cpu_s(master_pid), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = tree_cpu_s(master_pid)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            break
    return last


def sign_in(port: int, login: str, password: str) -> str:
    """A signed-in session's Cookie header, through the real login form (before the run: scrypt's cost stays out)."""
    import http.cookiejar
    import re
    import urllib.parse

    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    form = opener.open(f"http://{HOST}:{port}/tai-khoan/dang-nhap", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "login": login, "password": password}).encode()
    try:
        opener.open(f"http://{HOST}:{port}/tai-khoan/dang-nhap", data=data, timeout=30)
    except urllib.error.HTTPError as err:
        if err.code != 302:
            raise SystemExit(f"sign-in of {login} answered {err.code}") from None
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def page_run(name: str, mode: str, server: Server, urls: list[str], cookies: list[str], args, work: Path) -> dict:
    spec = work / f"page-{len(list(work.glob('page-*.json')))}.json"
    spec.write_text(json.dumps({"name": name, "urls": urls, "cookies": cookies}, ensure_ascii=False))
    cache_out = work / "x_cache.json"
    cache_out.unlink(missing_ok=True)
    os.environ["LOAD_PAGE"], os.environ["LOAD_CACHE_OUT"] = str(spec), str(cache_out)
    try:
        if mode == "anonymous, cache warm":
            warm(server.port, urls * 2)
        cpu_before = settled_cpu_s(server.proc.pid)
        load_before = loadavg()
        rows, locust_cpu, _cmd = run_locust("PageUser", server.port, args.users, args.page_duration,
                                            work / "locust", None, args.wait)
        cpu = settled_cpu_s(server.proc.pid) - cpu_before
    finally:
        os.environ.pop("LOAD_PAGE"), os.environ.pop("LOAD_CACHE_OUT")
    row = next((r for r in rows if r["Name"] == name), None) or next(r for r in rows if r["Name"] == "Aggregated")
    cache = json.loads(cache_out.read_text()) if cache_out.exists() else {}
    count = int(num(row, "Request Count"))
    hits = cache.get(f"{name}|HIT", 0)
    answered = sum(n for key, n in cache.items() if key.rsplit("|", 1)[0] == name)  # what locust counted, stop included
    return {"page": name, "mode": mode, "requests": count, "rps": num(row, "Requests/s"), "p50": num(row, "50%"),
            "p95": num(row, "95%"), "p99": num(row, "99%"), "failures": int(num(row, "Failure Count")),
            "server_cpu_ms": 1000 * cpu / max(1, answered or count), "hit_rate": hits / answered if answered else 0.0,
            "locust_cpu_s": round(locust_cpu, 1), "load": f"{load_before} → {loadavg()}"}


def pages_target(db: str, n: int, args, workdir: Path) -> dict:
    """One shop (db, n products): bare, then every page in each mode, each its own locust run of --page-duration s."""
    work = workdir / f"pages-{db}-{n}"
    work.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{work / 'load.sqlite3'}" if db == "sqlite" else args.pg
    started = time.monotonic()
    info = seed(url, work, n, max(args.users, 1), args.seed, "tantivy")
    result: dict = {"db": db, "products": info["products"], "seed_s": round(time.monotonic() - started, 1),
                    "runs": []}
    urls = page_urls(url, info)
    log = work / "gunicorn.log"
    env = dict(app_env(url, work, "tantivy"), GUNICORN_MAX_REQUESTS="0")
    port = free_port()
    bare = Server(gunicorn_cmd("bare_app:wsgi", port, args.workers, args.threads, ROOT / "bench", log),
                  dict(os.environ, GUNICORN_MAX_REQUESTS="0"), "/", port)
    try:
        warm(port, ["/"] * 20)
        cpu_before = settled_cpu_s(bare.proc.pid)
        rows, _cpu, _cmd = run_locust("BareUser", port, args.users, args.page_duration, work / "locust", None, args.wait)
        row = next(r for r in rows if r["Name"] == "Aggregated")
        count = int(num(row, "Request Count"))
        result["bare"] = {"rps": num(row, "Requests/s"), "p50": num(row, "50%"), "p95": num(row, "95%"),
                          "p99": num(row, "99%"), "requests": count,
                          "server_cpu_ms": 1000 * (settled_cpu_s(bare.proc.pid) - cpu_before) / max(1, count)}
    finally:
        bare.stop()
    for cache_on in (True, False):
        port = free_port()
        cmd = gunicorn_cmd("wsgi:app", port, args.workers, args.threads, ROOT, log)
        server = Server(cmd, dict(env, RESPONSE_CACHE="1" if cache_on else "0"), "/healthz", port)
        result["gunicorn"] = shlex.join(cmd).replace(str(ROOT) + "/", "")
        try:
            warm(port, [u for page in PUBLIC_PAGES for u in urls[page][:2]])  # imports, index readers, pools
            if cache_on:
                logins = {"buyer": info["buyers"][:args.users], "producer": [info["producer_login"]] * args.users,
                          "staff": [info["staff_login"]] * args.users}
                cookies = {role: [sign_in(port, login, info["password"]) for login in names]
                           for role, names in logins.items()}
                for page in PUBLIC_PAGES:
                    result["runs"].append(page_run(page, "anonymous, cache warm", server, urls[page], [], args, work))
                for page in PUBLIC_PAGES:
                    result["runs"].append(page_run(page, "signed in", server, urls[page], cookies["buyer"], args, work))
                for page, role in OWN_PAGES.items():
                    result["runs"].append(page_run(page, "signed in", server, urls[page], cookies[role], args, work))
            else:
                for page in PUBLIC_PAGES:
                    result["runs"].append(page_run(page, "anonymous, uncached", server, urls[page], [], args, work))
        finally:
            server.stop()
        print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}]   {db} {n:,}: cache {'on' if cache_on else 'off'} done",
              file=sys.stderr, flush=True)
    result["server_log_errors"] = server_errors(log)[:20]
    return result


def pages_report(results: list[dict], args, started: str, machine: dict) -> str:
    out = [f"Run {started} UTC · {machine['nproc']} CPUs ({machine['cpu']}) · load average at start "
           f"{machine['load_start']}, at end {machine['load_end']} · {args.users} users, {args.page_duration} s per "
           f"page and mode, think time {args.wait} s · gunicorn -w {args.workers} --threads {args.threads} (gthread, "
           "gunicorn.conf.py, GUNICORN_MAX_REQUESTS=0) · locust on the same 2 cores", ""]
    for res in results:
        bare = res["bare"]
        out += [f"**{res['db']}, {res['products']:,} products** (seeded in {res['seed_s']} s) — bare: "
                f"{bare['rps']:,.0f} req/s, p50/p95/p99 {bare['p50']:.0f}/{bare['p95']:.0f}/{bare['p99']:.0f} ms, "
                f"server CPU {bare['server_cpu_ms']:.2f} ms/request", "",
                "| page | mode | requests | req/s | % of bare | p50 ms | p95 ms | p99 ms | server CPU ms/request | "
                "cache hits | failures | load avg |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for r in res["runs"]:
            out.append(f"| {r['page']} | {r['mode']} | {r['requests']:,} | {r['rps']:,.1f} | "
                       f"{r['rps'] / bare['rps']:.1%} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | "
                       f"{r['server_cpu_ms']:.2f} | {r['hit_rate']:.0%} | {r['failures']} | {r['load']} |")
        if res["server_log_errors"]:
            out += ["", "Server log errors: " + "; ".join(res["server_log_errors"][:5])]
        out.append("")
    # Growth: the same page and mode from the smallest shop to the largest, per database.
    by = {(r["db"], r["products"], run["page"], run["mode"]): run for r in results for run in r["runs"]}
    for db in dict.fromkeys(r["db"] for r in results):
        sizes = sorted({r["products"] for r in results if r["db"] == db})
        if len(sizes) < 2:
            continue
        small, large = sizes[0], sizes[-1]
        out += [f"Growth {small:,} → {large:,} products on {db} (server CPU ms/request, p95 ms):", "",
                "| page | mode | CPU small | CPU large | growth | p95 small | p95 large |",
                "|---|---|---:|---:|---:|---:|---:|"]
        for (d, size, page, mode), run in by.items():
            other = by.get((d, large, page, mode))
            if d != db or size != small or other is None:
                continue
            growth = other["server_cpu_ms"] / run["server_cpu_ms"] - 1 if run["server_cpu_ms"] else 0.0
            out.append(f"| {page} | {mode} | {run['server_cpu_ms']:.2f} | {other['server_cpu_ms']:.2f} | "
                       f"{growth:+.0%} | {run['p95']:.0f} | {other['p95']:.0f} |")
        out.append("")
    out += ["Command: `" + " ".join(shlex.quote(a) for a in sys.argv).replace(str(ROOT) + "/", "") + "`"]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--targets", default="bare,sqlite,postgres,postgres-fts,bare-end",
                    help="comma list of bare, sqlite, postgres (Whoosh search), postgres-fts (SEARCH_BACKEND=postgres), "
                         "bare-end; run in the order given")
    ap.add_argument("--users", type=int, default=16)
    ap.add_argument("--duration", type=int, default=60, help="seconds per target")
    ap.add_argument("--wait", type=float, default=0.0, help="think time between a user's tasks (s)")
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--pg", default=os.environ.get("LOAD_PG_URL", DEFAULT_PG),
                    help="PostgreSQL URL of a database used only by this test: its schema is dropped")
    ap.add_argument("--workdir", default="/tmp/ocop-load")
    ap.add_argument("--out", help="also write the markdown report here")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--pages", action="store_true",
                    help="issue 15: each page on its own (anonymous with the cache warm, uncached, signed in; the "
                         "signed-in areas' pages) beside bare, per database and size")
    ap.add_argument("--dbs", default="sqlite,postgres", help="with --pages: sqlite and/or postgres")
    ap.add_argument("--sizes", default="10000,50000", help="with --pages: catalogue sizes, comma list")
    ap.add_argument("--page-duration", type=int, default=10, help="with --pages: seconds per page and mode")
    args = ap.parse_args()
    args.db_note = True
    if not 1 <= args.users <= MAX_USERS or not 1 <= args.duration <= MAX_DURATION:
        raise SystemExit(f"--users must be 1..{MAX_USERS} and --duration 1..{MAX_DURATION}")
    if not LOCUST.exists():
        raise SystemExit("locust is not installed: run `make bench-load` (it creates bench/.venv)")
    workdir = Path(args.workdir)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "?")
    machine = {"nproc": os.cpu_count(), "cpu": cpu, "load_start": loadavg()}
    if args.pages:
        if not 1 <= args.page_duration <= MAX_DURATION:
            raise SystemExit(f"--page-duration must be 1..{MAX_DURATION}")
        page_results = []
        for db in [d.strip() for d in args.dbs.split(",") if d.strip()]:
            if db not in ("sqlite", "postgres"):
                raise SystemExit(f"unknown database {db}")
            for n in [int(x) for x in args.sizes.split(",") if x.strip()]:
                print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] pages: {db} {n:,} ...", file=sys.stderr, flush=True)
                page_results.append(pages_target(db, n, args, workdir))
                if args.json:  # after each shop: a run stopped half-way keeps what it measured
                    Path(args.json).write_text(json.dumps({"machine": machine, "results": page_results},
                                                          ensure_ascii=False, indent=1))
        machine["load_end"] = loadavg()
        text = pages_report(page_results, args, started, machine)
        print(text)
        if args.out:
            Path(args.out).write_text(text + "\n", encoding="utf-8")
        if args.json:
            Path(args.json).write_text(json.dumps({"machine": machine, "results": page_results},
                                                  ensure_ascii=False, indent=1))
        return
    results = []
    for name in [t.strip() for t in args.targets.split(",") if t.strip()]:
        if name not in ("bare", "sqlite", "postgres", "postgres-fts", "bare-end"):
            raise SystemExit(f"unknown target {name}")
        print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {name} ...", file=sys.stderr, flush=True)
        results.append(target(name, args, workdir))
    machine["load_end"] = loadavg()
    text = report(results, args, started, machine)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine, "results": results}, ensure_ascii=False, indent=1))
    bad = sum(int(num(next(r for r in res["rows"] if r["Name"] == "Aggregated"), "Failure Count")) for res in results)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
