"""Issue 14, search on a phone: filters behind one "Lọc" button, the sort on its own, prices as people type them,
and a value that cannot be read shown beside its field on the full search page (400), never a bare error page."""
from __future__ import annotations

import re

import pytest

from ocop_market.extensions import db
from tests.conftest import make_producer, make_product


@pytest.fixture
def shop(ctx):
    cb = make_producer()
    items = {
        "de": make_product(cb, name="Hạt dẻ Trùng Khánh", price=150_000),
        "dieu": make_product(cb, name="Hạt điều rang", price=80_000),
        "mien": make_product(cb, name="Miến dong Nguyên Bình", price=60_000, group="food"),
    }
    db.session.commit()
    return items


def shown(html: str) -> set[str]:
    return set(re.findall(r'<h3><a href="/san-pham/([^"]+)"', html))


def errors_beside_price(html: str) -> list[str]:
    m = re.search(r'<ul class="errors" id="price-errors">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", m.group(1)) if m else []


@pytest.mark.parametrize("typed", ["100.000", "100k", "100 000", "100000", "100 nghìn", "100.000 ₫", "0,1tr"])
def test_a_price_typed_as_people_write_it_is_understood(client, shop, typed):
    resp = client.get("/tim-kiem", query_string={"min_price": typed})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert shown(html) == {shop["de"].slug}
    # The field shows the amount back the way Vietnamese write it, and the chip names it.
    assert 'id="min_price" name="min_price" type="text"' in html and 'value="100.000"' in html
    assert "Giá từ 100.000\u00a0₫" in html


def test_a_price_that_cannot_be_read_is_told_beside_the_field_on_the_full_page(client, shop):
    resp = client.get("/tim-kiem", query_string={"group": "food", "min_price": "một trăm", "max_price": "100k"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert errors_beside_price(html) == ["Chưa hiểu giá “một trăm”. Hãy gõ số tiền, ví dụ 100.000, 100 000 hoặc 100k."]
    assert 'value="một trăm" aria-invalid="true"' in html  # what was typed stays, to be corrected
    # The rest of the search still ran: the group and the price that was understood.
    assert shown(html) == {shop["dieu"].slug, shop["mien"].slug}
    assert "<header" in html and "<footer" in html
    assert "Giá đến 100.000\u00a0₫" in html
    # The filters are open to show the message, and no internal parameter name is shown to the shopper.
    assert re.search(r"<details class=\"search-filters\" data-open-wide open>", html)
    text = re.sub(r"<[^>]+>", " ", html)
    for name in ("min_price", "max_price", "in_stock", "sort="):
        assert name not in text


def test_a_reversed_range_is_told_beside_the_field(client, shop):
    resp = client.get("/tim-kiem", query_string={"min_price": "120k", "max_price": "100k"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert errors_beside_price(html) == ["Giá tối đa phải lớn hơn hoặc bằng giá tối thiểu."]
    assert shown(html) == {shop["de"].slug}  # from 120.000 up, the maximum left out


def test_other_unreadable_values_are_said_above_the_results(client, shop):
    resp = client.get("/tim-kiem", query_string={"max_price": "100k", "sort": "x", "stars": "abc"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Cách sắp xếp không hợp lệ." in html and "Số sao phải là 3, 4 hoặc 5." in html
    assert shown(html) == {shop["dieu"].slug, shop["mien"].slug}


def test_filters_sit_behind_one_lọc_button_and_the_sort_works_without_javascript(client, shop):
    html = client.get("/tim-kiem?q=hat&in_stock=1&sort=price_asc").get_data(as_text=True)
    details = re.search(r'<details class="search-filters" data-open-wide>\s*<summary[^>]*>(.*?)</summary>', html, re.S)
    assert details and details.group(1).strip() == "Lọc (1)"
    assert html.index("<details") < html.index('id="min_price"') < html.index("</details>")
    # The sort is its own form outside the filters, keeping the other choices, with a button for no JavaScript.
    sort_form = re.search(r'<form method="get" action="/tim-kiem" class="sort-form">(.*?)</form>', html, re.S).group(1)
    assert '<input type="hidden" name="q" value="hat">' in sort_form
    assert '<input type="hidden" name="in_stock" value="1">' in sort_form
    assert '<select id="sort" name="sort" data-autosubmit>' in sort_form and ">Xếp</button>" in sort_form
    assert '<option value="price_asc" selected>' in sort_form
    # The filter form keeps the sort chosen.
    filter_form = re.search(r'<form method="get" action="/tim-kiem" class="filter-form[^"]*"[^>]*>(.*?)</form>',
                            html, re.S).group(1)
    assert '<input type="hidden" name="sort" value="price_asc">' in filter_form


def test_the_api_stays_strict_about_prices(client, shop):
    for typed in ("100k", "100.000"):
        resp = client.get("/api/v1/products", query_string={"min_price": typed})
        assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "min_price"
