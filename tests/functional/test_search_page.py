"""The search page: highlighted results, facets with counts, removable filters, helpful empty result, 400s."""
from __future__ import annotations

import re

import pytest

from ocop_market.extensions import db
from tests.conftest import make_producer, make_product


@pytest.fixture
def app_config(search_backend):
    """Every test here runs on both search backends (PostgreSQL needs TEST_DATABASE_URL)."""
    return {"SEARCH_BACKEND": search_backend}


@pytest.fixture
def shop(ctx):
    cb = make_producer()
    ld = make_producer(name="HTX Cà phê Cầu Đất", province_code="LD", commune="Xã Xuân Trường")
    items = {
        "de": make_product(cb, name="Hạt dẻ Trùng Khánh", stars=4),
        "dieu": make_product(cb, name="Hạt điều rang", stars=3, price=200_000),
        "arabica": make_product(ld, name="Cà phê Arabica", group="drinks", stars=5, price=250_000),
        "robusta": make_product(ld, name="Cà phê Robusta", group="drinks", stars=4, price=180_000, stock=0),
    }
    db.session.commit()
    return items


def test_results_are_highlighted_and_faceted(client, shop):
    html = client.get("/tim-kiem?q=hat+de").get_data(as_text=True)
    assert "<mark>Hạt</mark> <mark>dẻ</mark> Trùng Khánh" in html
    assert html.index("Hạt dẻ Trùng Khánh") < html.index("Hạt điều rang") if "Hạt điều rang" in html else True
    assert "Thực phẩm" in html and "Cao Bằng" in html


def test_facet_counts_and_removable_filters(client, shop):
    html = client.get("/tim-kiem?q=ca+phe").get_data(as_text=True)
    assert "<mark>Cà</mark> <mark>phê</mark> Arabica" in html and "<mark>Cà</mark> <mark>phê</mark> Robusta" in html
    assert re.search(r'href="/tim-kiem\?[^"]*stars=5[^"]*"[^>]*>\s*OCOP 5 sao</a> <span class="muted">\(1\)', html)

    html = client.get("/tim-kiem?q=ca+phe&stars=5&in_stock=1").get_data(as_text=True)
    assert f"/san-pham/{shop['arabica'].slug}" in html and f"/san-pham/{shop['robusta'].slug}" not in html
    chips = re.findall(r'<a class="chip" href="([^"]+)"', html)
    assert len(chips) == 2
    assert any("stars" not in c.replace("&amp;", "&") and "in_stock=1" in c for c in chips)
    assert any("in_stock" not in c and "stars=5" in c for c in chips)
    assert '<option value="price_asc"' in html


def test_sort_and_pagination_without_javascript(client, shop, app):
    app.config["PRODUCTS_PER_PAGE"] = 2
    html = client.get("/tim-kiem?sort=price_asc").get_data(as_text=True)
    assert html.index("Hạt dẻ Trùng Khánh") < html.index("Cà phê Robusta")
    assert 'rel="next"' in html and "page=2" in html
    html = client.get("/tim-kiem?sort=price_asc&page=2").get_data(as_text=True)
    assert "Hạt điều rang" in html and "Cà phê Arabica" in html
    assert client.get("/tim-kiem?sort=price_asc&page=3").status_code == 404


def test_typo_gets_a_suggestion_and_empty_result_helps(client, shop):
    html = client.get("/tim-kiem?q=arabicaa").get_data(as_text=True)
    assert "Bạn có muốn tìm:" in html and "arabica" in html
    html = client.get("/tim-kiem?q=xyzzyq").get_data(as_text=True)
    assert "Không tìm thấy sản phẩm nào" in html
    assert 'href="/tim-kiem?group=food"' in html  # popular groups to start from


def test_a_generic_word_is_let_go_and_the_page_says_so(client, shop):
    # Nothing from Cao Bằng says "đặc sản": the page shows Cao Bằng's goods and tells what it let go.
    html = client.get("/tim-kiem?q=đặc+sản+cao+bằng").get_data(as_text=True)
    assert "Ít sản phẩm có đủ mọi từ bạn gõ" in html and "“cao bằng”" in html and "“đặc sản”" in html
    assert f"/san-pham/{shop['de'].slug}" in html and f"/san-pham/{shop['dieu'].slug}" in html
    assert f"/san-pham/{shop['arabica'].slug}" not in html
    html = client.get("/tim-kiem?q=hat+de").get_data(as_text=True)
    assert "Ít sản phẩm có đủ mọi từ bạn gõ" not in html


def test_user_text_is_escaped(client, shop):
    resp = client.get("/tim-kiem", query_string={"q": '<script>alert(1)</script> hat "de'})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("qs", ["page=-1", "page=abc", "stars=9", "sort=x", "min_price=abc", "max_price=-5",
                                "min_price=500&max_price=100", "group=zzz", "in_stock=maybe", "province=%3Cx%3E"])
def test_bad_parameters_are_400(client, shop, qs):
    resp = client.get(f"/tim-kiem?q=hat&{qs}")
    assert resp.status_code == 400
    assert "Traceback" not in resp.get_data(as_text=True)
