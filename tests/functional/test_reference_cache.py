"""Per-process copies of reference data (issue 15): the groups in every page's menu and the provinces' names are
read once per process, and a change made through the app shows on the next page in every process.

Two app objects on one database and one response-cache directory stand for two gunicorn workers: each keeps its own
copy, and the catalogue generation they share (the cache backend's) tells the other that its copy is stale. The
cart page is never served from the response cache, so what it shows is rendered from the copy.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from ocop_market import create_app
from ocop_market.catalog.models import ProductGroup
from ocop_market.extensions import db
from ocop_market.places import Province


def _rename_group(app, code: str, name: str) -> None:
    with app.app_context():
        db.session.scalar(select(ProductGroup).where(ProductGroup.code == code)).name_vi = name
        db.session.commit()


def _group_reads(app, client, url: str) -> tuple[str, int]:
    with app.app_context():
        engine = db.engine
    reads: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if "FROM product_groups" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        page = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert page.status_code == 200
    return page.get_data(as_text=True), len(reads)


def test_a_process_reads_the_groups_once_and_again_after_a_change(app):
    client = app.test_client()
    page, reads = _group_reads(app, client, "/gio-hang")
    assert "Thực phẩm" in page and reads == 1
    assert _group_reads(app, client, "/gio-hang")[1] == 0
    _rename_group(app, "food", "Thực phẩm chế biến")
    page, reads = _group_reads(app, client, "/gio-hang")
    assert "Thực phẩm chế biến" in page and reads == 1


@pytest.mark.parametrize("app_config", [{"RESPONSE_CACHE": True}], indirect=True)
def test_a_change_in_one_process_reaches_the_copy_in_another(app):
    one, two = (create_app(dict(app.config)) for _ in range(2))
    try:
        assert "Thực phẩm" in _group_reads(two, two.test_client(), "/gio-hang")[0]
        assert _group_reads(two, two.test_client(), "/gio-hang")[1] == 0  # two keeps its copy
        _rename_group(one, "food", "Đặc sản thực phẩm")
        page, reads = _group_reads(two, two.test_client(), "/gio-hang")
        assert "Đặc sản thực phẩm" in page and reads == 1
    finally:
        for instance in (one, two):
            with instance.app_context():
                db.session.remove()
                db.engine.dispose()


def test_a_change_outside_the_app_shows_once_the_copy_is_older_than_its_ttl(app):
    client = app.test_client()
    assert "Thực phẩm" in _group_reads(app, client, "/gio-hang")[0]
    with app.app_context():  # raw SQL: no session event sees it, so the generation stays
        db.session.execute(text("UPDATE product_groups SET name_vi = 'Nông sản' WHERE code = 'food'"))
        db.session.commit()
    assert "Nông sản" not in _group_reads(app, client, "/gio-hang")[0]
    app.config["REFERENCE_CACHE_TTL"] = 0
    assert "Nông sản" in _group_reads(app, client, "/gio-hang")[0]


def test_the_provinces_names_follow_a_change_too(app, client):
    assert client.get("/api/v1/products?province=cao-bang").status_code == 200
    with app.app_context():
        db.session.scalar(select(Province).where(Province.code == "CB")).slug = "tinh-cao-bang"
        db.session.commit()
    # The API checks a province filter against the names it knows: the new slug is one, the old no longer.
    assert client.get("/api/v1/products?province=tinh-cao-bang").status_code == 200
    assert client.get("/api/v1/products?province=cao-bang").status_code == 400
