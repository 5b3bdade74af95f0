"""Which listings may be promoted: the facts of a listing (verified producer, household category, an active
support project, stock, photo, OCOP stars) against the rules' thresholds.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..catalog.models import ProducerStatus, Product, ProductStatus
from ..extensions import db
from ..programs.models import Participation, SupportProject
from ..timeutil import local_today
from . import rules
from .models import (
    PromotionSettings,
)
from .placements import get_settings


# ---------------------------------------------------------------- eligibility
def producers_in_active_projects(producer_ids: list[int], day: dt.date | None = None) -> set[int]:
    """Producers taking part in a support project that is active on `day` (the programmes domain)."""
    if not producer_ids:
        return set()
    day = day or local_today()
    stmt = (
        select(Participation.producer_id)
        .join(SupportProject, SupportProject.id == Participation.project_id)
        .where(Participation.producer_id.in_(producer_ids), SupportProject.status == "active",
               SupportProject.start_on <= day, SupportProject.end_on >= day)
    )
    return set(db.session.scalars(stmt))


def listing_facts(product: Product, in_project: bool) -> rules.ListingFacts:
    return rules.ListingFacts(
        producer_verified=product.producer.status == ProducerStatus.VERIFIED,
        household_category=product.producer.household_category,
        in_active_project=in_project,
        product_approved=product.status == ProductStatus.APPROVED,
        stock=product.stock,
        has_photo=bool(product.images),
        certificate_stars=product.ocop_stars,
    )


def eligibility_rules(settings: PromotionSettings | None = None) -> rules.EligibilityRules:
    settings = settings or get_settings()
    return rules.EligibilityRules(min_stars=settings.min_stars, min_stock=settings.min_stock)


def problems_of(product: Product) -> list[str]:
    in_project = product.producer_id in producers_in_active_projects([product.producer_id])
    return rules.eligibility_problems(listing_facts(product, in_project), eligibility_rules())
