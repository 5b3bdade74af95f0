"""Public pages read no household's poverty assessments: the category is never shown to a visitor (the
transparency page's privacy promise), so loading the registry with every card would only cost a statement."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from ocop_market.extensions import db
from tests.conftest import make_producer, make_product


@contextmanager
def statements():
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def shop(ctx):
    household = make_producer(category="poor")
    product = make_product(household, name="Hạt dẻ Trùng Khánh")
    db.session.commit()
    return {"producer": household.slug, "product": product.slug, "id": product.id}


@pytest.mark.parametrize("path", ["/", "/san-pham", "/tim-kiem?q=hat+de", "product", "producer",
                                  "/api/v1/products?q=hat", "api-product"])
def test_public_page_loads_no_assessments(client, shop, path):
    path = {"product": f"/san-pham/{shop['product']}", "producer": f"/co-so/{shop['producer']}",
            "api-product": f"/api/v1/products/{shop['id']}"}.get(path, path)
    client.get(path)  # warm per-process caches so the count is the page's own
    with statements() as seen:
        resp = client.get(path)
    assert resp.status_code == 200
    assert f"/san-pham/{shop['product']}" in resp.get_data(as_text=True)  # the listing is on the page
    assert not [s for s in seen if "household_assessments" in s]
