"""OCOP certificates that run out: a certificate is valid for 36 months from its decision date."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..timeutil import add_months, local_today
from .models import CertificateState, OcopCertificate, Product, ProductStatus

#: how far ahead the staff home warns about certificates running out
EXPIRY_WARNING_DAYS = 90


def _current_certificates(lo: dt.date, hi: dt.date) -> list[OcopCertificate]:
    """Each listing's latest certificate whose decision date lies in [lo, hi], revoked ones and
    archived listings left out."""
    certs = db.session.scalars(
        select(OcopCertificate)
        .join(OcopCertificate.product)
        .where(
            OcopCertificate.decision_date.between(lo, hi),
            OcopCertificate.state != CertificateState.REVOKED,
            Product.status != ProductStatus.ARCHIVED,
        )
        .options(selectinload(OcopCertificate.product).selectinload(Product.producer))
    )
    return [c for c in certs if c.product.certificate is c]


def certificates_expiring(today: dt.date | None = None, days: int = EXPIRY_WARNING_DAYS) -> list[OcopCertificate]:
    """Certificates still valid today that run out within `days` days, soonest first."""
    today = today or local_today()
    until = today + dt.timedelta(days=days)
    # Expiry is decision date + 36 months; widen the date window a little for month-end clamping,
    # then keep exactly the ones whose computed expiry falls in [today, until).
    lo = add_months(today, -36) - dt.timedelta(days=3)
    hi = add_months(until, -36) + dt.timedelta(days=3)
    certs = [c for c in _current_certificates(lo, hi) if today <= c.expires_on < until]
    return sorted(certs, key=lambda c: (c.expires_on, c.id))


def certificates_expired_on_public_listings(today: dt.date | None = None) -> list[OcopCertificate]:
    """Approved listings whose latest certificate has run out: they no longer count as OCOP."""
    today = today or local_today()
    hi = add_months(today, -36) + dt.timedelta(days=3)
    certs = [
        c for c in _current_certificates(dt.date(1900, 1, 1), hi)
        if c.expires_on <= today and c.product.status == ProductStatus.APPROVED
    ]
    return sorted(certs, key=lambda c: (c.expires_on, c.id))
