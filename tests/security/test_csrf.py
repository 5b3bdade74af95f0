"""SECURITY.md 11: every state-changing route refuses a request without a CSRF token (400).

Walks app.url_map, so routes added later are covered automatically. Each route is called by a
signed-in user who could otherwise use it (staff in the staff area, a producer in theirs, a buyer
elsewhere). Only the Stripe webhook is exempt: Stripe cannot send a token, its signature is checked.
"""
from __future__ import annotations

from ocop_market.extensions import csrf

from .conftest import (
    CSRF_EXEMPT_PATHS,
    CSRF_MESSAGE,
    UNSAFE_METHODS,
    csrf_token,
    dummy_path,
    is_producer_rule,
    is_staff_rule,
    methods_of,
    sign_in,
)


def _role_for(rule) -> str:
    if is_staff_rule(rule):
        return "admin"
    if is_producer_rule(rule):
        return "producer"
    return "buyer"


def _unsafe_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if methods_of(r, UNSAFE_METHODS)), key=lambda r: r.rule)


def test_every_state_changing_route_requires_a_csrf_token(app, users):
    rules = [r for r in _unsafe_rules(app) if r.rule not in CSRF_EXEMPT_PATHS]
    endpoints = {r.endpoint for r in rules}
    assert {"accounts.login", "accounts.logout", "accounts.register"} <= endpoints
    assert any(e.startswith("admin.") for e in endpoints) and any(e.startswith("producer.") for e in endpoints)
    failures = []
    for rule in rules:
        path = dummy_path(rule)
        for method in methods_of(rule, UNSAFE_METHODS):
            client = app.test_client()
            sign_in(client, users[_role_for(rule)])
            resp = client.open(path, method=method, data={"name": "x", "quantity": "1"})
            body = resp.get_data(as_text=True)
            if resp.status_code != 400 or CSRF_MESSAGE not in body:
                failures.append(f"{method} {path} ({rule.endpoint}) as {_role_for(rule)}: {resp.status_code}")
    assert not failures, "accepted without a CSRF token:\n" + "\n".join(failures)


def test_a_wrong_token_is_refused_too(app, users):
    client = app.test_client()
    sign_in(client, users["buyer"])
    csrf_token(client)  # the session now holds a real token; the form carries another one
    resp = client.post("/tai-khoan/dang-xuat", data={"csrf_token": "IjEyMyI.forged.token"})
    assert resp.status_code == 400 and CSRF_MESSAGE in resp.get_data(as_text=True)
    # ...and the user is still signed in: nothing happened.
    assert client.get("/tai-khoan/doi-mat-khau").status_code == 200


def test_with_a_token_the_same_request_goes_through(app, users):
    """The refusal above is about the token, not the route: with it, logout works."""
    client = app.test_client()
    sign_in(client, users["buyer"])
    resp = client.post("/tai-khoan/dang-xuat", data={"csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    assert client.get("/tai-khoan/doi-mat-khau").status_code == 302


def test_only_the_machine_endpoints_are_exempt(app):
    exempt = set()
    for rule in _unsafe_rules(app):
        view = app.view_functions[rule.endpoint]
        name = f"{view.__module__}.{view.__name__}"
        if name in csrf._exempt_views or rule.endpoint.rpartition(".")[0] in csrf._exempt_blueprints:
            exempt.add(rule.rule)
    assert exempt <= CSRF_EXEMPT_PATHS, f"unexpected CSRF exemptions: {exempt - CSRF_EXEMPT_PATHS}"
    for path in exempt:
        resp = app.test_client().post(path, data=b"{}", content_type="application/json")
        # Refused for its missing signature or token (or while Stripe or the gateway is not configured), never
        # for a CSRF token.
        assert resp.status_code in (400, 401, 404) and CSRF_MESSAGE not in resp.get_data(as_text=True)
