"""SECURITY.md 8, 10 and 26: promises the rest of the suite proves only in part."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from ocop_market.accounts.sessions import open_session
from ocop_market.extensions import db
from tests.conftest import make_producer, make_user

from . import test_form_fuzz as fuzz
from .conftest import is_producer_rule, methods_of, sign_in
from .test_form_fuzz import _sign_in_role, _token, forms_on

# The fuzz module's data set and settings, shared as fixtures.
app_config = fuzz.app_config
world = fuzz.world

OTHER_PRODUCER = "nguoikhac@example.vn"


@pytest.fixture
def producer_b(app, world):
    """A second verified producer with a shop of their own, next to `world`'s producer A."""
    with app.app_context():
        owner = make_user(OTHER_PRODUCER, role="producer")
        make_producer(owner=owner, name="HTX Miến dong B")
        open_session(owner)
        db.session.commit()
        return owner.get_id()


def test_every_producer_route_with_an_id_of_producer_a_is_not_found_for_producer_b(app, world, producer_b):
    """8: the matrix — every producer rule that takes a record id, as producer B with producer A's ids."""
    ids = {"product_id": world["product_id"], "image_id": world["image_id"], "po_id": world["po_id"]}
    rules = [r for r in app.url_map.iter_rules() if is_producer_rule(r) and set(r.arguments) & set(ids)]
    assert len(rules) >= 8
    failures = []
    for rule in rules:
        values = {name: ids.get(name) for name in rule.arguments}
        for name in rule.arguments - set(ids):  # e.g. an order action: a real one, so only ownership can refuse
            values[name] = {"action": "xac-nhan"}.get(name, "1")
        path = rule.build(values, append_unknown=False)[1]
        for method in methods_of(rule):
            client = app.test_client()
            sign_in(client, producer_b)
            kwargs = {"data": {"csrf_token": _token(client), "note": "x"}} if method != "GET" else {}
            resp = client.open(path, method=method, **kwargs)
            if resp.status_code != 404:
                failures.append(f"{method} {path}: {resp.status_code}")
    assert not failures, "producer B reached producer A's records:\n" + "\n".join(failures)
    # ...and producer A, the owner, is let in (the 404s above are about ownership, not broken URLs).
    client = app.test_client()
    _sign_in_role(app, client, "producer")
    assert client.get(f"/gian-hang/san-pham/{world['product_id']}/sua").status_code == 200
    assert client.get(f"/gian-hang/don-hang/{world['po_id']}").status_code == 200


def test_posted_price_owner_status_and_role_are_ignored(app, world, producer_b):
    """10: forms list their fields; the rest of the request is not read."""
    from ocop_market.accounts.models import User
    from ocop_market.catalog.models import Producer, Product

    client = app.test_client()
    _sign_in_role(app, client, "producer")
    draft = world["draft_id"]
    with app.app_context():
        other_owner = db.session.scalar(select(User.id).where(User.email == OTHER_PRODUCER))
        other_producer_id = db.session.scalar(select(Producer.id).where(Producer.owner_id == other_owner))
    # The form as the page shows it (certificate included), with a new price.
    page = client.get(f"/gian-hang/san-pham/{draft}/sua").get_data(as_text=True)
    fields = next(f for f in forms_on(page) if "price_vnd" in f["fields"])["fields"]
    form = {name: (f["values"][0] if f["values"] else "") for name, f in fields.items() if name != "csrf_token"}
    form.update(price_vnd="70000", stock="5")
    resp = client.post(f"/gian-hang/san-pham/{draft}/sua", data={
        **form, "csrf_token": _token(client), "status": "approved", "producer_id": str(other_producer_id),
        "owner_id": "1", "id": "999", "stars": "5", "created_by_id": "1"})
    assert resp.status_code == 302
    with app.app_context():
        after = db.session.get(Product, draft)
        assert (after.id, after.status, after.producer_id, after.price_vnd) == (draft, "draft", world["producer_id"],
                                                                                 70_000)

    # Registration: the role is the form's choice (buyer or producer), never "admin" from an extra field.
    anonymous = app.test_client()
    anonymous.post("/tai-khoan/dang-ky", data={
        "csrf_token": _token(anonymous), "display_name": "Kẻ gian", "login": "kegian@example.vn",
        "password": "mat-khau-dai-1", "confirm": "mat-khau-dai-1", "role": "admin", "is_active": "1",
        "session_version": "0"})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "kegian@example.vn"))
        assert user is not None and user.role == "buyer"

    # Cart: a posted price never reaches the order (the server reads it from the database).
    buyer = app.test_client()
    _sign_in_role(app, buyer, "buyer")
    buyer.post(f"/gio-hang/them/{world['product_id']}", data={
        "csrf_token": _token(buyer), "quantity": "1", "price_vnd": "1", "unit_price_vnd": "1"})
    html = buyer.get("/gio-hang").get_data(as_text=True)
    assert "150.000" in html


def test_audit_rows_cannot_be_changed_or_deleted(app, world):
    """26: the trail is append-only at the ORM level; an attempt fails and changes nothing."""
    from ocop_market import audit

    with app.app_context():
        entry = audit.record(None, "product.approve", "product", world["product_id"], note="thật")
        db.session.commit()
        entry_id = entry.id
        entry.action = "product.reject"
        with pytest.raises(audit.AuditIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(audit.AuditIsAppendOnly):
            db.session.delete(db.session.get(audit.AuditEntry, entry_id))
            db.session.flush()
        db.session.rollback()
        assert db.session.get(audit.AuditEntry, entry_id).action == "product.approve"

