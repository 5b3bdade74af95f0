"""The one way a write is committed: `with transaction(): service(...)`.

Services only flush; whoever called them (a view, a CLI command, a use case that must talk to Stripe between
two commits) wraps the call in `transaction()`, which commits what the block flushed or, on any exception,
rolls all of it back and lets the exception through (domain errors then become 4xx pages in errors.py):

    with transaction():
        orders.move(po, OrderStatus.CANCELLED, current_user, "buyer")

Work that waits for the outside world (Stripe) never holds a transaction open. Such a use case is written as
prepare (flush) → commit → call the outside → record (flush) → commit, each commit one `transaction()` block,
and only plain values (ids, strings) cross from one block to the next — a loaded ORM object touched after its
commit would open a new transaction behind the caller's back.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .extensions import db


@contextmanager
def transaction() -> Iterator[None]:
    """Commit the block's work, or roll it back and re-raise: a failed operation leaves data as it was."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def savepoint() -> Iterator[None]:
    """Run an extra (a page slot) whose failure must leave the caller's work as it was, and re-raise.

    With uncommitted work in the session the block runs in a SAVEPOINT, rolled back alone on failure. With none,
    a savepoint would only cost: on SQLite it has to begin a real transaction first, and a page that then holds a
    read snapshot open cannot write later in the request ("database is locked" once another connection commits).
    There a failure simply rolls the session back, which loses nothing.
    """
    if _nothing_uncommitted():
        try:
            yield
        except BaseException:
            db.session.rollback()
            raise
        return
    with db.session.begin_nested():
        yield


def _nothing_uncommitted() -> bool:
    session = db.session()  # the request's Session itself (the scoped proxy lacks get_transaction)
    if session.new or session.dirty or session.deleted:
        return False
    if session.get_transaction() is None:
        return True
    dbapi_connection = session.connection().connection.dbapi_connection
    # pysqlite opens its transaction before the first INSERT/UPDATE/DELETE: none yet means nothing written.
    # PostgreSQL connections are always in a transaction, so there a savepoint is the safe answer.
    return (dbapi_connection is not None and type(dbapi_connection).__module__.startswith("sqlite3")
            and not dbapi_connection.in_transaction)
