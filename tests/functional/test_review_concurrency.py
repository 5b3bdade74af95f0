"""Reviews at once (issue 17, promise 43): 20 buyers rate the same product in the same instant and the product's
count and star sum are exactly theirs; one buyer's double tap from 10 threads is one review, counted once.

Each thread has its own app context, session and connection; SQLite (WAL) by default, PostgreSQL with
TEST_DATABASE_URL."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from ocop_market.accounts.models import User
from ocop_market.catalog.models import Product
from ocop_market.errors import Conflict
from ocop_market.extensions import db
from ocop_market.orders import reviews, services
from ocop_market.orders.models import OrderLine, ProductReview
from tests.conftest import make_producer, make_product, make_user
from tests.functional.test_returns import deliver

BUYERS = 20


def _delivered_line(buyer: User, product: Product) -> int:
    order = services.place_order(buyer, {product.id: 1}, services.CheckoutData(
        contact_name="Khách", phone="0912345678", address_line="Bản Giốc", commune="Xã Đàm Thủy",
        province_id=product.producer.province_id, payment_method="cod"))
    db.session.commit()
    po = deliver(order.producer_orders[0].id)
    return po.lines[0].id


def _together(app, jobs: list[tuple[int, int, int]]) -> list[str]:
    """Each job (buyer id, line id, stars) writes its review in its own thread, all released at once."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(buyer_id: int, line_id: int, stars: int) -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                buyer = db.session.get_one(User, buyer_id)
                line = db.session.get_one(OrderLine, line_id)
                reviews.write_review(buyer, line, reviews.ReviewInput(stars, "", []), app.config)
                db.session.commit()
                result = "ok"
            except Conflict:
                db.session.rollback()
                result = "conflict"
            except Exception as exc:  # anything else fails the test
                db.session.rollback()
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=write, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _figures(product_id: int) -> tuple[int, int]:
    db.session.expire_all()
    p = db.session.get_one(Product, product_id)
    return p.rating_count, p.rating_sum


def test_twenty_buyers_rating_at_once_all_count_exactly(app, ctx):
    product = make_product(make_producer(), stock=100)
    jobs = []
    for n in range(BUYERS):
        buyer = make_user(f"mua{n}@khach.vn")
        jobs.append((buyer.id, _delivered_line(buyer, product), n % 5 + 1))
    outcomes = _together(app, jobs)
    assert outcomes.count("ok") == BUYERS, outcomes
    assert _figures(product.id) == (BUYERS, sum(stars for _b, _l, stars in jobs))
    stored = db.session.execute(select(func.count(ProductReview.id), func.sum(ProductReview.stars))
                                .where(ProductReview.product_id == product.id)).one()
    assert tuple(stored) == _figures(product.id)


def test_one_buyers_ten_taps_at_once_are_one_review_counted_once(app, ctx):
    product = make_product(make_producer(), stock=10)
    buyer = make_user("mua@khach.vn")
    line_id = _delivered_line(buyer, product)
    outcomes = _together(app, [(buyer.id, line_id, 4)] * 10)
    assert outcomes.count("ok") == 1 and outcomes.count("conflict") == 9, outcomes
    assert _figures(product.id) == (1, 4)
    assert db.session.scalar(select(func.count(ProductReview.id))) == 1
