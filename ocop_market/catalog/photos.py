"""A listing's photos: upload limits, storing (through images.py, the Pillow adapter), removal.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from ..accounts.models import User
from ..errors import InvalidInput, NotFound
from ..extensions import db
from . import images
from .models import (
    Product,
    ProductImage,
)


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
