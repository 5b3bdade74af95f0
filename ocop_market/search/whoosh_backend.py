"""The Whoosh backend of the search interface. The only module in the project that imports `whoosh`.

whoosh-reloaded 2.7.5 is frozen; traps checked on this machine and how this module avoids them:
- folding is done in Python (`documents.py`, `ocop_market.text`), the index only splits on `\\w+`:
  no `CharsetFilter(accent_map)`/`LowercaseFilter` order issue, no NFD surprises;
- queries are built as query objects, never with `QueryParser`+`OrGroup.factory()` (zero scores);
  the parser would also split on spaces before analysis, so bigrams come from the whole query;
- no `AsyncWriter` (its buffer dies with the worker); the outbox is the durable buffer;
- every commit makes a segment: writes are batched per outbox apply, and facet arrays are cached
  per segment so a small new segment does not rebuild the arrays of the big ones.

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
from whoosh.query import And, AndMaybe, Every, Or, Prefix, Term

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
    desc_f=_text(),
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
W_FUZZY = 0.4  # a corrected word counts less than one typed right
TIER_MIN_HITS = 10  # fewer hits than this on name/producer/place: also search descriptions
FEW_HITS = 3  # fewer than this: try typo correction
POSTINGS_CACHE_DOCS = 3_000_000  # docnums kept in the per-process posting-set cache (~100 MB at most)
FIELDS_NAME = ("name_f", "meta_f")
FIELDS_ALL = ("name_f", "meta_f", "desc_f")
FIELD_WEIGHT = {"name_f": W_NAME, "meta_f": W_META, "desc_f": W_DESC}


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
        self._display_cache: dict[tuple, dict[str, str]] = {}
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

    def _new_generation(self) -> tuple[str, "windex.Index"]:
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

    def _writable_index(self) -> "windex.Index":
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
        writer = ix.writer()
        try:
            for doc in upserts:
                writer.update_document(**_build_doc(doc))
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
        not "đường phẩm" although "sản phẩm" fills every description.
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

        Equivalent to iterating `_match_query(...)`'s matcher without scores, much cheaper in Python;
        only the page's top documents are scored (by `searcher.search` with this set as filter).
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

    def _display_forms(self, searcher) -> dict[str, str]:
        """folded word -> its most frequent spelling with diacritics, from the index's own words."""
        key = (self._local.generation,) + tuple(_segment_id(leaf) for leaf, _b in searcher.reader().leaf_readers())
        forms = self._display_cache.get(key)
        if forms is None:
            best: dict[str, tuple[int, str]] = {}
            reader = searcher.reader()
            for field in ("name_d", "meta_d"):
                for term, info in reader.iter_field(field):
                    word = term.decode() if isinstance(term, bytes) else term
                    folded = "".join(folded_words(word))
                    df = info.doc_frequency()
                    if folded not in best or df > best[folded][0]:
                        best[folded] = (df, word)
            forms = {k: v[1] for k, v in best.items()}
            self._display_cache.clear()
            self._display_cache[key] = forms
        return forms

    # ------------------------------------------------------------ queries
    def _match_query(self, words, exact, fields, expansions=None, any_word=False):
        per_word = []
        for w in words:
            alts = [Term(f, w, boost=FIELD_WEIGHT[f]) for f in fields]
            for cand in (expansions or {}).get(w, ()):
                alts.extend(Term(f, cand, boost=FIELD_WEIGHT[f] * W_FUZZY) for f in fields)
            per_word.append(Or(alts) if len(alts) > 1 else alts[0])
        required = Or(per_word) if any_word else And(per_word)
        optional = [Term("name_bg", b, boost=W_NAME_BIGRAM) for b in bigrams(words)]
        optional += [Term("meta_bg", b, boost=W_META_BIGRAM) for b in bigrams(words)]
        if exact:
            optional += [Term("name_d", w, boost=W_NAME_EXACT) for w in exact]
            optional += [Term("meta_d", w, boost=W_META_EXACT) for w in exact]
            optional += [Term("name_bg", b, boost=W_NAME_BIGRAM) for b in bigrams(exact)]
        if not optional:
            return required
        return AndMaybe(required, Or(optional))

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
        if not words:
            tier = "browse"
            q = Every()
            final, facets = self._filter_docs(list(reader.all_doc_ids()), arrays, query)
        else:
            # Tiered matching: name/producer/place first; descriptions only when that finds too little.
            tier = "name"
            q = self._match_query(words, exact, FIELDS_NAME)
            final, facets = self._filter_docs(self._docs(searcher, words, FIELDS_NAME), arrays, query)
            if len(final) < TIER_MIN_HITS:
                tier = "all"
                q = self._match_query(words, exact, FIELDS_ALL)
                final, facets = self._filter_docs(self._docs(searcher, words, FIELDS_ALL), arrays, query)
            unknown = [w for w in words if not self._known(reader, w)]
            if len(final) < FEW_HITS and (unknown or not final):
                expansions = {w: [c for _df, c in self._corrections(reader, w)[:2]]
                              for w in words if len(w) >= 4 and (w in unknown or not final)}
                expansions = {w: c for w, c in expansions.items() if c}
                replaced = {w: c[0] for w, c in expansions.items() if w in unknown}
                if replaced:
                    forms = self._display_forms(searcher)
                    suggestion = " ".join(forms.get(replaced.get(w, w), replaced.get(w, w)) for w in words)
                for fields in (FIELDS_NAME, FIELDS_ALL) if expansions else ():
                    fuzzy_final, fuzzy_facets = self._filter_docs(
                        self._docs(searcher, words, fields, expansions), arrays, query)
                    if len(fuzzy_final) > len(final):
                        tier, final, facets = "fuzzy", fuzzy_final, fuzzy_facets
                        q = self._match_query(words, exact, fields, expansions)
                        terms = tuple(words) + tuple(c for cs in expansions.values() for c in cs)
                    if len(final) >= FEW_HITS:
                        break
            if not final and len(words) > 1:
                any_final, any_facets = self._filter_docs(
                    self._docs(searcher, words, FIELDS_ALL, any_word=True), arrays, query)
                if any_final:
                    tier, final, facets = "any", any_final, any_facets
                    q = self._match_query(words, exact, FIELDS_ALL, any_word=True)

        total = len(final)
        offset = (query.page - 1) * query.per_page
        limit = offset + query.per_page
        if offset >= total:
            page_docs: list[tuple[float, int]] = []
        elif query.sort == "relevance" and words:
            # The set decides membership (filters, tiers); the query only scores.
            results = searcher.search(q, filter=set(final), limit=limit, terms=False)
            page_docs = [(score, docnum) for score, docnum in results.top_n][offset:limit]
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
