"""JSON API v1: shape, filters, facets, validation errors, 404/405 as JSON, suggest, OpenAPI."""
from __future__ import annotations

import datetime as dt

import pytest

from ocop_market.extensions import db
from tests.conftest import make_producer, make_product

SUMMARY_KEYS = {"id", "slug", "name", "price_vnd", "unit", "stars", "group", "province", "commune",
                "producer", "image_url", "url", "promoted"}


@pytest.fixture
def app_config(search_backend):
    """Every test here runs on both search backends (PostgreSQL needs TEST_DATABASE_URL)."""
    return {"SEARCH_BACKEND": search_backend}


@pytest.fixture
def catalog(ctx):
    """Five public products in two provinces and three groups, plus two that must never appear."""
    hoa = make_producer()  # Cao Bằng
    lan = make_producer(name="HTX Miến dong Côn Minh", province_code="CB", commune="Xã Côn Minh")
    son = make_producer(name="Hộ ông Nguyễn Văn Sơn", province_code="SL", commune="Xã Mộc Châu")
    hidden = make_producer(name="Hộ chưa xác minh", verified=False)
    products = {
        "hat_de": make_product(hoa, stars=4, price=150_000),
        "mien": make_product(lan, name="Miến dong Côn Minh", stars=3, price=60_000),
        "tra": make_product(son, name="Chè shan tuyết Mộc Châu", group="drinks", stars=5, price=300_000),
        "ruou": make_product(son, name="Rượu mận Mộc Châu", group="drinks", stars=None, price=200_000, stock=0),
        # An expired certificate is not OCOP any more: stars null, not counted in the stars facet.
        "non": make_product(hoa, name="Nón lá Trùng Khánh", group="handicraft", stars=4, price=90_000,
                            decision_date=dt.date.today() - dt.timedelta(days=4 * 365)),
        "draft": make_product(hoa, name="Hạt dẻ nháp", status="draft"),
        "unverified": make_product(hidden, name="Hạt dẻ ẩn"),
    }
    return {k: v.id for k, v in products.items()}


def get(client, path, **params):
    resp = client.get(path, query_string=params)
    assert resp.is_json, (resp.status_code, resp.get_data(as_text=True)[:200])
    return resp


def names(body):
    return [item["name"] for item in body["items"]]


# ------------------------------------------------------------------ shape
def test_list_shape_keys_and_types(client, catalog):
    body = get(client, "/api/v1/products").get_json()
    assert set(body) == {"items", "total", "page", "per_page", "facets", "suggestion"}
    assert body["total"] == 5 and body["page"] == 1 and body["per_page"] == 20
    assert set(body["facets"]) == {"group", "stars", "province"}
    assert body["suggestion"] is None
    for item in body["items"]:
        assert SUMMARY_KEYS <= set(item)
        assert isinstance(item["id"], int) and isinstance(item["price_vnd"], int)
        assert item["stars"] is None or item["stars"] in (3, 4, 5)
        assert item["group"] in ("food", "drinks", "herbal", "handicraft", "ornamental", "tourism")
        assert set(item["producer"]) == {"id", "name"}
        assert item["promoted"] is False
        assert item["image_url"] is None  # no photos in this catalogue
        assert item["url"].endswith(f"/san-pham/{item['slug']}")
    hat_de = next(i for i in body["items"] if i["id"] == catalog["hat_de"])
    assert hat_de == {**hat_de, "name": "Hạt dẻ Trùng Khánh", "price_vnd": 150_000, "unit": "túi 500g", "stars": 4,
                      "group": "food", "province": "cao-bang", "commune": "Xã Trùng Khánh"}
    assert hat_de["producer"]["name"] == "Hộ bà Lục Thị Hoa"


def test_hidden_products_never_listed(client, catalog):
    body = get(client, "/api/v1/products", per_page=100).get_json()
    ids = {i["id"] for i in body["items"]}
    # Exactly the five public listings: an empty answer (nothing listed at all) is not "hidden".
    assert ids == {catalog[k] for k in ("hat_de", "mien", "tra", "ruou", "non")}
    assert catalog["draft"] not in ids and catalog["unverified"] not in ids


def test_expired_certificate_gives_null_stars(client, catalog):
    body = get(client, "/api/v1/products", group="handicraft").get_json()
    assert [(i["name"], i["stars"]) for i in body["items"]] == [("Nón lá Trùng Khánh", None)]


def test_image_url_is_the_320_thumbnail(client, catalog, app):
    from ocop_market.catalog import photos
    from ocop_market.catalog.models import Product
    from tests.conftest import make_user, png_bytes

    staff = make_user("staff@example.vn", role="staff")
    product = db.session.get(Product, catalog["tra"])
    image = photos.add_photo(staff, product, png_bytes(), app.config)
    db.session.commit()
    item = get(client, f"/api/v1/products/{catalog['tra']}").get_json()
    assert item["image_url"].endswith(f"/anh/320/{image.stored_name}")
    assert client.get(item["image_url"]).status_code == 200


# ------------------------------------------------------------------ filters, sorts, facets
def test_filters(client, catalog):
    assert sorted(names(get(client, "/api/v1/products", group="drinks").get_json())) == [
        "Chè shan tuyết Mộc Châu", "Rượu mận Mộc Châu"]
    assert names(get(client, "/api/v1/products", stars=3).get_json()) == ["Miến dong Côn Minh"]
    assert sorted(names(get(client, "/api/v1/products", province="son-la").get_json())) == [
        "Chè shan tuyết Mộc Châu", "Rượu mận Mộc Châu"]
    body = get(client, "/api/v1/products", min_price=90_000, max_price=150_000).get_json()
    assert sorted(names(body)) == ["Hạt dẻ Trùng Khánh", "Nón lá Trùng Khánh"]
    body = get(client, "/api/v1/products", group="drinks", in_stock="true").get_json()
    assert names(body) == ["Chè shan tuyết Mộc Châu"]
    assert get(client, "/api/v1/products", in_stock="false").get_json()["total"] == 5


def test_query_without_diacritics(client, catalog):
    body = get(client, "/api/v1/products", q="hat de").get_json()
    assert names(body)[0] == "Hạt dẻ Trùng Khánh"
    assert "Hạt dẻ ẩn" not in names(body)


def test_sorts(client, catalog):
    prices = [i["price_vnd"] for i in get(client, "/api/v1/products", sort="price_asc").get_json()["items"]]
    assert prices == sorted(prices) and len(prices) == 5
    prices = [i["price_vnd"] for i in get(client, "/api/v1/products", sort="price_desc").get_json()["items"]]
    assert prices == sorted(prices, reverse=True)
    stars = [i["stars"] or 0 for i in get(client, "/api/v1/products", sort="stars").get_json()["items"]]
    assert stars == sorted(stars, reverse=True)
    newest = get(client, "/api/v1/products", sort="newest").get_json()["items"]
    assert newest[0]["name"] == "Nón lá Trùng Khánh"  # made last


def test_facets_count_what_the_other_filters_leave(client, catalog):
    facets = get(client, "/api/v1/products").get_json()["facets"]
    assert facets["group"] == {"food": 2, "drinks": 2, "handicraft": 1}
    assert facets["stars"] == {"3": 1, "4": 1, "5": 1}
    assert facets["province"] == {"cao-bang": 3, "son-la": 2}

    body = get(client, "/api/v1/products", group="drinks").get_json()
    # The group facet ignores its own filter (so other groups stay clickable) ...
    assert body["facets"]["group"] == {"food": 2, "drinks": 2, "handicraft": 1}
    # ... while the others count only drinks.
    assert body["facets"]["province"] == {"son-la": 2}
    assert body["facets"]["stars"] == {"5": 1}


def test_pagination(client, catalog):
    first = get(client, "/api/v1/products", per_page=2, page=1).get_json()
    second = get(client, "/api/v1/products", per_page=2, page=2).get_json()
    third = get(client, "/api/v1/products", per_page=2, page=3).get_json()
    assert (first["total"], first["per_page"], len(first["items"]), len(third["items"])) == (5, 2, 2, 1)
    seen = names(first) + names(second) + names(third)
    assert len(set(seen)) == 5
    assert get(client, "/api/v1/products", per_page=2, page=9).get_json()["items"] == []
    assert get(client, "/api/v1/products", per_page=100).get_json()["per_page"] == 100


# ------------------------------------------------------------------ bad parameters
@pytest.mark.parametrize("params, parameter", [
    ({"page": "-1"}, "page"),
    ({"page": "0"}, "page"),
    ({"page": "abc"}, "page"),
    ({"page": "1.5"}, "page"),
    ({"per_page": "10000"}, "per_page"),
    ({"per_page": "0"}, "per_page"),
    ({"stars": "9"}, "stars"),
    ({"stars": "2"}, "stars"),
    ({"stars": "bốn"}, "stars"),
    ({"sort": "x"}, "sort"),
    ({"sort": "price_asc;--"}, "sort"),
    ({"min_price": "-5"}, "min_price"),
    ({"max_price": "1e3"}, "max_price"),
    ({"min_price": "99999999999999999999"}, "min_price"),
    ({"in_stock": "maybe"}, "in_stock"),
    ({"group": "weapons"}, "group"),
    ({"province": "atlantis"}, "province"),
    ({"q": "x" * 201}, "q"),
])
def test_bad_parameter_gives_400_naming_it(client, catalog, params, parameter):
    resp = get(client, "/api/v1/products", **params)
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["status"] == 400 and error["parameter"] == parameter
    assert isinstance(error["message"], str) and error["message"]


def test_suggest_q_too_long_is_400(client, ctx):
    resp = get(client, "/api/v1/search/suggest", q="x" * 500)
    assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "q"


# ------------------------------------------------------------------ detail, 404, 405
def test_product_detail(client, catalog):
    body = get(client, f"/api/v1/products/{catalog['hat_de']}").get_json()
    assert SUMMARY_KEYS <= set(body)
    assert body["description"] == "Hạt dẻ rang, thơm bùi."
    assert body["certificate"]["stars"] == 4 and body["certificate"]["state"] == "valid"
    assert body["producer"]["url"].endswith(f"/co-so/{body['producer']['slug']}")
    assert body["images"] == []
    assert "phone" not in body["producer"] and "household_category" not in body["producer"]


@pytest.mark.parametrize("key", ["draft", "unverified"])
def test_non_public_product_is_json_404(client, catalog, key):
    resp = get(client, f"/api/v1/products/{catalog[key]}")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["status"] == 404


def test_unknown_product_and_path_are_json_404(client, ctx):
    for path in ("/api/v1/products/999999", "/api/v1/products/abc", "/api/v1/nothing-here"):
        resp = get(client, path)
        assert resp.status_code == 404 and resp.get_json()["error"]["status"] == 404


def test_post_is_json_405_without_csrf_trouble(client, ctx):
    resp = client.post("/api/v1/products")
    assert resp.status_code == 405 and resp.is_json
    assert resp.get_json()["error"]["status"] == 405


# ------------------------------------------------------------------ suggest
def test_suggest_shape_and_limit(client, ctx):
    producer = make_producer()
    for i in range(12):
        make_product(producer, name=f"Hạt dẻ loại {i:02d}")
    make_product(producer, name="Miến dong")
    body = get(client, "/api/v1/search/suggest", q="hat d").get_json()
    assert set(body) == {"items"}
    assert len(body["items"]) == 8
    for item in body["items"]:
        assert set(item) == {"name", "url"} and item["name"].startswith("Hạt dẻ")
        assert "/san-pham/" in item["url"]
    assert get(client, "/api/v1/search/suggest", q="mien").get_json()["items"][0]["name"] == "Miến dong"
    assert get(client, "/api/v1/search/suggest", q="h").get_json() == {"items": []}
    assert get(client, "/api/v1/search/suggest").get_json() == {"items": []}


# ------------------------------------------------------------------ OpenAPI
def test_openapi_documents_every_endpoint_and_paths_exist(client, app):
    doc = get(client, "/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    rules = {r.rule: r.methods for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    documented = set()
    for path, ops in doc["paths"].items():
        flask_rule = path.replace("{id}", "<id:product_id>")
        assert flask_rule in rules, path
        for method in ops:
            assert method.upper() in rules[flask_rule]
        documented.add(flask_rule)
    assert documented == set(rules), "an API route is missing from the OpenAPI document"
    params = {p["name"] for p in doc["paths"]["/api/v1/products"]["get"]["parameters"]}
    assert params == {"q", "group", "stars", "province", "min_price", "max_price", "in_stock", "sort", "page",
                      "per_page"}
    assert "400" in doc["paths"]["/api/v1/products"]["get"]["responses"]
    assert "404" in doc["paths"]["/api/v1/products/{id}"]["get"]["responses"]
    # Every $ref points at a defined schema.
    import json
    import re

    for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(doc)):
        assert ref in doc["components"]["schemas"]


# ------------------------------------------------------------------ search service behind the API
def test_typo_finds_product_and_offers_suggestion(client, catalog):
    body = get(client, "/api/v1/products", q="khanhh").get_json()
    assert body["suggestion"] and body["suggestion"].lower() == "khánh"
    assert "Hạt dẻ Trùng Khánh" in names(body)


def test_product_no_longer_public_is_not_served_even_if_index_lags(client, catalog, app):
    from ocop_market.catalog.models import Product

    app.config["SEARCH_APPLY"] = "off"  # the index keeps its old document, as after a crash
    product = db.session.get(Product, catalog["mien"])
    product.status = "archived"
    db.session.commit()
    body = get(client, "/api/v1/products", q="mien dong").get_json()
    assert "Miến dong Côn Minh" not in names(body)
    assert get(client, f"/api/v1/products/{catalog['mien']}").status_code == 404
