"""The PostgreSQL full-text backend of the search interface (SEARCH_BACKEND=postgres on PostgreSQL).

The index is the `search_documents` table (models.py), one row per public product, written in the
same transaction as the catalog change (outbox.py, `before_commit`): every app instance reads the
same current index, nothing is synced, and a rolled-back change takes its document with it.

Text is folded in Python by `ocop_market.text` exactly as for Whoosh (đ -> d, tones removed, one
definition of "the same word"); PostgreSQL only splits the prepared words ('simple' configuration:
no stemming, no stop words). Generated columns hold two weighted tsvectors (PG_DDL in models.py):
`tsv` (folded: name A, producer/place B, description C) and `tsv_d` (as written: name A,
producer/place B). Query words are folded the same way, so `unaccent` is not needed on either
side; the extension is created so SQL written by hand can use it.

Matching follows the Whoosh backend tier by tier (see whoosh_backend.py): name/producer/place
(`'w':AB` for every word); descriptions (`'w':ABC`) when fewer than TIER_MIN_HITS strong name
hits; typo corrections (index words one edit away, first letter kept, ranked by the phrases they
make with the neighbouring words); any word. Phrase proximity uses `<->` on positions within one
weight (`'hat':A <-> 'de':A`), exact forms use `tsv_d`. The score is Whoosh's BM25F with tf = 1
(the same weights, idf from GIN-indexed document counts, field lengths from *_len columns),
computed in SQL for every hit, so pages always tile. Facets are GROUP BY queries, each with the
other filters applied. pg_trgm serves autocomplete when no name starts with the typed words
(`word_similarity`, GIN trigram index on `name_f`).

Known limit: a document is built from what its transaction sees (READ COMMITTED). Two concurrent
transactions changing different rows behind one document (a producer renamed while one of its
products is edited) can leave the document of whichever commits last without the other's change;
`flask --app wsgi search verify` names such products and `search reindex` repairs them.
"""
from __future__ import annotations

import contextlib
import math
import re
import time
from collections import Counter

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..extensions import db
from ..text import canonical, fold
from .highlight import highlight
from .models import SearchDocument
from .types import GROUP_CODES, SearchHit, SearchQuery, SearchResult, Suggestion
from .whoosh_backend import (
    BM25_B,
    BM25_K1,
    FEW_HITS,
    TIER_MIN_HITS,
    TYPO_CANDIDATES,
    W_DESC,
    W_DESC_BIGRAM,
    W_FUZZY,
    W_META,
    W_META_BIGRAM,
    W_META_EXACT,
    W_NAME,
    W_NAME_BIGRAM,
    W_NAME_EXACT,
)

# PostgreSQL's parser splits on anything but letters and digits ("_" included): so do we.
_SPLIT = re.compile(r"[\W_]+", re.UNICODE)
STATS_TTL = 60.0  # seconds the document count, average field lengths and idf counts are reused
DF_CACHE_SIZE = 20_000  # (column, tsquery) document counts kept per process for idf

# field -> (tsvector column, weight letter, length column)
FIELDS = {
    "name_f": ("tsv", "A", "name_len"), "meta_f": ("tsv", "B", "meta_len"), "desc_f": ("tsv", "C", "desc_len"),
    "name_d": ("tsv_d", "A", "name_len"), "meta_d": ("tsv_d", "B", "meta_len"),
    "name_bg": ("tsv", "A", "name_len"), "meta_bg": ("tsv", "B", "meta_len"), "desc_bg": ("tsv", "C", "desc_len"),
    "exact_bg": ("tsv_d", "A", "name_len"),
}
FIELD_WEIGHT = {"name_f": W_NAME, "meta_f": W_META, "desc_f": W_DESC}


def pg_words(s: str) -> list[str]:
    return [w for w in _SPLIT.split(fold(s)) if w]


def pg_exact_words(s: str) -> list[str]:
    return [w for w in _SPLIT.split(canonical(s)) if w]


def _bigrams(words):
    return list(zip(words, words[1:]))


def _lex(word: str, weights: str = "", prefix: bool = False) -> str:
    assert _SPLIT.search(word) is None and word  # only letters and digits reach a tsquery
    suffix = (":*" if prefix else ":") + weights if (weights or prefix) else ""
    return f"'{word}'{suffix}"


def _phrase(a: str, b: str, weight: str) -> str:
    return f"({_lex(a, weight)} <-> {_lex(b, weight)})"


def _within_one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def document_row(doc: dict) -> dict:
    """A `search_documents` row from a document of `ProductFacts.document()`."""
    name_f, meta_f, desc_f = (" ".join(pg_words(doc[k])) for k in ("name_f", "meta_f", "desc_f"))
    name_d, meta_d = (" ".join(_SPLIT.split(doc[k])).strip() for k in ("name_d", "meta_d"))
    return {
        "product_id": doc["pid"], "slug": doc["slug"], "name": doc["name"], "producer": doc["producer"],
        "place": doc["place"], "sig": doc["sig"], "name_f": name_f, "meta_f": meta_f, "desc_f": desc_f,
        "name_d": name_d, "meta_d": meta_d,
        "name_len": min(len(name_f.split()), 32000), "meta_len": min(len(meta_f.split()), 32000),
        "desc_len": min(len(desc_f.split()), 32000),
        "group_code": doc["group"], "province_slug": doc["province"], "stars": doc["stars"],
        "price_vnd": doc["price"], "in_stock": bool(doc["in_stock"]), "created_ts": doc["created"],
    }


class _Sql:
    """Bound parameters for hand-built SQL: every value, including each tsquery, is a parameter."""

    def __init__(self):
        self.params: dict = {}

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def ts(self, column: str, query: str) -> str:
        return f"({column} @@ to_tsquery('simple', {self.bind(query)}))"


class PostgresBackend:
    kind = "postgres"

    def __init__(self, session_factory=None):
        self.session_factory = session_factory  # a session of its own, for writes outside a request
        self._stats: tuple[float, dict] | None = None
        self._df_cache: dict[tuple[str, str], int] = {}
        self._df_cache_at = 0.0

    # ------------------------------------------------------------ service plumbing
    @contextlib.contextmanager
    def write_lock(self, wait: float = 0.0):
        """No file lock: rows are locked by the transactions that write them."""
        yield True

    def current_generation(self) -> str | None:
        return "postgres"

    def close(self) -> None:
        pass

    def _execute(self, sql: str, params: dict | None = None):
        return db.session.execute(text(sql), params or {})

    def doc_count(self) -> int:
        return int(self._execute("SELECT count(*) FROM search_documents").scalar())

    def stored_documents(self) -> dict[int, dict]:
        rows = self._execute("SELECT product_id, sig, name FROM search_documents").all()
        return {r.product_id: {"sig": r.sig, "name": r.name} for r in rows}

    # ------------------------------------------------------------ writing
    @staticmethod
    def write_with(connection, upserts: list[dict], deletes: list[int]) -> None:
        """Upsert and delete documents on `connection`, inside the caller's transaction."""
        if deletes:
            connection.execute(delete(SearchDocument).where(SearchDocument.product_id.in_(deletes)))
        if upserts:
            rows = [document_row(d) for d in upserts]
            stmt = pg_insert(SearchDocument)
            stmt = stmt.on_conflict_do_update(
                index_elements=[SearchDocument.product_id],
                set_={c: stmt.excluded[c] for c in rows[0] if c != "product_id"})
            connection.execute(stmt, rows)

    def write(self, upserts: list[dict], deletes: list[int]) -> None:
        if not upserts and not deletes:
            return
        with self.session_factory() as session:
            self.write_with(session.connection(), upserts, deletes)
            session.commit()

    def rebuild(self, documents, after_switch=None) -> int:
        """Replace every document in one transaction: readers see the old set or the new one."""
        count = 0
        with self.session_factory() as session:
            conn = session.connection()
            conn.execute(delete(SearchDocument))
            batch: list[dict] = []
            for doc in documents:
                batch.append(doc)
                if len(batch) >= 1000:
                    self.write_with(conn, batch, [])
                    count += len(batch)
                    batch = []
            if batch:
                self.write_with(conn, batch, [])
                count += len(batch)
            session.commit()
        self._stats = None
        self._df_cache = {}
        if after_switch is not None:
            after_switch()
        return count

    # ------------------------------------------------------------ statistics
    def _field_stats(self) -> dict:
        now = time.monotonic()
        if self._stats is None or now - self._stats[0] > STATS_TTL:
            row = self._execute("SELECT count(*) AS n, avg(name_len) AS name_len, avg(meta_len) AS meta_len, "
                                "avg(desc_len) AS desc_len FROM search_documents").one()
            stats = {"n": int(row.n), "name_len": float(row.name_len or 1) or 1.0,
                     "meta_len": float(row.meta_len or 1) or 1.0, "desc_len": float(row.desc_len or 1) or 1.0}
            self._stats = (now, stats)
        return self._stats[1]

    def _df(self, terms: list[tuple[str, str]], cached: bool = False) -> dict[tuple[str, str], int]:
        """Document frequency of each (column, tsquery), in one query over the GIN indexes.

        `cached`: for idf only, reuse counts up to STATS_TTL seconds old (per process, bounded).
        """
        terms = list(dict.fromkeys(terms))
        if not terms:
            return {}
        out: dict[tuple[str, str], int] = {}
        if cached:
            now = time.monotonic()
            if now - self._df_cache_at > STATS_TTL or len(self._df_cache) > DF_CACHE_SIZE:
                self._df_cache, self._df_cache_at = {}, now
            missing = [t for t in terms if t not in self._df_cache]
            self._df_cache.update(self._df(missing))
            return {t: self._df_cache[t] for t in terms}
        for start in range(0, len(terms), 60):
            chunk = terms[start:start + 60]
            sql = _Sql()
            conds = [sql.ts(col, q) for col, q in chunk]
            counts = ", ".join(f"count(*) FILTER (WHERE {c})" for c in conds)
            row = self._execute(f"SELECT {counts} FROM search_documents WHERE {' OR '.join(conds)}",
                                sql.params).one()
            out.update(zip(chunk, (int(v) for v in row)))
        return out

    # ------------------------------------------------------------ vocabulary
    def _words_like(self, word: str, weight: str) -> dict[str, int]:
        """Index words (with their document counts) in fields of `weight` one edit from `word`.

        `ts_stat` reads every document's tsvector (a scan of the table): only typo queries with
        fewer than FEW_HITS hits come here."""
        rows = self._execute(
            "SELECT word, ndoc FROM ts_stat('SELECT tsv FROM search_documents', :w) "
            "WHERE left(word, 1) = :first AND length(word) BETWEEN :lo AND :hi",
            {"w": weight, "first": word[0], "lo": len(word) - 1, "hi": len(word) + 1}).all()
        return {r.word: int(r.ndoc) for r in rows if _within_one_edit(r.word, word)}

    def _corrections(self, word: str) -> list[tuple[int, str]]:
        for weights in ("AB", "C"):  # one pass over the names/producers/places, descriptions only if needed
            found: Counter = Counter(self._words_like(word, weights))
            if found:
                return sorted(((df, w) for w, df in found.items()), key=lambda t: (-t[0], t[1]))
        return []

    def _correct(self, words: list[str], targets) -> tuple[dict[str, list[str]], list[str]]:
        """As WhooshBackend._correct: candidates ranked by the name/producer/place phrases they make."""
        corrected = list(words)
        expansions: dict[str, list[str]] = {}
        for i, word in enumerate(words):
            if word not in targets:
                continue
            candidates = self._corrections(word)[:TYPO_CANDIDATES]
            if not candidates:
                continue
            before = corrected[i - 1] if i else None
            after = words[i + 1] if i + 1 < len(words) else None
            keys: dict[str, list[tuple[str, str]]] = {}
            for _df, cand in candidates:
                keys[cand] = [("tsv", _phrase(a, b, weight)) for weight in "AB"
                              for a, b in ((before, cand), (cand, after)) if a and b]
            dfs = self._df([k for ks in keys.values() for k in ks])
            ranked = sorted(((sum(dfs.get(k, 0) for k in keys[c]), df, c) for df, c in candidates),
                            key=lambda t: (-t[0], -t[1], t[2]))
            if ranked[0][0]:
                ranked = [t for t in ranked if t[0]]
            expansions[word] = [c for _ctx, _df, c in ranked[:2]]
            corrected[i] = ranked[0][2]
        return expansions, corrected

    def _display(self, words: list[str]) -> str:
        """Folded words -> how the names spell them, pairs of neighbours decided by name phrases."""
        rows = []
        for joiner in (" & ", " | "):  # the documents with every word; failing that, with any
            sql = _Sql()
            query = joiner.join(_lex(w, "AB") for w in dict.fromkeys(words))
            rows = self._execute(f"SELECT name_d, meta_d FROM search_documents WHERE {sql.ts('tsv', query)} "
                                 f"LIMIT 2000", sql.params).all()
            if rows:
                break
        wanted = set(words)
        forms: dict[str, Counter] = {}
        pairs: Counter = Counter()
        for row in rows:
            seen = set()
            for form in (row.name_d + " " + row.meta_d).split():
                folded = fold(form)
                if folded in wanted and form not in seen:
                    seen.add(form)
                    forms.setdefault(folded, Counter())[form] += 1
            pairs.update(set(_bigrams(row.name_d.split())))
        variants = {k: [w for w, _n in sorted(c.items(), key=lambda t: (-t[1], t[0]))] for k, c in forms.items()}
        out = [variants.get(w, [w])[0] for w in words]
        fixed = [False] * len(words)
        for i in range(len(words) - 1):
            best = None
            for a in variants.get(words[i], [words[i]])[:6]:
                if fixed[i] and a != out[i]:
                    continue
                for b in variants.get(words[i + 1], [words[i + 1]])[:6]:
                    df = pairs.get((a, b), 0)
                    if df and (best is None or df > best[0]):
                        best = (df, a, b)
            if best is not None:
                out[i], out[i + 1] = best[1], best[2]
                fixed[i] = fixed[i + 1] = True
        return " ".join(out)

    # ------------------------------------------------------------ query pieces
    @staticmethod
    def _match(words, weights: str, expansions=None, any_word=False) -> str:
        parts = []
        for w in words:
            alts = [_lex(t, weights) for t in (w, *(expansions or {}).get(w, ()))]
            parts.append("(" + " | ".join(alts) + ")")
        return (" | " if any_word else " & ").join(parts)

    @staticmethod
    def _filters(sql: _Sql, query: SearchQuery, skip: str | None = None) -> list[str]:
        out = []
        if query.min_price is not None:
            out.append(f"price_vnd >= {sql.bind(query.min_price)}")
        if query.max_price is not None:
            out.append(f"price_vnd <= {sql.bind(query.max_price)}")
        if query.in_stock:
            out.append("in_stock")
        if query.group is not None and skip != "group":
            out.append(f"group_code = {sql.bind(query.group)}")
        if query.stars is not None and skip != "stars":
            out.append(f"stars = {sql.bind(query.stars)}")
        if query.province is not None and skip != "province":
            out.append(f"province_slug = {sql.bind(query.province)}")
        return out

    def _count(self, sql: _Sql, conds: list[str]) -> int:
        where = " AND ".join(conds) or "TRUE"
        return int(self._execute(f"SELECT count(*) FROM search_documents WHERE {where}", sql.params).scalar())

    def _count_and_facets(self, sql: _Sql, match: list[str], query: SearchQuery) -> tuple[int, dict]:
        """The total and the three facets in one statement: the hits (price and stock filters applied)
        are read once into a materialized CTE; each facet is counted there with the *other* filters."""
        base = " AND ".join(match + self._filters(sql, SearchQuery(min_price=query.min_price, max_price=query.max_price,
                                                                     in_stock=query.in_stock))) or "TRUE"

        def where(skip=None):
            conds = self._filters(sql, SearchQuery(group=query.group, stars=query.stars, province=query.province),
                                  skip=skip)
            return " AND ".join(conds) or "TRUE"

        rows = self._execute(
            f"WITH m AS MATERIALIZED (SELECT group_code, stars, province_slug FROM search_documents WHERE {base}) "
            f"SELECT 't' AS dim, '' AS k, count(*) AS n FROM m WHERE {where()} "
            f"UNION ALL SELECT 'group', group_code, count(*) FROM m WHERE {where('group')} GROUP BY group_code "
            f"UNION ALL SELECT 'stars', CAST(stars AS text), count(*) FROM m WHERE {where('stars')} GROUP BY stars "
            f"UNION ALL SELECT 'province', province_slug, count(*) FROM m WHERE {where('province')} "
            f"GROUP BY province_slug", sql.params).all()
        total = 0
        counts: dict[str, list[tuple[str, int]]] = {"group": [], "stars": [], "province": []}
        for r in rows:
            if r.dim == "t":
                total = int(r.n)
            else:
                counts[r.dim].append((r.k, int(r.n)))
        facets: dict = {}
        for dim, pairs in counts.items():
            pairs.sort(key=lambda t: (-t[1], t[0]))
            if dim == "group":
                facets[dim] = {k: n for k, n in pairs if k in GROUP_CODES}
            elif dim == "stars":
                by_star = {int(k): n for k, n in pairs}
                facets[dim] = {k: by_star[k] for k in (5, 4, 3) if by_star.get(k)}
            else:
                facets[dim] = dict(pairs)
        return total, facets

    @staticmethod
    def _optional_terms(words, exact, corrected=None, desc=False) -> list[tuple[str, str, float]]:
        """(field, tsquery, weight) adding to the score: phrases and exact forms (WhooshBackend's)."""
        bg = _bigrams(words)
        optional = [("name_bg", _phrase(a, b, "A"), W_NAME_BIGRAM) for a, b in bg]
        optional += [("meta_bg", _phrase(a, b, "B"), W_META_BIGRAM) for a, b in bg]
        if desc:
            optional += [("desc_bg", _phrase(a, b, "C"), W_DESC_BIGRAM) for a, b in bg]
        if corrected and corrected != list(words):
            fixed = [p for p in _bigrams(corrected) if p not in set(bg)]
            optional += [("name_bg", _phrase(a, b, "A"), W_NAME_BIGRAM * W_FUZZY) for a, b in fixed]
            optional += [("meta_bg", _phrase(a, b, "B"), W_META_BIGRAM * W_FUZZY) for a, b in fixed]
        if exact:
            optional += [("name_d", _lex(w, "A"), W_NAME_EXACT) for w in exact]
            optional += [("meta_d", _lex(w, "B"), W_META_EXACT) for w in exact]
            optional += [("exact_bg", _phrase(a, b, "A"), W_NAME_BIGRAM) for a, b in _bigrams(exact)]
        return optional

    @staticmethod
    def _required_terms(words, fields, expansions=None) -> list[tuple[str, str, float]]:
        out = []
        for w in words:
            for f in fields:
                out.append((f, _lex(w, FIELDS[f][1]), FIELD_WEIGHT[f]))
            for cand in (expansions or {}).get(w, ()):
                out.extend((f, _lex(cand, FIELDS[f][1]), FIELD_WEIGHT[f] * W_FUZZY) for f in fields)
        return out

    def _score_sql(self, sql: _Sql, weighted) -> str:
        """BM25F with tf = 1 (WhooshBackend._full_scores), as one SQL expression."""
        if not weighted:
            return "0"
        stats = self._field_stats()
        n = max(stats["n"], 1)
        dfs = self._df([(FIELDS[f][0], q) for f, q, _w in weighted], cached=True)
        parts = []
        for field, q, weight in weighted:
            column, _letter, length = FIELDS[field]
            df = dfs.get((column, q), 0)
            if not df:
                continue
            idf = math.log(n / (df + 1)) + 1.0
            factor = weight * idf * (BM25_K1 + 1)
            norm = (f"(1 + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * greatest({length}, 1) / "
                    f"{stats[length]!r}))")
            parts.append(f"CASE WHEN {sql.ts(column, q)} THEN {factor!r} / {norm} ELSE 0 END")
        return " + ".join(parts) or "0"

    # ------------------------------------------------------------ the query
    def query(self, query: SearchQuery) -> SearchResult:
        words = pg_words(query.q)[:12]
        exact_all = pg_exact_words(query.q)[:12]
        exact = [w for w, f in zip(exact_all, words) if w != f] if len(exact_all) == len(words) else []
        sql = _Sql()
        filters = self._filters(sql, query)
        suggestion = None
        terms = tuple(words)
        demoted = "FALSE"
        weighted: list = []
        counted: tuple[int, dict] | None = None  # (total, facets) of `match`, when already read
        if not words:
            tier = "browse"
            match: list[str] = []
            counted = self._count_and_facets(sql, match, query)
            total = counted[0]
        else:
            fields: tuple[str, ...]
            tier, fields, expansions, corrected = "name", ("name_f", "meta_f"), None, None
            name_match = sql.ts("tsv", self._match(words, "AB"))
            strong_parts = []
            if len(words) >= 2:
                strong_parts.append("(" + " OR ".join(
                    sql.ts("tsv", _phrase(a, b, weight)) for a, b in _bigrams(words) for weight in "AB") + ")")
            strong_parts += [sql.ts("tsv_d", _lex(w, "AB")) for w in exact]
            strong = " AND ".join(strong_parts) if strong_parts else "TRUE"
            match = [name_match]
            row = self._execute(
                f"SELECT count(*) AS n, count(*) FILTER (WHERE {strong}) AS strong FROM search_documents "
                f"WHERE {' AND '.join(match + filters)}", sql.params).one()
            total, n_strong = int(row.n), int(row.strong)
            if n_strong < TIER_MIN_HITS:
                tier, fields = "all", ("name_f", "meta_f", "desc_f")
                match = [sql.ts("tsv", self._match(words, "ABC"))]
                counted = self._count_and_facets(sql, match, query)
                total = counted[0]
            if tier == "all" and len(words) > 1:
                desc_phrase = " OR ".join(sql.ts("tsv", _phrase(a, b, "C")) for a, b in _bigrams(words))
                demoted = f"NOT (({name_match} AND {strong}) OR {desc_phrase})"
            elif exact:
                demoted = f"({name_match} AND NOT ({strong}))"
            demoted = f"({demoted} AND {match[0]})"  # as a set: hits of this tier only
            unknown: list[str] = []
            if total < FEW_HITS:
                dfs = self._df([("tsv", _lex(w)) for w in words])
                unknown = [w for w in words if not dfs.get(("tsv", _lex(w)))]
            if total < FEW_HITS and (unknown or not total):
                targets = {w for w in (unknown or words) if len(w) >= 4}
                expansions, corrected = self._correct(words, targets)
                if any(w in unknown for w in expansions):
                    suggestion = self._display(corrected)
                for fz_weights, fz_fields in (("AB", ("name_f", "meta_f")), ("ABC", ("name_f", "meta_f", "desc_f"))) \
                        if expansions else ():
                    fz_match = [sql.ts("tsv", self._match(words, fz_weights, expansions))]
                    fz_total = self._count(sql, fz_match + filters)
                    if fz_total > total:
                        tier, match, total, fields = "fuzzy", fz_match, fz_total, fz_fields
                        counted = None
                        terms = tuple(words) + tuple(c for cs in expansions.values() for c in cs)
                    if total >= FEW_HITS:
                        break
                if tier != "fuzzy":
                    expansions = corrected = None
            if not total and len(words) > 1:
                any_match = [sql.ts("tsv", self._match(words, "ABC", any_word=True))]
                any_total = self._count(sql, any_match + filters)
                if any_total:
                    tier, match, total, fields = "any", any_match, any_total, ("name_f", "meta_f", "desc_f")
                    expansions = corrected = None
                    counted = None
            weighted = self._required_terms(words, fields, expansions)
            weighted += self._optional_terms(words, exact, corrected, desc="desc_f" in fields)
        if counted is None:
            counted = self._count_and_facets(sql, match, query)
        total, facets = counted

        offset = (query.page - 1) * query.per_page
        hits: list[SearchHit] = []
        if offset < total:
            if query.sort == "relevance" and words:
                score = self._score_sql(sql, weighted)
                order = "demoted, score DESC, created_ts DESC, product_id DESC"
            else:
                score = "0"
                order = {
                    "price_asc": "price_vnd ASC, product_id DESC",
                    "price_desc": "price_vnd DESC, product_id DESC",
                    "stars": "stars DESC, created_ts DESC, product_id DESC",
                }.get(query.sort, "created_ts DESC, product_id DESC")
            where = " AND ".join(match + filters) or "TRUE"
            rows = self._execute(
                f"SELECT product_id, name, producer, place, score FROM ("
                f"SELECT product_id, name, producer, place, created_ts, price_vnd, stars, "
                f"({demoted}) AS demoted, ({score}) AS score FROM search_documents WHERE {where}) AS hits "
                f"ORDER BY {order} LIMIT {sql.bind(query.per_page)} OFFSET {sql.bind(offset)}", sql.params).all()
            for r in rows:
                hits.append(SearchHit(
                    id=int(r.product_id), score=float(r.score or 0.0),
                    highlights={k: str(highlight(getattr(r, k) or "", terms)) for k in ("name", "producer", "place")},
                ))
        return SearchResult(hits=hits, total=total, page=query.page, per_page=query.per_page, facets=facets,
                            suggestion=suggestion, terms=terms, tier=tier)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        words = pg_words(prefix)[:8]
        if not words:
            return []
        finished = prefix.rstrip() != prefix and prefix.strip()
        query = " & ".join([_lex(w, "A") for w in words[:-1]] + [_lex(words[-1], "A", prefix=not finished)])
        sql = _Sql()
        rows = self._execute(
            f"SELECT product_id, name, slug FROM search_documents WHERE {sql.ts('tsv', query)} "
            f"ORDER BY name_len, name, product_id LIMIT {sql.bind(limit * 3)}", sql.params).all()
        if not rows:
            # A typo in what was typed so far: names with a similar run of trigrams (pg_trgm, GIN index).
            typed = " ".join(words)
            rows = self._execute(
                "SELECT product_id, name, slug FROM search_documents WHERE :t <% name_f "
                "ORDER BY word_similarity(:t, name_f) DESC, name_len, product_id LIMIT :n",
                {"t": typed, "n": limit * 3}).all()
        out: list[Suggestion] = []
        seen: set[str] = set()
        for r in rows:
            if r.name.lower() in seen:
                continue
            seen.add(r.name.lower())
            out.append(Suggestion(id=int(r.product_id), name=r.name, slug=r.slug))
            if len(out) >= limit:
                break
        return out
