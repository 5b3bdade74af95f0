"""The photo steps shared by the producer's own area and staff entering photos for a household."""
from __future__ import annotations

from flask import current_app, flash
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..extensions import db
from . import images, photos
from .forms import PhotoForm
from .models import Product


def save_photos(form: PhotoForm, product: Product) -> int:
    """Store every photo of the form or none; return the status for the page (200 when saved).

    A refused file puts its message on the form. The files of a batch whose commit fails are
    removed again, so no photo exists on disk without its row.
    """
    if not form.validate_on_submit():
        return 400 if form.is_submitted() else 200
    files = form.files()
    config = current_app.config
    try:
        added = photos.add_photos(current_user, product, [f.read() for f in files], config,
                                  alt_text=(form.alt_text.data or "").strip())
    except DomainError as err:
        db.session.rollback()
        message = err.message
        index = err.context.get("index")
        if index is not None and len(files) > 1:
            message = _("Ảnh “%(name)s”: %(msg)s Không ảnh nào được lưu.", name=files[index].filename, msg=err.message)
        form.photos.errors = [*form.photos.errors, message]
        return err.status_code
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        for image in added:
            images.delete_files(config["UPLOAD_DIR"], image.stored_name, image.original_format)
        raise
    flash(_("Đã thêm %(n)s ảnh.", n=len(added)), "success")
    return 200


def remove_photo(product: Product, image_id: int) -> None:
    """Take one photo off the listing, commit, then delete its files: a failed commit keeps row and files."""
    stored_name, fmt = photos.remove_photo(current_user, product, image_id)
    db.session.commit()
    images.delete_files(current_app.config["UPLOAD_DIR"], stored_name, fmt)
    flash(_("Đã xoá ảnh."), "success")
