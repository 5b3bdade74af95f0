"""Catalog use cases. Each function flushes; the request or CLI command commits once."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts.models import Role, User
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..places import Province
from ..text import slugify
from ..timeutil import utcnow
from . import images
from .models import (
    CertificateLevel,
    HouseholdCategory,
    OcopCertificate,
    Producer,
    ProducerKind,
    ProducerStatus,
    Product,
    ProductGroup,
    ProductImage,
    ProductStatus,
)

# Which listing states may follow which; anything else is a Conflict (409).
PRODUCT_TRANSITIONS: dict[str, set[str]] = {
    ProductStatus.DRAFT: {ProductStatus.PENDING, ProductStatus.ARCHIVED},
    ProductStatus.PENDING: {ProductStatus.APPROVED, ProductStatus.REJECTED, ProductStatus.DRAFT},
    ProductStatus.APPROVED: {ProductStatus.ARCHIVED, ProductStatus.PENDING},
    ProductStatus.REJECTED: {ProductStatus.PENDING, ProductStatus.ARCHIVED, ProductStatus.DRAFT},
    ProductStatus.ARCHIVED: {ProductStatus.DRAFT},
}


@dataclass
class ProducerData:
    kind: str
    name: str
    province_id: int
    commune: str
    representative: str = ""
    phone: str | None = None
    village: str = ""
    legacy_district: str = ""
    household_category: str = HouseholdCategory.NONE
    category_assessed_on: dt.date | None = None
    ethnic_minority: bool = False
    woman_headed: bool = False
    story: str = ""


@dataclass
class ProductData:
    name: str
    group_id: int
    unit: str
    price_vnd: int
    stock: int
    description: str = ""


@dataclass
class CertificateData:
    decision_no: str
    decision_date: dt.date
    stars: int
    issuing_authority: str = ""
    level: str = CertificateLevel.PROVINCE
    score: int | None = None


# ---------------------------------------------------------------- queries
def public_products() -> Select:
    """Listings a buyer may see: approved, from a verified producer."""
    return (
        select(Product)
        .join(Product.producer)
        .where(Product.status == ProductStatus.APPROVED, Producer.status == ProducerStatus.VERIFIED)
        .options(
            selectinload(Product.images),
            selectinload(Product.certificates),
            selectinload(Product.producer).selectinload(Producer.province),
        )
    )


def get_public_product(slug: str) -> Product:
    product = db.session.scalar(public_products().where(Product.slug == slug))
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return product


def get_public_producer(slug: str) -> Producer:
    producer = db.session.scalar(
        select(Producer).where(Producer.slug == slug, Producer.status == ProducerStatus.VERIFIED)
    )
    if producer is None:
        raise NotFound(_("Không tìm thấy cơ sở sản xuất."))
    return producer


def groups() -> list[ProductGroup]:
    return list(
        db.session.scalars(
            select(ProductGroup).where(ProductGroup.parent_id.is_(None)).order_by(ProductGroup.position)
        )
    )


def group_by_code(code: str) -> ProductGroup | None:
    return db.session.scalar(select(ProductGroup).where(ProductGroup.code == code))


def provinces() -> list[Province]:
    return list(db.session.scalars(select(Province).order_by(Province.name)))


def producer_of(user: User) -> Producer | None:
    return db.session.scalar(select(Producer).where(Producer.owner_id == user.id).order_by(Producer.id))


def owned_product(user: User, product_id: int) -> Product:
    """A listing of the user's own producer; someone else's is 'not found', never 'forbidden'."""
    product = db.session.scalar(
        select(Product).join(Product.producer).where(Product.id == product_id, Producer.owner_id == user.id)
    )
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return product


# ---------------------------------------------------------------- producers
def _unique_slug(model, base: str) -> str:
    base = slugify(base)
    existing = set(db.session.scalars(select(model.slug).where(model.slug.like(f"{base}%"))))
    if base not in existing:
        return base
    n = 2
    while f"{base}-{n}" in existing:
        n += 1
    return f"{base}-{n}"


def _check_producer_data(data: ProducerData) -> None:
    if data.kind not in set(ProducerKind):
        raise InvalidInput(_("Loại hình cơ sở không hợp lệ."))
    if data.household_category not in set(HouseholdCategory):
        raise InvalidInput(_("Phân loại hộ không hợp lệ."))
    if not data.name.strip() or not data.commune.strip():
        raise InvalidInput(_("Cần có tên cơ sở và xã/phường."))
    if db.session.get(Province, data.province_id) is None:
        raise InvalidInput(_("Tỉnh/thành phố không hợp lệ."))


def create_producer(actor: User | None, data: ProducerData, owner: User | None = None) -> Producer:
    """Onboard a producer. Staff (or a cooperative) may create one for a household without an account."""
    _check_producer_data(data)
    if owner is not None and producer_of(owner) is not None:
        raise Conflict(_("Tài khoản này đã có hồ sơ cơ sở sản xuất."))
    _check_producer_unique(data)
    producer = Producer(
        slug=_unique_slug(Producer, data.name),
        owner_id=owner.id if owner else None,
        created_by_id=actor.id if actor else None,
        updated_by_id=actor.id if actor else None,
        **_producer_fields(data),
    )
    db.session.add(producer)
    db.session.flush()
    audit.record(actor.id if actor else None, "producer.create", "producer", producer.id,
                 on_behalf=bool(actor and (owner is None or actor.id != owner.id)))
    return producer


def _check_producer_unique(data: ProducerData, producer_id: int | None = None) -> None:
    q = select(Producer.id).where(
        Producer.name == data.name.strip(),
        Producer.commune == data.commune.strip(),
        Producer.province_id == data.province_id,
    )
    if producer_id is not None:
        q = q.where(Producer.id != producer_id)
    if db.session.scalar(q) is not None:
        raise Conflict(_("Đã có cơ sở cùng tên ở xã/phường này."))


def _producer_fields(data: ProducerData) -> dict:
    return {
        "kind": data.kind,
        "name": data.name.strip(),
        "representative": data.representative.strip(),
        "phone": data.phone,
        "province_id": data.province_id,
        "commune": data.commune.strip(),
        "village": data.village.strip(),
        "legacy_district": data.legacy_district.strip(),
        "household_category": data.household_category,
        "category_assessed_on": data.category_assessed_on,
        "ethnic_minority": data.ethnic_minority,
        "woman_headed": data.woman_headed,
        "story": data.story.strip(),
    }


def update_producer(actor: User, producer: Producer, data: ProducerData) -> Producer:
    _check_producer_data(data)
    _check_producer_unique(data, producer.id)
    for key, value in _producer_fields(data).items():
        setattr(producer, key, value)
    producer.updated_by_id = actor.id
    if producer.status == ProducerStatus.REJECTED:
        # A corrected record goes back to the verification queue.
        producer.status = ProducerStatus.PENDING
    db.session.flush()
    audit.record(actor.id, "producer.update", "producer", producer.id)
    return producer


def verify_producer(actor: User, producer: Producer) -> None:
    _require_staff(actor)
    producer.status = ProducerStatus.VERIFIED
    producer.rejection_reason = ""
    producer.verified_at = utcnow()
    producer.verified_by_id = actor.id
    db.session.flush()
    audit.record(actor.id, "producer.verify", "producer", producer.id)


def reject_producer(actor: User, producer: Producer, reason: str) -> None:
    _require_staff(actor)
    if not reason.strip():
        raise InvalidInput(_("Cần nêu lý do từ chối."))
    producer.status = ProducerStatus.REJECTED
    producer.rejection_reason = reason.strip()
    producer.verified_at = None
    db.session.flush()
    audit.record(actor.id, "producer.reject", "producer", producer.id, reason=reason.strip())


def _require_staff(actor: User) -> None:
    if actor is None or actor.role not in (Role.STAFF, Role.ADMIN):
        raise NotAllowed(_("Chỉ cán bộ chương trình được thực hiện thao tác này."))


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
        slug=_unique_slug(Product, data.name),
        name=data.name.strip(),
        group_id=data.group_id,
        unit=data.unit.strip(),
        price_vnd=data.price_vnd,
        stock=data.stock,
        description=data.description.strip(),
        status=ProductStatus.DRAFT,
        created_by_id=actor.id if actor else None,
        updated_by_id=actor.id if actor else None,
    )
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
    product.updated_by_id = actor.id
    if content_changed and product.status == ProductStatus.APPROVED and actor.role not in (Role.STAFF, Role.ADMIN):
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
    if not product.producer.is_verified and actor.role not in (Role.STAFF, Role.ADMIN):
        # Allowed: staff will see the listing once they verify the producer; it stays hidden until then.
        pass
    _move(product, ProductStatus.PENDING)
    product.submitted_at = utcnow()
    product.rejection_reason = ""
    db.session.flush()
    audit.record(actor.id, "product.submit", "product", product.id)


def approve_product(actor: User, product: Product) -> None:
    _require_staff(actor)
    _move(product, ProductStatus.APPROVED)
    product.reviewed_at = utcnow()
    product.reviewed_by_id = actor.id
    product.rejection_reason = ""
    db.session.flush()
    audit.record(actor.id, "product.approve", "product", product.id)


def reject_product(actor: User, product: Product, reason: str) -> None:
    _require_staff(actor)
    if not reason.strip():
        raise InvalidInput(_("Cần nêu lý do từ chối."))
    _move(product, ProductStatus.REJECTED)
    product.reviewed_at = utcnow()
    product.reviewed_by_id = actor.id
    product.rejection_reason = reason.strip()
    db.session.flush()
    audit.record(actor.id, "product.reject", "product", product.id, reason=reason.strip())


def archive_product(actor: User, product: Product) -> None:
    _move(product, ProductStatus.ARCHIVED)
    db.session.flush()
    audit.record(actor.id, "product.archive", "product", product.id)


def restore_product(actor: User, product: Product) -> None:
    _move(product, ProductStatus.DRAFT)
    db.session.flush()
    audit.record(actor.id, "product.restore", "product", product.id)


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


def save_listing(actor: User | None, producer: Producer, data: ProductData, certificate: CertificateData | None,
                 product: Product | None = None) -> Product:
    """A listing form's use case: create the listing (or update `product`) and name its latest certificate."""
    if product is None:
        product = create_product(actor, producer, data)
    else:
        update_product(actor, product, data)
    if certificate is not None:
        set_certificate(actor, product, certificate)
    return product


# ---------------------------------------------------------------- photos
def uploaded_bytes_by(user: User) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(ProductImage.size_bytes), 0)).where(ProductImage.uploaded_by_id == user.id)
    ) or 0


def add_photo(actor: User, product: Product, data: bytes, config: dict, alt_text: str = "") -> ProductImage:
    if len(product.images) >= config["MAX_PHOTOS_PER_PRODUCT"]:
        raise InvalidInput(_("Mỗi sản phẩm có tối đa %(n)s ảnh.", n=config["MAX_PHOTOS_PER_PRODUCT"]))
    if uploaded_bytes_by(actor) + len(data) > config["MAX_UPLOAD_BYTES_PER_USER"]:
        raise InvalidInput(_("Bạn đã dùng hết dung lượng tải ảnh cho phép."))
    try:
        stored = images.store_upload(
            data, config["UPLOAD_DIR"], max_bytes=config["MAX_IMAGE_BYTES"], max_pixels=config["MAX_IMAGE_PIXELS"]
        )
    except images.ImageRejected as exc:
        raise InvalidInput(_(str(exc))) from exc
    try:
        return _attach(actor, product, stored, alt_text)
    except Exception:
        # The row did not make it: take the files back so nothing is half-saved.
        images.delete_files(config["UPLOAD_DIR"], stored.stored_name, stored.original_format)
        raise


def add_photos(actor: User, product: Product, files: list[bytes], config: dict, alt_text: str = "") -> list[ProductImage]:
    """Add several photos, all or none: when one is refused, the files already stored are removed and
    the error is raised; the caller rolls the session back (rows flushed so far go with it)."""
    added: list[ProductImage] = []
    try:
        for data in files:
            added.append(add_photo(actor, product, data, config, alt_text))
    except Exception as exc:
        if isinstance(exc, InvalidInput):
            exc.context.setdefault("index", len(added))  # which file was refused, for the message
        for image in added:
            images.delete_files(config["UPLOAD_DIR"], image.stored_name, image.original_format)
        raise
    return added


def _attach(actor: User | None, product: Product, stored: images.StoredImage, alt_text: str = "") -> ProductImage:
    image = ProductImage(
        product=product,
        stored_name=stored.stored_name,
        original_format=stored.original_format,
        width=stored.width,
        height=stored.height,
        size_bytes=stored.size_bytes,
        position=(max((i.position for i in product.images), default=-1) + 1),
        alt_text=(alt_text or product.name)[:200],
        uploaded_by_id=actor.id if actor else None,
    )
    db.session.add(image)
    db.session.flush()
    audit.record(actor.id if actor else None, "product.photo_add", "product", product.id, image=image.stored_name)
    return image


def remove_photo(actor: User, product: Product, image_id: int) -> tuple[str, str]:
    """Take the photo off the listing; returns (stored name, format) of the files, which the caller deletes
    only after its commit: an orphan file is harmless, a row without its file is not."""
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        raise NotFound(_("Không tìm thấy ảnh."))
    product.images.remove(image)
    db.session.flush()
    audit.record(actor.id, "product.photo_remove", "product", product.id, image=image.stored_name)
    return image.stored_name, image.original_format


def add_generated_photo(actor: User | None, product: Product, img, upload_dir: str, alt_text: str = "") -> ProductImage:
    """Attach a picture the program made (demo placeholders): stored like an upload, no upload limits apply."""
    stored = images.store_generated(img, upload_dir)
    try:
        return _attach(actor, product, stored, alt_text)
    except Exception:
        images.delete_files(upload_dir, stored.stored_name, stored.original_format)
        raise
