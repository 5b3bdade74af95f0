"""The commit-reveal lottery of a week's draw and the check anyone can run on its published outcomes.

Pure: nothing here touches the database or Flask. The document a week publishes (`/quang-ba/boc-tham/<week>.json`)
holds everything `verify` needs; `python -m ocop_market.promotions.lottery FILE.json` (or
`flask --app wsgi promotions verify WEEK`) re-runs the draw from it alone.

1. When a week opens for requests a random secret is drawn and only its SHA-256 (the commitment) is published.
2. When requests close (the allocation), the closing value is the count and the digest of every requested week
   (`closing_digest`), and the seed is sha256("<secret>:<week>:<count>:<digest>"): the operator fixed the secret
   before seeing any request, and no producer knows the secret, so nobody could know the seed in advance.
3. The draw runs with that seed (`rules.draw`); the secret is then revealed beside the outcomes.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import rules

FORMAT = "ocop-market/promotion-draw/1"
#: refusal reasons the outcomes show as they are; any eligibility problem is shown as "ineligible"
PUBLIC_REASONS = frozenset({"week_limit", "quota", "no_placement", "capacity"})


def new_secret() -> str:
    return secrets.token_hex(32)


def commitment_of(secret: str) -> str:
    """sha256 of the secret's hex digits (as ASCII text)."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def closing_digest(requests: Iterable[tuple[int, int]]) -> tuple[int, str]:
    """The closing value: how many requested weeks (key, product id) there were at close, and sha256 of their
    lines "<key>:<product id>" in key order, joined by newlines."""
    lines = [f"{key}:{product_id}" for key, product_id in sorted(requests)]
    return len(lines), hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()


def lottery_seed(secret: str, week: str, count: int, digest: str) -> str:
    return hashlib.sha256(f"{secret}:{week}:{count}:{digest}".encode("ascii")).hexdigest()


def public_reason(reason: str) -> str:
    return reason if reason in PUBLIC_REASONS else "ineligible"


def publication(week: str, secret: str, commitment: str, seed: str, closing: tuple[int, str],
                entries: Iterable[rules.DrawEntry], slots: Iterable[rules.Slot], slot_codes: Mapping[int, str],
                quotas: rules.Quotas, outcome: rules.Outcome) -> dict[str, Any]:
    """The document a week publishes once drawn: inputs (entries, slots, quotas, closing value, secret) and outcome."""
    seats = {a.key: a for a in outcome.assignments}
    requests = []
    for e in sorted(entries, key=lambda e: e.key):
        seat = seats.get(e.key)
        requests.append({
            "key": e.key, "product_id": e.product_id, "producer": e.producer, "group_id": e.group_id,
            "tier": e.tier, "eligible": e.eligible, "quarter_used": e.quarter_used, "week_used": e.week_used,
            "ticket": rules.lottery_ticket(seed, e.product_id),
            "outcome": "allocated" if seat else "not_allocated",
            "reason": "" if seat else public_reason(outcome.refusals.get(e.key, "")),
            "placement_id": seat.placement_id if seat else None, "position": seat.position if seat else None,
            "rank": seat.rank if seat else None,
        })
    return {
        "format": FORMAT, "week": week, "commitment": commitment, "secret": secret, "seed": seed,
        "closing": {"count": closing[0], "digest": closing[1]},
        "quotas": {"per_quarter": quotas.per_quarter, "per_week": quotas.per_week},
        "slots": [{"placement_id": s.placement_id, "code": slot_codes.get(s.placement_id, ""), "kind": s.kind,
                   "group_id": s.group_id, "capacity": s.capacity, "taken": sorted(s.taken)} for s in slots],
        "requests": requests,
    }


@dataclass
class Verification:
    week: str = ""
    requests: int = 0
    allocated: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.problems


def verify(doc: Mapping[str, Any]) -> Verification:
    """Re-run a week's draw from its published document alone and say whether everything matches: the secret's
    commitment, the closing value, the seed, every ticket and every request's outcome."""
    result = Verification()
    try:
        week = str(doc["week"])
        rules.parse_week(week)
        secret, commitment, seed = str(doc["secret"]), str(doc["commitment"]), str(doc["seed"])
        count, digest = int(doc["closing"]["count"]), str(doc["closing"]["digest"])
        quotas = rules.Quotas(int(doc["quotas"]["per_quarter"]), int(doc["quotas"]["per_week"]))
        slots = [rules.Slot(int(s["placement_id"]), str(s["kind"]), int(s["capacity"]),
                            None if s["group_id"] is None else int(s["group_id"]),
                            frozenset(int(p) for p in s["taken"])) for s in doc["slots"]]
        rows = list(doc["requests"])
        entries = [rules.DrawEntry(int(r["key"]), int(r["product_id"]), str(r["producer"]), int(r["group_id"]),
                                   int(r["tier"]), bool(r["eligible"]), int(r["quarter_used"]), int(r["week_used"]))
                   for r in rows]
    except (KeyError, TypeError, ValueError, rules.BadWeek) as exc:
        result.problems.append(f"Tài liệu không đúng định dạng {FORMAT}: {exc!r}")
        return result
    result.week, result.requests = week, len(entries)
    if commitment_of(secret) != commitment:
        result.problems.append("Mã bí mật không khớp với cam kết đã công bố (SHA-256).")
    if closing_digest((e.key, e.product_id) for e in entries) != (count, digest):
        result.problems.append("Giá trị khi đóng đăng ký (số yêu cầu và mã băm danh sách) không khớp với danh sách.")
    if lottery_seed(secret, week, count, digest) != seed:
        result.problems.append("Hạt giống bốc thăm không khớp với mã bí mật, tuần và giá trị khi đóng.")
    drawn = rules.draw(seed, entries, slots, quotas)
    seats = {s.key: s for s in drawn.seats}
    result.allocated = len(seats)
    for r in rows:
        key = int(r["key"])
        seat = seats.get(key)
        expected = ({"outcome": "allocated", "placement_id": seat.placement_id, "position": seat.position,
                     "rank": seat.rank, "reason": ""} if seat else
                    {"outcome": "not_allocated", "placement_id": None, "position": None, "rank": None,
                     "reason": drawn.refusals.get(key, "")})
        published = {k: r.get(k) for k in expected}
        if published != expected:
            result.problems.append(f"Yêu cầu {key}: công bố {published}, chạy lại ra {expected}.")
        if r.get("ticket") != rules.lottery_ticket(seed, int(r["product_id"])):
            result.problems.append(f"Yêu cầu {key}: số thăm không khớp với hạt giống.")
    return result


def report_lines(v: Verification) -> list[str]:
    if v.matches:
        return [f"Tuần {v.week}: khớp. Chạy lại {v.requests} yêu cầu từ dữ liệu công bố ra đúng kết quả đã công bố "
                f"({v.allocated} vị trí)."]
    return [f"Tuần {v.week or '?'}: KHÔNG khớp ({len(v.problems)} điểm khác)."] + [f"- {p}" for p in v.problems]


def main(argv: list[str] | None = None) -> int:
    """`python -m ocop_market.promotions.lottery FILE.json`: check a downloaded week without the shop."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("Cách dùng: python -m ocop_market.promotions.lottery TUAN.json", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as f:
        result = verify(json.load(f))
    print("\n".join(report_lines(result)))
    return 0 if result.matches else 1


if __name__ == "__main__":
    sys.exit(main())
