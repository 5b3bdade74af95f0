"""What each placement shows right now: this week's active allocations whose listings are still public and in
stock, rotated by day, with their tagged click links.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..catalog.models import Producer, ProducerStatus, Product, ProductStatus
from ..extensions import db
from ..text import fold
from ..timeutil import local_today
from . import rules
from .models import (
    Allocation,
    AllocationState,
    Placement,
)
from .placements import current_week, min_stock_expression


# ---------------------------------------------------------------- display
@dataclass
class LiveItem:
    allocation: Allocation
    product: Product
    link: str


def _live(placement_codes: list[str] | None = None, product_ids: list[int] | None = None,
          allocation_id: int | None = None) -> list[Allocation]:
    """Active allocations of this week whose listing can be sold right now (a sold-out one drops out)."""
    stmt = (
        select(Allocation)
        .join(Placement, Placement.id == Allocation.placement_id)
        .join(Product, Product.id == Allocation.product_id)
        .join(Producer, Producer.id == Product.producer_id)
        .where(Allocation.week == current_week(), Allocation.state == AllocationState.ACTIVE,
               Product.status == ProductStatus.APPROVED, Producer.status == ProducerStatus.VERIFIED,
               Product.stock >= min_stock_expression())
        .options(selectinload(Allocation.placement),
                 selectinload(Allocation.product).selectinload(Product.images),
                 selectinload(Allocation.product).selectinload(Product.certificates),
                 selectinload(Allocation.product).selectinload(Product.producer).selectinload(Producer.province),
                 # a promotion strip is public: no poverty category shown, so no assessments loaded
                 selectinload(Allocation.product).selectinload(Product.producer).lazyload(Producer.assessments))
        .order_by(Allocation.position, Allocation.id)
    )
    if placement_codes is not None:
        stmt = stmt.where(Placement.code.in_(placement_codes))
    if product_ids is not None:
        stmt = stmt.where(Allocation.product_id.in_(product_ids))
    if allocation_id is not None:
        stmt = stmt.where(Allocation.id == allocation_id)
    return list(db.session.scalars(stmt))


def live_items(placement_code: str, query: str | None = None) -> list[LiveItem]:
    from flask import url_for

    allocations = _live([placement_code])
    if query is not None:
        words = fold(query).split()
        allocations = [a for a in allocations if rules.query_matches(words, _listing_words(a.product))]
    ordered = rules.rotate_by_day(allocations, local_today())
    return [LiveItem(a, a.product, url_for("promotions.click", allocation_id=a.id)) for a in ordered]


def _listing_words(product: Product) -> set[str]:
    text = " ".join([product.name, product.group.name_vi if product.group else "", product.producer.name,
                     product.producer.province.name if product.producer.province else ""])
    return set(fold(text).split())


def promoted_product_ids(product_ids: list[int]) -> set[int]:
    if not product_ids:
        return set()
    return {a.product_id for a in _live(product_ids=list(product_ids))}


def live_allocation(allocation_id: int) -> Allocation | None:
    found = _live(allocation_id=allocation_id)
    return found[0] if found else None
