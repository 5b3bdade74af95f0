"""Read-only queries behind the staff pages: queues, lists, expiring certificates, the audit log."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..audit import AuditEntry
from ..catalog.models import (
    CertificateState,
    OcopCertificate,
    Producer,
    ProducerStatus,
    Product,
    ProductStatus,
)
from ..errors import NotFound
from ..extensions import db
from ..timeutil import add_months, local_today

#: how far ahead the staff home warns about certificates running out
EXPIRY_WARNING_DAYS = 90
#: ids are 32-bit integers; a larger one in a URL would overflow the database driver, not just miss
MAX_ID = 2**31 - 1


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(query: Select, page: int, per_page: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)


# ---------------------------------------------------------------- producers
def producers(status: str | None = None) -> Select:
    q = select(Producer).options(
        selectinload(Producer.province), selectinload(Producer.created_by), selectinload(Producer.owner)
    )
    if status:
        q = q.where(Producer.status == status)
    # The queue is first come, first served; the full list shows the newest first.
    if status == ProducerStatus.PENDING:
        return q.order_by(Producer.created_at, Producer.id)
    return q.order_by(Producer.created_at.desc(), Producer.id.desc())


def producer_or_404(producer_id: int) -> Producer:
    producer = db.session.get(Producer, producer_id) if 0 < producer_id <= MAX_ID else None
    if producer is None:
        raise NotFound(_("Không tìm thấy cơ sở sản xuất."))
    return producer


def producer_with_place(name: str, commune: str, province_id: int, exclude_id: int | None = None) -> Producer | None:
    """The producer that already holds this name in this commune (names are unique per place)."""
    q = select(Producer).where(
        Producer.name == name.strip(), Producer.commune == commune.strip(), Producer.province_id == province_id
    )
    if exclude_id is not None:
        q = q.where(Producer.id != exclude_id)
    return db.session.scalar(q)


# ---------------------------------------------------------------- listings
def products(status: str | None = None) -> Select:
    q = select(Product).options(
        selectinload(Product.images),
        selectinload(Product.certificates),
        selectinload(Product.created_by),
        selectinload(Product.producer).selectinload(Producer.province),
    )
    if status:
        q = q.where(Product.status == status)
    if status == ProductStatus.PENDING:
        return q.order_by(Product.submitted_at, Product.id)
    return q.order_by(Product.created_at.desc(), Product.id.desc())


def product_or_404(product_id: int) -> Product:
    product = db.session.get(Product, product_id) if 0 < product_id <= MAX_ID else None
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return product


def count_producers(status: str) -> int:
    return db.session.scalar(select(func.count(Producer.id)).where(Producer.status == status)) or 0


def count_products(status: str) -> int:
    return db.session.scalar(select(func.count(Product.id)).where(Product.status == status)) or 0


# ---------------------------------------------------------------- certificates
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


# ---------------------------------------------------------------- audit
def audit_entries(action: str | None = None, actor_id: int | None = None) -> Select:
    q = select(AuditEntry)
    if action:
        q = q.where(AuditEntry.action == action)
    if actor_id is not None:
        q = q.where(AuditEntry.actor_id == actor_id)
    return q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def audit_for(entity_type: str, entity_id: int, limit: int = 50) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def audit_actors() -> list[User]:
    ids = select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name)))


def users_by_id(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
