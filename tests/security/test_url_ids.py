"""No id from outside gives a 500 (issue 10 §3).

Every id column is a 32-bit INTEGER. An id beyond it used to reach the database: SQLite's driver cannot bind an
integer past 64 bits (OverflowError) and PostgreSQL refuses 2^31 for an INTEGER column — both a 500, anonymous
pages included (`/api/v1/products/99999999999999999999`, `/qc/99999999999999999999`). Now the `id` URL converter
answers 404 for anything outside 1..2^31-1 before the view runs, and ids read from forms and query strings are held
to the same bound by `ocop_market.routing`. Both databases: run with TEST_DATABASE_URL for PostgreSQL.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.routing.converters import NumberConverter

from ocop_market.routing import MAX_ID, IdConverter, coerce_id, is_id, parse_id, parse_whole

from .conftest import csrf_token
from .test_form_fuzz import _sign_in_role, role_for, url_args, world  # noqa: F401  (world is a fixture)

#: ids no column can hold, or that no row ever has
OUT_OF_RANGE = [0, -1, 2**31, 2**63, 10**20]


@pytest.fixture
def app_config():
    # Many requests as the same users; the login limiter is not what this test is about.
    return {"RATELIMIT_ENABLED": False}


def id_arguments(rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if isinstance(conv, NumberConverter)]


def id_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if id_arguments(r)), key=lambda r: r.rule)


def test_every_integer_url_argument_uses_the_bounded_id_converter(app):
    rules = id_rules(app)
    # The walk below must see the routes the issue found (16 of them then; more since).
    assert len(rules) >= 30, [r.rule for r in rules]
    plain = [f"{r.rule} ({name})" for r in rules for name in id_arguments(r)
             if not isinstance(r._converters[name], IdConverter)]
    assert plain == [], "use <id:…> for every integer id: " + ", ".join(plain)


def _client_for(app, role):
    client = app.test_client()
    _sign_in_role(app, client, role)
    return client, csrf_token(client)


def test_out_of_range_ids_in_every_url_are_not_found_never_5xx(app, world):  # noqa: F811
    """Each integer argument of each rule gets 0, -1, 2^31, 2^63 and 10^20 (the others real values), as the role
    whose pages they are and as a visitor; the largest id a column holds must reach the lookup and fail cleanly too."""
    clients = {role: _client_for(app, role) for role in (None, "buyer", "producer", "admin")}
    failures = []
    tried = 0
    for rule in id_rules(app):
        for role in sorted({None, role_for(rule)}, key=str):
            client, token = clients[role]
            for name in id_arguments(rule):
                for value in [*OUT_OF_RANGE, MAX_ID]:
                    path = url_args(rule, {**world, name: value})
                    for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                        if method == "GET":
                            resp = client.get(path)
                        else:
                            resp = client.post(path, data={"csrf_token": token})
                        tried += 1
                        status = resp.status_code
                        if status >= 500 or (value in OUT_OF_RANGE and status != 404):
                            failures.append(f"{method} {path} as {role or 'visitor'}: {status}")
    assert tried > 300
    assert failures == []


def test_the_api_and_the_ad_click_answer_404_for_huge_ids(client):
    """The two anonymous URLs of the report."""
    for path in ("/api/v1/products/99999999999999999999", "/qc/99999999999999999999", "/api/v1/products/2147483648"):
        resp = client.get(path)
        assert resp.status_code == 404, path


def test_ids_in_forms_and_query_strings_are_bounded_the_same_way(app, world):  # noqa: F811
    """Ids that come from a form (the staff pin form's placement and product, a producer's promotion request) or a
    query string (the audit log's actor) are refused, never sent to the database."""
    from ocop_market.promotions import placements

    client, token = _client_for(app, "admin")
    week = placements.current_week()
    for value in ("0", "-1", str(2**31), str(2**63), str(10**20)):
        resp = client.post(f"/quan-tri/quang-ba/{week}/ghim", data={
            "csrf_token": token, "placement_id": value, "product_id": str(world["product_id"]),
            "reason": "Ghim thử để kiểm tra"})
        assert resp.status_code in (400, 404), (value, resp.status_code)
        resp = client.post(f"/quan-tri/quang-ba/{week}/ghim", data={
            "csrf_token": token, "placement_id": "1", "product_id": value, "reason": "Ghim thử để kiểm tra"})
        assert resp.status_code in (400, 404), (value, resp.status_code)
        assert client.get(f"/quan-tri/nhat-ky?actor={value}").status_code == 400, value

    producer, ptoken = _client_for(app, "producer")
    for value in (str(2**31), str(2**63), str(10**20)):
        resp = producer.post("/gian-hang/quang-ba/", data={"csrf_token": ptoken, "product_id": value, "weeks": [week]})
        assert resp.status_code == 404, (value, resp.status_code)

    from ocop_market.promotions.models import Allocation

    with app.app_context():
        from ocop_market.extensions import db

        assert db.session.scalar(select(Allocation)) is None


def test_the_openapi_document_bounds_the_product_id(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    (param,) = doc["paths"]["/api/v1/products/{id}"]["get"]["parameters"]
    assert param["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def test_one_id_rule_for_urls_forms_and_json():
    for good in (1, MAX_ID, "1", " 42 ", "0042"):
        assert parse_id(good) is not None and coerce_id(good) == parse_id(good)
    for bad in (0, -1, MAX_ID + 1, 2**63, 10**20, True, 1.0, None, "", "0", "-1", "1.5", "1e3", "²", "١", "9" * 5000,
                "2147483648", [1], {"id": 1}):
        assert parse_id(bad) is None, bad
        with pytest.raises(ValueError):
            coerce_id(bad)
    assert is_id(MAX_ID) and not is_id(MAX_ID + 1) and not is_id(0) and not is_id(True)


@pytest.mark.parametrize("value", ["²", "١", "9" * 5000, "0", "-1", "1.5"], ids=["superscript", "arabic", "5000-digits",
                                                                            "zero", "negative", "fraction"])
def test_page_numbers_and_counts_in_query_strings_are_plain_whole_numbers(app, world, value):  # noqa: F811
    """The same class of bug as the ids: str.isdigit() accepts "²", which int() refuses, and int() refuses 5000
    digits — `/san-pham?page=²` was a 500 for any visitor. One parser (routing.parse_whole) for every such number."""
    visitor = app.test_client()
    assert visitor.get(f"/san-pham?page={value}").status_code == 400
    admin, _token = _client_for(app, "admin")
    for path in (f"/quan-tri/nhat-ky?page={value}", f"/quan-tri/don-hang/?page={value}",
                 f"/quan-tri/quang-ba/bao-cao?weeks={value}"):
        assert admin.get(path).status_code == 400, path
    assert parse_whole(value, 1, 10_000) is None
