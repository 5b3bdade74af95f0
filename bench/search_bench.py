"""Search benchmark (issue 3, "Performance"): the project's search service against an SQLite FTS5 baseline.

    .venv/bin/python bench/search_bench.py --n 20000            # what `make bench` runs
    .venv/bin/python bench/search_bench.py --n 100000 --repeats 15
    .venv/bin/python bench/search_bench.py --n 20000 --profile  # + cProfile of the project engine's queries
    .venv/bin/python bench/search_bench.py --n 20000 --engines fts5,project,postgres --pg-url postgresql+psycopg://...

Both engines get the same synthetic products (bench/synth.py, deterministic by seed) and the same fixed
query mix (bench/common.py). Every query returns top-10, total and the group/stars/province facets, each
facet counted with the other active filters applied. Latency is wall time of one `search()` call, measured
in rounds (every query once per round, in mix order) after warm-up rounds; p50/p95 are nearest-rank.
No timing assertion lives in the tests: this is a measurement, and the machine is shared.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402
from bench.common import FACETS, QUERY_MIX, BenchQuery, EngineResult, percentile  # noqa: E402
from bench.fts5 import Fts5Engine  # noqa: E402
from bench.project import ProjectEngine, ProjectSearchUnavailable  # noqa: E402

TARGET_P95_MS = {20_000: 30.0, 100_000: 100.0}


def dir_size(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def measure(engine, mix: list[BenchQuery], repeats: int, warmup: int) -> tuple[dict, dict, dict]:
    """Per query label: wall-clock latencies (ms), CPU times of this thread (ms), and the last result.

    CPU time is reported beside wall time because the machine is shared: when other sessions load both
    cores, wall time grows with the wait for a CPU while CPU time stays close to the work done.
    """
    samples: dict[str, list[float]] = {q.label: [] for q in mix}
    cpu: dict[str, list[float]] = {q.label: [] for q in mix}
    results: dict[str, EngineResult] = {}
    for round_no in range(warmup + repeats):
        for bq in mix:
            c0 = time.thread_time()
            t0 = time.perf_counter()
            res = engine.search(bq)
            elapsed = (time.perf_counter() - t0) * 1000
            spent = (time.thread_time() - c0) * 1000
            if round_no >= warmup:
                samples[bq.label].append(elapsed)
                cpu[bq.label].append(spent)
            results[bq.label] = res
    return samples, cpu, results


# Functions whose cumulative time explains a project query (matched on the end of "file:function").
PROFILE_SPOTS = [
    ("match all hits (set algebra, _docs)", "whoosh_backend.py:_docs"),
    ("rank top-N (_rank)", "whoosh_backend.py:_rank"),
    ("of which cheap candidate score", "whoosh_backend.py:_cheap_scores"),
    ("of which BM25F of candidates", "whoosh_backend.py:_full_scores"),
    ("filters + facet counts", "whoosh_backend.py:_filter_docs"),
    ("typo candidates (terms_within)", "whoosh_backend.py:_corrections"),
    ("suggestion display forms", "whoosh_backend.py:_display"),
    ("top-N sort by column", "whoosh_backend.py:_sorted"),
    ("highlight", "highlight.py:highlight"),
]


def profile_by_class(engine, mix: list[BenchQuery], rounds: int = 3) -> list[tuple[str, float, dict]]:
    """Per query class: total profiled ms per query and the share of each PROFILE_SPOTS function."""
    rows = []
    for cls in dict.fromkeys(q.cls for q in mix):
        qs = [q for q in mix if q.cls == cls]
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(rounds):
            for bq in qs:
                engine.search(bq)
        prof.disable()
        stats = pstats.Stats(prof).stats
        total = 0.0
        spots = {}
        for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items():
            key = f"{os.path.basename(filename)}:{func}"
            if func == "search" and filename.endswith("bench/project.py"):
                total = max(total, ct)
            for label, spot in PROFILE_SPOTS:
                if key == spot:
                    spots[label] = spots.get(label, 0.0) + ct
        n = rounds * len(qs)
        rows.append((cls, total * 1000 / n, {k: v * 1000 / n for k, v in spots.items()}))
    return rows


def profile_engine(engine, mix: list[BenchQuery], rounds: int = 3, top: int = 25) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(rounds):
        for bq in mix:
            engine.search(bq)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def fmt_ms(v: float | None) -> str:
    return "—" if v is None else (f"{v:.1f}" if v < 100 else f"{v:.0f}")


def run(args) -> str:
    lines: list[str] = []

    def out(s: str = "") -> None:
        print(s, flush=True)
        lines.append(s)

    workdir = args.workdir or tempfile.mkdtemp(prefix="ocop-bench-")
    os.makedirs(workdir, exist_ok=True)
    out(f"## Search benchmark, N = {args.n:,}")
    out()
    out(f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} CPUs ({platform.machine()}), "
        f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}, "
        f"load average at start {os.getloadavg()[0]:.2f}")
    out(f"- command: `{' '.join(['.venv/bin/python', 'bench/search_bench.py'] + sys.argv[1:])}`")
    out(f"- seed {args.seed}, {args.warmup} warm-up + {args.repeats} measured rounds of {len(QUERY_MIX)} queries")

    t0 = time.perf_counter()
    products = synth.generate(args.n, args.seed)
    out(f"- generated {len(products):,} products in {time.perf_counter() - t0:.1f} s")
    product_names = {p["id"]: p["name"] for p in products}
    out()

    engines = []
    build: dict[str, dict] = {}
    for name in args.engines.split(","):
        if name == "fts5":
            engine = Fts5Engine(os.path.join(workdir, "fts5.sqlite3"))
        elif name == "project":
            try:
                engine = ProjectEngine(os.path.join(workdir, "project_index"))
            except ProjectSearchUnavailable as exc:
                out(f"**project search not available**: {exc}. Only the baseline was measured.")
                out()
                continue
        elif name == "postgres":
            from bench.pg import PgEngine

            engine = PgEngine(args.pg_url or os.environ.get("BENCH_PG_URL", ""))
        else:
            raise SystemExit(f"unknown engine {name!r}")
        t0, c0 = time.perf_counter(), time.process_time()
        engine.build(products)
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
        build[engine.name] = {"seconds": seconds, "size": engine.size_bytes(), "CPU": cpu_seconds,
                              **getattr(engine, "build_notes", {})}
        engines.append(engine)
        print(f"  built {engine.name} in {seconds:.1f} s", file=sys.stderr, flush=True)

    samples: dict[str, dict] = {}
    cpu: dict[str, dict] = {}
    results: dict[str, dict] = {}
    for engine in engines:
        print(f"  measuring {engine.name} ...", file=sys.stderr, flush=True)
        samples[engine.name], cpu[engine.name], results[engine.name] = measure(engine, QUERY_MIX, args.repeats,
                                                                                args.warmup)
    out(f"- load average after measuring: {os.getloadavg()[0]:.2f} (2 cores shared with other sessions)")
    out()

    names = [e.name for e in engines]
    out("### Build")
    out()
    out("| engine | build (s) | index size (MB) | notes |")
    out("|---|---:|---:|---|")
    for name in names:
        b = build[name]
        notes = "; ".join(f"{k} {v:.1f} s" if isinstance(v, float) else f"{k} {v}" for k, v in b.items()
                          if k not in ("seconds", "size"))
        out(f"| {name} | {b['seconds']:.1f} | {b['size'] / 1e6:.1f} | {notes} |")
    out()

    out("### Latency per query (ms; top-10 + total + 3 facets)")
    out()
    head = "| query | class | " + " | ".join(f"{n} hits | {n} p50 | {n} p95" for n in names)
    if len(names) == 2:
        head += " | p95 ratio project/fts5 | top-1 | names shared in top-10"
    out(head + " |")
    out("|" + "---|" * (2 + 3 * len(names) + (3 if len(names) == 2 else 0)))
    for bq in QUERY_MIX:
        row = [f"`{bq.describe()}`", bq.cls]
        for n in names:
            s = samples[n][bq.label]
            row += [f"{results[n][bq.label].total:,}", fmt_ms(percentile(s, 50)), fmt_ms(percentile(s, 95))]
        if len(names) == 2:
            a, b = results["fts5"][bq.label], results["project"][bq.label]
            ratio = percentile(samples["project"][bq.label], 95) / percentile(samples["fts5"][bq.label], 95)
            # Many listings share a name ("Hạt dẻ sấy Trùng Khánh" from several households): compare names.
            if a.ids and b.ids:
                same = "same" if a.ids[0] == b.ids[0] else (
                    "same name" if product_names[a.ids[0]] == product_names[b.ids[0]] else "no")
            else:
                same = "n/a (fts5 empty)" if b.ids else "n/a"
            overlap = len({product_names[i] for i in a.ids} & {product_names[i] for i in b.ids})
            row += [f"{ratio:.1f}×", same, str(overlap)]
        out("| " + " | ".join(row) + " |")
    out()

    out("### Per class (pooled samples, ms; wall time, and CPU time of the query thread)")
    out()
    out("| class | " + " | ".join(f"{n} p50 | {n} p95 | {n} worst query p95 | {n} CPU p50 | {n} CPU p95"
                                  for n in names) + " |")
    out("|---|" + "---:|" * (5 * len(names)))
    classes = list(dict.fromkeys(q.cls for q in QUERY_MIX)) + ["diacritics", "no diacritics", "ALL"]
    for cls in classes:
        qs = [q for q in QUERY_MIX if cls == "ALL" or q.cls == cls
              or (cls == "diacritics" and q.q and q.diacritics) or (cls == "no diacritics" and q.q and not q.diacritics)]
        row = [cls]
        for n in names:
            pooled = [x for q in qs for x in samples[n][q.label]]
            worst = max(percentile(samples[n][q.label], 95) for q in qs)
            pooled_cpu = [x for q in qs for x in cpu[n][q.label]]
            row += [fmt_ms(percentile(pooled, 50)), fmt_ms(percentile(pooled, 95)), fmt_ms(worst),
                    fmt_ms(percentile(pooled_cpu, 50)), fmt_ms(percentile(pooled_cpu, 95))]
        out("| " + " | ".join(row) + " |")
    out()
    target = TARGET_P95_MS.get(args.n)
    if target:
        for n in names:
            worst_q = max(QUERY_MIX, key=lambda q, n=n: percentile(samples[n][q.label], 95))
            worst = percentile(samples[n][worst_q.label], 95)
            verdict = "meets" if worst <= target else "MISSES"
            out(f"- {n}: worst p95 {worst:.1f} ms (`{worst_q.describe()}`) — {verdict} the issue's target of "
                f"{target:.0f} ms at N = {args.n:,}")
        out()

    if len(names) == 2:
        out("### Facet agreement (counts differ where matching semantics differ: fuzzy, tiers, AND vs OR)")
        out()
        out("| query | fts5 total | project total | project tier | group facet equal | stars equal | province equal |")
        out("|---|---:|---:|---|---|---|---|")
        for bq in QUERY_MIX:
            a, b = results["fts5"][bq.label], results["project"][bq.label]
            eq = ["yes" if _norm(a.facets.get(d)) == _norm(b.facets.get(d)) else "no" for d in FACETS]
            out(f"| {bq.label} | {a.total:,} | {b.total:,} | {b.extra.get('tier', '')} | " + " | ".join(eq) + " |")
        out()

    if args.show_hits:
        for bq in QUERY_MIX:
            print(f"\n{bq.describe()}", file=sys.stderr)
            for n in names:
                r = results[n][bq.label]
                print(f"  {n:8s} {r.extra or ''} {[product_names[i] for i in r.ids[:5]]}", file=sys.stderr)

    if args.profile:
        for engine in engines:
            if engine.name == args.profile_engine == "project":
                out("### Where the project's time goes (cProfile, 3 rounds per class; ms per query, cumulative,"
                    " inflated by profiling overhead; spots can nest)")
                out()
                labels = [label for label, _spot in PROFILE_SPOTS]
                out("| class | total | " + " | ".join(labels) + " |")
                out("|---|" + "---:|" * (1 + len(labels)))
                for cls, total, spots in profile_by_class(engine, QUERY_MIX):
                    out(f"| {cls} | {fmt_ms(total)} | " + " | ".join(fmt_ms(spots.get(k, 0.0)) for k in labels) + " |")
                out()
            if engine.name == args.profile_engine:
                out(f"### cProfile of {engine.name}, 3 rounds of the mix (cumulative)")
                out()
                out("```")
                out(profile_engine(engine, QUERY_MIX).rstrip())
                out("```")
                out()

    for engine in engines:
        engine.close()
    if not args.workdir and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return "\n".join(lines) + "\n"


def _norm(facet: dict | None) -> dict:
    return {str(k): v for k, v in (facet or {}).items() if v}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="number of synthetic products")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=20, help="measured rounds of the query mix")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--engines", default="fts5,project")
    parser.add_argument("--pg-url", help="PostgreSQL database for the postgres engine (default: BENCH_PG_URL); "
                        "its search_documents table is rebuilt")
    parser.add_argument("--workdir", help="keep indexes here (default: a temp dir, removed at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--profile", action="store_true", help="append a cProfile of one engine's queries")
    parser.add_argument("--profile-engine", default="project")
    parser.add_argument("--show-hits", action="store_true", help="print each engine's top-10 ids to stderr")
    parser.add_argument("--out", help="also write the markdown report to this file")
    args = parser.parse_args(argv)
    report = run(args)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
