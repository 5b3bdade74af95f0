"""The query planner: what a search means, decided once for every engine.

Parsing (folding once), synonyms and units (lexicon.py), matching tiers, query relaxation, typo
correction and the "did you mean" text (spelling.py), facets and paging. It speaks to an engine only
through the small interface below, in terms of matching.py's tree; the engines (whoosh_backend,
tantivy_backend, pg_backend) compile that tree and answer.

How a text query runs:
1. **name tier**: every slot (a word, or a phrase the lexicon knows, with its synonyms) in the name,
   producer or place. Hits count as *strong* when, for 2+ words, a pair of the query is there as a phrase,
   and words typed with diacritics are there as typed; weak hits ("Nem chua đặc biệt" by "HTX Nông sản"
   for "dac san") neither keep the search in this tier nor rank above better hits.
2. **all tier**: fewer than TIER_MIN_HITS strong hits: descriptions too; hits with a phrase of the
   query (in name/producer/place or description) rank first.
3. **relaxation** (Meilisearch's `matchingStrategy: frequency`): still fewer than RELAX_MIN hits and every
   word known: let go of generic slots ("đặc sản", "ngon"; lexicon.txt) and words found in a tenth of the
   catalogue, most frequent first, as long as what remains is a strong name/place match
   ("dac san cao bang" -> Cao Bằng's goods). Hits with every word still come first; the page says what
   was let go (`SearchResult.relaxed`).
4. **typo**: fewer than FEW_HITS hits and a word the index does not know (or nothing found): index words
   one edit away, ranked by the phrases they make with the neighbours; a suggestion spelled as the shop does.
5. **any**: nothing yet, 2+ slots: any slot.

Engine interface (duck-typed; see matching.py for Node, Scoring, EngineHit):

    doc_count() -> int
    doc_freqs([(field, token)]) -> {(field, token): documents}
    count(match, query, strong=None, cap=None) -> (hits, hits also matching `strong`; may stop at `cap`)
    count_and_facets(match | None, query) -> (hits, facets)   # each facet with the *other* filters
    top(match | None, query, scoring | None, offset, limit) -> [EngineHit]      # query.sort decides
    neighbours(word, fields) -> {index word one edit away, first letter kept: documents}
    texts(match, limit) -> [(name, "producer place")]
    complete(words, finished, limit) -> [EngineHit]    # autocomplete candidates, best first
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .documents import bigrams, canonical_words, folded_words
from .highlight import highlight
from .lexicon import Slot, lexicon
from .matching import (
    FIELD_WEIGHT,
    FIELDS_ALL,
    FIELDS_NAME,
    W_DESC_BIGRAM,
    W_FUZZY,
    W_META_BIGRAM,
    W_META_EXACT,
    W_NAME_BIGRAM,
    W_NAME_EXACT,
    W_RELAXED,
    W_SYNONYM,
    EngineHit,
    Node,
    Not,
    Scoring,
    Term,
    all_of,
    any_of,
)
from .spelling import correct, display
from .types import SearchHit, SearchQuery, SearchResult, Suggestion

TIER_MIN_HITS = 10  # fewer strong hits than this on name/producer/place: also search descriptions
FEW_HITS = 3  # fewer than this: try typo correction
RELAX_MIN = 10  # fewer than this: try letting go of generic or very frequent words
RELAX_FREQUENT = 0.10  # a word in at least this share of the documents may be let go like a generic one
MAX_WORDS = 12
#: what an engine adapter answers (the interface in the module docstring)
ENGINE_METHODS = ("doc_count", "doc_freqs", "count", "count_and_facets", "top", "neighbours", "texts", "complete")


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]  #: folded, split, units apart
    typed: tuple[str, ...]  #: the same words as typed (canonical), for messages; () if they do not align
    exact: tuple[str, ...]  #: the words typed with diacritics, as typed ("cà" vs "cá" carries meaning)
    slots: tuple[Slot, ...]


def parse(q: str) -> ParsedQuery:
    words = folded_words(q)[:MAX_WORDS]
    typed = canonical_words(q)[:MAX_WORDS]
    aligned = len(typed) == len(words)
    # Only words typed with diacritics carry extra meaning; a bare "ca" stays neutral.
    exact = tuple(w for w, f in zip(typed, words) if w != f) if aligned else ()
    return ParsedQuery(tuple(words), tuple(typed) if aligned else (), exact, tuple(lexicon().slots(words)))


# ---------------------------------------------------------------------------------------- matching trees
def _word(choices, fields) -> Node:
    return any_of(Term(f, w) for w in choices for f in fields)


def slot_node(slot: Slot, fields, expansions: Mapping[str, list[str]] | None = None) -> Node:
    typed = all_of(_word((w, *(expansions or {}).get(w, ())), fields) for w in slot.words)
    return any_of([typed, *(all_of(_word((w,), fields) for w in alt) for alt in slot.alts)])


def match_node(slots, fields, expansions=None, any_slot: bool = False) -> Node:
    parts = [slot_node(s, fields, expansions) for s in slots]
    return any_of(parts) if any_slot else all_of(parts)


def _phrases(slots) -> list[str]:
    """Syllable pairs that make a phrase of the query: the typed words', and each longer synonym's."""
    words = [w for s in slots for w in s.words]
    out = bigrams(words)
    for s in slots:
        for alt in s.alts:
            out += bigrams(list(alt))
    return list(dict.fromkeys(out))


def strong_node(slots, exact) -> Node | None:
    """A name-tier hit is strong when it has a phrase of the query (2+ words) and the forms typed."""
    parts: list[Node] = []
    if sum(len(s.words) for s in slots) >= 2:
        single_alts = [Term(f, alt[0]) for s in slots for alt in s.alts if len(alt) == 1 for f in FIELDS_NAME]
        parts.append(any_of([*(Term(f, b) for b in _phrases(slots) for f in ("name_bg", "meta_bg")), *single_alts]))
    parts += [any_of([Term("name_d", w), Term("meta_d", w)]) for w in exact]
    return all_of(parts) if parts else None


def _desc_phrase(slots) -> Node | None:
    pairs = _phrases(slots)
    return any_of(Term("desc_bg", b) for b in pairs) if pairs else None


# ---------------------------------------------------------------------------------------- scoring
def weighted_terms(slots, exact, fields, expansions=None, corrected=None, relaxed=()) -> tuple:
    out: list[tuple[str, str, float]] = []
    for slot in slots:
        factor = W_RELAXED if slot in relaxed else 1.0
        for w in slot.words:
            out += [(f, w, FIELD_WEIGHT[f] * factor) for f in fields]
            for cand in (expansions or {}).get(w, ()):
                out += [(f, cand, FIELD_WEIGHT[f] * W_FUZZY * factor) for f in fields]
        for alt in slot.alts:
            out += [(f, w, FIELD_WEIGHT[f] * W_SYNONYM * factor) for w in alt for f in fields]
    words = [w for s in slots for w in s.words]
    pairs = bigrams(words)
    out += [("name_bg", b, W_NAME_BIGRAM) for b in pairs]
    out += [("meta_bg", b, W_META_BIGRAM) for b in pairs]
    if "desc_f" in fields:
        out += [("desc_bg", b, W_DESC_BIGRAM) for b in pairs]
    for slot in slots:
        for alt in slot.alts:
            out += [("name_bg", b, W_NAME_BIGRAM * W_SYNONYM) for b in bigrams(list(alt))]
            out += [("meta_bg", b, W_META_BIGRAM * W_SYNONYM) for b in bigrams(list(alt))]
    if corrected and list(corrected) != words:
        # The corrected phrase ("đường phèn" for "duong phem") counts, less than one typed right.
        typed = set(pairs)
        fixed = [b for b in bigrams(list(corrected)) if b not in typed]
        out += [("name_bg", b, W_NAME_BIGRAM * W_FUZZY) for b in fixed]
        out += [("meta_bg", b, W_META_BIGRAM * W_FUZZY) for b in fixed]
    if exact:
        out += [("name_d", w, W_NAME_EXACT) for w in exact]
        out += [("meta_d", w, W_META_EXACT) for w in exact]
        out += [("name_dbg", b, W_NAME_BIGRAM) for b in bigrams(list(exact))]
    return tuple(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------- results
class Highlights(Mapping):
    """`SearchHit.highlights`, computed on first use: only what a page shows is highlighted."""

    KEYS = ("name", "producer", "place")

    def __init__(self, hit: EngineHit, terms):
        self._hit, self._terms = hit, terms
        self._done: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        if key not in self.KEYS:
            raise KeyError(key)
        if key not in self._done:
            self._done[key] = str(highlight(getattr(self._hit, key) or "", self._terms))
        return self._done[key]

    def __iter__(self):
        return iter(self.KEYS)

    def __len__(self) -> int:
        return len(self.KEYS)


def _hits(engine_hits: list[EngineHit], terms) -> list[SearchHit]:
    return [SearchHit(id=h.id, score=float(h.score), highlights=Highlights(h, terms)) for h in engine_hits]


@dataclass
class _Plan:
    tier: str
    match: Node
    fields: tuple[str, ...]
    total: int
    counted: tuple[int, dict] | None = None
    promote: Node | None = None
    expansions: dict | None = None
    corrected: list[str] | None = None
    relaxed: tuple[Slot, ...] = ()


def _relax(engine, parsed: ParsedQuery, query: SearchQuery, plan: _Plan, dfs: dict) -> _Plan | None:
    """Let go of generic, then very frequent, slots while what remains is a strong name/place match."""
    n_docs = max(engine.doc_count(), 1)

    def df(slot: Slot) -> int:
        return max(max(dfs.get((f, w), 0) for f in FIELDS_ALL) for w in slot.words)

    slots = list(parsed.slots)
    droppable = [s for s in slots if s.generic or df(s) >= RELAX_FREQUENT * n_docs]
    if len(droppable) == len(slots):  # a small catalogue, where every word is "frequent": generic ones only
        droppable = [s for s in slots if s.generic]
    if not droppable or len(droppable) == len(slots):
        return None
    droppable.sort(key=lambda s: (not s.generic, -df(s)))
    remaining = list(slots)
    best: tuple[list[Slot], Node, int] | None = None
    for slot in droppable:
        remaining.remove(slot)
        kept_exact = [w for w in parsed.exact if any(w_f in s.words for s in remaining for w_f in folded_words(w))]
        strong = strong_node(remaining, kept_exact)
        node = match_node(remaining, FIELDS_NAME)
        node = all_of([node, strong]) if strong is not None else node
        hits = engine.count(node, query)[0]
        if hits > (best[2] if best else plan.total):
            best = (list(remaining), node, hits)
        if hits >= RELAX_MIN:
            break
    if best is None:
        return None
    kept, node, _hits_ = best
    match = any_of([plan.match, node])
    counted = engine.count_and_facets(match, query)
    dropped = tuple(s for s in slots if s not in kept)
    return _Plan("relaxed", match, FIELDS_ALL, counted[0], counted, promote=plan.match, relaxed=dropped)


def _typed_text(parsed: ParsedQuery, slots) -> str:
    """The words of `slots` as the shopper typed them (diacritics kept when typed)."""
    if not parsed.typed:
        return " ".join(" ".join(s.words) for s in slots)
    out: list[str] = []
    i = 0
    wanted = set(slots)
    for s in parsed.slots:
        if s in wanted:
            out.extend(parsed.typed[i:i + len(s.words)])
        i += len(s.words)
    return " ".join(out)


def run(engine, query: SearchQuery) -> SearchResult:
    if query.empty_price_range:  # no price lies between: a question with no answer, on every engine alike
        return SearchResult(hits=[], total=0, page=query.page, per_page=query.per_page,
                            facets={"group": {}, "stars": {}, "province": {}}, tier="browse")
    parsed = parse(query.q)
    offset = (query.page - 1) * query.per_page
    if not parsed.words:
        total, facets = engine.count_and_facets(None, query)
        hits = engine.top(None, query, None, offset, query.per_page) if offset < total else []
        return SearchResult(hits=_hits(hits, ()), total=total, page=query.page, per_page=query.per_page,
                            facets=facets, tier="browse")

    words = list(parsed.words)
    slots = parsed.slots
    exact = list(parsed.exact)
    name_match = match_node(slots, FIELDS_NAME)
    strong = strong_node(slots, exact)
    total, n_strong = engine.count(name_match, query, strong, cap=TIER_MIN_HITS)
    plan = _Plan("name", name_match, FIELDS_NAME, total)
    if n_strong < TIER_MIN_HITS:
        match = match_node(slots, FIELDS_ALL)
        counted = engine.count_and_facets(match, query)
        plan = _Plan("all", match, FIELDS_ALL, counted[0], counted)
    # Hits with a phrase of the query, and with the forms typed, rank before scattered look-alikes.
    if plan.tier == "all" and len(words) > 1:
        strong_name = all_of([name_match, strong]) if strong is not None else name_match
        desc = _desc_phrase(slots)
        plan.promote = any_of([strong_name, desc]) if desc is not None else strong_name
    elif exact and strong is not None:
        plan.promote = any_of([Not(name_match), strong]) if plan.tier == "all" else strong

    suggestion = None
    terms = tuple(words)
    if plan.total < RELAX_MIN:
        dfs = engine.doc_freqs([(f, w) for w in words for f in FIELDS_ALL])
        unknown = [w for w in words if not any(dfs.get((f, w)) for f in FIELDS_ALL)]
        # A generic word the shop never uses ("chính hãng") is no reason to guess a typo: let it go.
        generic_words = {w for sl in slots if sl.generic for w in sl.words}
        if len(slots) > 1 and all(w in generic_words for w in unknown):
            plan = _relax(engine, parsed, query, plan, dfs) or plan
        if plan.tier != "relaxed" and plan.total < FEW_HITS and (unknown or not plan.total):
            # Correct only the words the index does not know; known words only when all are known
            # and together they find nothing ("duong" stays "duong" in "duong phem").
            targets = {w for w in (unknown or words) if len(w) >= 4}
            expansions, corrected = correct(engine, words, targets)
            if any(w in unknown for w in expansions):
                suggestion = display(engine, corrected)
            for fields in (FIELDS_NAME, FIELDS_ALL) if expansions else ():
                fz_match = match_node(slots, fields, expansions)
                fz_total = engine.count(fz_match, query)[0]
                if fz_total > plan.total:
                    plan = _Plan("fuzzy", fz_match, fields, fz_total, expansions=expansions, corrected=corrected)
                    terms = tuple(words) + tuple(c for cs in expansions.values() for c in cs)
                if plan.total >= FEW_HITS:
                    break
        if not plan.total and len(slots) > 1:
            any_match = match_node(slots, FIELDS_ALL, any_slot=True)
            any_total = engine.count(any_match, query)[0]
            if any_total:
                plan = _Plan("any", any_match, FIELDS_ALL, any_total)
                terms = tuple(words)

    total, facets = plan.counted or engine.count_and_facets(plan.match, query)
    scoring = Scoring(weighted_terms(slots, exact, plan.fields, plan.expansions, plan.corrected, plan.relaxed),
                      plan.promote)
    hits = engine.top(plan.match, query, scoring, offset, query.per_page) if offset < total else []
    terms += tuple(w for s in slots for alt in s.alts for w in alt)  # "coffee" is marked for "ca phe"
    kept = [s for s in slots if s not in plan.relaxed]
    return SearchResult(
        hits=_hits(hits, terms), total=total, page=query.page, per_page=query.per_page, facets=facets,
        suggestion=suggestion, terms=tuple(dict.fromkeys(terms)), tier=plan.tier,
        relaxed=_typed_text(parsed, plan.relaxed) if plan.relaxed else None,
        relaxed_to=_typed_text(parsed, kept) if plan.relaxed else None,
    )


def suggest(engine, prefix: str, limit: int = 8) -> list[Suggestion]:
    """Autocomplete: names holding the finished words and a word starting with the last one."""
    words = folded_words(prefix)[:8]
    if not words:
        return []
    finished = bool(prefix.strip()) and prefix.rstrip() != prefix
    out: list[Suggestion] = []
    seen: set[str] = set()
    for hit in engine.complete(words, finished, limit * 3):
        key = hit.name.lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(Suggestion(id=hit.id, name=hit.name, slug=hit.slug))
        if len(out) >= limit:
            break
    return out
