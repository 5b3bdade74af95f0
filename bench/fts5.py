"""Baseline engine for the benchmark: SQLite FTS5, `unicode61 remove_diacritics 2`, bm25, GROUP BY facets.

FTS5's `remove_diacritics` folds tone and vowel marks but leaves `đ/Đ` alone (it is a letter, not a mark),
so `đ` is mapped to `d` in Python on both sides (documents and queries). No typo tolerance, no phrase
proximity: it is the "what does plain SQLite give us" line, not a second search product.
"""
from __future__ import annotations

import os
import re
import sqlite3
import unicodedata

from bench.common import FACETS, BenchQuery, EngineResult

_D = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})
_WORD = re.compile(r"\w+", re.UNICODE)
# bm25 column weights: name > producer = place > description.
WEIGHTS = (10.0, 4.0, 4.0, 1.0)
_COLUMN = {"group": "grp", "stars": "stars", "province": "province"}


def prepare(s: str) -> str:
    return unicodedata.normalize("NFC", s or "").translate(_D)


def match_expression(q: str) -> str | None:
    words = _WORD.findall(prepare(q))
    if not words:
        return None
    return " ".join(f'"{w}"' for w in words)  # implicit AND; quoting keeps FTS5 syntax out of user text


class Fts5Engine:
    name = "fts5"

    def __init__(self, path: str):
        self.path = path
        self.con: sqlite3.Connection | None = None

    def build(self, products: list[dict]) -> None:
        if os.path.exists(self.path):
            os.remove(self.path)
        con = sqlite3.connect(self.path)
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.executescript("""
            CREATE TABLE products (
                id INTEGER PRIMARY KEY, grp TEXT NOT NULL, stars INTEGER, province TEXT NOT NULL,
                price INTEGER NOT NULL, in_stock INTEGER NOT NULL, created INTEGER NOT NULL);
            CREATE VIRTUAL TABLE fts USING fts5(
                name, producer, place, description, tokenize = 'unicode61 remove_diacritics 2');
        """)
        with con:
            con.executemany(
                "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((p["id"], p["group"], p["stars"], p["province_slug"], p["price_vnd"], 1 if p["stock"] > 0 else 0,
                  int(p["created_at"].timestamp())) for p in products),
            )
            con.executemany(
                "INSERT INTO fts (rowid, name, producer, place, description) VALUES (?, ?, ?, ?, ?)",
                ((p["id"], prepare(p["name"]), prepare(p["producer_name"]),
                  prepare(f"{p['commune']} {p['province']}"), prepare(p["description"])) for p in products),
            )
            con.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        con.execute("ANALYZE")
        self.con = con

    def size_bytes(self) -> int:
        return os.path.getsize(self.path)

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    @staticmethod
    def _filters(bq: BenchQuery, skip: str | None = None) -> tuple[list[str], list]:
        where, args = [], []
        for dim in FACETS:
            value = getattr(bq, dim)
            if value is not None and dim != skip:
                where.append(f"p.{_COLUMN[dim]} = ?")
                args.append(value)
        if bq.min_price is not None:
            where.append("p.price >= ?")
            args.append(bq.min_price)
        if bq.max_price is not None:
            where.append("p.price <= ?")
            args.append(bq.max_price)
        if bq.in_stock:
            where.append("p.in_stock = 1")
        return where, args

    def search(self, bq: BenchQuery) -> EngineResult:
        con = self.con
        expr = match_expression(bq.q)
        if expr is not None:
            source = "fts JOIN products p ON p.id = fts.rowid"
            base_where, base_args = ["fts MATCH ?"], [expr]
        else:
            source = "products p"
            base_where, base_args = [], []

        def sql_where(skip=None):
            w, a = self._filters(bq, skip)
            clauses = base_where + w
            return (" WHERE " + " AND ".join(clauses)) if clauses else "", base_args + a

        where, args = sql_where()
        order = {
            "relevance": f"bm25(fts, {', '.join(map(str, WEIGHTS))}), p.id" if expr else "p.created DESC, p.id",
            "price_asc": "p.price, p.id",
            "price_desc": "p.price DESC, p.id",
            "newest": "p.created DESC, p.id",
            "stars": "coalesce(p.stars, 0) DESC, p.id",
        }[bq.sort]
        ids = [r[0] for r in con.execute(f"SELECT p.id FROM {source}{where} ORDER BY {order} LIMIT 10", args)]
        total = con.execute(f"SELECT count(*) FROM {source}{where}", args).fetchone()[0]
        facets = {}
        for dim in FACETS:
            col = _COLUMN[dim]
            fw, fa = sql_where(skip=dim)
            extra = " AND p.stars IS NOT NULL" if dim == "stars" else ""
            if extra and not fw:
                fw, extra = " WHERE p.stars IS NOT NULL", ""
            rows = con.execute(f"SELECT p.{col}, count(*) FROM {source}{fw}{extra} GROUP BY p.{col}", fa)
            facets[dim] = dict(rows.fetchall())
        return EngineResult(ids=ids, total=total, facets=facets)
