"""Issue 17: "Đánh giá cao" (top_rated) in search, the product list and the JSON API, on every search engine: the
highest average of buyers' visible reviews first, then the most reviews, ties the newest listing; a review, and
a hidden one, move a product as soon as they commit; the review text is never searchable."""
from __future__ import annotations

import re

import pytest

from ocop_market.extensions import db
from ocop_market.orders import reviews
from ocop_market.orders import services as orders
from ocop_market.search.types import SORTS
from tests.conftest import make_producer, make_product, make_user


@pytest.fixture
def app_config(search_backend):
    """Every test here runs on every search backend (PostgreSQL needs TEST_DATABASE_URL)."""
    return {"SEARCH_BACKEND": search_backend, "SEARCH_APPLY": "inline"}


@pytest.fixture
def shop(ctx):
    hoa = make_producer(name="Hộ bà Lục Thị Hoa")
    sang = make_producer(name="Hộ ông Nông Văn Sáng", commune="Xã Quảng Uyên")
    items = {
        "a": make_product(hoa, name="Hạt dẻ Trùng Khánh", price=150_000, stock=20),
        "b": make_product(sang, name="Hạt dẻ rang muối", price=120_000, stock=20),
        "c": make_product(hoa, name="Hạt dẻ sấy giòn", price=90_000, stock=20),
        "d": make_product(sang, name="Hạt dẻ luộc", price=80_000, stock=20),
    }
    return {"items": items, "staff": make_user("canbo@tinh.vn", role="staff"), "province_id": hoa.province_id}


def review(shop, product, stars, text=""):
    """A new buyer orders `product`, the part is delivered, and the buyer rates it."""
    n = len(shop.setdefault("buyers", []))
    buyer = make_user(f"mua{n}@khach.vn")
    shop["buyers"].append(buyer)
    order = orders.place_order(buyer, {product.id: 1}, orders.CheckoutData(
        contact_name="Chị Nguyễn Thị Mai", phone="0987654321", address_line="Số 12 Hoàng Đình Giong",
        commune="Phường Thục Phán", province_id=shop["province_id"], payment_method="cod"))
    db.session.commit()
    (part,) = order.producer_orders
    for to in ("confirmed", "shipped", "delivered"):
        orders.move(part, to, shop["staff"], "staff")
    db.session.commit()
    made, _files = reviews.write_review(buyer, part.lines[0], reviews.ReviewInput(stars, text, []), {})
    db.session.commit()
    return made


def page_slugs(client, qs):
    resp = client.get(f"/tim-kiem?{qs}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<option value="top_rated" selected>Đánh giá cao</option>' in html
    return re.findall(r'<h3><a href="/san-pham/([^"]+)"', html)


def test_top_rated_orders_by_average_then_count_then_newest_on_every_engine(client, shop):
    items = shop["items"]
    review(shop, items["a"], 4)
    review(shop, items["a"], 5)  # 4.5 from two
    review(shop, items["b"], 5)  # 5.0 from one
    review(shop, items["c"], 5)
    review(shop, items["c"], 5)  # 5.0 from two: above b
    slugs = [items[k].slug for k in ("c", "b", "a", "d")]  # d has no review: last
    assert page_slugs(client, "sort=top_rated") == slugs
    assert page_slugs(client, "q=hat+de&sort=top_rated") == slugs
    api = client.get("/api/v1/products", query_string={"sort": "top_rated"})
    assert api.status_code == 200
    assert [(i["rating_average"], i["rating_count"]) for i in api.get_json()["items"]] == [
        (5.0, 2), (5.0, 1), (4.5, 2), (None, 0)]
    listing = client.get("/san-pham?sort=top_rated").get_data(as_text=True)
    assert re.findall(r'<h3><a href="/san-pham/([^"]+)"', listing) == slugs


def test_a_hidden_review_leaves_the_order_and_review_text_is_not_searchable(client, shop):
    items = shop["items"]
    bad = review(shop, items["d"], 5, "quảng cáo zalo")
    review(shop, items["a"], 3)
    assert page_slugs(client, "sort=top_rated")[:2] == [items["d"].slug, items["a"].slug]
    reviews.hide(bad, shop["staff"], "Quảng cáo")
    db.session.commit()
    assert page_slugs(client, "sort=top_rated")[0] == items["a"].slug
    assert client.get("/api/v1/products", query_string={"q": "zalo"}).get_json()["items"] == []


def test_the_api_document_describes_top_rated(client, shop):
    doc = client.get("/api/v1/openapi.json").get_json()
    params = doc["paths"]["/api/v1/products"]["get"]["parameters"]
    sort = next(p for p in params if p["name"] == "sort")
    assert "top_rated" in sort["schema"]["enum"] and "top_rated" in sort["description"] and "top_rated" in SORTS
