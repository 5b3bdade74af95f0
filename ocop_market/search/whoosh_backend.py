"""The Whoosh engine (SEARCH_BACKEND=whoosh). The only module in the project that imports `whoosh`.

It answers the planner's questions (planner.py: what a query means is decided there, once for every
engine) with set algebra over posting sets cached per index state, per-document arrays for filters,
facets and sorts, and a bounded BM25F.

whoosh-reloaded 2.7.5 is frozen; traps checked on this machine and how this module avoids them:
- folding is done in Python (`documents.py`, `ocop_market.text`), the index only splits on spaces:
  no `CharsetFilter(accent_map)`/`LowercaseFilter` order issue, no NFD surprises;
- queries are never parsed (`QueryParser`+`OrGroup.factory()` gives zero scores);
- no `AsyncWriter` (its buffer dies with the worker); the outbox is the durable buffer;
- every commit makes a segment: writes are batched per outbox apply, and facet arrays are cached
  per segment so a small new segment does not rebuild the arrays of the big ones.

Ranking is bounded (`_rank`): a cheap weight sum over the posting sets picks at most RESCORE candidates,
which get a BM25F score computed from the same sets and the field lengths; Whoosh's own matchers never
walk the hits (they cost 15-55 us per hit, 0.75 s for a broad query at 100,000 products). Fields added
since an index was built are skipped when writing to it and simply match nothing until `flask search
reindex` builds a new generation. Generations and the write lock: generations.py.
"""
from __future__ import annotations

import heapq
import threading
from array import array
from collections import Counter
from dataclasses import dataclass

from whoosh import index as windex
from whoosh.analysis import RegexTokenizer
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.query import And, Prefix
from whoosh.query import Term as WTerm

from .generations import Generations, IndexBusy
from .matching import All, AnyOf, EngineHit, Not, Scoring, Term
from .spelling import within_one_edit
from .types import GROUP_CODES, SearchQuery

__all__ = ["IndexBusy", "WhooshBackend"]

_WORDS = RegexTokenizer(r"\S+")


def _text() -> TEXT:
    # No positions: proximity comes from the pair fields, which is cheaper to index and match.
    return TEXT(analyzer=_WORDS, phrase=False)


SCHEMA = Schema(
    id=ID(unique=True, stored=True),
    slug=STORED(), name=STORED(), producer=STORED(), place=STORED(), sig=STORED(),
    name_f=_text(), name_d=_text(), name_bg=_text(),
    meta_f=_text(), meta_d=_text(), meta_bg=_text(),
    desc_f=_text(), desc_bg=_text(),
    # Column-only fields: filters, facets and sorts read them as per-document arrays.
    pid=COLUMN(NumericColumn("q")),
    group=COLUMN(VarBytesColumn()),
    province=COLUMN(VarBytesColumn()),
    stars=COLUMN(NumericColumn("B")),
    price=COLUMN(NumericColumn("q")),
    in_stock=COLUMN(NumericColumn("B")),
    created=COLUMN(NumericColumn("q")),
    sold=COLUMN(NumericColumn("q")),
    rated=COLUMN(NumericColumn("q")),
)

RESCORE = 300  # at most this many hits per query get the full BM25F score (the rest: cheap score, newest)
BM25_K1, BM25_B = 1.2, 0.75  # Whoosh's BM25F defaults
POSTINGS_CACHE_DOCS = 3_000_000  # docnums kept in the per-process posting-set cache (~100 MB at most)
MEMO_ENTRIES = 64  # evaluated trees kept per process (one query asks for the same tree 2-3 times)
#: name pairs as written live in `name_bg` beside the folded ones (documents.name_bigrams)
PHYSICAL = {"name_dbg": "name_bg"}


def _field(name: str) -> str:
    return PHYSICAL.get(name, name)


def _build_doc(doc: dict) -> dict:
    out = dict(doc)
    out["group"] = doc["group"].encode()
    out["province"] = doc["province"].encode()
    return out


def _segment_id(leaf) -> str:
    segment = leaf.segment()  # None for the empty reader of an index without documents
    return segment.segment_id() if segment is not None else "empty"


@dataclass
class _Arrays:
    """Per-document values for one searcher, indexed by Whoosh docnum."""

    pid: array
    group: array
    province: array
    stars: array
    price: array
    in_stock: array
    created: array
    sold: array
    rated: array


class WhooshBackend:
    kind = "whoosh"

    def __init__(self, root: str):
        self.root = root
        self.generations = Generations(root)
        self._local = threading.local()
        self._segment_cache: dict[tuple, _Arrays] = {}
        self._cache_lock = threading.Lock()
        self._province_ords: dict[bytes, int] = {}
        self._province_names: list[str] = []
        self._group_ords = {code.encode(): i for i, code in enumerate(GROUP_CODES)}
        self._postings_cache: dict[tuple, frozenset] = {}
        self._postings_size = 0
        self._memo: dict[tuple, frozenset] = {}

    # ------------------------------------------------------------ generations and locking
    def current_generation(self) -> str | None:
        return self.generations.current()

    def write_lock(self, wait: float = 0.0):
        return self.generations.write_lock(wait)

    def _writable_index(self) -> windex.Index:
        """The live index, created empty on first use. Call with the write lock held."""
        name = self.generations.current()
        if name is None:
            name = self.generations.new()
            ix = windex.create_in(self.generations.path(name), SCHEMA)
            self.generations.switch(name)
            return ix
        return windex.open_dir(self.generations.path(name))

    # ------------------------------------------------------------ writing
    def write(self, upserts: list[dict], deletes: list[int]) -> None:
        """Apply document changes in one commit (one segment). Call with the write lock held."""
        if not upserts and not deletes:
            return
        ix = self._writable_index()
        known = set(ix.schema.names())  # an index built before a field was added: `reindex` adds it
        writer = ix.writer()
        try:
            for doc in upserts:
                writer.update_document(**{k: v for k, v in _build_doc(doc).items() if k in known})
            for pid in deletes:
                writer.delete_by_term("id", str(pid))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, documents, after_switch=None) -> int:
        """Build a new generation from `documents` (an iterable of dicts), switch to it atomically.

        Call with the write lock held. `after_switch()` runs still under the lock (the outbox catch-up).
        """
        name = self.generations.new()
        ix = windex.create_in(self.generations.path(name), SCHEMA)
        count = 0
        writer = ix.writer(limitmb=256)
        try:
            for doc in documents:
                writer.add_document(**_build_doc(doc))
                count += 1
        except BaseException:
            writer.cancel()
            self.generations.discard(name)
            raise
        writer.commit()
        self.generations.switch(name)
        if after_switch is not None:
            after_switch()
        self.generations.prune()
        return count

    # ------------------------------------------------------------ reading
    def _searcher(self):
        """A searcher on the live generation, per thread, refreshed when the index changed."""
        name = self.generations.current()
        state = self._local
        if name is None:
            return None
        if getattr(state, "generation", None) != name:
            old = getattr(state, "searcher", None)
            if old is not None:
                old.close()
            state.index = windex.open_dir(self.generations.path(name))
            state.searcher = state.index.searcher()
            state.generation = name
        elif not state.searcher.up_to_date():
            # Not `searcher.refresh()`: it reuses the reader of an unchanged segment id together with
            # its old deletion set, so an updated document shows up twice (whoosh-reloaded 2.7.5).
            state.searcher.close()
            state.searcher = state.index.searcher()
        return state.searcher

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
        self._local = threading.local()

    def doc_count(self) -> int:
        searcher = self._searcher()
        return searcher.doc_count() if searcher is not None else 0

    def stored_documents(self) -> dict[int, dict]:
        """id -> stored fields of every live document (for `verify`)."""
        searcher = self._searcher()
        if searcher is None:
            return {}
        # Not `all_stored_fields()`: on a segment reader it also yields deleted documents.
        return {int(f["id"]): f for f in map(searcher.stored_fields, searcher.reader().all_doc_ids())}

    def _province_ord(self, value: bytes) -> int:
        ordinal = self._province_ords.get(value)
        if ordinal is None:
            ordinal = self._province_ords[value] = len(self._province_names)
            self._province_names.append(value.decode())
        return ordinal

    def _leaf_arrays(self, generation: str, leaf) -> _Arrays:
        key = (generation, _segment_id(leaf))
        cached = self._segment_cache.get(key)
        if cached is not None:
            return cached
        n = leaf.doc_count_all()

        def col(field, typecode, convert=None):
            if not leaf.has_column(field):
                return array(typecode, bytes(array(typecode).itemsize * n))
            values = list(leaf.column_reader(field, translate=False))
            if convert is not None:
                values = [convert(v) for v in values]
            return array(typecode, values)

        arrays = _Arrays(
            pid=col("pid", "q"),
            group=col("group", "b", lambda v: self._group_ords.get(v, -1)),
            province=col("province", "h", self._province_ord),
            stars=col("stars", "B"),
            price=col("price", "q"),
            in_stock=col("in_stock", "B"),
            created=col("created", "q"),
            sold=col("sold", "q"),
            rated=col("rated", "q"),
        )
        self._segment_cache[key] = arrays
        return arrays

    def _arrays(self, searcher) -> _Arrays:
        """Arrays for the whole searcher, concatenated from per-segment arrays cached per generation."""
        generation = self._local.generation
        leaves = searcher.reader().leaf_readers()
        key = (generation,) + tuple(_segment_id(leaf) for leaf, _base in leaves)
        cached = getattr(self._local, "arrays", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        with self._cache_lock:
            parts = [self._leaf_arrays(generation, leaf) for leaf, _base in leaves]
            live = {(generation, _segment_id(leaf)) for leaf, _base in leaves}
            # Forget segments merged away (keep other generations' entries only while small).
            for k in list(self._segment_cache):
                if k[0] == generation and k not in live:
                    del self._segment_cache[k]
                elif k[0] != generation and len(self._segment_cache) > 64:
                    del self._segment_cache[k]
        if len(parts) == 1:
            combined = parts[0]
        else:
            combined = _Arrays(*(sum((getattr(p, f) for p in parts[1:]), array(getattr(parts[0], f).typecode,
                                                                                 getattr(parts[0], f)))
                                 for f in _Arrays.__dataclass_fields__))
        self._local.arrays = (key, combined)
        return combined


    # ------------------------------------------------------------ posting sets and trees
    def _state_key(self, searcher) -> tuple:
        leaves = searcher.reader().leaf_readers()
        return (self._local.generation,) + tuple(
            (_segment_id(leaf), leaf.doc_count()) for leaf, _base in leaves)

    def _postings(self, searcher, field: str, word: str) -> frozenset:
        """Live docnums containing `word` in `field`, cached per index state (segments + deletions)."""
        field = _field(field)
        key = (self._state_key(searcher), field, word)
        docs = self._postings_cache.get(key)
        if docs is None:
            found: list[int] = []
            for leaf, base in searcher.reader().leaf_readers():
                if (field, word) in leaf:
                    found.extend(d + base for d in leaf.postings(field, word).all_ids())
            docs = frozenset(found)
            self._postings_size += len(docs)
            if self._postings_size > POSTINGS_CACHE_DOCS:
                self._postings_cache.clear()
                self._postings_size = len(docs)
            self._postings_cache[key] = docs
        return docs

    def _eval(self, searcher, node) -> frozenset:
        """The documents a tree matches, as set algebra (memoised per index state and tree)."""
        if isinstance(node, Term):
            return self._postings(searcher, node.field, node.token)
        key = (self._state_key(searcher), node)
        found = self._memo.get(key)
        if found is not None:
            return found
        if isinstance(node, Not):
            found = self._all(searcher) - self._eval(searcher, node.part)
        elif isinstance(node, All):
            found = None
            # Smallest first; a Not is subtracted rather than materialised when it can be.
            positives = [p for p in node.parts if not isinstance(p, Not)]
            negatives = [p.part for p in node.parts if isinstance(p, Not)]
            sets = sorted((self._eval(searcher, p) for p in positives), key=len) or [self._all(searcher)]
            acc = set(sets[0])
            for s in sets[1:]:
                if not acc:
                    break
                acc &= s
            for neg in negatives:
                acc -= self._eval(searcher, neg)
            found = frozenset(acc)
        elif isinstance(node, AnyOf):
            acc = set()
            for p in node.parts:
                acc |= self._eval(searcher, p)
            found = frozenset(acc)
        else:
            raise TypeError(node)
        if len(self._memo) >= MEMO_ENTRIES:
            self._memo.clear()
        self._memo[key] = found
        return found

    def _all(self, searcher) -> frozenset:
        key = (self._state_key(searcher), "*")
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = frozenset(searcher.reader().all_doc_ids())
        return found

    def _hits(self, searcher, match) -> list[int]:
        return sorted(self._all(searcher) if match is None else self._eval(searcher, match))

    # ------------------------------------------------------------ the planner's questions
    def doc_freqs(self, terms) -> dict[tuple[str, str], int]:
        searcher = self._searcher()
        if searcher is None:
            return {}
        reader = searcher.reader()
        return {(f, t): reader.doc_frequency(_field(f), t) for f, t in terms}

    def neighbours(self, word: str, fields) -> dict[str, int]:
        searcher = self._searcher()
        if searcher is None:
            return {}
        reader = searcher.reader()
        found: dict[str, int] = {}
        for field in fields:
            for cand in reader.terms_within(field, word, 1, prefix=1):
                if cand != word and within_one_edit(cand, word):
                    found[cand] = found.get(cand, 0) + reader.doc_frequency(field, cand)
        return found

    def texts(self, match, limit: int) -> list[tuple[str, str]]:
        searcher = self._searcher()
        if searcher is None:
            return []
        out = []
        for docnum in self._hits(searcher, match)[:limit]:
            stored = searcher.stored_fields(docnum)
            out.append((stored.get("name", ""), f"{stored.get('producer', '')} {stored.get('place', '')}"))
        return out

    def count(self, match, query: SearchQuery, strong=None, cap: int | None = None) -> tuple[int, int]:
        searcher = self._searcher()
        if searcher is None:
            return 0, 0
        final = self._filtered(self._hits(searcher, match), self._arrays(searcher), query)
        if strong is None:
            return len(final), len(final)
        strong_docs = self._eval(searcher, strong)
        return len(final), sum(1 for d in final if d in strong_docs)

    def count_and_facets(self, match, query: SearchQuery) -> tuple[int, dict]:
        searcher = self._searcher()
        if searcher is None:
            return 0, {"group": {}, "stars": {}, "province": {}}
        final, facets = self._filter_docs(self._hits(searcher, match), self._arrays(searcher), query)
        return len(final), facets

    def top(self, match, query: SearchQuery, scoring: Scoring | None, offset: int, limit: int) -> list[EngineHit]:
        searcher = self._searcher()
        if searcher is None:
            return []
        arrays = self._arrays(searcher)
        final = self._filtered(self._hits(searcher, match), arrays, query)
        end = offset + limit
        if query.sort == "relevance" and scoring is not None:
            weighted = [(_field(f), t, w) for f, t, w in scoring.weighted]
            if scoring.promote is not None:
                promoted = self._eval(searcher, scoring.promote)
                first = [d for d in final if d in promoted]
                ranked = self._rank(searcher, arrays, first, weighted, end)
                if len(ranked) < end:
                    later = [d for d in final if d not in promoted]
                    ranked += self._rank(searcher, arrays, later, weighted, end - len(ranked))
            else:
                ranked = self._rank(searcher, arrays, final, weighted, end)
            page = ranked[offset:end]
        else:
            page = [(0.0, d) for d in self._sorted(final, arrays, query.sort, end)[offset:end]]
        out = []
        for score, docnum in page:
            stored = searcher.stored_fields(docnum)
            out.append(EngineHit(id=int(stored["id"]), score=float(score), name=stored.get("name", ""),
                                 producer=stored.get("producer", ""), place=stored.get("place", ""),
                                 slug=stored.get("slug", "")))
        return out

    def complete(self, words: list[str], finished: bool, limit: int) -> list[EngineHit]:
        searcher = self._searcher()
        if searcher is None:
            return []
        parts = [WTerm("name_f", w) for w in words[:-1]]
        parts.append(WTerm("name_f", words[-1]) if finished else Prefix("name_f", words[-1]))
        q = And(parts) if len(parts) > 1 else parts[0]
        return [EngineHit(id=int(hit["id"]), score=0.0, name=hit["name"], producer="", place="", slug=hit["slug"])
                for hit in searcher.search(q, limit=limit, terms=False)]

    # ------------------------------------------------------------ filters, facets, ranking
    def _filtered(self, docs, arrays: _Arrays, query: SearchQuery) -> list[int]:
        price, stock = arrays.price, arrays.in_stock
        if query.min_price is not None:
            lo = query.min_price
            docs = [d for d in docs if price[d] >= lo]
        if query.max_price is not None:
            hi = query.max_price
            docs = [d for d in docs if price[d] <= hi]
        if query.in_stock:
            docs = [d for d in docs if stock[d]]
        if query.group is not None:
            g = self._group_ords[query.group.encode()]
            docs = [d for d in docs if arrays.group[d] == g]
        if query.stars is not None:
            docs = [d for d in docs if arrays.stars[d] == query.stars]
        if query.province is not None:
            p = self._province_ords.get(query.province.encode(), -2)
            docs = [d for d in docs if arrays.province[d] == p]
        return docs

    def _filter_docs(self, docs, arrays: _Arrays, query: SearchQuery):
        """Apply filters; count each facet with every *other* active filter applied."""
        price, stock = arrays.price, arrays.in_stock
        base = docs
        if query.min_price is not None:
            lo = query.min_price
            base = [d for d in base if price[d] >= lo]
        if query.max_price is not None:
            hi = query.max_price
            base = [d for d in base if price[d] <= hi]
        if query.in_stock:
            base = [d for d in base if stock[d]]
        group_ord = None if query.group is None else self._group_ords[query.group.encode()]
        province_ord = None
        if query.province is not None:
            province_ord = self._province_ords.get(query.province.encode(), -2)

        def by_group(ds):
            return ds if group_ord is None else [d for d in ds if arrays.group[d] == group_ord]

        def by_stars(ds):
            return ds if query.stars is None else [d for d in ds if arrays.stars[d] == query.stars]

        def by_province(ds):
            return ds if province_ord is None else [d for d in ds if arrays.province[d] == province_ord]

        g = arrays.group.__getitem__
        s = arrays.stars.__getitem__
        p = arrays.province.__getitem__
        group_counts = Counter(map(g, by_stars(by_province(base))))
        stars_counts = Counter(map(s, by_group(by_province(base))))
        province_counts = Counter(map(p, by_group(by_stars(base))))
        final = by_province(by_stars(by_group(base)))
        facets = {
            "group": {GROUP_CODES[k]: n for k, n in sorted(group_counts.items(), key=lambda t: -t[1]) if k >= 0},
            "stars": {k: stars_counts[k] for k in (5, 4, 3) if stars_counts.get(k)},
            "province": {self._province_names[k]: n for k, n in sorted(province_counts.items(), key=lambda t: -t[1])
                         if k >= 0},
        }
        return final, facets

    def _cheap_scores(self, searcher, docs: set, weighted) -> dict[int, float]:
        """A bounded stand-in for BM25F to pick the candidates: the sum of the weights of the terms
        each document has. Description words are left out (every hit of a description tier has them
        somewhere, and they are the longest posting lists); description phrases (`desc_bg`) count.
        Set intersections over the cached posting sets."""
        scores: dict[int, float] = {}
        get = scores.get
        for field, term, weight in weighted:
            if field == "desc_f":
                continue
            for d in self._postings(searcher, field, term) & docs:
                scores[d] = get(d, 0.0) + weight
        return scores

    def _full_scores(self, searcher, docs: list[int], weighted) -> dict[int, float]:
        """BM25F of these few documents, computed from the cached posting sets.

        Whoosh's BM25F (K1 = 1.2, B = 0.75, the same idf, the weights as boosts) with a term frequency
        of 1: our fields are short and a name saying a word twice is not twice as relevant. No Whoosh
        matcher runs: a membership test per (term, document) and one field length per (field, document).
        """
        reader = searcher.reader()
        out = dict.fromkeys(docs, 0.0)
        norms: dict[tuple[int, str], float] = {}
        avg: dict[str, float] = {}
        for field, term, weight in weighted:
            posting = self._postings(searcher, field, term)
            present = [d for d in docs if d in posting] if posting else ()
            if not present:
                continue
            if field not in avg:
                avg[field] = searcher.avg_field_length(field, 1.0) or 1.0
            w = weight * searcher.idf(field, term)
            for d in present:
                norm = norms.get((d, field))
                if norm is None:
                    dl = reader.doc_field_length(d, field, 1) or 1
                    norm = norms[(d, field)] = (BM25_K1 + 1) / (1 + BM25_K1 * (1 - BM25_B + BM25_B * dl / avg[field]))
                out[d] += w * norm
        return out

    def _rank(self, searcher, arrays: _Arrays, docs: list[int], weighted, limit: int) -> list[tuple[float, int]]:
        """The first `limit` of `docs` by relevance, with bounded work.

        At most RESCORE documents are scored in full (`_full_scores`, BM25F): all of them when the
        hits are few, otherwise the best by
        `_cheap_scores` (ties: newest). Deeper pages continue by cheap score, then newest. The
        candidates never depend on `limit`, so pages stay consistent.
        """
        if not docs or limit <= 0:
            return []
        created = arrays.created
        cheap: dict[int, float] = {}
        if len(docs) <= RESCORE:
            candidates = docs
        else:
            cheap = self._cheap_scores(searcher, set(docs), weighted)
            if len(cheap) >= RESCORE:
                candidates = heapq.nlargest(RESCORE, cheap, key=lambda d: (cheap[d], created[d], d))
            else:
                rest = (d for d in docs if d not in cheap)
                candidates = list(cheap) + heapq.nlargest(RESCORE - len(cheap), rest, key=created.__getitem__)
        full = self._full_scores(searcher, candidates, weighted)
        ranked = sorted(((full[d], d) for d in candidates), key=lambda t: (-t[0], -created[t[1]], -t[1]))
        if limit > len(ranked):
            chosen = set(candidates)
            more = heapq.nlargest(limit - len(ranked), (d for d in docs if d not in chosen),
                                  key=lambda d: (cheap.get(d, 0.0), created[d], d))
            ranked += [(0.0, d) for d in more]
        return ranked[:limit]

    @staticmethod
    def _sorted(docs, arrays: _Arrays, sort: str, limit: int) -> list[int]:
        pid, created = arrays.pid, arrays.created
        if sort == "price_asc":
            return heapq.nsmallest(limit, docs, key=lambda d: (arrays.price[d], -pid[d]))
        if sort == "price_desc":
            return heapq.nlargest(limit, docs, key=lambda d: (arrays.price[d], pid[d]))
        if sort == "stars":
            return heapq.nlargest(limit, docs, key=lambda d: (arrays.stars[d], created[d], pid[d]))
        if sort == "best_selling":
            return heapq.nlargest(limit, docs, key=lambda d: (arrays.sold[d], pid[d]))
        if sort == "top_rated":
            return heapq.nlargest(limit, docs, key=lambda d: (arrays.rated[d], pid[d]))
        return heapq.nlargest(limit, docs, key=lambda d: (created[d], pid[d]))  # newest, and browsing
