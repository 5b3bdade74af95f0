"""Reference data (provinces, OCOP groups). The first migration inserts it; tests and seeds call this."""
from __future__ import annotations

from sqlalchemy import select

from .catalog.models import OCOP_GROUPS, ProductGroup
from .extensions import db
from .places import PROVINCES_2025, Province
from .text import slugify


def ensure_reference_data() -> None:
    have = set(db.session.scalars(select(Province.code)))
    for code, name in PROVINCES_2025:
        if code not in have:
            db.session.add(Province(code=code, name=name, slug=slugify(name)))
    have_groups = set(db.session.scalars(select(ProductGroup.code)))
    for i, (code, vi, en) in enumerate(OCOP_GROUPS):
        if code not in have_groups:
            db.session.add(ProductGroup(code=code, name_vi=vi, name_en=en, position=i))
    db.session.flush()
