"""The floor for the benchmark: tantivy straight, with none of the project's planning.

Folded text (the project's own folding, `ocop_market.text.fold`) in three fields (name, producer +
place, description), every query word required in any of them, BM25 with boosts name 3 > meta 1.5 >
description 0.5, top 10 by score or by a fast-field sort, the total, and the three facets as terms
aggregations, each with the other filters applied. No tiers, no phrases, no typo correction, no
suggestion, no relaxation: what the project adds is measured against this line.
"""
from __future__ import annotations

import os
import shutil

import tantivy

from bench.common import BenchQuery, EngineResult
from ocop_market.text import fold

_WS = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
BOOST = {"name": 3.0, "meta": 1.5, "desc": 0.5}
SORTS = {"price_asc": ("price", tantivy.Order.Asc), "price_desc": ("price", tantivy.Order.Desc),
         "stars": ("stars", tantivy.Order.Desc), "newest": ("created", tantivy.Order.Desc)}


def _schema():
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("pid", stored=True, fast=True)
    for name in BOOST:
        sb.add_text_field(name, tokenizer_name="folded", index_option="freq")
    for name in ("group", "province"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    for name in ("stars", "price", "in_stock", "created"):
        sb.add_integer_field(name, indexed=True, fast=True)
    return sb.build()


class TantivyRawEngine:
    name = "tantivy-raw"

    def __init__(self, path: str):
        self.path = path
        self.schema = _schema()
        self.index = None
        self.searcher = None

    def build(self, products: list[dict]) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(self.path)
        self.index = tantivy.Index(self.schema, path=self.path)
        self.index.register_tokenizer("folded", _WS)
        writer = self.index.writer(256_000_000)
        for p in products:
            writer.add_document(tantivy.Document(
                pid=p["id"], name=fold(p["name"]), meta=fold(f"{p['producer_name']} {p['commune']} {p['province']}"),
                desc=fold(p["description"]), group=p["group"], province=p["province_slug"], stars=p["stars"] or 0,
                price=p["price_vnd"], in_stock=1 if p["stock"] > 0 else 0, created=int(p["created_at"].timestamp())))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def size_bytes(self) -> int:
        return sum(os.path.getsize(os.path.join(d, f)) for d, _s, fs in os.walk(self.path) for f in fs)

    def close(self) -> None:
        self.index = self.searcher = None

    def _filters(self, bq: BenchQuery, skip: str = "") -> list:
        Q = tantivy.Query
        out = []
        if bq.min_price is not None or bq.max_price is not None:
            out.append(Q.range_query(self.schema, "price", tantivy.FieldType.Integer, bq.min_price, bq.max_price))
        if bq.in_stock:
            out.append(Q.term_query(self.schema, "in_stock", 1))
        for dim in ("group", "stars", "province"):
            if getattr(bq, dim) is not None and dim != skip:
                out.append(Q.term_query(self.schema, dim, getattr(bq, dim)))
        return out

    def search(self, bq: BenchQuery) -> EngineResult:
        Q, Occur = tantivy.Query, tantivy.Occur
        words = fold(bq.q).split()
        text = [Q.boolean_query([(Occur.Should, Q.boost_query(Q.term_query(self.schema, f, w, index_option="freq"), b))
                                 for f, b in BOOST.items()]) for w in _WS.analyze(" ".join(words))]

        def query(skip=""):
            parts = text + self._filters(bq, skip)
            return Q.boolean_query([(Occur.Must, p) for p in parts]) if parts else Q.all_query()

        s = self.searcher
        if bq.sort == "relevance" and text:
            res = s.search(query(), limit=10, count=True)
        else:
            field, order = SORTS.get(bq.sort, SORTS["newest"])
            res = s.search(query(), limit=10, count=True, order_by_field=field, order=order)
        ids = [s.doc(addr).get_first("pid") for _score, addr in res.hits]
        # One aggregation request per distinct filter set: dimensions without a filter of their own share one.
        sizes = {"group": 64, "stars": 16, "province": 256}
        requests: dict[str, list[str]] = {}
        for dim in sizes:
            requests.setdefault(dim if getattr(bq, dim) is not None else "", []).append(dim)
        facets = {}
        for skip, dims in requests.items():
            agg = s.aggregate(query(skip), {d: {"terms": {"field": d, "size": sizes[d]}} for d in dims})
            for d in dims:
                facets[d] = {b["key"]: b["doc_count"] for b in agg[d]["buckets"] if b["key"] not in (0, "")}
        return EngineResult(ids=ids, total=res.count, facets=facets)
