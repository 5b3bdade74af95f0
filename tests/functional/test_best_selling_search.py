"""Issue 14: "Bán chạy" (best_selling) in search and the JSON API, on every search engine: the most units delivered
first, ties the newest listing; a delivery moves a product up as soon as it commits (the index follows through the
outbox on the file engines, in the same transaction on PostgreSQL)."""
from __future__ import annotations

import re

import pytest

from ocop_market.extensions import db
from ocop_market.orders import services as orders
from ocop_market.search import get_search
from tests.conftest import make_producer, make_product, make_user


@pytest.fixture
def app_config(search_backend):
    """Every test here runs on every search backend (PostgreSQL needs TEST_DATABASE_URL)."""
    return {"SEARCH_BACKEND": search_backend}


@pytest.fixture
def shop(ctx):
    hoa = make_producer(name="Hộ bà Lục Thị Hoa")
    sang = make_producer(name="Hộ ông Nông Văn Sáng", commune="Xã Quảng Uyên")
    # Listed in this order: a, b, c, d (d the newest).
    items = {
        "a": make_product(hoa, name="Hạt dẻ Trùng Khánh", price=150_000, stock=20),
        "b": make_product(sang, name="Hạt dẻ rang muối", price=120_000, stock=20),
        "c": make_product(hoa, name="Hạt dẻ sấy giòn", price=90_000, stock=20),
        "d": make_product(sang, name="Hạt dẻ luộc", price=80_000, stock=20),
    }
    return {"items": items, "staff": make_user("canbo@tinh.vn", role="staff"), "buyer": make_user("mai@khach.vn"),
            "province_id": hoa.province_id}


def deliver(shop, product, quantity) -> None:
    """A buyer orders `quantity` of `product` (cash on delivery) and the part is delivered."""
    order = orders.place_order(shop["buyer"], {product.id: quantity}, orders.CheckoutData(
        contact_name="Chị Nguyễn Thị Mai", phone="0987654321", address_line="Số 12 Hoàng Đình Giong",
        commune="Phường Thục Phán", province_id=shop["province_id"], payment_method="cod"))
    db.session.commit()
    (part,) = order.producer_orders
    for to in ("confirmed", "shipped", "delivered"):
        orders.move(part, to, shop["staff"], "staff")
    db.session.commit()


def api_names(client, **params):
    resp = client.get("/api/v1/products", query_string={"sort": "best_selling", **params})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return [(item["name"], item["sold"]) for item in resp.get_json()["items"]]


def page_slugs(client, qs):
    resp = client.get(f"/tim-kiem?{qs}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<option value="best_selling" selected>Bán chạy</option>' in html
    return re.findall(r'<h3><a href="/san-pham/([^"]+)"', html)


def test_best_selling_orders_by_units_delivered_then_newest_on_every_engine(client, shop):
    items = shop["items"]
    deliver(shop, items["a"], 1)
    deliver(shop, items["b"], 2)
    deliver(shop, items["b"], 1)  # b outsold a, 3 to 1; c and d sold nothing
    expected = [("Hạt dẻ rang muối", 3), ("Hạt dẻ Trùng Khánh", 1), ("Hạt dẻ luộc", 0), ("Hạt dẻ sấy giòn", 0)]
    # Browsing and with words alike: the words choose the products, the sort orders them.
    assert api_names(client) == expected
    assert api_names(client, q="hat de") == expected
    assert api_names(client, q="Hạt dẻ", group="food", in_stock="true") == expected
    # Pages tile in the same order.
    assert api_names(client, per_page=2, page=2) == expected[2:]
    slugs = [items[k].slug for k in ("b", "a", "d", "c")]
    assert page_slugs(client, "sort=best_selling") == slugs
    assert page_slugs(client, "q=hat+de&sort=best_selling") == slugs
    # The index holds the delivered figures: nothing differs from the database.
    assert get_search().verify() == []


def test_a_delivery_moves_a_product_up_at_once(client, shop):
    items = shop["items"]
    # Nothing sold yet: best-selling is the newest first.
    assert [n for n, _sold in api_names(client, q="hat de")] == [
        "Hạt dẻ luộc", "Hạt dẻ sấy giòn", "Hạt dẻ rang muối", "Hạt dẻ Trùng Khánh"]
    deliver(shop, items["a"], 2)
    assert api_names(client, q="hat de")[0] == ("Hạt dẻ Trùng Khánh", 2)
    deliver(shop, items["c"], 3)
    assert [n for n, _sold in api_names(client, q="hat de")][:2] == ["Hạt dẻ sấy giòn", "Hạt dẻ Trùng Khánh"]
    assert page_slugs(client, "q=hat+de&sort=best_selling")[:2] == [items["c"].slug, items["a"].slug]


def test_openapi_lists_best_selling_and_an_unknown_sort_is_refused_clearly(client, shop):
    doc = client.get("/api/v1/openapi.json").get_json()
    (sort,) = [p for p in doc["paths"]["/api/v1/products"]["get"]["parameters"] if p["name"] == "sort"]
    assert "best_selling" in sort["schema"]["enum"] and "best_selling" in sort["description"]
    assert doc["components"]["schemas"]["ProductSummary"]["properties"]["sold"]["type"] == "integer"

    resp = client.get("/api/v1/products?sort=bestselling")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["parameter"] == "sort" and "best_selling" in error["message"]

    # The search page keeps the rest of the search and says why, in the shopper's words.
    resp = client.get("/tim-kiem?q=hat+de&sort=bestselling")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Cách sắp xếp không hợp lệ." in html and f"/san-pham/{shop['items']['b'].slug}" in html
    assert '<option value="best_selling"' in html


def test_the_sort_reads_in_english_too(client, shop):
    client.set_cookie("lang", "en", domain="localhost")
    html = client.get("/tim-kiem?sort=best_selling").get_data(as_text=True)
    assert '<option value="best_selling" selected>Best-selling</option>' in html
