"""The tantivy engine (the default): several workers share one index directory, one writer at a time.

The relevance set, the search page, the API and the outbox tests run on it too (they parametrize the
backend); these cover what only this engine does: readers in other processes follow each commit and
each new generation, and an index of another schema version is rebuilt rather than misread.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from ocop_market.search import SearchQuery, get_search
from ocop_market.search.tantivy_backend import TantivyBackend
from tests.conftest import make_producer, make_product

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "tantivy"}


def _doc(pid: int, name: str) -> dict:
    from ocop_market.search.documents import ProductFacts

    return ProductFacts(id=pid, slug=f"p-{pid}", name=name, description="", producer_name="Hộ bà Hoa",
                        commune="Xã Trùng Khánh", province_slug="cao-bang", province_name="Cao Bằng", group="food",
                        stars=4, price_vnd=100_000, in_stock=True, created_ts=1_700_000_000 + pid).document()


def test_a_reader_follows_another_writers_commits_and_generations(tmp_path):
    # Two backends on one directory: two gunicorn workers. The reader never reopens by hand.
    writer, reader = TantivyBackend(str(tmp_path)), TantivyBackend(str(tmp_path))
    with writer.write_lock() as got:
        assert got
        writer.write([_doc(1, "Hạt dẻ Trùng Khánh")], [])
    assert reader.doc_count() == 1
    with writer.write_lock():
        writer.write([_doc(2, "Miến dong Nguyên Bình")], [])
    assert reader.doc_count() == 2  # the next question after a commit sees it
    with writer.write_lock():
        writer.write([_doc(1, "Hạt dẻ rang củi")], [2])  # an update and a delete in one commit
    assert reader.doc_count() == 1
    assert reader.stored_documents()[1]["name"] == "Hạt dẻ rang củi"
    first = reader.current_generation()
    with writer.write_lock():
        assert writer.rebuild(iter([_doc(3, "Mật ong bạc hà"), _doc(4, "Chè shan tuyết")])) == 2
    assert reader.current_generation() != first
    assert sorted(reader.stored_documents()) == [3, 4]


def test_only_one_writer_at_a_time(tmp_path):
    a, b = TantivyBackend(str(tmp_path)), TantivyBackend(str(tmp_path))
    with a.write_lock() as got_a:
        assert got_a
        with b.write_lock() as got_b:
            assert not got_b  # a web worker then leaves its rows in the outbox


def test_an_index_of_another_schema_version_is_rebuilt_not_misread(ctx, runner):
    make_product(make_producer())
    search = get_search()
    assert search.index_exists() and search.doc_count() == 1
    generation = search.backend.current_generation()
    marker = os.path.join(search.backend.generations.path(generation), "ocop-schema")
    with open(marker, "w", encoding="ascii") as fh:
        fh.write("0")
    assert not search.index_exists()  # `make serve` then runs `flask search reindex`
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert search.index_exists() and search.query(SearchQuery(q="hat de")).total == 1


CHILD = textwrap.dedent("""
    import json, os, sys
    from ocop_market import create_app
    from ocop_market.catalog.models import Product
    from ocop_market.extensions import db

    app = create_app(json.loads(os.environ["OCOP_CHILD_CONFIG"]))
    with app.app_context():
        product = db.session.get(Product, int(sys.argv[1]))
        product.name = sys.argv[2]
        db.session.commit()  # the outbox is applied inline, by this process
""")


def test_a_commit_in_another_process_is_seen_by_this_one(app, ctx, tmp_path):
    product = make_product(make_producer())
    search = get_search()
    assert search.query(SearchQuery(q="hat de")).ids == [product.id]  # this process has its reader open
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SEARCH_INDEX_DIR", "UPLOAD_DIR", "SEARCH_BACKEND")}
    config.update(ENV_NAME="testing", TESTING=True, INSTANCE_PATH=app.instance_path, SEARCH_APPLY="inline")
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), str(product.id), "Mật ong bạc hà Mèo Vạc"], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": ROOT, "OCOP_CHILD_CONFIG": json.dumps(config)},
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    result = search.query(SearchQuery(q="mat ong meo vac"))
    assert result.ids == [product.id] and result.hits[0].highlights["name"].startswith("<mark>Mật</mark>")
    assert search.verify() == []  # the stored document is the child's, not a stale copy
