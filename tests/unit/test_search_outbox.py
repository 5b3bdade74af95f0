"""The index follows the database through the outbox: after commit, after a crash, under a busy lock.

Every test runs on both file engines (tantivy, the default, and Whoosh); the PostgreSQL engine writes
its documents in the catalog transaction instead (test_search_pg.py).
"""
from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from sqlalchemy import func, select, text

from ocop_market.catalog import certificates, listings
from ocop_market.extensions import db
from ocop_market.search import SearchQuery, get_search
from ocop_market.search.models import SearchOutbox
from tests.conftest import make_producer, make_product, make_user


@pytest.fixture(params=["tantivy", "whoosh"])
def app_config(request):
    return {"SEARCH_BACKEND": request.param}


def ids_for(q: str, **filters) -> list[int]:
    return get_search().query(SearchQuery(q=q, **filters)).ids


def pending() -> int:
    return db.session.scalar(select(func.count(SearchOutbox.id)))


def data_of(product, **changes) -> listings.ProductData:
    values = dict(name=product.name, group_id=product.group_id, unit=product.unit, price_vnd=product.price_vnd,
                  stock=product.stock, description=product.description)
    values.update(changes)
    return listings.ProductData(**values)


def test_product_changes_are_searchable_after_commit(ctx):
    staff = make_user("canbo@example.vn", role="staff")
    producer = make_producer()
    product = make_product(producer)
    assert ids_for("hat de") == [product.id]
    assert pending() == 0

    listings.update_product(staff, product, data_of(product, name="Miến dong Trùng Khánh",
                                                    description="Sợi miến dai."))
    db.session.commit()
    assert ids_for("hat de") == []
    assert ids_for("mien dong") == [product.id]

    # A producer's rename reaches its products' documents.
    producer.name = "HTX Nông sản Quây Sơn"
    db.session.commit()
    assert ids_for("quay son") == [product.id]

    # A new certificate changes the stars facet and filter.
    certificates.set_certificate(staff, product, certificates.CertificateData(
        decision_no="9/QĐ-UBND", decision_date=dt.date.today(), stars=5))
    db.session.commit()
    assert ids_for("mien dong", stars=5) == [product.id]

    # Sold out: the in-stock filter drops it; archived: gone.
    listings.update_product(staff, product, data_of(product, stock=0))
    db.session.commit()
    assert ids_for("mien dong", in_stock=True) == []
    listings.archive_product(staff, product)
    db.session.commit()
    assert ids_for("mien dong") == []
    assert pending() == 0


def test_rolled_back_change_leaves_no_outbox_row(ctx):
    product = make_product(make_producer())
    product.name = "Tên chưa lưu"
    db.session.flush()
    assert pending() == 1
    db.session.rollback()
    assert pending() == 0
    assert ids_for("hat de") == [product.id]


def test_stock_change_that_keeps_the_flag_writes_nothing(ctx):
    product = make_product(make_producer(), stock=10)
    assert product.stock == 10
    product.stock = 9
    db.session.flush()
    assert pending() == 0
    db.session.rollback()


def test_bulk_stock_update_reaches_the_index(ctx):
    from sqlalchemy import update

    from ocop_market.catalog.models import Product

    product = make_product(make_producer(), stock=2)
    other = make_product(make_producer(name="HTX khác", commune="Xã Quảng Uyên"), name="Miến dong", stock=5)
    db.session.execute(update(Product).where(Product.id == product.id, Product.stock >= 2)
                       .values(stock=Product.stock - 2).execution_options(synchronize_session=False))
    db.session.commit()
    assert ids_for("", in_stock=True) == [other.id]
    assert sorted(ids_for("")) == sorted([product.id, other.id])
    assert pending() == 0


def test_crash_between_commit_and_index_write_is_repaired_by_next_apply(app, ctx, runner):
    product = make_product(make_producer())
    app.config["SEARCH_APPLY"] = "off"  # the process "dies" right after the commit
    product.name = "Mật ong bạc hà"
    db.session.commit()
    assert pending() == 1
    assert ids_for("mat ong") == []

    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 1
    assert f"product {product.id}" in result.output and "out of date" in result.output

    result = runner.invoke(args=["search", "apply"])
    assert result.exit_code == 0, result.output
    assert ids_for("mat ong") == [product.id]
    assert pending() == 0
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def test_failed_index_write_keeps_the_rows(app, ctx, monkeypatch):
    product = make_product(make_producer())
    backend = get_search().backend

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(backend, "write", boom)
    product.name = "Mật ong bạc hà"
    db.session.commit()  # the hook logs the failure; the commit and the caller are unaffected
    assert pending() == 1
    monkeypatch.undo()
    assert get_search().apply_outbox().applied == 1
    assert ids_for("mat ong") == [product.id]


def test_busy_index_lock_never_fails_the_request(app, client, auth, ctx):
    make_user("canbo@example.vn", role="staff")
    product = make_product(make_producer(), status="pending")
    auth.login("canbo@example.vn")
    page = client.get(f"/quan-tri/san-pham/{product.id}").get_data(as_text=True)
    from tests.conftest import csrf_from

    with get_search().backend.write_lock() as got:  # "another gunicorn worker" holds the index
        assert got
        started = time.monotonic()
        resp = client.post(f"/quan-tri/san-pham/{product.id}/duyet", data={"csrf_token": csrf_from(page)})
        assert resp.status_code == 302
        assert time.monotonic() - started < 2
        assert pending() == 1
    assert ids_for("hat de") == []
    assert get_search().apply_outbox().applied == 1
    assert ids_for("hat de") == [product.id]


def test_background_mode_applies_without_the_request_waiting(app, ctx):
    app.config["SEARCH_APPLY"] = "background"
    app.config["SEARCH_APPLY_POLL"] = 0.2
    product = make_product(make_producer())
    deadline = time.monotonic() + 10
    while ids_for("hat de") != [product.id] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ids_for("hat de") == [product.id]


def test_verify_names_products_that_drifted(ctx, runner):
    a = make_product(make_producer(), name="Hạt dẻ Trùng Khánh")
    b = make_product(make_producer(name="HTX Miến dong", commune="Xã Nguyên Bình"), name="Miến dong Nguyên Bình")
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
    # Hand-made drift: a raw UPDATE bypasses the ORM hooks, and a document disappears from the index.
    db.session.execute(text("UPDATE products SET price_vnd = 1 WHERE id = :id"), {"id": a.id})
    db.session.commit()
    get_search().remove_product(b.id)
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 1
    assert f"product {a.id} (Hạt dẻ Trùng Khánh): index out of date" in result.output
    assert f"product {b.id} (Miến dong Nguyên Bình): missing from index" in result.output
    result = runner.invoke(args=["search", "verify", "--repair"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def test_reindex_builds_beside_and_switches(app, ctx, runner):
    product = make_product(make_producer())
    root = get_search().backend.root  # SEARCH_INDEX_DIR, or its tantivy/ folder
    before = open(os.path.join(root, "CURRENT")).read()
    app.config["SEARCH_APPLY"] = "off"
    product.name = "Hạt dẻ rang củi"
    db.session.commit()  # left in the outbox: reindex must still end up with it
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 1 product" in result.output
    after = open(os.path.join(root, "CURRENT")).read()
    assert after != before and os.path.isdir(os.path.join(root, after))
    assert ids_for("rang cui") == [product.id]
    assert pending() == 0
    for _ in range(3):
        assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert len([d for d in os.listdir(root) if d.startswith("gen-")]) == 2


def test_healthz_reports_documents_and_outbox_lag(app, client, ctx):
    make_product(make_producer())
    body = client.get("/healthz").get_json()["checks"]["search_index"]
    assert body["ok"] is True and body["documents"] == 1 and body["outbox_pending"] == 0
    app.config["SEARCH_APPLY"] = "off"
    db.session.add(SearchOutbox(product_id=1, created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    db.session.commit()
    body = client.get("/healthz").get_json()["checks"]["search_index"]
    assert body["outbox_pending"] == 1 and body["outbox_oldest_seconds"] >= 3500
    assert body["ok"] is False
