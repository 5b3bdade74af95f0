"""Issue 10 §4: a correctly signed Stripe event of the wrong shape is answered 400 (logged with its id) when it
can never be processed, 2xx when it is of no concern to us, and never 5xx: Stripe would retry a 500 for days.
Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (where an id ≥ 2^31 or a string over 255 characters
used to reach the database)."""
from __future__ import annotations

import json
import logging
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ocop_market.extensions import db
from ocop_market.orders.models import Order
from ocop_market.payments.models import StripeEvent
from ocop_market.payments.stripe_gateway import sign_payload
from tests.conftest import make_producer, make_product, make_user
from tests.fake_stripe import FakeStripe, event
from tests.functional.test_orders import add, checkout

SECRET = "whsec_test_secret"
TYPES = ["checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.expired",
         "checkout.session.async_payment_failed"]


@pytest.fixture
def card_order(app, client, auth, ctx):
    with FakeStripe() as fake:
        app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_API_BASE=fake.base)
        product = make_product(make_producer(owner=make_user("ho@ocop.vn", role="producer")), stock=50)
        make_user("mua@khach.vn")
        auth.login("mua@khach.vn")
        add(client, product, "1")
        assert checkout(client, payment_method="card").status_code == 303
        yield db.session.scalar(select(Order)), fake


def post_raw(client, body: bytes):
    header = sign_payload(body, SECRET, int(time.time()))
    return client.post("/payments/stripe/webhook", data=body, headers={"Stripe-Signature": header},
                       content_type="application/json")


def signed(client, payload):
    return post_raw(client, json.dumps(payload).encode())


def good_session(fake, order):
    return fake.pay("cs_test_1") | {"metadata": {"order_id": str(order.id), "order_code": order.code}}


@pytest.mark.parametrize("change", [
    pytest.param(lambda s: s | {"metadata": "order_id=1"}, id="metadata-as-a-string"),
    pytest.param(lambda s: s | {"id": 12345}, id="non-string-session-id"),
    pytest.param(lambda s: s | {"id": None}, id="no-session-id"),
    pytest.param(lambda s: s | {"id": "cs_" + "x" * 300}, id="session-id-too-long-to-store"),
    pytest.param(lambda s: s | {"metadata": {"order_id": "99999999999999999999"}}, id="huge-order-id"),
    pytest.param(lambda s: s | {"metadata": {"order_id": "2147483648"}}, id="order-id-beyond-int32"),
    pytest.param(lambda s: s | {"metadata": {"order_id": 7}}, id="order-id-as-a-number"),
    pytest.param(lambda s: s | {"metadata": {"order_id": "²"}}, id="order-id-unicode-digit"),
    pytest.param(lambda s: s | {"amount_total": "90000"}, id="amount-as-a-string"),
    pytest.param(lambda s: s | {"amount_total": True}, id="amount-as-a-boolean"),
    pytest.param(lambda s: s | {"currency": ["vnd"]}, id="currency-as-a-list"),
    pytest.param(lambda s: s | {"payment_intent": {"id": "pi_1"}}, id="payment-intent-as-an-object"),
    pytest.param(lambda s: s | {"payment_status": 1}, id="payment-status-as-a-number"),
    pytest.param(lambda s: "cs_test_1", id="object-as-a-string"),
])
def test_malformed_checkout_events_are_400_logged_with_their_id_and_change_nothing(client, card_order, caplog,
                                                                                     change):
    order, fake = card_order
    payload = json.loads(event("checkout.session.completed", good_session(fake, order), "evt_bad_1"))
    payload["data"]["object"] = change(payload["data"]["object"])
    with caplog.at_level(logging.WARNING, logger="ocop_market.payments.views"):
        resp = signed(client, payload)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert "evt_bad_1" in caplog.text
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_status == "unpaid"
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 0


@pytest.mark.parametrize("payload", [
    pytest.param({"id": 5, "type": "checkout.session.completed"}, id="non-string-event-id"),
    pytest.param({"id": "evt_" + "x" * 300, "type": "checkout.session.completed"}, id="event-id-too-long"),
    pytest.param({"id": "evt_1", "type": ["checkout.session.completed"]}, id="type-as-a-list"),
    pytest.param({"id": "evt_1", "type": "checkout.session.completed", "data": "x"}, id="data-as-a-string"),
    pytest.param({"id": "evt_1", "type": "checkout.session.expired", "data": {}}, id="no-object"),
    pytest.param([1, 2], id="not-an-object"),
    pytest.param("evt", id="a-string"),
])
def test_malformed_events_are_400(client, card_order, payload):
    assert signed(client, payload).status_code == 400


def test_irrelevant_events_are_2xx_and_ignored(client, card_order):
    order, fake = card_order
    for payload in ({"id": "evt_i1", "type": "charge.succeeded", "data": {"object": "whatever"}},
                    {"id": "evt_i2", "type": "customer.created"},
                    {"id": "evt_i3", "type": "payment_intent.succeeded", "data": {"object": {"id": 5}}}):
        resp = signed(client, payload)
        assert resp.status_code == 200 and resp.get_json()["outcome"] == "ignored"
    assert signed(client, json.loads(event("checkout.session.completed", good_session(fake, order)))
                  ).get_json()["outcome"] == "fulfilled"  # and the shop still works


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=300),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3),
    max_leaves=6,
)
field_values = json_values | st.sampled_from(["cs_test_1", "paid", "complete", "open", "vnd", "2147483648",
                                              "99999999999999999999", "1", "0", "-1", "pi_1", ""])
session_shapes = st.fixed_dictionaries({}, optional={
    key: field_values for key in ("id", "status", "payment_status", "amount_total", "currency", "payment_intent",
                                  "url", "object")
} | {"metadata": json_values | st.fixed_dictionaries({}, optional={"order_id": field_values})})
event_shapes = st.fixed_dictionaries({}, optional={
    "id": st.text(min_size=1, max_size=300) | json_values,
    "type": st.sampled_from(TYPES) | json_values,
    "data": json_values | st.fixed_dictionaries({"object": session_shapes | json_values}),
})


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=event_shapes | json_values)
def test_fuzz_signed_events_never_give_5xx(client, card_order, payload):
    resp = signed(client, payload)
    assert resp.status_code < 500, (payload, resp.get_data(as_text=True))
    assert resp.status_code in (200, 400)
