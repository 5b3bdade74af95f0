"""The search outbox: one row per product whose index document may be stale."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class SearchOutbox(db.Model):
    """Written in the same transaction as the catalog change; deleted once the index has applied it.

    Rows are deleted one by one (never a high-water mark): ids of concurrent transactions commit
    out of order, so "everything below id N is done" would skip a late commit.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: no foreign key: a deleted product still needs its index document removed
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
