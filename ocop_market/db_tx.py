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
