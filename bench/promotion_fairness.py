"""A year of weekly free-promotion allocations over synthetic producers: the project's rule against a plain
random draw and against first-come-first-served, same demand, same capacity and quotas (issue 5, "Proof").

    .venv/bin/python bench/promotion_fairness.py                 # 300 producers, 52 weeks
    .venv/bin/python bench/promotion_fairness.py --producers 600 --weeks 104 --seed 7

Every policy goes through ocop_market.promotions.rules.allocate (capacity, one placement per producer per
week, N slot-weeks per quarter); only the order in which requesters are considered differs:
- rule:   least promotion in the last 12 weeks, then longest since the last one, then household category
          (poor, near-poor, escaped, project-only), then the week's lottery;
- random: the week's lottery alone;
- fcfs:   the order requests arrived in; some producers (connected, with a smartphone) always ask early.
Figures: Gini of slot-weeks among producers who asked at least once, producers who asked but were never
served, the longest run of consecutive requested weeks without a slot, and the share going to poor households.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ocop_market.promotions import rules  # noqa: E402

CATEGORIES = [("poor", 0.25), ("near_poor", 0.25), ("escaped", 0.2), ("project", 0.3)]
GROUPS = 6
SLOTS = ([rules.Slot(1, "home", 8), rules.Slot(2, "search", 2)]
         + [rules.Slot(10 + g, "group", 3, group_id=g) for g in range(GROUPS)])
QUOTAS = rules.Quotas(per_quarter=4, per_week=1)
LOOKBACK = 12


@dataclass
class Producer:
    id: int
    category: str
    group: int
    activity: float  # chance of asking in a given week
    earliness: float  # fcfs: how early their request usually arrives (lower = earlier)


def make_producers(n: int, rng: random.Random) -> list[Producer]:
    producers = []
    for i in range(n):
        category = rng.choices([c for c, _ in CATEGORIES], [w for _, w in CATEGORIES])[0]
        # Poorer households ask less often and later: fewer phones, less time, further from the commune.
        poor = category in ("poor", "near_poor")
        activity = rng.uniform(0.15, 0.45) if poor else rng.uniform(0.3, 0.8)
        earliness = rng.lognormvariate(1.0 if poor else 0.0, 0.6)
        producers.append(Producer(i + 1, category, rng.randrange(GROUPS), activity, earliness))
    return producers


def simulate(policy: str, producers: list[Producer], weeks: int, seed: int) -> dict:
    rng = random.Random(seed)  # the same requests for every policy
    start = "2026-W01"
    history: dict[int, list[int]] = defaultdict(list)  # producer -> week indexes served
    slot_weeks: Counter = Counter()
    asked: set[int] = set()
    waiting_since: dict[int, int] = {}
    longest_wait = 0
    for w in range(weeks):
        week = rules.add_weeks(start, w)
        index = rules.week_index(week)
        quarter = {rules.week_index(q) for q in rules.quarter_weeks(week)}
        requesters = [p for p in producers if rng.random() < p.activity]
        arrival = {p.id: p.earliness * rng.uniform(0.5, 1.5) for p in requesters}
        order = {pid: i for i, pid in enumerate(sorted(arrival, key=arrival.get))}
        candidates = []
        for p in requesters:
            asked.add(p.id)
            served = history[p.id]
            recent = sum(1 for s in served if index - LOOKBACK <= s < index)
            quarter_used = sum(1 for s in served if s in quarter)
            if policy == "rule":
                key = dict(category=p.category, recent_weeks=recent, last_week_index=max(served) if served else None)
            elif policy == "random":
                key = dict(category="poor", recent_weeks=0, last_week_index=None)
            else:  # fcfs: the arrival rank stands in the first place of the priority key
                key = dict(category="poor", recent_weeks=order[p.id], last_week_index=None)
            candidates.append(rules.Candidate(key=p.id, product_id=p.id, producer_id=p.id, group_id=p.group,
                                              quarter_used=quarter_used, **key))
        outcome = rules.allocate(week, candidates, SLOTS, QUOTAS)
        served_now = {a.producer_id for a in outcome.assignments}
        for pid in served_now:
            history[pid].append(index)
            slot_weeks[pid] += 1
            waiting_since.pop(pid, None)
        for p in requesters:
            if p.id not in served_now:
                waiting_since.setdefault(p.id, w)
                longest_wait = max(longest_wait, w - waiting_since[p.id] + 1)
    values = [slot_weeks[pid] for pid in sorted(asked)]
    total = sum(values)
    by_category = Counter()
    for p in producers:
        by_category[p.category] += slot_weeks[p.id]
    return {
        "gini": rules.gini(values),
        "never": sum(1 for v in values if v == 0),
        "asked": len(asked),
        "longest_wait": longest_wait,
        "slot_weeks": total,
        "poor_share": by_category["poor"] / total if total else 0.0,
        "max_one": max(values) if values else 0,
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--producers", type=int, default=300)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)
    producers = make_producers(args.producers, random.Random(args.seed))
    population = Counter(p.category for p in producers)
    capacity = sum(s.capacity for s in SLOTS)
    print(f"{args.producers} producers ({', '.join(f'{c} {population[c]}' for c, _ in CATEGORIES)}), "
          f"{args.weeks} weeks, {capacity} slots a week (home 8, 6 groups x 3, search 2), "
          f"quota {QUOTAS.per_quarter}/quarter, {QUOTAS.per_week}/week, seed {args.seed}\n")
    print("| policy | Gini of slot-weeks | asked, never served | longest wait (weeks) | most slot-weeks to one | "
          "share to poor households | slot-weeks used |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for policy in ("rule", "random", "fcfs"):
        r = simulate(policy, producers, args.weeks, args.seed)
        print(f"| {policy} | {r['gini']:.3f} | {r['never']} of {r['asked']} | {r['longest_wait']} | {r['max_one']} | "
              f"{r['poor_share'] * 100:.1f} % | {r['slot_weeks']} |")


if __name__ == "__main__":
    main()
