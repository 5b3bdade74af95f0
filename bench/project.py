"""The project's own search service as a benchmark engine, on one of its file engines (tantivy, Whoosh).

The index is built straight from the synthetic products, without a database: each product becomes the
`ProductFacts` the catalog would produce (`ocop_market.search.documents`), and its `document()` goes to
`SearchService.backend.rebuild()` under the write lock — what `SearchService.reindex()` (`flask search
reindex`) does after reading the rows from the database. Queries go through `SearchService.query()` (the
planner, then the engine), suggestions through `SearchService.suggest()`. Document preparation (Python
folding, pairs) and the engine's write are timed separately.
"""
from __future__ import annotations

import os
import time

from bench.common import BenchQuery, EngineResult


class ProjectSearchUnavailable(RuntimeError):
    pass


def _load():
    try:
        from ocop_market.search.documents import ProductFacts
        from ocop_market.search.service import SearchService
        from ocop_market.search.types import SearchQuery
    except ImportError as exc:  # the search core has not landed (or is broken): say so, run the baseline
        raise ProjectSearchUnavailable(f"cannot import the search core ({exc})") from exc
    return ProductFacts, SearchQuery, SearchService


def facts_from(p: dict, ProductFacts):
    return ProductFacts(
        id=p["id"], slug=p["slug"], name=p["name"], description=p["description"],
        producer_name=p["producer_name"], commune=p["commune"], province_slug=p["province_slug"],
        province_name=p["province"], group=p["group"], stars=p["stars"], price_vnd=p["price_vnd"],
        in_stock=p["stock"] > 0, created_ts=int(p["created_at"].timestamp()),
    )


class ProjectEngine:
    def __init__(self, path: str, kind: str = "tantivy"):
        self.ProductFacts, self.SearchQuery, SearchService = _load()
        self.path = path
        self.name = kind
        self.service = SearchService(path, kind=kind)
        self.backend = self.service.backend
        self.build_notes: dict = {}

    def build(self, products: list[dict]) -> None:
        t0 = time.perf_counter()
        docs = [facts_from(p, self.ProductFacts).document() for p in products]
        t1 = time.perf_counter()
        with self.backend.write_lock(wait=10) as got:
            if not got:
                raise RuntimeError(f"write lock on {self.path} is held")
            self.backend.rebuild(docs)
        t2 = time.perf_counter()
        # First query of a generation builds the per-document facet arrays: report it, not hide it in p95.
        self.service.query(self.SearchQuery(q="", per_page=10))
        t3 = time.perf_counter()
        self.build_notes = {"documents": t1 - t0, f"{self.name} write+commit": t2 - t1, "first query": t3 - t2}

    def size_bytes(self) -> int:
        total = 0
        for dirpath, _dirs, files in os.walk(self.path):
            total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
        return total

    def close(self) -> None:
        self.backend.close()

    def suggest(self, prefix: str) -> list:
        return self.service.suggest(prefix, 8)

    def search(self, bq: BenchQuery) -> EngineResult:
        res = self.service.query(self.SearchQuery(
            q=bq.q, group=bq.group, stars=bq.stars, province=bq.province, min_price=bq.min_price,
            max_price=bq.max_price, in_stock=bq.in_stock, sort=bq.sort, page=1, per_page=10,
        ))
        return EngineResult(ids=res.ids, total=res.total, facets=res.facets,
                            extra={"tier": res.tier, "suggestion": res.suggestion})
