"""Demo data for buying by the case (issue 17): a school canteen's organisation account, tiered prices on the demo
household's listings with stock for 300 packs, one request for quote waiting for the household's answer and one
answered. Through the real use cases; idempotent (skipped once the canteen has quotes)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ..accounts import organisations
from ..accounts import services as accounts
from ..catalog.models import Producer, Product
from ..extensions import db
from ..places import Province
from ..timeutil import local_today
from . import wholesale
from .models import Quote

ORGANISATION_EMAIL = "bepan@ocop.local"
PRODUCER_EMAIL = "nhasanxuat@ocop.local"
#: (product name, tiers, case minimum, stock at least)
TIERS = (
    ("Hạt dẻ Trùng Khánh", [[20, 140_000], [100, 132_000], [300, 125_000]], 50, 900),
    ("Hạt dẻ sấy nứt vỏ", [[50, 170_000], [200, 160_000]], 50, 400),
)


def seed_demo_wholesale() -> int:
    """Returns how many quotes were made. Flushes only."""
    buyer, owner = accounts.find_by_login(ORGANISATION_EMAIL), accounts.find_by_login(PRODUCER_EMAIL)
    if buyer is None or owner is None:
        return 0
    if organisations.organisation_of(buyer) is None:
        organisations.save(buyer, organisations.OrganisationData(
            "school", "Trường Tiểu học Sông Hiến – Bếp ăn bán trú", "4800567890",
            "Số 8 Phố Kim Đồng, Phường Thục Phán, Cao Bằng", "Cô Đàm Thị Lan", "0915 246 810"))
    products = {p.name: p for p in db.session.scalars(
        select(Product).join(Producer, Producer.id == Product.producer_id).where(Producer.owner_id == owner.id))}
    for name, tiers, least, stock in TIERS:
        product = products.get(name)
        if product is not None and not product.price_tiers:
            product.price_tiers, product.case_min_quantity = tiers, least
            product.stock = max(product.stock, stock)
    db.session.flush()
    if db.session.scalar(select(func.count(Quote.id)).where(Quote.buyer_id == buyer.id)):
        return 0
    province = db.session.scalars(select(Province).where(Province.code == "CB")).one()
    today = local_today()
    made = 0
    answered_on = products.get("Hạt dẻ Trùng Khánh")
    if answered_on is not None:
        quote = wholesale.ask(buyer, answered_on.id, wholesale.QuoteAsk(
            "300", province.id, today + dt.timedelta(days=21), "Quà Tết cho giáo viên: 300 túi, giao một lần."))
        wholesale.answer(quote, owner, "producer", wholesale.QuoteAnswer(
            122_000, today + dt.timedelta(days=20), today + dt.timedelta(days=10)))
        made += 1
    waiting_on = products.get("Hạt dẻ sấy nứt vỏ")
    if waiting_on is not None:
        wholesale.ask(buyer, waiting_on.id, wholesale.QuoteAsk(
            "200", province.id, today + dt.timedelta(days=30), "Cho bữa phụ của học sinh bán trú, xin hóa đơn GTGT."))
        made += 1
    return made
