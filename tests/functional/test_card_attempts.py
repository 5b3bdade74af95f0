"""Issue 10 §1: one card order is charged at most once. One open card attempt per order (a partial unique
index), the same idempotency key until that attempt is settled or expired, stale attempts closed by the
sweep, and any charge beyond the order's total refunded automatically and shown to staff.

Stripe is the fake on loopback (tests/fake_stripe.py), made slow or failing on demand."""
from __future__ import annotations

import collections
import datetime as dt
import threading
import time

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ocop_market.catalog.models import Product
from ocop_market.errors import Conflict
from ocop_market.extensions import db
from ocop_market.orders import fulfilment
from ocop_market.orders.models import Order
from ocop_market.payments.models import Payment
from ocop_market.payments.stripe_gateway import GatewayError, StripeGateway, sign_payload
from tests.conftest import Auth, csrf_from, make_producer, make_product, make_user
from tests.fake_stripe import FakeStripe, event
from tests.functional.test_orders import add, checkout

SECRET = "whsec_test_secret"
TOTAL = 90_000  # 60.000 ₫ of goods + 30.000 ₫ shipping


@pytest.fixture
def fake(app):
    with FakeStripe() as fake:
        app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_API_BASE=fake.base)
        yield fake


@pytest.fixture
def shop(ctx, fake):
    producer = make_producer(owner=make_user("ho@ocop.vn", role="producer"))
    product = make_product(producer, name="Miến dong", price=60_000, stock=50)
    make_user("mua@khach.vn")
    make_user("canbo@tinh.vn", role="staff")
    return product


def post_event(client, body: bytes):
    header = sign_payload(body, SECRET, int(time.time()))
    return client.post("/payments/stripe/webhook", data=body, headers={"Stripe-Signature": header},
                       content_type="application/json")


def charges(order_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).where(Payment.order_id == order_id, Payment.kind == "charge")))


def db_kept(order_id) -> int:
    """Captured − refunded as our own records say."""
    db.session.expire_all()
    rows = db.session.scalars(select(Payment).where(Payment.order_id == order_id, Payment.state == "succeeded"))
    return sum(p.amount_vnd if p.kind == "charge" else -p.amount_vnd for p in rows)


def pay_every_open_session(client, fake):
    for sid, session in list(fake.sessions.items()):
        if session["status"] == "open":
            assert post_event(client, event("checkout.session.completed", fake.pay(sid))).status_code == 200


def test_stripe_error_then_two_quick_clicks_while_stripe_is_slow_charge_once(app, client, auth, shop, fake):
    """The issue's scenario: today two Checkout Sessions, both paid, 180.000 ₫ taken for a 90.000 ₫ order."""
    auth.login("mua@khach.vn")
    add(client, shop, "1")
    fake.fail_next()  # Stripe answers the first session request with an error
    resp = checkout(client, payment_method="card")
    assert resp.status_code == 302 and "/don-hang/" in resp.headers["Location"]  # order kept, "try again"
    order = db.session.scalar(select(Order))
    assert order.total_vnd == TOTAL and not fake.sessions

    fake.delay = 1.0  # Stripe is slow now; the buyer clicks "Thanh toán thẻ" twice (one browser, one cookie)
    token = csrf_from(client.get(f"/don-hang/{order.code}").get_data(as_text=True))
    results = []

    def click():
        results.append(client.post(f"/don-hang/{order.code}/thanh-toan-the", data={"csrf_token": token}))

    threads = [threading.Thread(target=click) for _ in range(2)]
    threads[0].start()
    time.sleep(0.3)  # the second click lands while the first still waits for Stripe
    threads[1].start()
    for t in threads:
        t.join()
    fake.delay = 0
    assert all(r.status_code in (302, 303) for r in results), [r.status_code for r in results]
    pay_every_open_session(client, fake)  # the buyer pays whatever payment page they were shown
    assert "refunds sent" in app.test_cli_runner().invoke(args=["orders", "expire"]).output
    assert fake.captured(order.id) == TOTAL == db_kept(order.id)  # main today: 180.000 ₫ kept
    assert len(fake.sessions) == 1, "a second Checkout Session was created for one order"
    keys = {r["key"] for r in fake.requests if r["path"] == "/v1/checkout/sessions"}
    assert keys == {f"checkout-{order.id}-1", f"checkout-{order.id}-2"}  # the failed attempt's key, then one more
    assert sorted(p.state for p in charges(order.id)) == ["failed", "succeeded"]
    assert db.session.get(Order, order.id).payment_status == "paid"


def test_clicks_at_the_same_moment_share_one_attempt_and_one_key(app, client, auth, shop, fake):
    auth.login("mua@khach.vn")
    add(client, shop, "1")
    fake.fail_next(kind="connection")  # nothing saved at Stripe: the same key is retried
    checkout(client, payment_method="card")
    order = db.session.scalar(select(Order))
    results, barrier = [], threading.Barrier(4)

    def click():
        with app.app_context():
            barrier.wait()
            try:
                results.append(fulfilment.start_card_checkout(order.id, StripeGateway.from_config(app.config),
                                                            "http://localhost/ok", "http://localhost/no"))
            except GatewayError as exc:
                results.append(exc)

    fake.delay = 0.3
    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.sessions) == 1
    urls = {r for r in results if isinstance(r, str)}
    assert urls == {fake.sessions["cs_test_1"]["url"]}
    # one attempt, and every request to Stripe carried its key
    assert [p.state for p in charges(order.id)] == ["pending"]
    assert {r["key"] for r in fake.requests if r["path"] == "/v1/checkout/sessions"} == {f"checkout-{order.id}-1"}


def test_the_database_refuses_a_second_open_card_attempt(shop, client, auth, fake):
    auth.login("mua@khach.vn")
    add(client, shop, "1")
    checkout(client, payment_method="card")
    order = db.session.scalar(select(Order))
    db.session.add(Payment(order_id=order.id, kind="charge", method="card", state="pending", amount_vnd=TOTAL,
                           idempotency_key="checkout-by-hand"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # a closed attempt does not count: a new one may open
    db.session.execute(Payment.__table__.update().values(state="expired"))
    db.session.add(Payment(order_id=order.id, kind="charge", method="card", state="pending", amount_vnd=TOTAL,
                           idempotency_key="checkout-by-hand"))
    db.session.commit()


def test_a_second_paid_session_is_refunded_whole_and_shown_to_staff(app, client, auth, shop, fake):
    """The last line of defence: a charge beyond the order's total, however it happened, goes back."""
    auth.login("mua@khach.vn")
    add(client, shop, "1")
    checkout(client, payment_method="card")
    order = db.session.scalar(select(Order))
    first = fake.sessions["cs_test_1"]
    # A session left from before the fix (an attempt closed locally while its session stayed payable).
    db.session.execute(Payment.__table__.update().values(state="expired"))
    db.session.commit()
    fulfilment.start_card_checkout(order.id, StripeGateway.from_config(app.config), "http://x/ok", "http://x/no")
    assert len(fake.sessions) == 2
    r1 = post_event(client, event("checkout.session.completed", fake.pay("cs_test_2")))
    r2 = post_event(client, event("checkout.session.completed", fake.pay(first["id"])))
    assert (r1.get_json()["outcome"], r2.get_json()["outcome"]) == ("fulfilled", "excess_refund")
    assert fake.captured(order.id) == 2 * TOTAL  # before the refund is sent
    assert "refunds sent 1" in app.test_cli_runner().invoke(args=["orders", "expire"]).output
    assert fake.captured(order.id) == TOTAL == db_kept(order.id)
    # the charge that was beyond the total is the one given back, whole
    assert [(r["amount"], r["payment_intent"]) for r in fake.refunds] == [(TOTAL, "pi_cs_test_1")]
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.payment_status == "paid" and order.refunded_vnd == 0  # the order itself is paid once, untouched
    auth.logout()
    auth.login("canbo@tinh.vn")
    listing = client.get("/quan-tri/don-hang/").get_data(as_text=True)
    assert "Thu trùng 90.000" in listing
    page = client.get(f"/quan-tri/don-hang/{order.code}").get_data(as_text=True)
    assert "bị thu tiền nhiều lần" in page and "Hoàn khoản thu trùng" in page


def test_sweep_closes_stale_attempts_and_their_sessions(app, client, auth, shop, fake):
    auth.login("mua@khach.vn")
    add(client, shop, "1")
    checkout(client, payment_method="card")
    order = db.session.scalar(select(Order))
    po = order.producer_orders[0]
    token = csrf_from(client.get(f"/don-hang/{order.code}").get_data(as_text=True))
    assert client.post(f"/don-hang/{order.code}/huy/{po.id}", data={"csrf_token": token, "confirmed": "1"}).status_code == 302
    # the buyer cancelled; the session at Stripe is still open and the attempt still pending
    assert [p.state for p in charges(order.id)] == ["pending"]
    app.test_cli_runner().invoke(args=["orders", "expire"])
    assert [p.state for p in charges(order.id)] == ["expired"]
    assert fake.sessions["cs_test_1"]["status"] == "expired"


def test_a_payment_racing_the_buyers_cancellation_is_refunded(app, client, auth, shop, fake):
    auth.login("mua@khach.vn")
    add(client, shop, "1")
    checkout(client, payment_method="card")
    order = db.session.scalar(select(Order))
    po = order.producer_orders[0]
    token = csrf_from(client.get(f"/don-hang/{order.code}").get_data(as_text=True))
    paid = fake.pay("cs_test_1")  # paid at Stripe, webhook not yet here
    assert client.post(f"/don-hang/{order.code}/huy/{po.id}", data={"csrf_token": token, "confirmed": "1"}).status_code == 302
    assert post_event(client, event("checkout.session.completed", paid)).get_json()["outcome"] == "fulfilled"
    app.test_cli_runner().invoke(args=["orders", "expire"])
    assert fake.captured(order.id) == 0 == db_kept(order.id)
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_status == "refunded"


# ---------------------------------------------------------------- interleavings (hypothesis)
class CardPayments(RuleBasedStateMachine):
    """Clicks split into their real stages (prepare → Stripe → record), so two clicks interleave at every
    point; Stripe failing or slow between them; the buyer paying any session; webhooks delivered late,
    twice, or out of order; the buyer cancelling; the sweep. At the end, after the sweep and refund
    processing: captured − refunded ≤ the order's total, and every charge is in a final state."""

    app = buyer = None
    examples = 0
    #: webhook outcomes over all examples, to show the run reached the interesting cases
    outcomes: collections.Counter = collections.Counter()

    def __init__(self):
        super().__init__()
        self.plans: list[fulfilment.CheckoutPlan] = []
        self.outbox: list[bytes] = []
        self.delivered: list[bytes] = []
        # A Stripe of its own for each example, so that what hypothesis draws depends only on its choices.
        CardPayments.examples += 1
        self.fake = FakeStripe(prefix=f"ex{self.examples}_").__enter__()
        self.app.config.update(STRIPE_API_BASE=self.fake.base)
        self.gateway = StripeGateway.from_config(self.app.config)
        with self.app.app_context():
            db.session.execute(Product.__table__.update().values(stock=1000))
            db.session.commit()
            self.order_id = self.place_order()

    def place_order(self) -> int:
        c = self.buyer
        product = db.session.scalar(select(Product))
        add(c, product, "1")
        resp = checkout(c, payment_method="card")
        assert resp.status_code in (302, 303)
        return db.session.scalar(select(Order.id).order_by(Order.id.desc()))

    @rule()
    def click_prepare(self):
        with self.app.app_context():
            try:
                plan = fulfilment.prepare_card_checkout(self.order_id, "http://x/ok", "http://x/no")
                db.session.commit()
            except Conflict:
                db.session.rollback()
                return
            self.plans.append(plan)

    @rule()
    def click(self):
        """One click from start to end, as the view does it."""
        with self.app.app_context():
            try:
                fulfilment.start_card_checkout(self.order_id, self.gateway, "http://x/ok", "http://x/no")
            except (Conflict, GatewayError):
                pass

    @precondition(lambda self: self.plans)
    @rule(data=st.data())
    def click_calls_stripe(self, data):
        plan = self.plans.pop(data.draw(st.integers(0, len(self.plans) - 1)))
        if plan.checkout_url:
            return
        with self.app.app_context():
            try:
                session = self.gateway.create_checkout_session(**plan.request)
            except GatewayError as exc:
                fulfilment.checkout_failed(plan.payment_id, exc)
                db.session.commit()
                return
            fulfilment.record_checkout_session(plan.payment_id, session)
            db.session.commit()

    @rule()
    def an_open_attempt_is_closed_while_its_session_stays_payable(self):
        # What the migration does to the extra open attempts the bug left behind: the last line of defence
        # (refund beyond the total) must hold even when the one-open-attempt rule was not in force.
        with self.app.app_context():
            db.session.execute(Payment.__table__.update().where(
                Payment.order_id == self.order_id, Payment.kind == "charge", Payment.state == "pending"
            ).values(state="expired"))
            db.session.commit()

    @rule(kind=st.sampled_from(["api_error", "connection"]), times=st.integers(1, 3))
    def stripe_fails_next(self, kind, times):
        self.fake.fail_next(path="/v1/", kind=kind, times=times)

    @rule(data=st.data())
    def buyer_pays_a_session(self, data):
        open_ = sorted(sid for sid, s in self.fake.sessions.items()
                       if s["status"] == "open" and s["metadata"]["order_id"] == str(self.order_id))
        if open_:
            sid = data.draw(st.sampled_from(open_))
            self.outbox.append(event("checkout.session.completed", self.fake.pay(sid)))
            if data.draw(st.booleans()):  # Stripe tells us at once, or later (deliver_a_webhook)
                self.deliver_a_webhook(data)

    @rule(data=st.data())
    def stripe_expires_a_session(self, data):
        open_ = sorted(sid for sid, s in self.fake.sessions.items()
                       if s["status"] == "open" and s["metadata"]["order_id"] == str(self.order_id))
        if open_:
            sid = data.draw(st.sampled_from(open_))
            self.outbox.append(event("checkout.session.expired", self.fake.expire(sid)))

    @precondition(lambda self: self.outbox)
    @rule(data=st.data())
    def deliver_a_webhook(self, data):
        """Any waiting event, so events arrive in any order."""
        body = self.outbox.pop(data.draw(st.integers(0, len(self.outbox) - 1)))
        with self.app.app_context():
            resp = post_event(self.app.test_client(), body)
            assert resp.status_code == 200
            self.outcomes[resp.get_json()["outcome"]] += 1
        self.delivered.append(body)

    @precondition(lambda self: self.delivered)
    @rule(data=st.data())
    def redeliver_a_webhook(self, data):
        with self.app.app_context():
            body = data.draw(st.sampled_from(self.delivered))
            assert post_event(self.app.test_client(), body).get_json()["outcome"] == "duplicate"

    @rule()
    def buyer_cancels(self):
        with self.app.app_context():
            order = db.session.get(Order, self.order_id)
            po = order.producer_orders[0]
            if po.status in ("awaiting_payment", "placed"):
                token = csrf_from(self.buyer.get(f"/don-hang/{order.code}").get_data(as_text=True))
                assert self.buyer.post(f"/don-hang/{order.code}/huy/{po.id}",
                                       data={"csrf_token": token, "confirmed": "1"}).status_code == 302

    @rule(past_deadline=st.booleans())
    def sweep(self, past_deadline):
        with self.app.app_context():
            now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1 if past_deadline else 0)
            fulfilment.expire_unpaid(self.gateway, now)

    def teardown(self):
        with self.app.app_context():
            for body in self.outbox:  # every webhook arrives in the end
                assert post_event(self.app.test_client(), body).status_code == 200
            self.fake.failures.clear()
            fulfilment.expire_unpaid(self.gateway, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
            order = db.session.get(Order, self.order_id)
            states = db.session.execute(select(Payment.kind, Payment.state).where(Payment.order_id == order.id)).all()
            assert self.fake.captured(order.id) <= order.total_vnd, states
            assert db_kept(order.id) == self.fake.captured(order.id), states
            assert all(state in ("succeeded", "failed", "expired") for kind, state in states if kind == "charge"), states
            assert all(state == "succeeded" for kind, state in states if kind == "refund"), states
            db.session.remove()
        self.fake.__exit__(None, None, None)


def test_interleaved_clicks_failures_and_webhooks_never_keep_more_than_the_total(app, shop, fake):
    CardPayments.app, CardPayments.buyer = app, app.test_client()
    Auth(CardPayments.buyer).login("mua@khach.vn")  # once: logins are rate limited
    run_state_machine_as_test(CardPayments, settings=settings(
        max_examples=60, stateful_step_count=20, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
    # the run did reach paid and refunded orders, not only trivial ones (how often it also reaches an excess
    # charge varies with timing; that path is pinned by test_a_second_paid_session_is_refunded_whole_...)
    assert db.session.scalar(select(func.count(Payment.id)).where(Payment.kind == "refund")) > 0
    assert CardPayments.outcomes["fulfilled"], CardPayments.outcomes
