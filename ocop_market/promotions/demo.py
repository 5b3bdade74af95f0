"""Demo promotion history for `flask seed demo`: requests, six past weeks allocated by the real rule, daily
counters, a few orders (some attributed to a promotion click), the current week allocated and next week's
requests waiting. Idempotent: each step looks for what it would create first."""
from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence

from sqlalchemy import select, update

from ..accounts import services as accounts
from ..catalog import services as catalog
from ..catalog.models import Producer, Product
from ..extensions import db
from ..orders import services as orders
from ..orders.models import Order
from ..orders.services import CheckoutData, OutOfStock
from ..timeutil import utcnow
from . import allocation, draws, eligibility, placements, requests, rules
from .models import Allocation, AllocationState, Conversion, DailyCounter, PromotionRequest, RequestedWeek

PAST_WEEKS = 6
DEMO_ORDER_NOTE = "Đơn mẫu (quảng bá miễn phí)"
OWN_PRODUCER = "Hộ bà Lục Thị Hoa"


def _eligible_listings() -> list[Product]:
    products = db.session.scalars(catalog.public_products().order_by(Product.id)).all()
    in_project = eligibility.producers_in_active_projects(sorted({p.producer_id for p in products}))
    elig = eligibility.eligibility_rules()
    return [p for p in products
            if not rules.eligibility_problems(eligibility.listing_facts(p, p.producer_id in in_project), elig)]


def _ensure_request(product: Product, weeks: list[str], created_at: dt.datetime) -> int:
    have = set(db.session.scalars(
        select(RequestedWeek.week).join(RequestedWeek.request).where(PromotionRequest.product_id == product.id)))
    missing = [w for w in weeks if w not in have]
    if not missing:
        return 0
    request = PromotionRequest(producer_id=product.producer_id, product_id=product.id,
                               created_by_id=product.producer.owner_id, created_at=created_at)
    request.weeks = [RequestedWeek(week=w, state="waiting", reason="") for w in missing]
    db.session.add(request)
    return len(missing)


def _counts(allocation: Allocation, day: dt.date) -> tuple[int, int]:
    seed = zlib.crc32(f"{allocation.product_id}:{allocation.placement_id}:{day.isoformat()}".encode())
    base = {"home": 60, "group": 25, "search": 12}.get(allocation.placement.kind, 20)
    impressions = base + seed % base
    return impressions, max(1, impressions * (3 + seed % 6) // 100)


def _ensure_counters(allocations: Sequence[Allocation], today: dt.date) -> int:
    added = 0
    for a in allocations:
        monday = rules.week_monday(a.week)
        for i in range(7):
            day = monday + dt.timedelta(days=i)
            if day > today:
                break
            if db.session.get(DailyCounter, (a.placement_id, a.product_id, day)) is not None:
                continue
            impressions, clicks = _counts(a, day)
            db.session.add(DailyCounter(placement_id=a.placement_id, product_id=a.product_id, day=day,
                                        impressions=impressions, clicks=clicks))
            added += 1
    db.session.flush()
    return added


def _ensure_orders(allocations: list[Allocation]) -> int:
    """A few orders by the demo buyer, before and during past promotions, dated back."""
    if db.session.scalar(select(Order.id).where(Order.note == DEMO_ORDER_NOTE).limit(1)) is not None:
        return 0
    buyer = accounts.find_by_login("nguoimua@ocop.local")
    if buyer is None:
        return 0
    producer = db.session.scalars(select(Producer).order_by(Producer.id)).first()
    if producer is None:
        return 0
    checkout = CheckoutData("Nguyễn Minh Anh", "0912345678", "Số 12 phố Kim Đồng", "Phường Thục Phán",
                            producer.province_id, "cod", DEMO_ORDER_NOTE)
    placed = 0
    for n, a in enumerate(sorted(allocations, key=lambda a: a.id)):
        if n % 2:  # every other promotion has sales to compare
            continue
        seed = zlib.crc32(f"order:{a.id}".encode())
        plan = [("before", 1)] * (seed % 2) + [("during", 1 + seed % 3)]
        for when, count in plan:
            for k in range(count):
                product = db.session.get_one(Product, a.product_id)
                db.session.refresh(product)
                if product.stock < 5:
                    break
                quantity = 1 + k % 2
                try:
                    with db.session.begin_nested():
                        order = orders.place_order(buyer, {product.id: quantity}, checkout)
                except OutOfStock:
                    continue
                # The demo stock stays what the catalogue file says (a second import would reset it anyway).
                db.session.execute(update(Product).where(Product.id == product.id)
                                   .values(stock=Product.stock + quantity).execution_options(synchronize_session=False))
                offset = dt.timedelta(days=1 + (seed + k) % 5, hours=9 + k)
                at = a.starts_at + offset if when == "during" else a.starts_at - offset
                order.created_at = at
                for po in order.producer_orders:
                    po.created_at = at
                    if when == "during" and k % 2 == 0:
                        for line in po.lines:
                            db.session.add(Conversion(order_line=line, allocation_id=a.id, product_id=line.product_id,
                                                      revenue_vnd=line.line_total_vnd,
                                                      clicked_at=at - dt.timedelta(hours=2), created_at=at))
                placed += 1
    db.session.flush()
    return placed


def seed_demo_promotions() -> dict[str, int]:
    placements.ensure_defaults()
    now = utcnow()
    current = rules.week_of(now)
    past = [rules.add_weeks(current, -i) for i in range(PAST_WEEKS, 0, -1)]
    listings = _eligible_listings()
    report = {"requests": 0, "weeks_allocated": 0, "counters": 0, "orders": 0}
    # Every week commits to its lottery secret before its first request, as on the live site.
    draws.open_weeks(past + [w for w in requests.request_window(current) if w not in past])
    # Each producer's listings take turns; each asks for some past weeks (so quotas and the "least recent"
    # rule show), everyone asks for this week, and the demo household also for next week.
    by_producer: dict[int, list[Product]] = {}
    for p in listings:
        by_producer.setdefault(p.producer_id, []).append(p)
    for k, (_producer_id, products) in enumerate(sorted(by_producer.items())):
        product = products[0]
        wished = [w for i, w in enumerate(past) if (i + k) % 3 == 0] + [current]
        if product.producer.name == OWN_PRODUCER:
            wished.append(rules.add_weeks(current, 1))
        created_at = rules.week_bounds(past[0])[0] - dt.timedelta(days=3)
        report["requests"] += _ensure_request(product, wished, created_at)
    db.session.flush()
    for week in past + [current]:
        if allocation.allocate_week(week).ran_now:
            report["weeks_allocated"] += 1
    allocations = db.session.scalars(
        select(Allocation).where(Allocation.week.in_(past + [current]), Allocation.state == AllocationState.ACTIVE)
        .order_by(Allocation.id)
    ).all()
    report["counters"] = _ensure_counters(allocations, now.astimezone(rules.LOCAL_TZ).date())
    report["orders"] = _ensure_orders([a for a in allocations if a.week in past])
    return report
