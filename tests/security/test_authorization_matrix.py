"""SECURITY.md 9: staff routes deny by default; the producer area admits producers only.

The matrix walks app.url_map, so every route added later is checked without touching this file.
Guards must refuse before any lookup, so ids are dummies (1) and no record needs to exist.
"""
from __future__ import annotations

import pytest

from .conftest import (
    LOGIN_PATH,
    blueprint_of,
    csrf_token,
    dummy_path,
    is_producer_rule,
    is_staff_rule,
    methods_of,
    sign_in,
)


def _call(app, user_id, method, path):
    client = app.test_client()
    sign_in(client, user_id)
    kwargs = {}
    if method != "GET":
        # A valid token, so the answer comes from the role guard and not from CSRF protection.
        token = csrf_token(client)
        kwargs = {"data": {"csrf_token": token}, "headers": {"X-CSRFToken": token}}
    return client.open(path, method=method, **kwargs)


def _refused_as(resp, expected) -> bool:
    if expected == "login":
        return resp.status_code == 302 and resp.headers["Location"].startswith(LOGIN_PATH)
    return resp.status_code == expected


def _matrix(app, rules, who: dict) -> list[str]:
    failures = []
    for rule in rules:
        path = dummy_path(rule)
        for method in methods_of(rule):
            for name, (user_id, expected) in who.items():
                resp = _call(app, user_id, method, path)
                if not _refused_as(resp, expected):
                    failures.append(f"{method} {path} ({rule.endpoint}) as {name}: {resp.status_code} "
                                    f"{resp.headers.get('Location', '')}, expected {expected}")
    return failures


def _rules(app, pick):
    return sorted((r for r in app.url_map.iter_rules() if pick(r)), key=lambda r: r.rule)


def test_staff_area_refuses_everyone_but_staff(app, users):
    rules = _rules(app, is_staff_rule)
    assert any(r.endpoint.startswith("admin.") for r in rules)
    assert any("POST" in r.methods for r in rules)  # state-changing staff actions are covered too
    who = {
        "anonymous": (None, "login"),
        "buyer": (users["buyer"], 403),
        "producer": (users["producer"], 403),
    }
    failures = _matrix(app, rules, who)
    assert not failures, "staff routes not refused:\n" + "\n".join(failures)


def test_producer_area_refuses_everyone_but_producers(app, users):
    rules = _rules(app, is_producer_rule)
    assert any(r.endpoint.startswith("producer.") for r in rules)
    who = {
        "anonymous": (None, "login"),
        "buyer": (users["buyer"], 403),
        # Staff act for households through the staff area (with its audit trail), not by posing as one.
        "staff": (users["staff"], 403),
        "admin": (users["admin"], 403),
    }
    failures = _matrix(app, rules, who)
    assert not failures, "producer routes not refused:\n" + "\n".join(failures)


@pytest.mark.parametrize("path", ["/quan-tri/", "/gian-hang/"])
def test_the_matrix_can_tell_allowed_from_refused(app, users, path):
    """Guard against a matrix that passes because everything fails: the right role gets in."""
    role = "staff" if path.startswith("/quan-tri") else "producer"
    client = app.test_client()
    sign_in(client, users[role])
    assert client.get(path).status_code == 200


def test_refusal_page_is_vietnamese(app, users):
    client = app.test_client()
    sign_in(client, users["buyer"])
    resp = client.get("/quan-tri/")
    assert resp.status_code == 403
    assert "Không có quyền truy cập" in resp.get_data(as_text=True)


def test_quote_routes_admit_only_their_side(app, users):
    """Requests for quote (issue 17): the buyer's pages refuse everyone but buyers (producers and staff get 403
    before any lookup), the hub's answer pages refuse non-members; the producer's are in the producer matrix above."""
    buyer_rules = _rules(app, lambda r: blueprint_of(r) == "quotes")
    assert {"quotes.ask", "quotes.detail", "quotes.order", "quotes.mine"} <= {r.endpoint for r in buyer_rules}
    failures = _matrix(app, buyer_rules, {
        "anonymous": (None, "login"),
        "producer": (users["producer"], 403),
        "staff": (users["staff"], 403),
        "admin": (users["admin"], 403),
    })
    hub_rules = _rules(app, lambda r: blueprint_of(r) == "hub_quotes")
    assert any("POST" in r.methods for r in hub_rules)
    failures += _matrix(app, hub_rules, {
        "anonymous": (None, "login"),
        "buyer": (users["buyer"], 403),
        "producer": (users["producer"], 403),
    })
    assert not failures, "quote routes not refused:\n" + "\n".join(failures)
