"""The project's PostgreSQL search backend (SEARCH_BACKEND=postgres) as a benchmark engine.

Needs a PostgreSQL database of its own (its `search_documents` table is dropped and rebuilt):
`--pg-url` or BENCH_PG_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/ocop_bench.
Documents are the same `ProductFacts.document()` as for Whoosh (bench/project.py), written by
`PostgresBackend.rebuild()` (what `flask search reindex` does); queries go through `SearchService.query()`
inside an app context, as in a request. The build time includes PostgreSQL computing the generated
tsvector columns and the GIN indexes; `VACUUM ANALYZE` afterwards is timed separately.
"""
from __future__ import annotations

import os
import tempfile
import time

from bench.common import BenchQuery, EngineResult
from bench.project import facts_from


class PgEngine:
    name = "postgres"

    def __init__(self, url: str):
        from ocop_market import create_app
        from ocop_market.search.documents import ProductFacts
        from ocop_market.search.service import get_search
        from ocop_market.search.types import SearchQuery

        if not url or not url.startswith("postgresql"):
            raise SystemExit("the postgres engine needs --pg-url or BENCH_PG_URL (a PostgreSQL database)")
        self.ProductFacts, self.SearchQuery = ProductFacts, SearchQuery
        tmp = tempfile.mkdtemp(prefix="ocop-bench-pg-")
        self.app = create_app({
            "ENV_NAME": "testing", "TESTING": True, "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_DIR": os.path.join(tmp, "unused"), "UPLOAD_DIR": os.path.join(tmp, "uploads"),
            "SEARCH_BACKEND": "postgres",
        })
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.service = get_search(self.app)
        assert self.service.kind == "postgres"
        self.build_notes: dict = {}

    def build(self, products: list[dict]) -> None:
        from sqlalchemy import text

        from ocop_market.extensions import db
        from ocop_market.search.models import SearchDocument

        SearchDocument.__table__.drop(db.engine, checkfirst=True)
        SearchDocument.__table__.create(db.engine)  # + the PostgreSQL-only DDL (models.PG_DDL)
        t0 = time.perf_counter()
        docs = [facts_from(p, self.ProductFacts).document() for p in products]
        t1 = time.perf_counter()
        self.service.backend.rebuild(docs)
        t2 = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE search_documents"))
        t3 = time.perf_counter()
        self.service.query(self.SearchQuery(q="", per_page=10))
        self.build_notes = {"documents": t1 - t0, "insert+tsvector+GIN": t2 - t1, "vacuum analyze": t3 - t2}

    def size_bytes(self) -> int:
        from sqlalchemy import text

        from ocop_market.extensions import db

        return int(db.session.execute(text("SELECT pg_total_relation_size('search_documents')")).scalar())

    def close(self) -> None:
        from ocop_market.extensions import db

        db.session.remove()
        db.engine.dispose()
        self.ctx.pop()

    def suggest(self, prefix: str) -> list:
        from ocop_market.extensions import db

        out = self.service.suggest(prefix, 8)
        db.session.rollback()
        return out

    def search(self, bq: BenchQuery) -> EngineResult:
        from ocop_market.extensions import db

        res = self.service.query(self.SearchQuery(
            q=bq.q, group=bq.group, stars=bq.stars, province=bq.province, min_price=bq.min_price,
            max_price=bq.max_price, in_stock=bq.in_stock, sort=bq.sort, page=1, per_page=10,
        ))
        db.session.rollback()  # one transaction per query, as one request
        return EngineResult(ids=res.ids, total=res.total, facets=res.facets,
                            extra={"tier": res.tier, "suggestion": res.suggestion})
