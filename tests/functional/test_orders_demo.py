from __future__ import annotations

from sqlalchemy import select

from ocop_market.extensions import db
from ocop_market.orders.demo import BUYER_EMAIL, PLAN, STAFF_EMAIL, seed_demo_orders
from ocop_market.orders.models import Order, OrderStatus, ProducerOrder
from tests.conftest import make_producer, make_product, make_user


def test_demo_orders_cover_every_state_and_are_idempotent(app, ctx):
    make_user(BUYER_EMAIL)
    make_user(STAFF_EMAIL, role="staff")
    for i in range(4):
        make_product(make_producer(name=f"Hộ {i}", commune=f"Xã {i}"), name=f"Sản phẩm {i}", stock=50)
    assert seed_demo_orders() == len(PLAN)
    db.session.commit()
    assert {po.status for po in db.session.scalars(select(ProducerOrder))} == set(OrderStatus)
    dates = [o.created_at for o in db.session.scalars(select(Order))]
    assert (max(dates) - min(dates)).days >= 150
    assert seed_demo_orders() == 0


def test_demo_orders_leave_the_catalogue_stock_alone(app, ctx):
    from ocop_market.catalog.models import Product

    make_user(BUYER_EMAIL)
    make_user(STAFF_EMAIL, role="staff")
    for i in range(3):
        make_product(make_producer(name=f"Hộ {i}", commune=f"Xã {i}"), name=f"Sản phẩm {i}", stock=40)
    seed_demo_orders()
    db.session.commit()
    db.session.expire_all()
    assert {p.stock for p in db.session.scalars(select(Product))} == {40}


def test_demo_has_a_return_waiting_for_its_producer_and_a_dispute_waiting_for_staff(app, ctx):
    from ocop_market.orders.models import ReturnRequest

    make_user(BUYER_EMAIL)
    make_user(STAFF_EMAIL, role="staff")
    for i in range(4):
        owner = make_user(f"ho{i}@ocop.local", role="producer")
        make_product(make_producer(owner=owner, name=f"Hộ {i}", commune=f"Xã {i}"), name=f"Sản phẩm {i}", stock=50)
    seed_demo_orders()
    db.session.commit()
    rows = list(db.session.scalars(select(ReturnRequest).order_by(ReturnRequest.id)))
    assert [r.status for r in rows] == ["requested", "disputed"]
    assert all(r.producer_order.status == OrderStatus.DELIVERED for r in rows)
    assert rows[1].producer_note


def test_demo_has_reviews_one_answered_one_hidden_and_the_products_count_the_visible_ones(app, ctx):
    from sqlalchemy import func

    from ocop_market.catalog.models import Product
    from ocop_market.orders.models import ProductReview

    make_user(BUYER_EMAIL)
    make_user(STAFF_EMAIL, role="staff")
    for i in range(4):
        owner = make_user(f"ho{i}@ocop.local", role="producer")
        make_product(make_producer(owner=owner, name=f"Hộ {i}", commune=f"Xã {i}"), name=f"Sản phẩm {i}", stock=50)
    seed_demo_orders()
    db.session.commit()
    rows = list(db.session.scalars(select(ProductReview)))
    assert len(rows) >= 5
    assert any(r.answer for r in rows) and any(r.hidden_at for r in rows)
    visible = [r for r in rows if r.hidden_at is None]
    db.session.expire_all()
    assert db.session.scalar(select(func.sum(Product.rating_count))) == len(visible)
    assert db.session.scalar(select(func.sum(Product.rating_sum))) == sum(r.stars for r in visible)
