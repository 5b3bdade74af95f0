"""The PostgreSQL search backend: documents in the catalog transaction, shared by every app instance.

The relevance set, the search page and the API run on both backends (their modules parametrize
`search_backend`); these tests cover what only the PostgreSQL backend does.
"""
from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select, text, update

from ocop_market import create_app
from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.search import SearchQuery, get_search
from ocop_market.search.models import SearchDocument, SearchOutbox
from ocop_market.search.pg_backend import PostgresBackend
from tests.conftest import PG_URL, make_producer, make_product

pg_only = pytest.mark.skipif(not PG_URL, reason="the PostgreSQL search backend needs TEST_DATABASE_URL")


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "postgres"}


def _doc_names() -> set[str]:
    return set(db.session.scalars(select(SearchDocument.name)))


def _names(result) -> list[str]:
    return [db.session.get(Product, i).name for i in result.ids]


@pytest.mark.skipif(bool(PG_URL), reason="checks the fallback on SQLite")
def test_postgres_asked_on_sqlite_warns_and_keeps_the_embedded_default(ctx, caplog):
    with caplog.at_level(logging.WARNING, logger="ocop_market.search.service"):
        search = get_search()
    assert search.kind == "tantivy" and not search.transactional
    assert "SEARCH_BACKEND=postgres needs a PostgreSQL database" in caplog.text
    producer = make_producer()
    make_product(producer)
    assert _names(search.query(SearchQuery(q="hat de"))) == ["Hạt dẻ Trùng Khánh"]


def test_unknown_backend_name_is_refused(ctx):
    ctx.config["SEARCH_BACKEND"] = "elastic"
    with pytest.raises(ValueError, match="SEARCH_BACKEND"):
        get_search()


@pg_only
def test_documents_commit_with_the_catalog_change_and_no_outbox_rows(ctx):
    assert get_search().kind == "postgres" and get_search().transactional
    ctx.config["SEARCH_APPLY"] = "off"  # nothing is applied after the commit: there is nothing to apply
    producer = make_producer()
    product = make_product(producer)
    assert _doc_names() == {"Hạt dẻ Trùng Khánh"}
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
    assert _names(get_search().query(SearchQuery(q="hat de"))) == ["Hạt dẻ Trùng Khánh"]

    # A rolled-back change takes its document with it.
    product.name = "Hạt dẻ rang củi"
    db.session.flush()
    db.session.rollback()
    assert _doc_names() == {"Hạt dẻ Trùng Khánh"}

    product = db.session.get(Product, product.id)
    product.name = "Hạt dẻ rang củi"
    db.session.commit()
    assert _doc_names() == {"Hạt dẻ rang củi"}
    product.status = "archived"
    db.session.commit()
    assert _doc_names() == set()


@pg_only
def test_producer_change_and_bulk_stock_update_rewrite_documents(ctx):
    producer = make_producer()
    product = make_product(producer, stock=1)
    producer.commune = "Xã Quảng Uyên"
    db.session.commit()
    assert "quang uyen" in db.session.scalar(select(SearchDocument.meta_f))
    # Orders take stock with a bulk UPDATE (no flush): the in-stock flag still follows.
    db.session.execute(update(Product).where(Product.id == product.id).values(stock=0))
    db.session.commit()
    assert db.session.scalar(select(SearchDocument.in_stock)) is False
    assert get_search().query(SearchQuery(q="hat de", in_stock=True)).total == 0
    assert get_search().query(SearchQuery(q="quang uyen")).total == 1


@pg_only
def test_a_second_app_instance_reads_the_same_index_with_nothing_to_sync(ctx, tmp_path):
    other = create_app({
        "ENV_NAME": "testing", "TESTING": True, "INSTANCE_PATH": str(tmp_path / "other"),
        "SQLALCHEMY_DATABASE_URI": PG_URL, "SEARCH_INDEX_DIR": str(tmp_path / "other" / "index"),
        "UPLOAD_DIR": str(tmp_path / "other" / "uploads"), "SERVER_NAME": "localhost",
        "SEARCH_BACKEND": "postgres", "SEARCH_APPLY": "off",
    })
    producer = make_producer()
    make_product(producer)
    try:
        with other.app_context():
            result = get_search(other).query(SearchQuery(q="hạt dẻ"))
            assert result.total == 1 and result.hits[0].highlights["name"].startswith("<mark>Hạt</mark>")
            db.session.remove()
    finally:
        with other.app_context():
            db.engine.dispose()


@pg_only
def test_verify_finds_drift_and_reindex_repairs_it(ctx):
    producer = make_producer()
    product = make_product(producer)
    make_product(producer, name="Miến dong Trùng Khánh")
    search = get_search()
    assert search.verify() == []
    # Raw SQL bypasses the session hooks: verify names the product, reindex repairs it.
    db.session.execute(text("UPDATE products SET name = 'Hạt dẻ sấy' WHERE id = :id"), {"id": product.id})
    db.session.execute(text("DELETE FROM search_documents WHERE name LIKE 'Miến%'"))
    db.session.commit()
    problems = sorted(d.problem for d in search.verify())
    assert problems == ["index out of date", "missing from index"]
    assert search.reindex() == 2
    assert search.verify() == []
    assert _names(search.query(SearchQuery(q="hat de say"))) == ["Hạt dẻ sấy"]


@pg_only
def test_outbox_rows_written_outside_the_app_are_applied_as_documents(ctx):
    producer = make_producer()
    product = make_product(producer)
    db.session.execute(text("DELETE FROM search_documents"))
    db.session.commit()
    search = get_search()
    search.enqueue([product.id])
    assert search.apply_outbox().applied == 1
    assert _doc_names() == {"Hạt dẻ Trùng Khánh"}
    assert search.outbox_lag() == (0, None)


@pg_only
@pytest.mark.parametrize("q", ["hat' & !de:*", "a\\b) | (c", "'", "<->", "hạt -- dẻ; DROP TABLE x", "_ _ x_y"])
def test_query_syntax_in_the_text_is_only_words(ctx, q):
    """tsquery operators typed in the box (& | ! :* <-> quotes) are neither run nor an error: the search
    answers exactly as for the same words with the punctuation replaced by spaces."""
    producer = make_producer()
    make_product(producer)
    make_product(producer, name="Miến dong Bình Liêu")
    words = re.sub(r"[^\w\s]", " ", q)
    result, plain = get_search().query(SearchQuery(q=q)), get_search().query(SearchQuery(q=words))
    assert (result.total, result.ids) == (plain.total, plain.ids), (q, words)
    assert [s.name for s in get_search().suggest(q)] == [s.name for s in get_search().suggest(words)]
    assert db.session.scalar(select(func.count()).select_from(Product)) == 2  # "DROP TABLE" stayed text


@pg_only
def test_autocomplete_tolerates_a_typo_with_trigrams(ctx):
    producer = make_producer()
    make_product(producer, name="Miến dong Bình Liêu")
    make_product(producer, name="Hạt dẻ Trùng Khánh")
    assert [s.name for s in get_search().suggest("mien d")] == ["Miến dong Bình Liêu"]
    # No name has a word starting "dnog": the trigram index finds the closest name instead.
    assert [s.name for s in get_search().suggest("mien dnog")][:1] == ["Miến dong Bình Liêu"]


@pg_only
def test_health_reports_the_document_count(ctx):
    from ocop_market.search import index_health

    make_product(make_producer())
    report = index_health(ctx)
    assert report["ok"] and report["documents"] == 1 and report["outbox_pending"] == 0


def test_backend_answers_the_planner_and_the_service():
    from ocop_market.search.planner import ENGINE_METHODS
    from ocop_market.search.tantivy_backend import TantivyBackend
    from ocop_market.search.whoosh_backend import WhooshBackend

    for backend in (PostgresBackend, TantivyBackend, WhooshBackend):
        for name in ENGINE_METHODS + ("stored_documents", "write", "rebuild", "write_lock", "current_generation"):
            assert callable(getattr(backend, name)), (backend, name)
