"""Two versions of the shop side by side, request by request: "is this change not slower?" on a noisy machine.

Each git ref gets a checkout of its own (a detached worktree under --workdir) and a shop of its own built by that
checkout's `bench/load_seed.py` (N products on SQLite, its own migrations, its own search index). One worker
process per ref loads that checkout's app and answers "time this URL" over a pipe: the CPU time of its thread for
one request through the whole WSGI stack (Flask test client), and the SQL statements the request sent. The
driver asks the two workers in turn for the same URL, the order flipped at random each time, so both see the same
moments of the machine's load; the per-request ratio new/base is what to read, not the absolute times.

    .venv/bin/python bench/page_ab.py --base 68712cd --new HEAD --n 10000 --rounds 20
    .venv/bin/python bench/page_ab.py --base main --new my-branch --pages search --rounds 10
    .venv/bin/python bench/page_ab.py --base 402044e --new HEAD --pages signed --rounds 30

Pages: the 24 search URLs of the load plan (`search`), and home, catalog list, a product page, a producer page and
the API search (`pages`), anonymous, every request uncached unless the tree itself caches responses; and the
signed-in areas' pages (`signed`), each asked by its role (the load shop's buyer, producer and staff, signed in once
through the login form before the timing starts).
A measurement, not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402

# The worker runs inside the other checkout: it imports that tree's ocop_market and nothing from this one.
WORKER = r'''
import json, sys, time
tree, url, index, uploads, instance = sys.argv[1:6]
sys.path.insert(0, tree)
from sqlalchemy import event
from ocop_market import create_app
from ocop_market.extensions import db
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance, "SEARCH_INDEX_DIR": index,
                  "UPLOAD_DIR": uploads, "SEARCH_BACKEND": "tantivy", "SECRET_KEY": "page-ab-" + "x" * 40,
                  "SEARCH_APPLY": "off"})
clients = {"-": app.test_client()}


def client_of(role):
    """Anonymous ("-"), or signed in through the real login form as the load shop's buyer, producer or staff."""
    if role not in clients:
        import re
        from bench.load_seed import BUYER_PASSWORD, PRODUCER_LOGIN, STAFF_LOGIN
        login = {"buyer": "buyer1@load.example.com", "producer": PRODUCER_LOGIN, "staff": STAFF_LOGIN}[role]
        c = app.test_client()
        form = c.get("/tai-khoan/dang-nhap").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        resp = c.post("/tai-khoan/dang-nhap", data={"csrf_token": token, "login": login, "password": BUYER_PASSWORD})
        assert resp.status_code == 302, (role, resp.status_code)
        clients[role] = c
    return clients[role]


count = [0]
# The engine is read inside an app context and the requests are made outside one: a request made while an app
# context is pushed reuses it, and with it `g`, so whatever a page keeps in `g` for its own request (the signed-in
# user, the groups read once per request) would carry over to the next one and go untimed.
with app.app_context():
    engine = db.engine
event.listen(engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
print("ready", flush=True)
for line in sys.stdin:
    role, _, path = line.strip().partition(" ")
    client = client_of(role)  # the sign-in's own requests are not timed
    count[0] = 0
    c0 = time.thread_time()
    resp = client.get(path)
    spent = (time.thread_time() - c0) * 1000
    print(json.dumps({"ms": spent, "status": resp.status_code, "statements": count[0]}), flush=True)
'''


def checkout(ref: str, workdir: Path) -> tuple[str, Path]:
    sha = subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", ref], text=True).strip()
    tree = workdir / sha[:10] / "tree"
    if not (tree / "ocop_market").exists():
        tree.parent.mkdir(parents=True, exist_ok=True)
        subprocess.check_call(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), sha],
                              stdout=subprocess.DEVNULL)
        # this venv serves both trees (load_seed.py runs the tree's .venv/bin/flask); a ref whose lock needs
        # packages this venv lacks fails at import, loudly
        (tree / ".venv").symlink_to(Path(sys.prefix))
        # the catalogs compiled, so both trees render through the same gettext path
        subprocess.check_call([str(Path(sys.executable).parent / "pybabel"), "compile", "--use-fuzzy", "-d",
                               str(tree / "ocop_market" / "translations")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    return sha, tree


def shop(tree: Path, n: int) -> Path:
    data = tree.parent / f"shop-{n}"
    if not (data / "plan.json").exists():
        subprocess.check_call([sys.executable, str(tree / "bench" / "load_seed.py"), "--workdir", str(data),
                               "--n", str(n), "--buyers", "2"], cwd=tree, stdout=subprocess.DEVNULL)
    return data


class Worker:
    def __init__(self, tree: Path, data: Path):
        db_file = data / "load.sqlite3"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tree), f"sqlite:///{db_file}", str(data / "search_index"),
             str(data / "uploads"), str(data / "instance")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)})
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def time(self, path: str) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        role, path = path.split(" ", 1) if " " in path else ("-", path)
        self.proc.stdin.write(f"{role} {path}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def urls(data: Path, which: set[str]) -> list[tuple[str, str]]:
    plan = json.loads((data / "plan.json").read_text())
    out = [("search", u) for u in plan["searches"]] if "search" in which else []
    if "pages" in which:
        with sqlite3.connect(data / "load.sqlite3") as conn:
            producer = conn.execute("SELECT slug FROM producers WHERE status = 'verified' ORDER BY id LIMIT 1").fetchone()[0]
        out += [("home", "/"), ("list", "/san-pham"), ("product", f"/san-pham/{plan['product_slugs'][0]}"),
                ("producer", f"/co-so/{producer}"), ("api search", "/api/v1/products?q=hat+de")]
    if "signed" in which:  # the signed-in areas' own pages (bench/load.py --pages), each asked by its role
        out += [("buyer: home", "buyer /"), ("buyer: product", f"buyer /san-pham/{plan['product_slugs'][0]}"),
                ("buyer: cart", "buyer /gio-hang"), ("buyer: order history", "buyer /don-hang"),
                ("producer dashboard", "producer /gian-hang/"), ("producer orders", "producer /gian-hang/don-hang/"),
                ("staff listing queue", "staff /quan-tri/san-pham/cho-duyet"),
                ("staff producer queue", "staff /quan-tri/co-so/cho-xac-minh"),
                ("staff orders", "staff /quan-tri/don-hang/")]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="git ref of the version to compare against")
    ap.add_argument("--new", default="HEAD")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--pages", default="search,pages",
                    help="search, pages (anonymous), signed (the signed-in areas' pages), comma-separated")
    ap.add_argument("--workdir", default="/tmp/ocop-page-ab")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    workdir = Path(args.workdir)
    (base_sha, base_tree), (new_sha, new_tree) = checkout(args.base, workdir), checkout(args.new, workdir)
    base_data, new_data = shop(base_tree, args.n), shop(new_tree, args.n)
    plan = urls(new_data, set(args.pages.split(",")))
    base_plan = dict(urls(base_data, set(args.pages.split(","))))  # same synthetic shop; slugs match by seed
    base, new = Worker(base_tree, base_data), Worker(new_tree, new_data)
    rng = random.Random(args.seed)
    started = dt.datetime.now(dt.UTC)
    load = [os.getloadavg()[0]]
    samples: dict[str, dict[str, list[dict]]] = {}
    for round_no in range(args.rounds + 1):
        for kind, path in plan:
            base_path = path if kind == "search" else base_plan.get(kind, path)
            pair = [("base", base, base_path), ("new", new, path)]
            rng.shuffle(pair)
            got = {name: worker.time(p) for name, worker, p in pair}
            if round_no:  # the first round warms both up
                for name in ("base", "new"):
                    samples.setdefault(kind, {}).setdefault(name, []).append(got[name])
        load.append(os.getloadavg()[0])
    base.close()
    new.close()
    ended = dt.datetime.now(dt.UTC)

    print(f"## Page A/B — {started:%Y-%m-%d %H:%M}–{ended:%H:%M} UTC, load average {min(load):.1f}–{max(load):.1f}")
    print()
    print(f"`{' '.join(['.venv/bin/python', 'bench/page_ab.py'] + sys.argv[1:])}` — base `{base_sha[:7]}`, "
          f"new `{new_sha[:7]}`, {args.n:,} products each (bench/load_seed.py, SQLite, tantivy), "
          f"{args.rounds} rounds after a warm-up; CPU ms of the requesting thread")
    print()
    print("| page | requests | base p50 / p95 | new p50 / p95 | new/base per request: median (p25–p75) "
          "| statements base → new | non-200 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, by in samples.items():
        b, w = by["base"], by["new"]
        bms, wms = [s["ms"] for s in b], [s["ms"] for s in w]
        ratios = sorted(x["ms"] / y["ms"] for x, y in zip(w, b) if y["ms"] > 0)
        bad = sum(s["status"] != 200 for s in b + w)
        print(f"| {kind} | {len(b)} | {percentile(bms, 50):.2f} / {percentile(bms, 95):.2f} | "
              f"{percentile(wms, 50):.2f} / {percentile(wms, 95):.2f} | {statistics.median(ratios):.3f} "
              f"({percentile(ratios, 25):.3f}–{percentile(ratios, 75):.3f}) | "
              f"{statistics.mean(s['statements'] for s in b):.2f} → {statistics.mean(s['statements'] for s in w):.2f} "
              f"| {bad} |", flush=True)


if __name__ == "__main__":
    main()
