"""Page slots (ocop_market.slots): a higher domain fills a lower domain's page, and its failure stays its own."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text

from ocop_market import slots
from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.signals import page_slot
from tests.conftest import make_producer, make_product


@pytest.fixture
def receivers():
    added: list = []

    def add(name, receiver):
        slots.register(name, receiver)
        added.append((name, receiver))

    yield add
    for name, receiver in added:
        page_slot.disconnect(receiver, sender=name)


def test_a_failing_slot_renders_nothing_and_keeps_the_pages_work(app, ctx, receivers, caplog):
    """A receiver whose query fails (on PostgreSQL that aborts the transaction) is logged and left out; the
    other receivers still render, and what the request had already written is still there to commit."""
    product = make_product(make_producer(), stock=10)

    def broken(_slot, **_context):
        db.session.execute(text("SELECT * FROM no_such_table"))

    def fine(_slot, **_context):
        return "<p>still here</p>"

    receivers("catalog.home", broken)
    receivers("catalog.home", fine)
    with app.test_request_context("/"):
        product.stock = 77
        db.session.flush()  # the request's own work: flushed, not yet committed
        with caplog.at_level(logging.ERROR):
            html = slots.render("catalog.home")
        assert "<p>still here</p>" in html
        assert "no_such_table" not in html
        db.session.commit()
    assert any("page slot catalog.home" in r.getMessage() for r in caplog.records)
    db.session.expire_all()
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 77


def test_a_failing_slot_does_not_break_the_page(app, client, receivers):
    def broken(_slot, **_context):
        raise RuntimeError("promotion box failed")

    receivers("catalog.home", broken)
    page = client.get("/")
    assert page.status_code == 200
    assert "Đặc sản OCOP" in page.get_data(as_text=True)


def test_the_promotions_box_fills_the_home_page_slot(client):
    """Nothing promoted this week: the promotions domain's box says so, on the catalog's page."""
    assert "Tuần này chưa có sản phẩm được chương trình hỗ trợ quảng bá." in client.get("/").get_data(as_text=True)


def test_an_unknown_slot_name_is_a_programming_error(app):
    with pytest.raises(KeyError):
        slots.register("catalog.nowhere", lambda _slot: "")
    with app.test_request_context("/"), pytest.raises(KeyError):
        slots.render("catalog.nowhere")
