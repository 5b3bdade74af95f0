"""The commit-reveal lottery and the published draw are pure: known vectors (worked out with `sha256sum`) and
properties, no database."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocop_market.promotions import lottery, rules
from ocop_market.promotions.rules import Candidate, Quotas, Slot

SECRET = "ab" * 32
#: printf '%s' abab…ab | sha256sum
COMMITMENT = "271a413bd339c5709fdceaec41f14f11e9fbfb5042d72d331c65f32b284cd09a"
#: printf '12:101\n13:102\n15:101' | sha256sum
DIGEST = "967ebf19dc90eec78e943bb4212d00b539372a49191ff78520ea2de036f66119"
#: printf '%s' "abab…ab:2026-W49:3:967e…6119" | sha256sum
SEED = "b350f95855c7bfe1c3f308bdd834a43e11906bbf3d65815d789b11794e11a588"


def test_commitment_closing_value_and_seed_on_known_vectors():
    assert lottery.commitment_of(SECRET) == COMMITMENT
    # the closing value lists the requested weeks in key order, whatever order they come in
    assert lottery.closing_digest([(15, 101), (12, 101), (13, 102)]) == (3, DIGEST)
    assert lottery.lottery_seed(SECRET, "2026-W49", 3, DIGEST) == SEED
    # printf '%s' "b350…a588:101" | sha256sum | cut -c1-16
    assert rules.lottery_ticket(SEED, 101) == "df07286800553f2f"
    # weeks drawn before the commit-reveal: the week code was the seed, and their tickets still recompute
    assert rules.lottery_ticket("2026-W49", 101) == rules.lottery_ticket("2026-W49", 101) != rules.lottery_ticket(SEED, 101)


def test_the_seed_changes_with_every_input():
    base = lottery.lottery_seed(SECRET, "2026-W49", 3, DIGEST)
    assert len({base,
                lottery.lottery_seed("cd" * 32, "2026-W49", 3, DIGEST),
                lottery.lottery_seed(SECRET, "2026-W50", 3, DIGEST),
                lottery.lottery_seed(SECRET, "2026-W49", 4, DIGEST),
                lottery.lottery_seed(SECRET, "2026-W49", 3, lottery.closing_digest([(12, 101)])[1])}) == 5
    assert lottery.closing_digest([(12, 101), (13, 102)]) != lottery.closing_digest([(12, 101), (13, 103)])
    assert len(lottery.new_secret()) == 64 and lottery.new_secret() != lottery.new_secret()


def test_tiers_are_dense_numbers_of_history_then_category():
    c = [
        Candidate(1, 11, 1, 0, "project", recent_weeks=0),
        Candidate(2, 12, 2, 0, "poor", recent_weeks=1, last_week_index=50),
        Candidate(3, 13, 3, 0, "poor", recent_weeks=0),
        Candidate(4, 14, 4, 0, "near_poor", recent_weeks=0),
        Candidate(5, 15, 5, 0, "poor", recent_weeks=1, last_week_index=40),
        Candidate(6, 16, 6, 0, "poor", recent_weeks=0),
    ]
    assert rules.priority_tiers(c) == {3: 1, 6: 1, 4: 2, 1: 3, 5: 4, 2: 5}


CATEGORIES = ["poor", "near_poor", "escaped", "project", None]


@st.composite
def scenario(draw):
    slots = [Slot(1, "home", draw(st.integers(0, 4)), taken=frozenset(draw(st.sets(st.integers(1, 4), max_size=2)))),
             Slot(2, "search", draw(st.integers(0, 2))), Slot(10, "group", draw(st.integers(0, 2)), group_id=0)]
    candidates = [Candidate(key=key, product_id=draw(st.integers(1, 25)), producer_id=draw(st.integers(1, 10)),
                            group_id=draw(st.integers(0, 1)), category=draw(st.sampled_from(CATEGORIES)),
                            problems=tuple(draw(st.lists(st.sampled_from(["out_of_stock"]), max_size=1))),
                            recent_weeks=draw(st.integers(0, 2)),
                            last_week_index=draw(st.one_of(st.none(), st.integers(100, 103))),
                            quarter_used=draw(st.integers(0, 4)), week_used=draw(st.integers(0, 1)))
                  for key in range(draw(st.integers(0, 25)))]
    quotas = Quotas(per_quarter=draw(st.integers(0, 4)), per_week=draw(st.integers(1, 2)))
    return candidates, slots, quotas


def _published(candidates, slots, quotas, secret=SECRET, week="2026-W49"):
    count, digest = lottery.closing_digest((c.key, c.product_id) for c in candidates)
    seed = lottery.lottery_seed(secret, week, count, digest)
    outcome = rules.allocate(week, candidates, slots, quotas, seed=seed)
    doc = lottery.publication(week, secret, lottery.commitment_of(secret), seed, (count, digest),
                              rules.draw_entries(candidates, lambda pid: f"P{pid}"), slots, {1: "home"}, quotas,
                              outcome)
    return json.loads(json.dumps(doc)), outcome, seed


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(scenario())
def test_the_published_document_reruns_to_the_same_outcome(s):
    candidates, slots, quotas = s
    doc, outcome, seed = _published(candidates, slots, quotas)
    assert lottery.verify(doc).matches, lottery.verify(doc).problems
    # Tier numbers keep the order of the full priority (history, category, then the lottery).
    assert outcome.order == [c.key for c in sorted(candidates, key=lambda c: rules.priority_key(seed, c))]
    # No category anywhere in what is published.
    assert not ({"category", "recent_weeks", "last_week_index", "problems"} & {k for r in doc["requests"] for k in r})
    reasons = {r["reason"] for r in doc["requests"]}
    assert reasons <= {"", "ineligible", "week_limit", "quota", "no_placement", "capacity"}


def test_a_tampered_document_does_not_match():
    candidates = [Candidate(k, 100 + k, k, 0, "poor") for k in range(1, 7)]
    slots, quotas = [Slot(1, "home", 3)], Quotas()
    doc, outcome, _seed = _published(candidates, slots, quotas)
    assert lottery.verify(doc).matches and len(outcome.assignments) == 3
    winner = next(r for r in doc["requests"] if r["outcome"] == "allocated")
    loser = next(r for r in doc["requests"] if r["outcome"] == "not_allocated")

    swapped = json.loads(json.dumps(doc))
    for r in swapped["requests"]:
        if r["key"] in (winner["key"], loser["key"]):
            other = loser if r["key"] == winner["key"] else winner
            r.update({k: other[k] for k in ("outcome", "reason", "placement_id", "position", "rank")})
    assert len(lottery.verify(swapped).problems) == 2
    bigger = json.loads(json.dumps(doc))
    bigger["slots"][0]["capacity"] = 4
    assert not lottery.verify(bigger).matches
    reseeded = json.loads(json.dumps(doc))
    reseeded["seed"] = lottery.lottery_seed(SECRET, "2026-W49", 6, "0" * 64)
    assert not lottery.verify(reseeded).matches
    assert lottery.verify({"week": "2026-W49"}).problems[0].startswith("Tài liệu không đúng định dạng")
