"""Keeping the index in step with the database: session hooks that fill the outbox, and its applier.

- `after_flush` (inside the catalog transaction) inserts one `search_outbox` row per product whose
  document may have changed: Product, Producer, OcopCertificate and ProductImage changes. Catalog
  services need not know search exists; a rolled-back transaction takes its rows with it.
  `do_orm_execute` does the same for bulk `update(Product)`/`update(Producer)` statements (stock is
  taken that way). Raw SQL text bypasses both: `search verify` finds such drift.
- After the commit the outbox is applied (`SearchService.apply_outbox`): each product's current row is
  re-read, indexed or removed, and the applied rows are deleted. It only *tries* the index lock; if
  another worker holds it the rows wait for the next apply, so no user ever sees a lock error.
- Mode (`SEARCH_APPLY` config): "queue" (default outside tests) hands the apply to the task queue
  (a `search.apply` task), so the response never waits for an index write; "inline" applies right after
  the commit (tests, CLI); "off" leaves the rows for `flask --app wsgi search apply` (and lets tests
  simulate a crash). The queue's `search.repair_outbox` job applies leftovers every two minutes: rows
  left by a crash between commit and index write, or by a busy lock.
- With the PostgreSQL backend (SEARCH_BACKEND=postgres on PostgreSQL) there is nothing to sync: the
  same hooks collect the product ids in `session.info` instead of writing outbox rows, and
  `before_commit` writes their `search_documents` rows in the same transaction (`_before_commit`).
  Sessions outside an app context still write outbox rows; `search apply` writes them as documents.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, insert, inspect, select

from ..catalog.models import OcopCertificate, Producer, Product, ProductImage
from ..jobs import queue
from ..timeutil import utcnow
from .models import SearchOutbox

log = logging.getLogger(__name__)

PENDING = "search_outbox_pending"
DOCS_PENDING = "search_documents_pending"  # product ids (PostgreSQL backend, see `_before_commit`)
# sold_count: set on an object, not only by count_sold's bulk UPDATE (which `_do_orm_execute` catches)
PRODUCT_FIELDS = ("name", "description", "group_id", "price_vnd", "status", "producer_id", "slug", "created_at",
                  "sold_count", "rating_count", "rating_sum")
PRODUCER_FIELDS = ("name", "commune", "province_id", "status")


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _stock_crossed_zero(obj) -> bool:
    """Only the in-stock flag is indexed: 5 -> 4 needs no index write, 1 -> 0 does."""
    hist = inspect(obj).attrs.stock.history
    if not hist.has_changes():
        return False
    old = hist.deleted[0] if hist.deleted else None
    new = hist.added[0] if hist.added else None
    return old is None or new is None or (old > 0) != (new > 0)


def _product_ids_of(obj) -> set[int]:
    """Current and previous product_id of a certificate or image (a move touches both products)."""
    hist = inspect(obj).attrs.product_id.history
    ids = {v for v in (*hist.added, *hist.unchanged, *hist.deleted) if v is not None}
    if getattr(obj, "product_id", None) is not None:
        ids.add(obj.product_id)
    return ids


def _affected(session) -> set[int]:
    ids: set[int] = set()
    producer_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Product):
            if obj in session.new or obj in session.deleted or _changed(obj, PRODUCT_FIELDS) \
                    or _stock_crossed_zero(obj):
                ids.add(obj.id)
        elif isinstance(obj, Producer):
            if obj not in session.new and (obj in session.deleted or _changed(obj, PRODUCER_FIELDS)):
                producer_ids.add(obj.id)
        elif isinstance(obj, OcopCertificate):
            ids |= _product_ids_of(obj)
        elif isinstance(obj, ProductImage):
            if obj in session.new or obj in session.deleted:
                ids |= _product_ids_of(obj)
    if producer_ids:
        conn = session.connection()
        ids |= set(conn.scalars(select(Product.id).where(Product.producer_id.in_(producer_ids))))
    ids.discard(None)
    return ids


def _after_flush(session, flush_context) -> None:
    ids = _affected(session)
    if ids:
        _enqueue(session, ids)


def _bulk_update_ids(session, stmt) -> set[int]:
    """Products a bulk UPDATE on products or producers may touch, read just before it runs."""
    table = getattr(stmt, "table", None)
    name = getattr(table, "name", None)
    if name not in ("products", "producers"):
        return set()
    where = stmt.whereclause
    if name == "products":
        ids = select(Product.__table__.c.id)
    else:
        ids = select(Product.__table__.c.id).where(Product.__table__.c.producer_id.in_(
            select(Producer.__table__.c.id).where(where) if where is not None else select(Producer.__table__.c.id)))
        where = None
    if where is not None:
        ids = ids.where(where)
    return set(session.connection().scalars(ids))


def _do_orm_execute(state) -> None:
    # Stock is taken with a conditional `UPDATE products ... WHERE stock >= :q` that never goes
    # through a flush; without this the in-stock flag would drift.
    if not state.is_update:
        return
    ids = _bulk_update_ids(state.session, state.statement)
    if ids:
        _enqueue(state.session, ids)


def _transactional(session) -> bool:
    """With the PostgreSQL backend, documents are written in the catalog transaction itself."""
    if not has_app_context():
        return False
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    if (app.config.get("SEARCH_BACKEND") or "").strip().lower() != "postgres":
        return False
    from .service import get_search

    return get_search(app).transactional


def _enqueue(session, ids) -> None:
    if _transactional(session):
        session.info.setdefault(DOCS_PENDING, set()).update(ids)
        return
    now = utcnow()
    # Core insert on the session's own connection: same transaction, no ORM objects added mid-flush.
    session.connection().execute(insert(SearchOutbox), [{"product_id": i, "created_at": now} for i in sorted(ids)])
    session.info[PENDING] = True


def _before_commit(session) -> None:
    """PostgreSQL backend: write the documents of the changed products before the commit.

    The facts are re-read in the transaction (every change of it flushed), so the documents commit
    or roll back together with the catalog rows. Reading may flush more changes: loop until none.
    """
    if DOCS_PENDING not in session.info and not (session.new or session.dirty or session.deleted):
        return
    if not _transactional(session):
        return
    from .service import get_search

    service = get_search(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy's own method
    session.flush()  # `before_commit` runs before the commit's own flush: flush now to see every change
    done: set[int] = set()
    while True:
        ids = session.info.pop(DOCS_PENDING, set()) - done
        if not ids:
            break
        with session.no_autoflush:
            service.write_in_transaction(session, ids)
        done |= ids
        session.flush()


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the request's own commit is still to come
        return
    if not session.info.pop(PENDING, False) or not has_app_context():
        return
    schedule_apply(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy's own method


def _after_rollback(session) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back: the rows written before it still commit
        return
    session.info.pop(PENDING, None)
    session.info.pop(DOCS_PENDING, None)


def install_hooks() -> None:
    """Listen on Flask-SQLAlchemy's session class (idempotent: several apps share it)."""
    for name, fn in (("after_flush", _after_flush), ("before_commit", _before_commit),
                     ("after_commit", _after_commit),
                     ("after_rollback", _after_rollback), ("do_orm_execute", _do_orm_execute)):
        if not event.contains(FlaskSession, name, fn):
            event.listen(FlaskSession, name, fn)


def apply_mode(app: Flask) -> str:
    return app.config.get("SEARCH_APPLY") or ("inline" if app.testing else "queue")


def schedule_apply(app: Flask) -> None:
    mode = apply_mode(app)
    if mode == "off":
        return
    if mode == "inline":
        apply_now(app)
        return
    try:
        queue.enqueue("search.apply", app=app)
    except Exception:  # the rows are committed: `search.repair_outbox` applies them
        log.exception("could not hand the search outbox to the queue; rows kept for the repair job")


def apply_now(app: Flask) -> None:
    from .service import get_search

    try:
        get_search(app).apply_outbox(wait=0.0)
    except Exception:  # the rows stay in the outbox; never break the caller's response
        log.exception("search outbox apply failed; rows kept for the next apply")


install_hooks()
