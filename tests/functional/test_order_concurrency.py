"""No overselling: 20 buyers race for 5 items, each thread with its own app context, session and connection.

Runs on SQLite (WAL) by default and on PostgreSQL with TEST_DATABASE_URL. Repeated for 20 rounds."""
from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from ocop_market.accounts.models import User
from ocop_market.catalog.models import Product
from ocop_market.errors import Conflict
from ocop_market.extensions import db
from ocop_market.orders import services
from ocop_market.orders.models import OrderLine, OrderStatus
from tests.conftest import make_producer, make_product, make_user

ROUNDS = 20
BUYERS = 20
STOCK = 5


def _checkout_data(province_id: int) -> services.CheckoutData:
    return services.CheckoutData(contact_name="Khách", phone="0912345678", address_line="Bản Giốc",
                                 commune="Xã Đàm Thủy", province_id=province_id, payment_method="cod")


def _race(app, buyer_id: int, product_id: int, province_id: int) -> tuple[int, int, list[str]]:
    barrier = threading.Barrier(BUYERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy():
        with app.app_context():
            # Start together; the pool may make a few threads wait for a connection, never forever.
            barrier.wait(timeout=30)
            try:
                buyer = db.session.get(User, buyer_id)
                services.place_order(buyer, {product_id: 1}, _checkout_data(province_id))
                db.session.commit()
                result = "ok"
            except services.OutOfStock:
                db.session.rollback()
                result = "out_of_stock"
            except Exception as exc:  # anything else is a failure of the test
                db.session.rollback()
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=buy) for _ in range(BUYERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ok = outcomes.count("ok")
    return ok, outcomes.count("out_of_stock"), [o for o in outcomes if o.startswith("error")]


def test_twenty_concurrent_orders_for_stock_five_never_oversell(app, ctx):
    producer = make_producer()
    product = make_product(producer, stock=STOCK)
    buyer = make_user("mua@khach.vn")
    province_id = producer.province_id
    sold_total = 0
    for round_no in range(ROUNDS):
        db.session.execute(update(Product).where(Product.id == product.id).values(stock=STOCK))
        db.session.commit()
        ok, out, errors = _race(app, buyer.id, product.id, province_id)
        assert errors == [], errors
        assert (ok, out) == (STOCK, BUYERS - STOCK), f"round {round_no}"
        sold_total += ok
        db.session.expire_all()
        assert db.session.get(Product, product.id).stock == 0
        sold = db.session.scalar(select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == product.id))
        assert sold == sold_total


def test_out_of_stock_message_is_clear(app, ctx):
    product = make_product(make_producer(), stock=0)
    buyer = make_user("mua@khach.vn")
    try:
        services.place_order(buyer, {product.id: 1}, _checkout_data(product.producer.province_id))
    except services.OutOfStock as exc:
        assert exc.status_code == 409 and "không còn đủ hàng" in exc.message
    else:
        raise AssertionError("sold a product with no stock")
    db.session.rollback()


# A random walk of add / place / cancel: stock never negative, always initial − sold.
ACTIONS = st.lists(
    st.tuples(st.sampled_from(["place", "cancel", "advance"]), st.integers(0, 2), st.integers(1, 6)),
    min_size=1, max_size=15,
)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS, stocks=st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(0, 8)),
       prices=st.tuples(st.integers(1_000, 900_000), st.integers(1_000, 900_000), st.integers(1_000, 900_000)))
def test_property_totals_and_stock(app, ctx, actions, stocks, prices):
    from ocop_market.orders.models import Order

    db.session.rollback()
    tables = ["order_events", "order_lines", "producer_orders", "orders"]
    for t in tables:
        db.session.execute(db.metadata.tables[t].delete())
    db.session.commit()
    buyer = db.session.scalar(select(User).where(User.email == "prop@khach.vn")) or make_user("prop@khach.vn")
    staff = db.session.scalar(select(User).where(User.email == "prop-staff@tinh.vn")) or make_user("prop-staff@tinh.vn", role="staff")
    products = []
    for i in range(3):
        p = db.session.scalar(select(Product).where(Product.name == f"Sản phẩm {i}"))
        if p is None:
            producer = make_producer(name=f"Hộ số {i}", commune=f"Xã {i}")
            p = make_product(producer, name=f"Sản phẩm {i}")
        p.stock, p.price_vnd = stocks[i], prices[i]
        products.append(p)
    db.session.commit()
    ids = [p.id for p in products]
    initial = dict(zip(ids, stocks))
    fee, free_above = app.config["SHIPPING_FEE_VND"], app.config["SHIPPING_FREE_ABOVE_VND"]
    placed_orders = []
    for action, idx, qty in actions:
        pid = ids[idx]
        if action == "place":
            items = {pid: qty, ids[(idx + 1) % 3]: 1}
            try:
                order = services.place_order(buyer, items, _checkout_data(products[0].producer.province_id))
                db.session.commit()
            except Conflict:
                db.session.rollback()
                continue
            # totals are exactly database price × quantity plus one fee per producer below the threshold
            expected_sub = sum(prices[ids.index(k)] * v for k, v in items.items())
            expected_ship = sum(0 if prices[ids.index(k)] * v >= free_above else fee for k, v in items.items())
            assert (order.subtotal_vnd, order.shipping_vnd, order.total_vnd) == (
                expected_sub, expected_ship, expected_sub + expected_ship)
            placed_orders.append(order.id)
        elif placed_orders:
            order = db.session.get(Order, placed_orders[idx % len(placed_orders)])
            po = order.producer_orders[qty % len(order.producer_orders)]
            to = OrderStatus.CANCELLED if action == "cancel" else {
                "placed": OrderStatus.CONFIRMED, "confirmed": OrderStatus.SHIPPED}.get(po.status)
            if to is None:
                continue
            try:
                services.move(po, to, staff, "staff")
                db.session.commit()
            except Conflict:
                db.session.rollback()
        db.session.expire_all()
        for p_id in ids:
            live_sold = db.session.scalar(
                select(func.coalesce(func.sum(OrderLine.quantity), 0))
                .join(OrderLine.producer_order)
                .where(OrderLine.product_id == p_id)
                .where(OrderLine.producer_order.has(status=OrderStatus.CANCELLED).is_(False))
            )
            current = db.session.get(Product, p_id).stock
            assert current >= 0
            assert current == initial[p_id] - live_sold


def test_two_staff_paying_out_at_once_never_pay_more_than_is_owed(app, ctx):
    """Same class of bug as issue 10 §1 (check, then insert): the balance check and the payout race."""
    from ocop_market.catalog.models import Producer
    from ocop_market.errors import InvalidInput
    from ocop_market.payments import ledger
    from ocop_market.payments.models import LedgerKind, ProducerLedgerEntry

    producer = make_producer(owner=make_user("ho@ocop.vn", role="producer"))
    staff_ids = [make_user(f"canbo{i}@tinh.vn", role="staff").id for i in range(4)]
    db.session.add(ProducerLedgerEntry(producer_id=producer.id, kind=LedgerKind.EARNING, amount_vnd=330_000))
    db.session.commit()
    producer_id = producer.id  # plain values only cross into the threads (each has its own session)
    barrier, outcomes, lock = threading.Barrier(len(staff_ids)), [], threading.Lock()

    def pay(staff_id):
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                ledger.record_payout(db.session.get(User, staff_id), db.session.get(Producer, producer_id), 300_000)
                db.session.commit()
                result = "paid"
            except InvalidInput:
                db.session.rollback()
                result = "refused"
            except Exception as exc:
                db.session.rollback()
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=pay, args=(s,)) for s in staff_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["paid"] + ["refused"] * 3, outcomes
    assert ledger.balance(producer_id) == 30_000


@pytest.mark.parametrize("table", ["carts", "cart_lines"])
def test_two_quick_clicks_on_add_to_cart_both_succeed_with_one_cart_and_one_line(app, ctx, table):
    """A double tap on "Thêm vào giỏ" on a slow phone sends two requests that both find no cart (or no line)
    and both insert one: the second met the unique constraint and the buyer saw a 500. Both threads are held
    just before that INSERT until the other has read, so the race happens every time."""
    from sqlalchemy import event

    from ocop_market.orders import cart as carts
    from ocop_market.orders.models import Cart, CartLine

    product = make_product(make_producer())
    buyer = make_user("mua@khach.vn")
    if table == "cart_lines":  # the cart exists; both clicks race to add the line
        db.session.add(Cart(user_id=buyer.id))
        db.session.commit()
    buyer_id, product_id = buyer.id, product.id  # read here: the threads must not load through this session
    barrier = threading.Barrier(2)
    held = threading.local()
    outcomes: list[str] = []

    def hold_before_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(f"INSERT INTO {table} ") and not getattr(held, "done", False):
            held.done = True
            barrier.wait(timeout=10)

    def click():
        with app.app_context():
            try:
                carts.add(carts.DbCart(db.session.get(User, buyer_id)), product_id, "1")
                db.session.commit()
                outcomes.append("ok")
            except Exception as exc:  # anything else is what the buyer would have seen as a 500
                db.session.rollback()
                outcomes.append(f"error: {exc!r}")
            finally:
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", hold_before_insert)
    try:
        threads = [threading.Thread(target=click) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(db.engine, "before_cursor_execute", hold_before_insert)
    assert outcomes == ["ok", "ok"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Cart.id)).where(Cart.user_id == buyer_id)) == 1
    lines = db.session.scalars(select(CartLine).where(CartLine.product_id == product_id)).all()
    assert len(lines) == 1 and lines[0].quantity in (1, 2)
