"""The PostgreSQL full-text engine (SEARCH_BACKEND=postgres on PostgreSQL).

The index is the `search_documents` table (models.py), one row per public product, written in the
same transaction as the catalog change (outbox.py, `before_commit`): every app instance reads the
same current index, nothing is synced, and a rolled-back change takes its document with it.

Text is folded in Python by `ocop_market.text` exactly as for the file engines (đ -> d, tones removed,
one definition of "the same word"); PostgreSQL only splits the prepared words ('simple' configuration:
no stemming, no stop words). Generated columns hold two weighted tsvectors (PG_DDL in models.py):
`tsv` (folded: name A, producer/place B, description C) and `tsv_d` (as written: name A,
producer/place B).

What a query means is decided by the planner (planner.py); this module compiles its trees to SQL: a
word field is a lexeme with its weight letter (`'w':A`), a pair field a phrase on positions within one
weight (`'hat':A <-> 'de':A`), exact forms go to `tsv_d`; terms of one column combine into one tsquery.
The score is BM25F with tf = 1 (idf from GIN-indexed document counts, field lengths from *_len
columns), computed in SQL for every hit, so pages always tile. Facets come from one statement over a
materialized CTE, each with the other filters applied. pg_trgm serves autocomplete when no name starts
with the typed words (`word_similarity`, GIN trigram index on `name_f`).

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

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..extensions import db
from ..text import fold
from .matching import All, EngineHit, Not, Scoring, Term
from .models import SearchDocument
from .spelling import within_one_edit
from .types import GROUP_CODES, SearchQuery

# PostgreSQL's parser splits on anything but letters and digits ("_" included): so do we.
_SPLIT = re.compile(r"[\W_]+", re.UNICODE)
BM25_K1, BM25_B = 1.2, 0.75
STATS_TTL = 60.0  # seconds the document count, average field lengths and idf counts are reused
DF_CACHE_SIZE = 20_000  # (column, tsquery) document counts kept per process for idf

# field -> (tsvector column, weight letter, length column, a pair field)
FIELDS = {
    "name_f": ("tsv", "A", "name_len", False), "meta_f": ("tsv", "B", "meta_len", False),
    "desc_f": ("tsv", "C", "desc_len", False),
    "name_d": ("tsv_d", "A", "name_len", False), "meta_d": ("tsv_d", "B", "meta_len", False),
    "name_bg": ("tsv", "A", "name_len", True), "meta_bg": ("tsv", "B", "meta_len", True),
    "desc_bg": ("tsv", "C", "desc_len", True), "name_dbg": ("tsv_d", "A", "name_len", True),
}


def pg_words(s: str) -> list[str]:
    return [w for w in _SPLIT.split(fold(s)) if w]


def _lex(word: str, weights: str = "", prefix: bool = False) -> str:
    assert _SPLIT.search(word) is None and word  # only letters and digits reach a tsquery
    suffix = (":*" if prefix else ":") + weights if (weights or prefix) else ""
    return f"'{word}'{suffix}"


def _phrase(a: str, b: str, weight: str) -> str:
    return f"({_lex(a, weight)} <-> {_lex(b, weight)})"


def _term_ts(term: Term) -> tuple[str, str]:
    """(tsvector column, tsquery) of one planner term."""
    column, weight, _length, pair = FIELDS[term.field]
    if pair:
        a, _sep, b = term.token.partition("_")
        return column, _phrase(a, b, weight)
    return column, _lex(term.token, weight)


def _column(node) -> str | None:
    """The one tsvector column every term of `node` lives in, or None (mixed, or a Not at the top)."""
    if isinstance(node, Term):
        return FIELDS[node.field][0]
    if isinstance(node, Not):
        return None
    columns = {_column(p) for p in node.parts}
    return columns.pop() if len(columns) == 1 else None


def _tsquery(node) -> str:
    """One tsquery for a tree over one column; a word in several weights becomes one lexeme ('w':AB)."""
    if isinstance(node, Term):
        return _term_ts(node)[1]
    if isinstance(node, All):
        return "(" + " & ".join(_tsquery(p) for p in node.parts) + ")"
    words: dict[str, str] = {}
    rest: list[str] = []
    for p in node.parts:
        if isinstance(p, Term) and not FIELDS[p.field][3]:
            words[p.token] = words.get(p.token, "") + FIELDS[p.field][1]
        else:
            rest.append(_tsquery(p))
    lexemes = [_lex(w, "".join(sorted(set(letters)))) for w, letters in words.items()]
    return "(" + " | ".join(lexemes + rest) + ")"


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
        "sold": doc.get("sold", 0),
        "rated": doc.get("rated", 0),
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

    # ------------------------------------------------------------ compiling the planner's trees
    def _sql(self, sql: _Sql, node) -> str:
        column = _column(node)
        if column is not None:
            return sql.ts(column, _tsquery(node))
        if isinstance(node, Not):
            return f"NOT {self._sql(sql, node.part)}"
        joiner = " AND " if isinstance(node, All) else " OR "
        return "(" + joiner.join(self._sql(sql, p) for p in node.parts) + ")"

    def _match(self, sql: _Sql, match) -> list[str]:
        return [] if match is None else [self._sql(sql, match)]

    # ------------------------------------------------------------ the planner's questions
    def doc_freqs(self, terms) -> dict[tuple[str, str], int]:
        terms = list(dict.fromkeys(terms))
        keys = {t: _term_ts(Term(*t)) for t in terms}
        dfs = self._df(list(keys.values()))
        return {t: dfs.get(k, 0) for t, k in keys.items()}

    def neighbours(self, word: str, fields) -> dict[str, int]:
        """Index words (with their document counts) in `fields` one edit from `word`.

        `ts_stat` reads every document's tsvector (a scan of the table): only typo queries with
        fewer than FEW_HITS hits come here."""
        weights = "".join(sorted({FIELDS[f][1] for f in fields}))
        rows = self._execute(
            "SELECT word, ndoc FROM ts_stat('SELECT tsv FROM search_documents', :w) "
            "WHERE left(word, 1) = :first AND length(word) BETWEEN :lo AND :hi",
            {"w": weights, "first": word[0], "lo": len(word) - 1, "hi": len(word) + 1}).all()
        return {r.word: int(r.ndoc) for r in rows if within_one_edit(r.word, word)}

    def texts(self, match, limit: int) -> list[tuple[str, str]]:
        sql = _Sql()
        where = " AND ".join(self._match(sql, match)) or "TRUE"
        rows = self._execute(f"SELECT name, producer, place FROM search_documents WHERE {where} "
                             f"LIMIT {sql.bind(limit)}", sql.params).all()
        return [(r.name, f"{r.producer} {r.place}") for r in rows]

    def count(self, match, query: SearchQuery, strong=None, cap: int | None = None) -> tuple[int, int]:
        sql = _Sql()
        where = " AND ".join(self._match(sql, match) + self._filters(sql, query)) or "TRUE"
        strong_sql = "TRUE" if strong is None else self._sql(sql, strong)
        row = self._execute(f"SELECT count(*) AS n, count(*) FILTER (WHERE {strong_sql}) AS strong "
                            f"FROM search_documents WHERE {where}", sql.params).one()
        return int(row.n), int(row.strong)

    def count_and_facets(self, match, query: SearchQuery) -> tuple[int, dict]:
        sql = _Sql()
        return self._count_and_facets(sql, self._match(sql, match), query)

    def top(self, match, query: SearchQuery, scoring: Scoring | None, offset: int, limit: int) -> list[EngineHit]:
        sql = _Sql()
        demoted = "FALSE"
        if query.sort == "relevance" and scoring is not None:
            score = self._score_sql(sql, scoring.weighted)
            if scoring.promote is not None:
                demoted = f"NOT {self._sql(sql, scoring.promote)}"
            order = "demoted, score DESC, created_ts DESC, product_id DESC"
        else:
            score = "0"
            order = {
                "price_asc": "price_vnd ASC, product_id DESC",
                "price_desc": "price_vnd DESC, product_id DESC",
                "stars": "stars DESC, created_ts DESC, product_id DESC",
                "best_selling": "sold DESC, product_id DESC",
                "top_rated": "rated DESC, product_id DESC",
            }.get(query.sort, "created_ts DESC, product_id DESC")
        where = " AND ".join(self._match(sql, match) + self._filters(sql, query)) or "TRUE"
        rows = self._execute(
            f"SELECT product_id, slug, name, producer, place, score FROM ("
            f"SELECT product_id, slug, name, producer, place, created_ts, price_vnd, stars, sold, rated, "
            f"({demoted}) AS demoted, ({score}) AS score FROM search_documents WHERE {where}) AS hits "
            f"ORDER BY {order} LIMIT {sql.bind(limit)} OFFSET {sql.bind(offset)}", sql.params).all()
        return [EngineHit(id=int(r.product_id), score=float(r.score or 0.0), name=r.name or "",
                          producer=r.producer or "", place=r.place or "", slug=r.slug) for r in rows]

    def complete(self, words: list[str], finished: bool, limit: int) -> list[EngineHit]:
        query = " & ".join([_lex(w, "A") for w in words[:-1]] + [_lex(words[-1], "A", prefix=not finished)])
        sql = _Sql()
        rows = self._execute(
            f"SELECT product_id, name, slug FROM search_documents WHERE {sql.ts('tsv', query)} "
            f"ORDER BY name_len, name, product_id LIMIT {sql.bind(limit)}", sql.params).all()
        if not rows:
            # A typo in what was typed so far: names with a similar run of trigrams (pg_trgm, GIN index).
            rows = self._execute(
                "SELECT product_id, name, slug FROM search_documents WHERE :t <% name_f "
                "ORDER BY word_similarity(:t, name_f) DESC, name_len, product_id LIMIT :n",
                {"t": " ".join(words), "n": limit}).all()
        return [EngineHit(id=int(r.product_id), score=0.0, name=r.name, producer="", place="", slug=r.slug)
                for r in rows]

    # ------------------------------------------------------------ SQL pieces
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

    def _score_sql(self, sql: _Sql, weighted) -> str:
        """BM25F with tf = 1 (as the Whoosh engine's `_full_scores`), as one SQL expression."""
        if not weighted:
            return "0"
        stats = self._field_stats()
        n = max(stats["n"], 1)
        keys = [(_term_ts(Term(f, t)), w, FIELDS[f][2]) for f, t, w in weighted]
        dfs = self._df([k for k, _w, _l in keys], cached=True)
        parts = []
        for (column, q), weight, length in keys:
            df = dfs.get((column, q), 0)
            if not df:
                continue
            idf = math.log(n / (df + 1)) + 1.0
            factor = weight * idf * (BM25_K1 + 1)
            norm = (f"(1 + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * greatest({length}, 1) / "
                    f"{stats[length]!r}))")
            parts.append(f"CASE WHEN {sql.ts(column, q)} THEN {factor!r} / {norm} ELSE 0 END")
        return " + ".join(parts) or "0"
