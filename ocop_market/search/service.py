"""The search service: the interface the rest of the project uses (see the package docstring)."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import create_engine, delete, func, insert, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from ..catalog.models import Product, ProductGroup
from ..catalog.services import public_products
from ..extensions import db
from ..timeutil import utcnow
from . import planner
from .documents import ProductFacts
from .generations import IndexBusy
from .models import SearchOutbox
from .types import SearchQuery, SearchResult, Suggestion

log = logging.getLogger(__name__)

APPLY_BATCH = 500
BACKENDS = ("tantivy", "whoosh", "postgres")
DEFAULT_BACKEND = "tantivy"
READ_CHUNK = 1000


@dataclass(frozen=True)
class ApplyReport:
    applied: int  #: outbox rows applied and deleted
    busy: bool  #: the index was locked by another process; rows were left for later


@dataclass(frozen=True)
class Drift:
    product_id: int
    name: str
    problem: str  #: "missing from index", "in index but not public", "index out of date"

    def __str__(self) -> str:
        return f"product {self.product_id} ({self.name}): {self.problem}"


def _group_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(ProductGroup.id, ProductGroup.code)).tuples().all())


def load_facts(session: Session, ids: Iterable[int]) -> dict[int, ProductFacts]:
    """Current facts of those `ids` that are public; absent ids are not (or no longer) searchable."""
    ids = list(ids)
    if not ids:
        return {}
    codes = _group_codes(session)
    out: dict[int, ProductFacts] = {}
    for start in range(0, len(ids), READ_CHUNK):
        chunk = ids[start:start + READ_CHUNK]
        for product in session.scalars(public_products().where(Product.id.in_(chunk))):
            out[product.id] = ProductFacts.from_product(product, codes[product.group_id])
    return out


def iter_public_facts(session: Session) -> Iterator[ProductFacts]:
    """Every public product, read in id order a chunk at a time (bounded memory at 100,000 products)."""
    codes = _group_codes(session)
    last = 0
    while True:
        products = session.scalars(
            public_products().where(Product.id > last).order_by(Product.id).limit(READ_CHUNK)
        ).all()
        if not products:
            return
        for product in products:
            yield ProductFacts.from_product(product, codes[product.group_id])
        last = products[-1].id
        session.expunge_all()


class SearchService:
    def __init__(self, index_dir: str, backend=None, kind: str = DEFAULT_BACKEND):
        self.index_dir = index_dir
        self.kind = kind
        if backend is None:
            # Each engine module is imported only when chosen: a Whoosh shop never loads tantivy.
            if kind == "postgres":
                from .pg_backend import PostgresBackend

                backend = PostgresBackend(self._session)
            elif kind == "whoosh":
                from .whoosh_backend import WhooshBackend

                backend = WhooshBackend(index_dir)
            else:
                from .tantivy_backend import TantivyBackend

                backend = TantivyBackend(index_dir)
        self.backend = backend
        self._engine: Engine | None = None

    @property
    def transactional(self) -> bool:
        """True when documents are written in the catalog change's own transaction (PostgreSQL)."""
        return self.kind == "postgres"

    def write_in_transaction(self, session: Session, product_ids: Iterable[int]) -> None:
        """Write the documents of `product_ids` on `session`'s connection (PostgreSQL backend only)."""
        ids = sorted(set(product_ids))
        facts = load_facts(session, ids)
        self.backend.write_with(session.connection(), [facts[i].document() for i in ids if i in facts],
                                [i for i in ids if i not in facts])

    # -------------------------------------------------------------- reading
    def query(self, query: SearchQuery) -> SearchResult:
        return planner.run(self.backend, query)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        return planner.suggest(self.backend, prefix[:100], max(1, min(limit, 20)))

    def doc_count(self) -> int:
        return self.backend.doc_count()

    def index_exists(self) -> bool:
        return self.backend.current_generation() is not None

    # -------------------------------------------------------------- writing (direct)
    def index_product(self, product: Product, wait: float = 5.0) -> None:
        """Index one product now (or remove it if it is not public). Normal code relies on the outbox."""
        if not product.is_public:
            return self.remove_product(product.id, wait)
        facts = ProductFacts.from_product(product, product.group.code)
        with self.backend.write_lock(wait) as got:
            if not got:
                raise IndexBusy("search index is locked")
            self.backend.write([facts.document()], [])

    def remove_product(self, product_id: int, wait: float = 5.0) -> None:
        with self.backend.write_lock(wait) as got:
            if not got:
                raise IndexBusy("search index is locked")
            self.backend.write([], [product_id])

    # -------------------------------------------------------------- outbox
    def _session(self) -> Session:
        """A session of its own on an unpooled engine.

        The apply runs inside the caller's `after_commit`, while the caller still holds its pooled
        connection: borrowing a second one from the same pool deadlocks once every connection is
        held by a committing thread (20 concurrent checkouts on a pool of 15 did).
        """
        url = db.engine.url
        if self._engine is None or self._engine.url != url:
            self._engine = create_engine(url, poolclass=NullPool)
        return Session(bind=self._engine, expire_on_commit=False)

    def _apply_locked(self, limit_batches: int | None = None) -> int:
        applied = 0
        batches = 0
        with self._session() as session:
            while limit_batches is None or batches < limit_batches:
                rows = session.execute(
                    select(SearchOutbox.id, SearchOutbox.product_id).order_by(SearchOutbox.id).limit(APPLY_BATCH)
                ).all()
                if not rows:
                    break
                ids = sorted({r.product_id for r in rows})
                # Re-read the current rows: applying twice, or out of order, gives the same index.
                facts = load_facts(session, ids)
                session.rollback()  # end the read transaction; nothing to keep
                self.backend.write([facts[i].document() for i in ids if i in facts],
                                   [i for i in ids if i not in facts])
                # Only now forget the work: a crash before this line leaves the rows for the next apply.
                session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
                session.commit()
                applied += len(rows)
                batches += 1
        return applied

    def apply_outbox(self, wait: float = 0.0, limit_batches: int | None = None) -> ApplyReport:
        """Apply pending outbox rows to the index. Never waits for the lock unless `wait` says so."""
        with self.backend.write_lock(wait) as got:
            if not got:
                return ApplyReport(applied=0, busy=True)
            return ApplyReport(applied=self._apply_locked(limit_batches), busy=False)

    def enqueue(self, product_ids: Iterable[int]) -> None:
        ids = sorted(set(product_ids))
        if not ids:
            return
        with self._session() as session:
            session.execute(insert(SearchOutbox), [{"product_id": i, "created_at": utcnow()} for i in ids])
            session.commit()

    def outbox_lag(self) -> tuple[int, float | None]:
        """(pending rows, age in seconds of the oldest one)."""
        with self._session() as session:
            count, oldest = session.execute(select(func.count(SearchOutbox.id), func.min(SearchOutbox.created_at))).one()
        if not oldest:
            return int(count), None
        if oldest.tzinfo is None:  # SQLite aggregates come back as naive strings/values
            import datetime as dt

            oldest = oldest.replace(tzinfo=dt.UTC)
        return int(count), max(0.0, (utcnow() - oldest).total_seconds())

    # -------------------------------------------------------------- maintenance
    def reindex(self, wait: float = 60.0) -> int:
        """Build a fresh generation beside the live one and switch atomically; returns the doc count.

        The write lock is held throughout, so outbox rows written meanwhile stay in the table and are
        applied to the new generation right after the switch.
        """
        with self.backend.write_lock(wait) as got:
            if not got:
                raise IndexBusy("search index is locked; try again")
            with self._session() as session:
                docs = (f.document() for f in iter_public_facts(session))
                return self.backend.rebuild(docs, after_switch=self._apply_locked)

    def verify(self) -> list[Drift]:
        """Differences between the index and the database, by product."""
        stored = self.backend.stored_documents()
        drifts: list[Drift] = []
        with self._session() as session:
            seen: set[int] = set()
            for facts in iter_public_facts(session):
                seen.add(facts.id)
                doc = stored.get(facts.id)
                if doc is None:
                    drifts.append(Drift(facts.id, facts.name, "missing from index"))
                elif doc.get("sig") != facts.signature():
                    drifts.append(Drift(facts.id, facts.name, "index out of date"))
        for pid in sorted(set(stored) - seen):
            drifts.append(Drift(pid, stored[pid].get("name", ""), "in index but not public"))
        return sorted(drifts, key=lambda d: d.product_id)


def backend_kind(app: Flask) -> str:
    """SEARCH_BACKEND: "tantivy" (default), "whoosh", or "postgres" when the database is PostgreSQL.

    Asking for postgres on another database logs a warning and keeps the embedded default (the app
    still works).
    """
    wanted = (app.config.get("SEARCH_BACKEND") or DEFAULT_BACKEND).strip().lower()
    if wanted not in BACKENDS:
        raise ValueError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {wanted!r}")
    if wanted == "postgres":
        dialect = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
        if dialect != "postgresql":
            if not app.extensions.get("ocop_search_warned"):
                app.extensions["ocop_search_warned"] = True
                log.warning("SEARCH_BACKEND=postgres needs a PostgreSQL database (this one is %s): "
                            "using the %s index in SEARCH_INDEX_DIR instead", dialect, DEFAULT_BACKEND)
            return DEFAULT_BACKEND
    return wanted


def get_search(app: Flask | None = None) -> SearchService:
    """The app's search service (one per app and process)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    service = app.extensions.get("ocop_search")
    kind = backend_kind(app)
    if service is None or service.index_dir != app.config["SEARCH_INDEX_DIR"] or service.kind != kind:
        service = app.extensions["ocop_search"] = SearchService(app.config["SEARCH_INDEX_DIR"], kind=kind)
    return service
