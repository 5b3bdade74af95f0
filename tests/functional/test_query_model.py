"""One query model for the search page and the JSON API (issue 11): the same query string means the same
search on both; a value one refuses the other refuses too, naming the same parameter, each in its own words
(a shopper's on the page, what the parameter accepts in the API). Where they differ is stated in one place,
`SearchQuery.from_args(exact=...)`: the API takes what its OpenAPI document lists exactly (issue 10 §6), the
search box forgives spaces and case."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from ocop_market.api.params import parse_product_query
from ocop_market.extensions import db
from ocop_market.places import Province
from ocop_market.search import SearchQuery
from tests.conftest import PG_URL, make_producer, make_product


@pytest.fixture
def shop(ctx):
    cb = make_producer()
    sl = make_producer(name="Hộ ông Nguyễn Văn Sơn", province_code="SL", commune="Xã Mộc Châu")
    make_product(cb, name="Hạt dẻ Trùng Khánh", stars=4, price=150_000)
    make_product(cb, name="Hạt điều rang", stars=3, price=200_000)
    make_product(sl, name="Chè shan tuyết Mộc Châu", group="drinks", stars=5, price=300_000)
    make_product(sl, name="Rượu mận Mộc Châu", group="drinks", stars=None, price=90_000, stock=0)
    db.session.commit()


READINGS = [
    {},
    {"q": "  hat de  "},
    {"q": "Hạt dẻ", "sort": "price_desc", "page": "2"},
    {"group": "drinks", "in_stock": "true"},
    {"in_stock": "on"}, {"in_stock": "0"}, {"in_stock": "no"},
    {"stars": "5", "province": "cao-bang", "min_price": "0", "max_price": "2000000000"},
    {"min_price": "100000", "max_price": "100000", "sort": "stars"},
]


@pytest.mark.parametrize("args", READINGS)
def test_page_and_api_read_a_query_string_alike(ctx, args):
    slugs = frozenset(db.session.scalars(select(Province.slug)))
    page = SearchQuery.from_args(args, per_page=24)
    api = parse_product_query(args, slugs)
    assert isinstance(api, SearchQuery)
    assert api == SearchQuery(**{**page.__dict__, "per_page": 20})


REFUSED = [
    ("page=0", "page", "Số trang không hợp lệ.", "Số trang phải là số nguyên từ 1 đến 10000."),
    ("page=abc", "page", "Số trang không hợp lệ.", "Số trang phải là số nguyên từ 1 đến 10000."),
    ("stars=2", "stars", "Số sao phải là 3, 4 hoặc 5.", "Số sao OCOP phải là 3, 4 hoặc 5."),
    ("sort=x", "sort", "Cách sắp xếp không hợp lệ.", "Cách sắp xếp không hợp lệ; dùng một trong: relevance,"),
    ("group=zzz", "group", "Nhóm sản phẩm không hợp lệ.", "Nhóm sản phẩm không hợp lệ; dùng một trong: food,"),
    ("in_stock=maybe", "in_stock", "Lựa chọn “Chỉ hàng còn” không hợp lệ.",
     "Giá trị của in_stock phải là true hoặc false."),
    ("min_price=%C2%B2", "min_price", "Chưa hiểu giá “²”.",
     "Giá phải là số nguyên VND từ 0 đến 2000000000."),
    ("max_price=99999999999999999999", "max_price", "Chưa hiểu giá “99999999999999999999”.",
     "Giá phải là số nguyên VND từ 0 đến 2000000000."),
    ("stars=" + "9" * 5000, "stars", "Số sao phải là 3, 4 hoặc 5.", "Số sao OCOP phải là 3, 4 hoặc 5."),
    ("province=%3Cx%3E", "province", "Tỉnh/thành phố không hợp lệ.",
     "Không có tỉnh/thành này; dùng mã dạng “cao-bang”."),
]


@pytest.mark.parametrize("qs, parameter, shopper, developer", REFUSED, ids=[r[0] for r in REFUSED])
def test_page_and_api_refuse_alike_each_in_its_words(client, shop, qs, parameter, shopper, developer):
    page = client.get(f"/tim-kiem?q=hat&{qs}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert shopper in html and developer not in html

    api = client.get(f"/api/v1/products?q=hat&{qs}")
    assert api.status_code == 400
    error = api.get_json()["error"]
    assert error == {"status": 400, "parameter": parameter, "message": error["message"]}
    assert error["message"].startswith(developer)


def test_what_only_the_api_refuses(client, shop):
    """The search box cuts an over-long query, trims and lower-cases what it is sent, takes an empty field for
    none, and searches a province nobody has (finding nothing); the API takes exactly what its document lists
    and says so otherwise, since its caller can be told."""
    long_q = "hat de " * 40
    assert client.get("/tim-kiem", query_string={"q": long_q}).status_code == 200
    assert client.get("/api/v1/products", query_string={"q": long_q}).get_json()["error"]["parameter"] == "q"
    for name, value in (("province", "atlantis"), ("province", "Cao-Bang"), ("sort", " newest"), ("sort", ""),
                        ("in_stock", "TRUE"), ("in_stock", ""), ("group", ""), ("page", " 1"), ("q", "hat\x07de")):
        assert client.get("/tim-kiem", query_string={name: value}).status_code == 200, (name, value)
        api = client.get("/api/v1/products", query_string={name: value})
        assert api.status_code == 400 and api.get_json()["error"]["parameter"] == name, (name, value)


def test_a_reversed_price_range_is_refused_on_the_page_and_empty_in_the_api(client, shop):
    """The page tells the shopper the range is backwards; the API answers the question its document allows
    (no price lies between: an empty page)."""
    page = client.get("/tim-kiem?min_price=500&max_price=100")
    assert page.status_code == 400 and "Giá tối đa phải lớn hơn hoặc bằng giá tối thiểu." in page.get_data(as_text=True)
    body = client.get("/api/v1/products?min_price=500&max_price=100").get_json()
    assert body["items"] == [] and body["total"] == 0 and body["facets"] == {"group": {}, "stars": {}, "province": {}}


ENGINES = [{"SEARCH_BACKEND": b} for b in ("tantivy", "whoosh", "postgres") if b != "postgres" or PG_URL]


@pytest.mark.parametrize("app_config", ENGINES, indirect=True, ids=[e["SEARCH_BACKEND"] for e in ENGINES])
def test_relevance_without_words_is_newest_on_every_engine(client, shop):
    """The model no longer rewrites `relevance` to `newest` for the API: every engine orders a query without
    words newest first, so the default, `relevance` and `newest` list the same products in the same order."""
    def ids(**params):
        return [item["id"] for item in client.get("/api/v1/products", query_string=params).get_json()["items"]]

    assert ids() == ids(sort="relevance") == ids(sort="newest")
    assert len(ids()) == 4
