"""Listings (sản phẩm): creating and editing them, and their review states, which change only through
PRODUCT_TRANSITIONS (draft → pending → approved / rejected → archived).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..accounts.models import User
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..timeutil import utcnow
from . import notices, tiers
from .certificates import CertificateData, set_certificate
from .models import (
    Producer,
    Product,
    ProductGroup,
    ProductStatus,
)
from .services import require_reviewer, unique_slug

# Which listing states may follow which; anything else is a Conflict (409).
PRODUCT_TRANSITIONS: dict[str, set[str]] = {
    ProductStatus.DRAFT: {ProductStatus.PENDING, ProductStatus.ARCHIVED},
    ProductStatus.PENDING: {ProductStatus.APPROVED, ProductStatus.REJECTED, ProductStatus.DRAFT},
    ProductStatus.APPROVED: {ProductStatus.ARCHIVED, ProductStatus.PENDING},
    ProductStatus.REJECTED: {ProductStatus.PENDING, ProductStatus.ARCHIVED, ProductStatus.DRAFT},
    ProductStatus.ARCHIVED: {ProductStatus.DRAFT},
}


@dataclass
class ProductData:
    name: str
    group_id: int
    unit: str
    price_vnd: int
    stock: int
    description: str = ""
    #: one unit's packed weight in grams (the shipping fee's weight band); None keeps the listing's (an import)
    weight_grams: int | None = None
    #: the listing form's wholesale rows [(from quantity, unit price), ...] (catalog/tiers.py); None leaves the
    #: tiers and the minimum quantity as they are (an import, the API)
    tier_rows: tuple[tuple[int | None, int | None], ...] | None = None
    case_min_quantity: int | None = None


# ---------------------------------------------------------------- listings
def _check_product_data(data: ProductData) -> None:
    if not data.name.strip():
        raise InvalidInput(_("Cần có tên sản phẩm."))
    if db.session.get(ProductGroup, data.group_id) is None:
        raise InvalidInput(_("Nhóm sản phẩm không hợp lệ."))
    for value in (data.price_vnd, data.stock):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 2_000_000_000:
            raise InvalidInput(_("Giá và tồn kho phải là số nguyên không âm."))
    if not data.unit.strip():
        raise InvalidInput(_("Cần có đơn vị bán, ví dụ “gói 500g”."))
    grams = data.weight_grams
    if grams is not None and (isinstance(grams, bool) or not isinstance(grams, int) or not 1 <= grams <= 50_000):
        raise InvalidInput(_("Khối lượng đóng gói phải là số gam nguyên từ 1 đến 50.000."), parameter="weight_grams")
    if data.tier_rows is not None:
        tiers.check_tiers(data.price_vnd, data.tier_rows)
        minimum = data.case_min_quantity
        if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int)
                                    or not 1 <= minimum <= tiers.MAX_TIER_QUANTITY):
            raise InvalidInput(_("Số lượng tối thiểu khi mua sỉ phải là số nguyên từ 1 đến %(n)s.",
                                 n=tiers.MAX_TIER_QUANTITY), parameter="case_min_quantity")


def _wholesale(product: Product, data: ProductData) -> None:
    """The tiers and the case minimum from the form (already checked), unless the caller left them alone."""
    if data.tier_rows is None:
        return
    product.price_tiers = tiers.stored(tiers.check_tiers(data.price_vnd, data.tier_rows))
    product.case_min_quantity = data.case_min_quantity


def _check_name_free(producer: Producer, name: str, product_id: int | None = None) -> None:
    q = select(Product.id).where(Product.producer_id == producer.id, Product.name == name.strip())
    if product_id is not None:
        q = q.where(Product.id != product_id)
    if db.session.scalar(q) is not None:
        raise Conflict(_("Cơ sở đã có sản phẩm cùng tên."))


def create_product(actor: User | None, producer: Producer, data: ProductData) -> Product:
    _check_product_data(data)
    _check_name_free(producer, data.name)
    product = Product(
        producer=producer,
        slug=unique_slug(Product, data.name),
        name=data.name.strip(),
        group_id=data.group_id,
        unit=data.unit.strip(),
        price_vnd=data.price_vnd,
        stock=data.stock,
        description=data.description.strip(),
        weight_grams=data.weight_grams or 500,
        status=ProductStatus.DRAFT,
        created_by_id=actor.id if actor else None,
        updated_by_id=actor.id if actor else None,
    )
    _wholesale(product, data)
    db.session.add(product)
    db.session.flush()
    audit.record(actor.id if actor else None, "product.create", "product", product.id)
    return product

# Changing what a buyer reads (name, description, group) needs a new review; price and stock do not.
REVIEWED_FIELDS = ("name", "description", "group_id", "unit")


def update_product(actor: User, product: Product, data: ProductData) -> Product:
    if product.status == ProductStatus.ARCHIVED:
        raise Conflict(_("Sản phẩm đã lưu trữ; hãy khôi phục trước khi sửa."))
    _check_product_data(data)
    _check_name_free(product.producer, data.name, product.id)
    new = {
        "name": data.name.strip(), "description": data.description.strip(), "group_id": data.group_id,
        "unit": data.unit.strip(), "price_vnd": data.price_vnd, "stock": data.stock,
    }
    content_changed = any(getattr(product, f) != new[f] for f in REVIEWED_FIELDS)
    for key, value in new.items():
        setattr(product, key, value)
    _wholesale(product, data)
    if data.weight_grams is not None:
        product.weight_grams = data.weight_grams
    product.updated_by_id = actor.id
    if content_changed and product.status == ProductStatus.APPROVED and not actor.is_staff:
        _move(product, ProductStatus.PENDING)
        product.submitted_at = utcnow()
    db.session.flush()
    audit.record(actor.id, "product.update", "product", product.id, content_changed=content_changed)
    return product


def _move(product: Product, to: str) -> None:
    if to not in PRODUCT_TRANSITIONS[product.status]:
        raise Conflict(
            _("Không thể chuyển sản phẩm từ trạng thái %(a)s sang %(b)s.", a=product.status, b=to)
        )
    product.status = to


def submit_for_review(actor: User, product: Product) -> None:
    if not product.producer.is_verified and not actor.is_staff:
        # Allowed: staff will see the listing once they verify the producer; it stays hidden until then.
        pass
    _move(product, ProductStatus.PENDING)
    product.submitted_at = utcnow()
    product.rejection_reason = ""
    db.session.flush()
    audit.record(actor.id, "product.submit", "product", product.id)


def approve_product(actor: User, product: Product) -> None:
    require_reviewer(actor, product.producer)
    _move(product, ProductStatus.APPROVED)
    product.reviewed_at = utcnow()
    product.reviewed_by_id = actor.id
    product.rejection_reason = ""
    db.session.flush()
    notices.listing_reviewed(product, audit.record(actor.id, "product.approve", "product", product.id))


def reject_product(actor: User, product: Product, reason: str) -> None:
    require_reviewer(actor, product.producer)
    if not reason.strip():
        raise InvalidInput(_("Cần nêu lý do từ chối."))
    _move(product, ProductStatus.REJECTED)
    product.reviewed_at = utcnow()
    product.reviewed_by_id = actor.id
    product.rejection_reason = reason.strip()
    db.session.flush()
    notices.listing_reviewed(product, audit.record(actor.id, "product.reject", "product", product.id,
                                                   reason=reason.strip()))


def archive_product(actor: User, product: Product) -> None:
    _move(product, ProductStatus.ARCHIVED)
    db.session.flush()
    audit.record(actor.id, "product.archive", "product", product.id)


def restore_product(actor: User, product: Product) -> None:
    _move(product, ProductStatus.DRAFT)
    db.session.flush()
    audit.record(actor.id, "product.restore", "product", product.id)


def save_listing(actor: User, producer: Producer, data: ProductData, certificate: CertificateData | None,
                 product: Product | None = None) -> Product:
    """A listing form's use case: create the listing (or update `product`) and name its latest certificate."""
    if product is None:
        product = create_product(actor, producer, data)
    else:
        update_product(actor, product, data)
    if certificate is not None:
        set_certificate(actor, product, certificate)
    return product
