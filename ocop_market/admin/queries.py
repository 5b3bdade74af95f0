"""Read-only queries behind the staff pages: queues, lists, expiring certificates, the audit log."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..audit import AuditEntry
from ..catalog.models import (
    Producer,
    ProducerStatus,
    Product,
    ProductStatus,
)
from ..errors import NotAllowed, NotFound
from ..extensions import db
from ..routing import is_id


# ---------------------------------------------------------------- scope
# Staff and admin see every record here; a commune officer (cán bộ xã) only those of their commune. `viewer` is
# the signed-in account; None (commands, tests of the queries) means no commune filter.
def _commune_of(viewer: User | None) -> int | None:
    return viewer.commune_id if viewer is not None and viewer.is_commune_officer else None


def _in_scope(viewer: User | None, producer: Producer) -> None:
    if viewer is not None and not viewer.may_review(producer.commune_id):
        raise NotAllowed(_("Hồ sơ này thuộc xã khác: tài khoản cán bộ xã chỉ xem và thay đổi được hồ sơ của xã mình."))


# ---------------------------------------------------------------- producers
def producers(status: str | None = None, viewer: User | None = None) -> Select:
    q = select(Producer).options(
        selectinload(Producer.province), selectinload(Producer.created_by), selectinload(Producer.owner)
    )
    if (commune_id := _commune_of(viewer)) is not None:
        q = q.where(Producer.commune_id == commune_id)
    if status:
        q = q.where(Producer.status == status)
    # The queue is first come, first served; the full list shows the newest first.
    if status == ProducerStatus.PENDING:
        return q.order_by(Producer.created_at, Producer.id)
    return q.order_by(Producer.created_at.desc(), Producer.id.desc())


def producer_or_404(producer_id: int, viewer: User | None = None) -> Producer:
    producer = db.session.get(Producer, producer_id) if is_id(producer_id) else None
    if producer is None:
        raise NotFound(_("Không tìm thấy cơ sở sản xuất."))
    _in_scope(viewer, producer)
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
def products(status: str | None = None, viewer: User | None = None) -> Select:
    q = select(Product).options(
        selectinload(Product.images),
        selectinload(Product.certificates),
        selectinload(Product.created_by),
        selectinload(Product.producer).selectinload(Producer.province),
    )
    if (commune_id := _commune_of(viewer)) is not None:
        q = q.where(Product.producer.has(Producer.commune_id == commune_id))
    if status:
        q = q.where(Product.status == status)
    if status == ProductStatus.PENDING:
        return q.order_by(Product.submitted_at, Product.id)
    return q.order_by(Product.created_at.desc(), Product.id.desc())


def product_or_404(product_id: int, viewer: User | None = None) -> Product:
    product = db.session.get(Product, product_id) if is_id(product_id) else None
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    _in_scope(viewer, product.producer)
    return product


def count_producers(status: str, viewer: User | None = None) -> int:
    q = select(func.count(Producer.id)).where(Producer.status == status)
    if (commune_id := _commune_of(viewer)) is not None:
        q = q.where(Producer.commune_id == commune_id)
    return db.session.scalar(q) or 0


def count_products(status: str, viewer: User | None = None) -> int:
    q = select(func.count(Product.id)).where(Product.status == status)
    if (commune_id := _commune_of(viewer)) is not None:
        q = q.where(Product.producer.has(Producer.commune_id == commune_id))
    return db.session.scalar(q) or 0


# ---------------------------------------------------------------- audit
def audit_entries(action: str | None = None, actor_id: int | None = None) -> Select:
    q = select(AuditEntry)
    if action:
        q = q.where(AuditEntry.action == action)
    if actor_id is not None:
        q = q.where(AuditEntry.actor_id == actor_id)
    return q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def audit_actors() -> list[User]:
    ids = select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name)))
