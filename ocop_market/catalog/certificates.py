"""OCOP certificates (giấy chứng nhận OCOP) of listings: naming a listing's certificate, and the ones that run out
(a certificate is valid for 36 months from its decision date)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts.models import User
from ..errors import InvalidInput
from ..extensions import db
from ..timeutil import add_months, local_today
from .models import (
    CertificateLevel,
    CertificateState,
    OcopCertificate,
    Product,
    ProductStatus,
)

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


@dataclass
class CertificateData:
    decision_no: str
    decision_date: dt.date
    stars: int
    issuing_authority: str = ""
    level: str = CertificateLevel.PROVINCE
    score: int | None = None


def set_certificate(actor: User | None, product: Product, data: CertificateData) -> OcopCertificate:
    if data.stars not in (3, 4, 5):
        raise InvalidInput(_("Chỉ sản phẩm 3 đến 5 sao là sản phẩm OCOP."))
    if data.level not in set(CertificateLevel):
        raise InvalidInput(_("Cấp công nhận không hợp lệ."))
    if data.score is not None and not 0 <= data.score <= 100:
        raise InvalidInput(_("Điểm đánh giá phải từ 0 đến 100."))
    if data.decision_date > dt.date.today() + dt.timedelta(days=1):
        raise InvalidInput(_("Ngày quyết định không thể ở tương lai."))
    if not data.decision_no.strip():
        raise InvalidInput(_("Cần có số quyết định."))
    same = next((c for c in product.certificates if c.decision_no == data.decision_no.strip()), None)
    cert = same or OcopCertificate(product=product)
    cert.decision_no = data.decision_no.strip()
    cert.decision_date = data.decision_date
    cert.stars = data.stars
    cert.issuing_authority = data.issuing_authority.strip()
    cert.level = data.level
    cert.score = data.score
    db.session.add(cert)
    db.session.flush()
    db.session.refresh(product, ["certificates"])
    audit.record(actor.id if actor else None, "certificate.set", "product", product.id, decision_no=cert.decision_no)
    return cert
