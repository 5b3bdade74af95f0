"""The tantivy engine (SEARCH_BACKEND=tantivy, the default). The only module that imports `tantivy`.

tantivy (Rust, kept by its authors; PyPI `tantivy`, pinned) answers the planner's questions
(planner.py decides what a query means): its boolean queries match and score in Rust, filters are term
and range queries, facets are terms aggregations over fast fields, sorts read composite fast-field keys.

- Text is folded in Python (documents.py, `ocop_market.text`), as for every engine; tantivy only splits
  the prepared words on spaces (a "ws" analyzer registered on every open): no stemming, no stop words.
- The index lives under SEARCH_INDEX_DIR/tantivy in generations (generations.py): `reindex` builds a new
  one beside the live one and switches atomically; the outbox writes into the live one.
- Several gunicorn workers: one writer at a time (the generations flock, and tantivy's own lock
  inside); readers never lock. Each process reloads its reader when the live generation's `meta.json`
  changed (another process committed), checked by two `stat` calls per question: a commit is visible to
  the next query of every worker, with no file watcher thread and no delay.
"""
from __future__ import annotations

import os
import threading

import tantivy

from .generations import Generations
from .matching import All, AnyOf, EngineHit, Not, Scoring, Term
from .spelling import within_one_edit
from .types import GROUP_CODES, SearchQuery

WORD_FIELDS = ("name_f", "meta_f", "desc_f", "name_d", "meta_d", "name_bg", "meta_bg", "desc_bg", "name_px")
STORED = ("slug", "name", "producer", "place", "sig")
#: name pairs as written live in `name_bg` beside the folded ones (documents.name_bigrams)
PHYSICAL = {"name_dbg": "name_bg"}
PROMOTE = 1e4  # added to promoted hits' scores (f32: BM25 sums stay far below it, and resolved beside it)
WRITE_HEAP = 20_000_000  # per outbox apply (tantivy's minimum is 15 MB per thread)
REBUILD_HEAP = 256_000_000
COMPILED_CACHE = 2_000  # compiled trees kept per process
SCHEMA_VERSION = "3"  # 2: k_sold (the best_selling sort); 3: k_rated (top_rated)  # bump when the schema changes: an index of another version is rebuilt by `reindex`
_PID_BITS = 28  # composite sort keys: up to 268 million product ids
_MAX_PID = (1 << _PID_BITS) - 1
_MAX_SOLD = (1 << (63 - _PID_BITS)) - 1  # k_sold = (sold << _PID_BITS) | pid in a signed 64-bit field


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("pid", stored=True, indexed=True, fast=True)
    for name in STORED:
        # Stored for the result page; "raw" keeps the index of these fields to one term per document.
        sb.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    for name in WORD_FIELDS:
        sb.add_text_field(name, tokenizer_name="ws", index_option="freq")
    for name in ("group", "province"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    for name in ("stars", "in_stock", "price"):
        sb.add_integer_field(name, indexed=True, fast=True)
    for name in ("k_newest", "k_price_asc", "k_price_desc", "k_stars", "k_sold", "k_rated"):
        sb.add_integer_field(name, fast=True)
    return sb.build()


SCHEMA = _schema()
_WS = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
SORT_KEYS = {  # sort -> (fast field, order); ties broken inside the key (see `_document`)
    "price_asc": ("k_price_asc", tantivy.Order.Asc),
    "price_desc": ("k_price_desc", tantivy.Order.Desc),
    "stars": ("k_stars", tantivy.Order.Desc),
    "best_selling": ("k_sold", tantivy.Order.Desc),
    "top_rated": ("k_rated", tantivy.Order.Desc),
}


def _prefixes(words: list[str]) -> str:
    """Every prefix of every name word: autocomplete is then one term lookup ("hat d" -> "d")."""
    return " ".join(dict.fromkeys(w[:i] for w in words for i in range(1, len(w) + 1)))


def _document(doc: dict) -> tantivy.Document:
    pid = int(doc["pid"])
    if not 0 < pid <= _MAX_PID:
        raise ValueError(f"product id {pid} does not fit the sort keys")
    created = max(0, int(doc["created"])) & 0xFFFFFFFF
    price, stars = int(doc["price"]), int(doc["stars"] or 0)
    sold = min(max(0, int(doc.get("sold") or 0)), _MAX_SOLD)
    rated = min(max(0, int(doc.get("rated") or 0)), _MAX_SOLD)  # rating_key: at most 500 << 20 | (2^20 - 1)
    fields = {k: doc[k] for k in (*STORED, "name_f", "meta_f", "desc_f", "name_d", "meta_d", "name_bg",
                                   "meta_bg", "desc_bg", "group", "province")}
    return tantivy.Document(
        **fields, pid=pid, name_px=_prefixes(doc["name_f"].split()),
        stars=stars, in_stock=1 if doc["in_stock"] else 0, price=price,
        # The same orders and tie-breaks as the other engines: newest = (created, id); price ties by id desc;
        # best-selling = (sold, id): no room for the creation time beside 35 bits of units, and ids follow it.
        k_newest=(created << _PID_BITS) | pid,
        k_price_asc=(price << 32) | (0xFFFFFFFF - pid),
        k_price_desc=(price << 32) | pid,
        k_stars=(stars << 60) | (created << _PID_BITS) | pid,
        k_sold=(sold << _PID_BITS) | pid,
        k_rated=(rated << _PID_BITS) | pid,
    )


def _count(result) -> int:
    # `SearchResult.count` exists (searched with count=True) but the package's stub does not declare it.
    return int(result.count)


def _field(name: str) -> str:
    return PHYSICAL.get(name, name)


class TantivyBackend:
    kind = "tantivy"

    def __init__(self, index_dir: str):
        self.root = os.path.join(index_dir, "tantivy")
        self.generations = Generations(self.root)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._index: tantivy.Index | None = None
        self._searcher: tantivy.Searcher | None = None
        self._vocab: dict[tuple, list[tuple[str, int]]] = {}
        self._compiled: dict = {}  # planner tree -> tantivy Query (queries hold no reader state)

    # ------------------------------------------------------------ generations, opening, writing
    def current_generation(self) -> str | None:
        name = self.generations.current()
        if name is None:
            return None
        marker = os.path.join(self.generations.path(name), "ocop-schema")
        try:
            with open(marker, encoding="ascii") as fh:
                return name if fh.read().strip() == SCHEMA_VERSION else None
        except FileNotFoundError:
            return None

    def write_lock(self, wait: float = 0.0):
        return self.generations.write_lock(wait)

    @staticmethod
    def _open(path: str, create: bool = False) -> tantivy.Index:
        index = tantivy.Index(SCHEMA, path=path, reuse=not create) if create else tantivy.Index.open(path)
        index.register_tokenizer("ws", _WS)
        if create:
            with open(os.path.join(path, "ocop-schema"), "w", encoding="ascii") as fh:
                fh.write(SCHEMA_VERSION)
        return index

    def _writable_index(self) -> tantivy.Index:
        """The live index, created empty on first use. Call with the write lock held."""
        name = self.current_generation()
        if name is None:
            name = self.generations.new()
            index = self._open(self.generations.path(name), create=True)
            index.writer(WRITE_HEAP, 1).commit()
            self.generations.switch(name)
            return index
        return self._open(self.generations.path(name))

    def write(self, upserts: list[dict], deletes: list[int]) -> None:
        """Apply document changes in one commit. Call with the write lock held."""
        if not upserts and not deletes:
            return
        writer = self._writable_index().writer(WRITE_HEAP, 1)
        try:
            for pid in {*deletes, *(int(d["pid"]) for d in upserts)}:
                writer.delete_documents_by_term("pid", pid)
            for doc in upserts:
                writer.add_document(_document(doc))
        except BaseException:
            writer.rollback()
            raise
        writer.commit()
        writer.wait_merging_threads()  # releases tantivy's writer lock before the flock
        self._stamp = None

    def rebuild(self, documents, after_switch=None) -> int:
        """Build a new generation from `documents` and switch to it atomically (write lock held)."""
        name = self.generations.new()
        count = 0
        try:
            writer = self._open(self.generations.path(name), create=True).writer(REBUILD_HEAP)
            for doc in documents:
                writer.add_document(_document(doc))
                count += 1
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            self.generations.discard(name)
            raise
        self.generations.switch(name)
        self._stamp = None
        if after_switch is not None:
            after_switch()
        self.generations.prune()
        return count

    # ------------------------------------------------------------ reading
    def _current(self) -> tantivy.Searcher | None:
        """This process's searcher, reloaded when the live generation or its last commit changed."""
        try:
            pointer = os.stat(os.path.join(self.root, "CURRENT"))
        except FileNotFoundError:
            return None
        name = None
        if self._stamp is not None and self._stamp[0] == (pointer.st_ino, pointer.st_mtime_ns):
            name = self._stamp[1]
        else:
            name = self.current_generation()
            if name is None:
                return None
        try:
            meta = os.stat(os.path.join(self.generations.path(name), "meta.json"))
        except FileNotFoundError:
            self._stamp = None
            return None
        stamp = ((pointer.st_ino, pointer.st_mtime_ns), name, meta.st_ino, meta.st_mtime_ns, meta.st_size)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    if self._index is None or self._stamp is None or self._stamp[1] != name:
                        self._index = self._open(self.generations.path(name))
                        self._index.config_reader("manual", 0)
                    self._index.reload()
                    self._searcher = self._index.searcher()
                    self._vocab = {}
                    self._stamp = stamp
        return self._searcher

    def close(self) -> None:
        self._index = self._searcher = self._stamp = None

    def doc_count(self) -> int:
        searcher = self._current()
        return searcher.num_docs if searcher is not None else 0

    def stored_documents(self) -> dict[int, dict]:
        searcher = self._current()
        if searcher is None or not searcher.num_docs:
            return {}
        hits = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False).hits
        out = {}
        for _score, addr in hits:
            doc = searcher.doc(addr)
            out[int(doc.get_first("pid") or 0)] = {"sig": doc.get_first("sig"), "name": doc.get_first("name")}
        return out

    # ------------------------------------------------------------ compiling the planner's trees
    def _compile(self, node) -> tantivy.Query:
        """The tantivy query of a planner tree; memoised (one search asks for the same tree 3-4 times)."""
        query = self._compiled.get(node)
        if query is not None:
            return query
        Q, Occur = tantivy.Query, tantivy.Occur
        if isinstance(node, Term):
            query = Q.term_query(SCHEMA, _field(node.field), node.token, index_option="freq")
        elif isinstance(node, All):
            query = Q.boolean_query([(Occur.Must, self._compile(p)) for p in node.parts])
        elif isinstance(node, AnyOf):
            query = Q.boolean_query([(Occur.Should, self._compile(p)) for p in node.parts])
        elif isinstance(node, Not):
            query = Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, self._compile(node.part))])
        else:
            raise TypeError(node)
        if len(self._compiled) > COMPILED_CACHE:
            self._compiled.clear()
        self._compiled[node] = query
        return query

    @staticmethod
    def _filters(query: SearchQuery, skip: tuple[str, ...] = ("",)) -> list[tantivy.Query]:
        Q = tantivy.Query
        out = []
        if query.min_price is not None or query.max_price is not None:
            out.append(Q.range_query(SCHEMA, "price", tantivy.FieldType.Integer, query.min_price,
                                     query.max_price))
        if query.in_stock:
            out.append(Q.term_query(SCHEMA, "in_stock", 1))
        if query.group is not None and "group" not in skip:
            out.append(Q.term_query(SCHEMA, "group", query.group))
        if query.stars is not None and "stars" not in skip:
            out.append(Q.term_query(SCHEMA, "stars", query.stars))
        if query.province is not None and "province" not in skip:
            out.append(Q.term_query(SCHEMA, "province", query.province))
        return out

    def _query(self, match, filters: list, scored: bool = False) -> tantivy.Query:
        """`match` and the filters, required; scored 0 unless `scored` (then the match's own BM25)."""
        Q, Occur = tantivy.Query, tantivy.Occur
        parts = [] if match is None else [self._compile(match)]
        parts += filters
        if not parts:
            return Q.all_query()
        q = parts[0] if len(parts) == 1 else Q.boolean_query([(Occur.Must, p) for p in parts])
        return q if scored else Q.const_score_query(q, 0.0)

    # ------------------------------------------------------------ the planner's questions
    def doc_freqs(self, terms) -> dict[tuple[str, str], int]:
        searcher = self._current()
        if searcher is None:
            return {}
        return {(f, t): searcher.doc_freq(_field(f), t) for f, t in terms}

    def neighbours(self, word: str, fields) -> dict[str, int]:
        searcher = self._current()
        if searcher is None:
            return {}
        found: dict[str, int] = {}
        for field in fields:
            key = (field, word[0])
            vocab = self._vocab.get(key)
            if vocab is None:  # every index word of the field with this first letter, per reader
                vocab = self._vocab[key] = searcher.terms_with_prefix(field, word[0])
            for cand, df in vocab:
                if abs(len(cand) - len(word)) <= 1 and cand != word and within_one_edit(cand, word):
                    found[cand] = found.get(cand, 0) + df
        return found

    def texts(self, match, limit: int) -> list[tuple[str, str]]:
        searcher = self._current()
        if searcher is None:
            return []
        out = []
        for _score, addr in searcher.search(self._query(match, []), limit=limit, count=False).hits:
            doc = searcher.doc(addr)
            out.append((doc.get_first("name") or "", f"{doc.get_first('producer') or ''} {doc.get_first('place') or ''}"))
        return out

    def count(self, match, query: SearchQuery, strong=None, cap: int | None = None) -> tuple[int, int]:
        searcher = self._current()
        if searcher is None:
            return 0, 0
        Q, Occur = tantivy.Query, tantivy.Occur
        required = self._query(match, self._filters(query))
        if strong is None:
            total = _count(searcher.search(required, limit=1, count=True))
            return total, total
        if cap is not None:
            # One pass: strong hits score 1, the others 0; the top `cap` say whether `cap` strong ones exist.
            q = Q.boolean_query([(Occur.Must, required), (Occur.Should, Q.const_score_query(self._compile(strong), 1.0))])
            res = searcher.search(q, limit=cap, count=True)
            return _count(res), sum(1 for score, _addr in res.hits if score >= 1.0)
        total = _count(searcher.search(required, limit=1, count=True))
        both = All((match, strong)) if match is not None else strong
        return total, _count(searcher.search(self._query(both, self._filters(query)), limit=1, count=True))

    def count_and_facets(self, match, query: SearchQuery) -> tuple[int, dict]:
        """Terms aggregations over fast fields; each dimension with every *other* filter applied.

        Dimensions without an active filter share one aggregation request; the total is the sum of the
        group buckets (every document has one group), so counting costs no extra pass.
        """
        searcher = self._current()
        facets: dict = {"group": {}, "stars": {}, "province": {}}
        if searcher is None:
            return 0, facets
        active = {"group": query.group, "stars": query.stars, "province": query.province}
        requests: dict[tuple[str, ...], list[str]] = {}
        for dim, value in active.items():
            requests.setdefault((dim,) if value is not None else (), []).append(dim)
        sizes = {"group": 64, "stars": 16, "province": 256}
        counts: dict[str, dict] = {}
        for skip, dims in requests.items():
            aggs = {d: {"terms": {"field": d, "size": sizes[d]}} for d in dims}
            answer = searcher.aggregate(self._query(match, self._filters(query, skip)), aggs)
            for d in dims:
                counts[d] = {b["key"]: int(b["doc_count"]) for b in answer[d]["buckets"]}
        group = counts["group"]
        total = group.get(query.group, 0) if query.group is not None else sum(group.values())
        facets["group"] = {k: n for k, n in sorted(group.items(), key=lambda t: (-t[1], t[0])) if k in GROUP_CODES}
        facets["stars"] = {k: counts["stars"][k] for k in (5, 4, 3) if counts["stars"].get(k)}
        facets["province"] = dict(sorted(counts["province"].items(), key=lambda t: (-t[1], t[0])))
        return total, facets

    def _boosted(self, field: str, token: str, weight: float) -> tantivy.Query:
        key = (field, token, weight)
        query = self._compiled.get(key)
        if query is None:
            Q = tantivy.Query
            query = self._compiled[key] = Q.boost_query(
                Q.term_query(SCHEMA, _field(field), token, index_option="freq"), weight)
        return query

    @staticmethod
    def _ranked(searcher, query, offset: int, limit: int) -> list:
        """Hits `offset`..`offset + limit` by score, equal scores newest first (as every engine orders them).

        tantivy breaks ties by document address, which differs between an index grown by the outbox and
        the same documents rebuilt: fetch past the cut until the tie there is complete, then order by
        (score, newest) in Python, so pages tile and a rebuild gives the same order.
        """
        want = offset + limit
        n = want + 16
        while True:
            hits = searcher.search(query, limit=n, count=False).hits
            if len(hits) < n or hits[-1][0] < hits[want - 1][0]:
                break
            n *= 4
        keys = searcher.fast_field_values("k_newest", [addr for _score, addr in hits])
        ranked = sorted(zip(hits, keys), key=lambda t: (-t[0][0], -(t[1] or 0)))[offset:want]
        return [(score - PROMOTE if score >= PROMOTE else score, addr) for (score, addr), _key in ranked]

    def top(self, match, query: SearchQuery, scoring: Scoring | None, offset: int, limit: int) -> list[EngineHit]:
        searcher = self._current()
        if searcher is None:
            return []
        Q, Occur = tantivy.Query, tantivy.Occur
        required = self._query(match, self._filters(query))
        if query.sort == "relevance" and scoring is not None:
            clauses = [(Occur.Must, required)]
            clauses += [(Occur.Should, self._boosted(f, t, w)) for f, t, w in scoring.weighted]
            if scoring.promote is not None:
                clauses.append((Occur.Should, Q.const_score_query(self._compile(scoring.promote), PROMOTE)))
            hits = self._ranked(searcher, Q.boolean_query(clauses), offset, limit)
        else:
            field, order = SORT_KEYS.get(query.sort, ("k_newest", tantivy.Order.Desc))
            hits = searcher.search(required, limit=limit, offset=offset, count=False, order_by_field=field,
                                   order=order).hits
            hits = [(0.0, addr) for _key, addr in hits]
        out = []
        for score, addr in hits:
            doc = searcher.doc(addr)
            out.append(EngineHit(id=int(doc.get_first("pid") or 0), score=float(score), name=doc.get_first("name") or "",
                                 producer=doc.get_first("producer") or "", place=doc.get_first("place") or "",
                                 slug=doc.get_first("slug") or ""))
        return out

    def complete(self, words: list[str], finished: bool, limit: int) -> list[EngineHit]:
        searcher = self._current()
        if searcher is None:
            return []
        Q, Occur = tantivy.Query, tantivy.Occur
        parts = [Q.term_query(SCHEMA, "name_f", w, index_option="freq") for w in words[:-1]]
        # The prefix field's BM25 favours short names: "Hạt dẻ" completes to "Hạt dẻ Trùng Khánh" first.
        parts.append(Q.term_query(SCHEMA, "name_f" if finished else "name_px", words[-1], index_option="freq"))
        q = parts[0] if len(parts) == 1 else Q.boolean_query([(Occur.Must, p) for p in parts])
        out = []
        for _score, addr in searcher.search(q, limit=limit, count=False).hits:
            doc = searcher.doc(addr)
            out.append(EngineHit(id=int(doc.get_first("pid") or 0), score=0.0, name=doc.get_first("name") or "",
                                 producer="", place="", slug=doc.get_first("slug") or ""))
        return out

