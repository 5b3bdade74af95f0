"""The search outbox: one row per product whose index document may be stale."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Integer, SmallInteger, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow


class SearchOutbox(Model):
    """Written in the same transaction as the catalog change; deleted once the index has applied it.

    Rows are deleted one by one (never a high-water mark): ids of concurrent transactions commit
    out of order, so "everything below id N is done" would skip a late commit.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: no foreign key: a deleted product still needs its index document removed
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SearchDocument(Model):
    """One row per public product, for the PostgreSQL search backend (`pg_backend.py`).

    Written in the same transaction as the catalog change when SEARCH_BACKEND=postgres (see
    `outbox.py`), so every app instance reads the same, current index. The columns declared here are
    generic (they exist, unused, on SQLite too); the PostgreSQL-only parts - the generated weighted
    `tsvector` columns, their GIN indexes and the pg_trgm index - are added by `PG_DDL` (run by the
    migration and by `create_all` on PostgreSQL) and hidden from autogenerate by `include_object`
    in migrations/env.py (`PG_ONLY_NAMES`).
    """

    __tablename__ = "search_documents"

    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    producer: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(300))
    sig: Mapped[str] = mapped_column(String(32))
    #: words folded by ocop_market.text (đ -> d, no tones), space separated
    name_f: Mapped[str] = mapped_column(Text, default="")
    meta_f: Mapped[str] = mapped_column(Text, default="")
    desc_f: Mapped[str] = mapped_column(Text, default="")
    #: words as written (canonical: lower case, NFC, one tone placement)
    name_d: Mapped[str] = mapped_column(Text, default="")
    meta_d: Mapped[str] = mapped_column(Text, default="")
    name_len: Mapped[int] = mapped_column(SmallInteger, default=0)
    meta_len: Mapped[int] = mapped_column(SmallInteger, default=0)
    desc_len: Mapped[int] = mapped_column(SmallInteger, default=0)
    group_code: Mapped[str] = mapped_column(String(32))
    province_slug: Mapped[str] = mapped_column(String(80))
    stars: Mapped[int] = mapped_column(SmallInteger, default=0)
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    in_stock: Mapped[bool] = mapped_column(Boolean)
    created_ts: Mapped[int] = mapped_column(BigInteger)
    #: units delivered (Product.sold_count), for the "best_selling" sort
    sold: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: catalog.models.rating_key (average and count of visible reviews), for the "top_rated" sort
    rated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


#: Names of the PostgreSQL-only objects on `search_documents` (columns and indexes), which the model
#: does not declare: migrations/env.py leaves them out of autogenerate comparisons.
PG_ONLY_NAMES = frozenset({"tsv", "tsv_d", "ix_search_documents_tsv", "ix_search_documents_tsv_d",
                           "ix_search_documents_name_trgm"})

#: tsv: folded words, name A, producer/place B, description C. tsv_d: the words as written, name A,
#: producer/place B (exact-form boosts: "cà" vs "cá"). Generated from the text columns, so writers only
#: write plain columns; 'simple' keeps every word (no stemming, no stop words: "ca", "de" matter).
PG_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "ALTER TABLE search_documents ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(name_f, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(meta_f, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(desc_f, '')), 'C')) STORED",
    "ALTER TABLE search_documents ADD COLUMN IF NOT EXISTS tsv_d tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(name_d, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(meta_d, '')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_tsv ON search_documents USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_tsv_d ON search_documents USING gin (tsv_d)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_name_trgm ON search_documents USING gin (name_f gin_trgm_ops)",
)


def _create_pg_objects(target, connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        for statement in PG_DDL:
            connection.exec_driver_sql(statement)


event.listen(SearchDocument.__table__, "after_create", _create_pg_objects)
