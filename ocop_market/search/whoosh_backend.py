"""The Whoosh backend of the search interface. The only module in the project that imports `whoosh`.

whoosh-reloaded 2.7.5 is frozen; traps checked on this machine and how this module avoids them:
- folding is done in Python (`documents.py`, `ocop_market.text`), the index only splits on `\\w+`:
  no `CharsetFilter(accent_map)`/`LowercaseFilter` order issue, no NFD surprises;
- queries are built as query objects, never with `QueryParser`+`OrGroup.factory()` (zero scores);
  the parser would also split on spaces before analysis, so bigrams come from the whole query;
- no `AsyncWriter` (its buffer dies with the worker); the outbox is the durable buffer;
- every commit makes a segment: writes are batched per outbox apply, and facet arrays are cached
  per segment so a small new segment does not rebuild the arrays of the big ones.

How a text query runs (`query`): the hit set is set algebra over posting sets cached per index state
(`_docs`), tier by tier (name/producer/place; descriptions when fewer than TIER_MIN_HITS strong hits;
typo corrections ranked by the neighbouring words; any word). Filters and facets are counts over
per-document arrays. Ranking is bounded (`_rank`): a cheap weight sum over the posting sets picks at
most RESCORE candidates, which get a BM25F score computed from the same sets and the field lengths;
Whoosh's own matchers never walk the hits (they cost 15-55 us per hit, 0.75 s for a broad query at
100,000 products). Fields added since an index was built (`meta_d`, `desc_bg`) are skipped when
writing to it and simply match nothing until `flask search reindex` builds a new generation.

Directory layout under SEARCH_INDEX_DIR:
    CURRENT          name of the live generation (replaced atomically by `reindex`)
    gen-<stamp>/     one Whoosh index per generation
    write.lock       flock held by whoever writes (outbox apply, reindex); readers never take it
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import heapq
import os
import shutil
import threading
import time
import uuid
from array import array
from collections import Counter
from dataclasses import dataclass

from whoosh import index as windex
from whoosh.analysis import RegexTokenizer
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.query import And, Prefix, Term

from .documents import bigrams, canonical_words, folded_words
from .highlight import highlight
from .types import GROUP_CODES, SearchHit, SearchQuery, SearchResult, Suggestion

CURRENT = "CURRENT"
LOCK = "write.lock"

_WORDS = RegexTokenizer(r"\w+")


def _text() -> TEXT:
    # No positions: proximity comes from the bigram fields, which is cheaper to index and match.
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
)

# Ranking weights (query-time boosts). Name beats producer/place beats description; a syllable pair
# in the right order ("hạt dẻ") and a word typed with its diacritics add on top.
W_NAME, W_META, W_DESC = 3.0, 1.5, 0.5
W_NAME_BIGRAM, W_META_BIGRAM = 4.0, 1.5
W_NAME_EXACT, W_META_EXACT = 2.5, 0.8
W_DESC_BIGRAM = 1.0
W_FUZZY = 0.4  # a corrected word counts less than one typed right
TIER_MIN_HITS = 10  # fewer hits than this on name/producer/place: also search descriptions
FEW_HITS = 3  # fewer than this: try typo correction
TYPO_CANDIDATES = 8  # index words one edit away kept per typed word before ranking them in context
RESCORE = 300  # at most this many hits per query get the full BM25F score (the rest: cheap score, newest)
BM25_K1, BM25_B = 1.2, 0.75  # Whoosh's BM25F defaults
POSTINGS_CACHE_DOCS = 3_000_000  # docnums kept in the per-process posting-set cache (~100 MB at most)
FIELDS_NAME: tuple[str, ...] = ("name_f", "meta_f")
FIELDS_ALL: tuple[str, ...] = ("name_f", "meta_f", "desc_f")
FIELD_WEIGHT = {"name_f": W_NAME, "meta_f": W_META, "desc_f": W_DESC}
CONTEXT_FIELDS = ("name_bg", "meta_bg")


class IndexBusy(RuntimeError):
    """Another process holds the write lock; the outbox keeps the work for later."""


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


class WhooshBackend:
    def __init__(self, root: str):
        self.root = root
        self._local = threading.local()
        self._segment_cache: dict[tuple, _Arrays] = {}
        self._cache_lock = threading.Lock()
        self._province_ords: dict[bytes, int] = {}
        self._province_names: list[str] = []
        self._group_ords = {code.encode(): i for i, code in enumerate(GROUP_CODES)}
        self._display_cache: dict[tuple, dict[str, list[str]]] = {}
        self._postings_cache: dict[tuple, frozenset] = {}
        self._postings_size = 0

    # ------------------------------------------------------------ generations and locking
    def _pointer(self) -> str:
        return os.path.join(self.root, CURRENT)

    def current_generation(self) -> str | None:
        try:
            with open(self._pointer(), encoding="ascii") as fh:
                name = fh.read().strip()
        except FileNotFoundError:
            return None
        return name if name and os.path.isdir(os.path.join(self.root, name)) else None

    @contextlib.contextmanager
    def write_lock(self, wait: float = 0.0):
        """Yields True if this process now holds the write lock, False if someone else does.

        `wait=0` never blocks: a web worker that finds the lock taken leaves its work in the outbox.
        """
        os.makedirs(self.root, exist_ok=True)
        fd = os.open(os.path.join(self.root, LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        got = False
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    got = True
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(0.05)
            yield got
        finally:
            if got:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _new_generation(self) -> tuple[str, windex.Index]:
        # Sortable by creation time, unique across processes.
        name = f"gen-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}"
        path = os.path.join(self.root, name)
        os.makedirs(path)
        return name, windex.create_in(path, SCHEMA)

    def _switch(self, name: str) -> None:
        tmp = self._pointer() + f".{os.getpid()}.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(name)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._pointer())  # atomic: readers see the old name or the new one

    def _prune(self, keep: int = 2) -> None:
        """Delete old generations, keeping the live one and its predecessor (readers may still use it)."""
        gens = sorted(d for d in os.listdir(self.root) if d.startswith("gen-"))
        live = self.current_generation()
        for name in gens[:-keep]:
            if name != live:
                shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)

    def _writable_index(self) -> windex.Index:
        """The live index, created empty on first use. Call with the write lock held."""
        name = self.current_generation()
        if name is None:
            name, ix = self._new_generation()
            self._switch(name)
            return ix
        return windex.open_dir(os.path.join(self.root, name))

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
        name, ix = self._new_generation()
        count = 0
        writer = ix.writer(limitmb=256)
        try:
            for doc in documents:
                writer.add_document(**_build_doc(doc))
                count += 1
        except BaseException:
            writer.cancel()
            shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)
            raise
        writer.commit()
        self._switch(name)
        if after_switch is not None:
            after_switch()
        self._prune()
        return count

    # ------------------------------------------------------------ reading
    def _searcher(self):
        """A searcher on the live generation, per thread, refreshed when the index changed."""
        name = self.current_generation()
        state = self._local
        if name is None:
            return None
        if getattr(state, "generation", None) != name:
            old = getattr(state, "searcher", None)
            if old is not None:
                old.close()
            state.index = windex.open_dir(os.path.join(self.root, name))
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

    # ------------------------------------------------------------ vocabulary
    def _known(self, reader, word: str, fields=FIELDS_ALL) -> bool:
        return any(reader.doc_frequency(f, word) for f in fields)

    def _corrections(self, reader, word: str) -> list[tuple[int, str]]:
        """Index words one edit away (first letter kept), most frequent first.

        Words of names, producers and places come first: "duong phem" means "đường phèn" (a name),
        not "đường phẩm" although "sản phẩm" fills every description. `_correct` then ranks them
        by the neighbouring words.
        """
        for fields in (FIELDS_NAME, ("desc_f",)):
            found: dict[str, int] = {}
            for field in fields:
                for cand in reader.terms_within(field, word, 1, prefix=1):
                    if cand != word:
                        found[cand] = found.get(cand, 0) + reader.doc_frequency(field, cand)
            if found:
                return sorted(((df, w) for w, df in found.items()), key=lambda t: (-t[0], t[1]))
        return []

    def _correct(self, reader, words: list[str], targets) -> tuple[dict[str, list[str]], list[str]]:
        """Corrections for the `targets` among `words`, each ranked by the phrases it makes with its neighbours.

        A candidate that forms a name/producer/place bigram with the word before (as corrected) or the
        word after wins over a merely frequent one: "duong phem" -> "phen" (đường phèn, a name phrase),
        not "pham" (Phạm, a family name) or "phe" (cà phê), though both are more frequent alone.
        Returns (word -> at most two expansions, best first; the corrected words).
        """
        corrected = list(words)
        expansions: dict[str, list[str]] = {}
        for i, word in enumerate(words):
            if word not in targets:
                continue
            candidates = self._corrections(reader, word)[:TYPO_CANDIDATES]
            if not candidates:
                continue
            before = corrected[i - 1] if i else None
            after = words[i + 1] if i + 1 < len(words) else None

            def in_context(cand: str, before=before, after=after) -> int:
                n = 0
                for field in CONTEXT_FIELDS:
                    if before:
                        n += reader.doc_frequency(field, f"{before}_{cand}")
                    if after:
                        n += reader.doc_frequency(field, f"{cand}_{after}")
                return n

            ranked = sorted(((in_context(c), df, c) for df, c in candidates), key=lambda t: (-t[0], -t[1], t[2]))
            if ranked[0][0]:
                ranked = [t for t in ranked if t[0]]  # the phrase decides; drop words that fit no phrase
            expansions[word] = [c for _ctx, _df, c in ranked[:2]]
            corrected[i] = ranked[0][2]
        return expansions, corrected

    def _postings(self, searcher, field: str, word: str) -> frozenset:
        """Live docnums containing `word` in `field`, cached per index state (segments + deletions)."""
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

    def _state_key(self, searcher) -> tuple:
        leaves = searcher.reader().leaf_readers()
        return (self._local.generation,) + tuple(
            (_segment_id(leaf), leaf.doc_count()) for leaf, _base in leaves)

    def _docs(self, searcher, words, fields, expansions=None, any_word=False) -> list[int]:
        """Documents matching every word (or any, with `any_word`) in one of `fields`, as set algebra.

        Equivalent to iterating a Whoosh matcher without scores, much cheaper in Python; only a
        bounded number of the hits is scored (`_rank`).
        """
        per_word = []
        for w in words:
            docs: set[int] = set()
            for term in (w, *(expansions or {}).get(w, ())):
                for field in fields:
                    docs |= self._postings(searcher, field, term)
            if not docs and not any_word:
                return []
            per_word.append(docs)
        per_word.sort(key=len)
        result = set.union(*per_word) if any_word else set.intersection(*per_word)
        return sorted(result)

    def _display_forms(self, searcher) -> dict[str, list[str]]:
        """folded word -> its spellings with diacritics in the index's own words, most frequent first."""
        key = (self._local.generation,) + tuple(_segment_id(leaf) for leaf, _b in searcher.reader().leaf_readers())
        forms = self._display_cache.get(key)
        if forms is None:
            seen: dict[str, Counter] = {}
            reader = searcher.reader()
            for field in ("name_d", "meta_d"):
                for term, info in reader.iter_field(field):
                    word = term.decode() if isinstance(term, bytes) else term
                    folded = "".join(folded_words(word))
                    seen.setdefault(folded, Counter())[word] += info.doc_frequency()
            forms = {k: [w for w, _n in sorted(c.items(), key=lambda t: (-t[1], t[0]))] for k, c in seen.items()}
            self._display_cache.clear()
            self._display_cache[key] = forms
        return forms

    def _display(self, searcher, words: list[str]) -> str:
        """Folded words -> how the index spells them: "duong phen" -> "đường phèn" (the name phrase),
        though "dương" alone is more frequent (Lạc Dương)."""
        variants = self._display_forms(searcher)
        reader = searcher.reader()
        forms = [variants.get(w, [w])[0] for w in words]
        fixed = [False] * len(words)
        for i in range(len(words) - 1):
            best = None
            for a in variants.get(words[i], [words[i]])[:6]:
                if fixed[i] and a != forms[i]:
                    continue
                for b in variants.get(words[i + 1], [words[i + 1]])[:6]:
                    df = reader.doc_frequency("name_bg", f"{a}_{b}")
                    if df and (best is None or df > best[0]):
                        best = (df, a, b)
            if best is not None:
                forms[i], forms[i + 1] = best[1], best[2]
                fixed[i] = fixed[i + 1] = True
        return " ".join(forms)

    # ------------------------------------------------------------ queries
    @staticmethod
    def _optional_terms(words, exact, corrected=None, desc=False) -> list[tuple[str, str, float]]:
        """(field, term, weight) that add to the score without being required: phrases, exact forms."""
        optional = [("name_bg", b, W_NAME_BIGRAM) for b in bigrams(words)]
        optional += [("meta_bg", b, W_META_BIGRAM) for b in bigrams(words)]
        if desc:
            optional += [("desc_bg", b, W_DESC_BIGRAM) for b in bigrams(words)]
        if corrected and corrected != list(words):
            # The corrected phrase ("đường phèn" for "duong phem") counts, less than one typed right.
            typed = set(bigrams(words))
            fixed = [b for b in bigrams(corrected) if b not in typed]
            optional += [("name_bg", b, W_NAME_BIGRAM * W_FUZZY) for b in fixed]
            optional += [("meta_bg", b, W_META_BIGRAM * W_FUZZY) for b in fixed]
        if exact:
            optional += [("name_d", w, W_NAME_EXACT) for w in exact]
            optional += [("meta_d", w, W_META_EXACT) for w in exact]
            optional += [("name_bg", b, W_NAME_BIGRAM) for b in bigrams(exact)]
        return optional

    @staticmethod
    def _required_terms(words, fields, expansions=None) -> list[list[tuple[str, str, float]]]:
        per_word = []
        for w in words:
            alts = [(f, w, FIELD_WEIGHT[f]) for f in fields]
            for cand in (expansions or {}).get(w, ()):
                alts.extend((f, cand, FIELD_WEIGHT[f] * W_FUZZY) for f in fields)
            per_word.append(alts)
        return per_word

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

    def _weak(self, searcher, name_docs: list[int], words: list[str], exact: list[str]) -> set[int]:
        """Name-tier hits without a phrase of the query (2+ words) or without the exact forms typed."""
        if not name_docs or (len(words) < 2 and not exact):
            return set()
        strong = set(name_docs)
        if len(words) >= 2:
            phrase: set[int] = set()
            for b in bigrams(words):
                phrase |= self._postings(searcher, "name_bg", b) | self._postings(searcher, "meta_bg", b)
            strong &= phrase
        for w in exact:
            strong &= self._postings(searcher, "name_d", w) | self._postings(searcher, "meta_d", w)
        return {d for d in name_docs if d not in strong}

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

    def query(self, query: SearchQuery) -> SearchResult:
        searcher = self._searcher()
        empty = SearchResult(hits=[], total=0, page=query.page, per_page=query.per_page,
                             facets={"group": {}, "stars": {}, "province": {}}, tier="browse")
        if searcher is None:
            return empty
        arrays = self._arrays(searcher)
        reader = searcher.reader()
        words = folded_words(query.q)[:12]
        exact_all = canonical_words(query.q)[:12]
        # Only words typed with diacritics carry extra meaning ("cà" vs "cá"); a bare "ca" stays neutral.
        exact = [w for w, f in zip(exact_all, words) if w != f] if len(exact_all) == len(words) else []
        suggestion = None
        terms = tuple(words)
        demoted: set[int] = set()
        weighted: list = []
        if not words:
            tier = "browse"
            final, facets = self._filter_docs(list(reader.all_doc_ids()), arrays, query)
        else:
            # Tiered matching: name/producer/place first; descriptions only when that finds too little.
            tier, fields, expansions, corrected = "name", FIELDS_NAME, None, None
            name_docs = self._docs(searcher, words, FIELDS_NAME)
            final, facets = self._filter_docs(name_docs, arrays, query)
            # Weak name hits: the words are there but scattered ("Nem chua đặc biệt" by "HTX Nông sản" for
            # "dac san"), or, typed with diacritics, only fold alike ("Bột sắn dây đặc biệt" for "đặc sản").
            # They neither keep the search in the name tier nor rank above description hits.
            weak = self._weak(searcher, name_docs, words, exact)
            if len(final) - sum(1 for d in final if d in weak) < TIER_MIN_HITS:
                tier, fields = "all", FIELDS_ALL
                final, facets = self._filter_docs(self._docs(searcher, words, FIELDS_ALL), arrays, query)
            if tier == "all" and len(words) > 1:
                # Description hits rank after the hits with a phrase of the query: in the name/producer/
                # place, or in the description. "Nón lá đặc biệt" with "sản phẩm" in its description
                # is not "đặc sản".
                together: set[int] = set()
                for b in bigrams(words):
                    together |= self._postings(searcher, "desc_bg", b)
                together.update(d for d in name_docs if d not in weak)
                demoted = weak | {d for d in final if d not in together}
            elif exact:
                demoted = weak
            unknown = [w for w in words if not self._known(reader, w)]
            if len(final) < FEW_HITS and (unknown or not final):
                # Correct only the words the index does not know; known words only when all are known
                # and together they find nothing ("duong" stays "duong" in "duong phem").
                targets = {w for w in (unknown or words) if len(w) >= 4}
                expansions, corrected = self._correct(reader, words, targets)
                replaced = {w for w in expansions if w in unknown}
                if replaced:
                    suggestion = self._display(searcher, corrected)
                for fz_fields in (FIELDS_NAME, FIELDS_ALL) if expansions else ():
                    fuzzy_final, fuzzy_facets = self._filter_docs(
                        self._docs(searcher, words, fz_fields, expansions), arrays, query)
                    if len(fuzzy_final) > len(final):
                        tier, final, facets, fields = "fuzzy", fuzzy_final, fuzzy_facets, fz_fields
                        terms = tuple(words) + tuple(c for cs in expansions.values() for c in cs)
                    if len(final) >= FEW_HITS:
                        break
                if tier != "fuzzy":
                    expansions = corrected = None
            if not final and len(words) > 1:
                any_final, any_facets = self._filter_docs(
                    self._docs(searcher, words, FIELDS_ALL, any_word=True), arrays, query)
                if any_final:
                    tier, final, facets, fields = "any", any_final, any_facets, FIELDS_ALL
                    expansions = corrected = None
            weighted = [t for alts in self._required_terms(words, fields, expansions) for t in alts]
            weighted += self._optional_terms(words, exact, corrected, desc="desc_f" in fields)

        total = len(final)
        offset = (query.page - 1) * query.per_page
        limit = offset + query.per_page
        if offset >= total:
            page_docs: list[tuple[float, int]] = []
        elif query.sort == "relevance" and words:
            # The set decides membership (filters, tiers); scoring is bounded (`_rank`).
            if demoted:
                first = [d for d in final if d not in demoted]
                page_docs = self._rank(searcher, arrays, first, weighted, limit)
                if len(page_docs) < limit:
                    later = [d for d in final if d in demoted]
                    page_docs += self._rank(searcher, arrays, later, weighted, limit - len(page_docs))
            else:
                page_docs = self._rank(searcher, arrays, final, weighted, limit)
            page_docs = page_docs[offset:limit]
        else:
            page_docs = [(0.0, d) for d in self._sorted(final, arrays, query.sort, limit)[offset:limit]]
        hits = []
        for score, docnum in page_docs:
            stored = searcher.stored_fields(docnum)
            hits.append(SearchHit(
                id=int(stored["id"]), score=float(score),
                highlights={k: str(highlight(stored.get(k, ""), terms)) for k in ("name", "producer", "place")},
            ))
        return SearchResult(hits=hits, total=total, page=query.page, per_page=query.per_page, facets=facets,
                            suggestion=suggestion, terms=terms, tier=tier)

    @staticmethod
    def _sorted(docs, arrays: _Arrays, sort: str, limit: int) -> list[int]:
        pid, created = arrays.pid, arrays.created
        if sort == "price_asc":
            return heapq.nsmallest(limit, docs, key=lambda d: (arrays.price[d], -pid[d]))
        if sort == "price_desc":
            return heapq.nlargest(limit, docs, key=lambda d: (arrays.price[d], pid[d]))
        if sort == "stars":
            return heapq.nlargest(limit, docs, key=lambda d: (arrays.stars[d], created[d], pid[d]))
        return heapq.nlargest(limit, docs, key=lambda d: (created[d], pid[d]))  # newest, and browsing

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        searcher = self._searcher()
        words = folded_words(prefix)[:8]
        if searcher is None or not words:
            return []
        complete, last = words[:-1], words[-1]
        parts = [Term("name_f", w) for w in complete]
        if prefix.rstrip() != prefix and prefix.strip():
            parts.append(Term("name_f", last))  # the last word was finished with a space
        else:
            parts.append(Prefix("name_f", last))
        q = And(parts) if len(parts) > 1 else parts[0]
        out: list[Suggestion] = []
        seen: set[str] = set()
        for hit in searcher.search(q, limit=limit * 3, terms=False):
            name = hit["name"]
            if name.lower() in seen:
                continue
            seen.add(name.lower())
            out.append(Suggestion(id=int(hit["id"]), name=name, slug=hit["slug"]))
            if len(out) >= limit:
                break
        return out
