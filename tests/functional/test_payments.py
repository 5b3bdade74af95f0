"""Stripe Checkout against a fake Stripe on loopback, the webhook (signature, duplicates, order of events),
the expiry sweep and refunds."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select

from ocop_market.catalog.models import Product
from ocop_market.extensions import db
from ocop_market.orders.models import Order, OrderEvent
from ocop_market.payments.models import Payment, StripeEvent
from ocop_market.payments.stripe_gateway import sign_payload
from tests.conftest import make_producer, make_product, make_user
from tests.fake_stripe import FakeStripe, event
from tests.functional.test_orders import add, checkout

SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_app(app):
    with FakeStripe() as fake:
        app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_API_BASE=fake.base)
        yield fake


@pytest.fixture
def card_order(client, auth, ctx, stripe_app):
    pa = make_producer(owner=make_user("a@ho.vn", role="producer"))
    pb = make_producer(owner=make_user("b@ho.vn", role="producer"), name="HTX B", commune="Xã B")
    make_user("mua@khach.vn")
    a = make_product(pa, price=150_000, stock=5)
    b = make_product(pb, name="Miến dong", price=60_000, stock=5)
    auth.login("mua@khach.vn")
    add(client, a, "2")
    add(client, b, "1")
    resp = checkout(client, payment_method="card")
    assert resp.status_code == 303, resp.get_data(as_text=True)
    order = db.session.scalar(select(Order))
    assert resp.headers["Location"] == f"{stripe_app.base}/pay/cs_test_1"
    return order, a, b


def post_event(client, body: bytes, secret=SECRET, timestamp=None):
    header = sign_payload(body, secret, int(timestamp or time.time()))
    return client.post("/payments/stripe/webhook", data=body, headers={"Stripe-Signature": header},
                       content_type="application/json")


def stock(product):
    db.session.expire_all()
    return db.session.get(Product, product.id).stock


def test_checkout_session_built_from_database_prices(card_order, stripe_app):
    order, a, b = card_order
    req = stripe_app.requests[0]
    f = req["form"]
    assert req["path"] == "/v1/checkout/sessions"
    assert req["key"] == f"checkout-{order.id}-1"
    assert f["metadata[order_id]"] == str(order.id)
    assert f["line_items[0][price_data][currency]"] == "vnd"
    assert f["line_items[0][price_data][unit_amount]"] == "150000"  # zero-decimal: đồng, not cents
    assert stripe_app.sessions["cs_test_1"]["amount_total"] == order.total_vnd == 420_000
    expires = int(f["expires_at"]) - time.time()
    assert 29 * 60 < expires <= 30 * 60 + 5
    assert {po.status for po in order.producer_orders} == {"awaiting_payment"}
    assert stock(a) == 3  # reserved while waiting for payment


def test_success_page_does_not_fulfil(client, card_order):
    order, *_ = card_order
    client.get(f"/don-hang/{order.code}/ket-qua-thanh-toan")
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_status == "unpaid"


def test_webhook_fulfils_once_even_when_delivered_twice(client, card_order, stripe_app):
    order, a, _ = card_order
    body = event("checkout.session.completed", stripe_app.pay("cs_test_1"), "evt_1")
    r1 = post_event(client, body)
    assert r1.status_code == 200 and r1.get_json()["outcome"] == "fulfilled"
    r2 = post_event(client, body)
    assert r2.status_code == 200 and r2.get_json()["outcome"] == "duplicate"
    # A different event for the same session (e.g. a late async success) is also a no-op
    r3 = post_event(client, event("checkout.session.async_payment_succeeded", stripe_app.sessions["cs_test_1"], "evt_2"))
    assert r3.get_json()["outcome"] == "already_fulfilled"
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.payment_status == "paid"
    assert {po.status for po in order.producer_orders} == {"placed"}
    assert db.session.scalar(select(func.count(OrderEvent.id)).where(OrderEvent.to_status == "paid")) == 1
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 2
    assert stock(a) == 3


def test_two_deliveries_at_once_fulfil_once(app, card_order, stripe_app):
    order, *_ = card_order
    body = event("checkout.session.completed", stripe_app.pay("cs_test_1"), "evt_same")
    results, barrier = [], threading.Barrier(4)

    def deliver():
        c = app.test_client()
        barrier.wait()
        results.append(post_event(c, body).get_json()["outcome"])

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["duplicate"] * 3 + ["fulfilled"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(OrderEvent.id)).where(OrderEvent.to_status == "paid")) == 1
    assert db.session.scalar(select(func.count(OrderEvent.id)).where(OrderEvent.to_status == "placed")) == 2


def test_tampered_wrong_secret_and_stale_signatures_are_refused(client, card_order, stripe_app):
    order, *_ = card_order
    body = event("checkout.session.completed", stripe_app.pay("cs_test_1"))
    header = sign_payload(body, SECRET, int(time.time()))
    tampered = body.replace(b"420000", b"1")
    assert client.post("/payments/stripe/webhook", data=tampered, headers={"Stripe-Signature": header}).status_code == 400
    assert post_event(client, body, secret="whsec_wrong").status_code == 400
    assert post_event(client, body, timestamp=time.time() - 3600).status_code == 400
    assert client.post("/payments/stripe/webhook", data=body).status_code == 400
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_status == "unpaid"
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 0


def test_amount_or_currency_mismatch_does_not_fulfil(client, card_order, stripe_app):
    order, *_ = card_order
    session = stripe_app.pay("cs_test_1")
    assert post_event(client, event("checkout.session.completed", dict(session, amount_total=1000))).get_json()["outcome"] == "amount_mismatch"
    assert post_event(client, event("checkout.session.completed", dict(session, currency="usd"))).get_json()["outcome"] == "amount_mismatch"
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_status == "unpaid"


def test_expired_session_releases_stock_and_a_late_payment_is_refunded(app, client, card_order, stripe_app):
    order, a, b = card_order
    assert post_event(client, event("checkout.session.expired", dict(stripe_app.sessions["cs_test_1"], status="expired"))).get_json()["outcome"] == "expired"
    db.session.expire_all()
    assert {po.status for po in db.session.get(Order, order.id).producer_orders} == {"cancelled"}
    assert stock(a) == 5 and stock(b) == 5
    # completed arrives after expired: the order stays cancelled, the money goes back (decided: refund)
    assert post_event(client, event("checkout.session.completed", stripe_app.pay("cs_test_1", "pi_late"))).get_json()["outcome"] == "fulfilled"
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert {po.status for po in order.producer_orders} == {"cancelled"}
    assert stock(a) == 5
    result = app.test_cli_runner().invoke(args=["orders", "expire"])
    assert "refunds sent 2" in result.output, result.output
    assert sorted(r["amount"] for r in stripe_app.refunds) == [90_000, 330_000]
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.payment_status == "refunded" and order.refunded_vnd == order.total_vnd
    # running the sweep again sends nothing more
    assert "refunds sent 0" in app.test_cli_runner().invoke(args=["orders", "expire"]).output


def test_sweep_expires_unpaid_card_orders_once(app, card_order, stripe_app):
    order, a, _ = card_order
    Order.query.filter_by(id=order.id).update({"payment_due_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)})
    db.session.commit()
    runner = app.test_cli_runner()
    assert "expired 1" in runner.invoke(args=["orders", "expire"]).output
    assert any(r["path"] == "/v1/checkout/sessions/cs_test_1/expire" for r in stripe_app.requests)
    assert stock(a) == 5
    assert "expired 0" in runner.invoke(args=["orders", "expire"]).output
    assert stock(a) == 5


def test_sweep_fulfils_a_session_paid_just_before_the_deadline(app, card_order, stripe_app):
    order, a, _ = card_order
    stripe_app.pay("cs_test_1")
    Order.query.filter_by(id=order.id).update({"payment_due_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)})
    db.session.commit()
    assert "fulfilled late 1" in app.test_cli_runner().invoke(args=["orders", "expire"]).output
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_status == "paid"
    assert stock(a) == 3


def test_cancelling_a_paid_card_order_refunds_that_part(client, card_order, stripe_app):
    from tests.conftest import csrf_from

    order, a, _ = card_order
    post_event(client, event("checkout.session.completed", stripe_app.pay("cs_test_1", "pi_9")))
    po = next(p for p in order.producer_orders if p.producer_id == a.producer_id)
    token = csrf_from(client.get(f"/don-hang/{order.code}").get_data(as_text=True))
    assert client.post(f"/don-hang/{order.code}/huy/{po.id}", data={"csrf_token": token, "confirmed": "1"}).status_code == 302
    assert [(r["amount"], r["payment_intent"]) for r in stripe_app.refunds] == [(330_000, "pi_9")]
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.refunded_vnd == 330_000 and order.payment_status == "paid"
    assert stock(a) == 5
    refund = db.session.scalar(select(Payment).where(Payment.kind == "refund"))
    assert refund.state == "succeeded" and refund.provider_ref == "re_1"


def test_shipping_an_unpaid_card_order_is_a_conflict(client, auth, card_order):
    from tests.conftest import csrf_from

    order, a, _ = card_order
    auth.logout()
    auth.login("a@ho.vn")
    po = next(p for p in order.producer_orders if p.producer_id == a.producer_id)
    token = csrf_from(client.get(f"/gian-hang/don-hang/{po.id}").get_data(as_text=True))
    for action in ("xac-nhan", "giao-hang"):
        assert client.post(f"/gian-hang/don-hang/{po.id}/{action}", data={"csrf_token": token}).status_code == 409


def test_webhook_is_csrf_exempt_but_other_posts_are_not(client, ctx):
    assert client.post("/gio-hang/xoa/1").status_code == 400
