"""The producer's own area: onboarding, listings, photos. Everything is filtered by owner.

Every listing is loaded with services.owned_product(current_user, id): another producer's id is
"not found" (404), never "forbidden", so ids of other shops are not even confirmed to exist.
"""
from __future__ import annotations

import base64

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import pdf
from ..accounts.models import Role
from ..accounts.permissions import guard_blueprint
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..paging import page_arg
from . import batches, listings, producers, services
from .forms import BatchForm, PhotoForm, ProducerForm, ProductForm
from .models import ProductStatus
from .photo_upload import remove_photo, save_photos

bp = Blueprint("producer", __name__, url_prefix="/gian-hang")
guard_blueprint(bp, Role.PRODUCER)


def _own_producer_or_none():
    return services.producer_of(current_user)


def _add_form_error(form, err: DomainError) -> None:
    """A rule the service refused (duplicate name, unknown province...) shown above the form."""
    form.form_errors.append(err.message)


# ---------------------------------------------------------------- dashboard and profile
@bp.get("/")
def dashboard():
    found = services.dashboard_producer_of(current_user)
    if found is None:
        return redirect(url_for(".onboarding"))
    producer, counts = found
    status = request.args.get("status") or None
    if status is not None and status not in set(ProductStatus):
        raise InvalidInput(_("Trạng thái không hợp lệ."))
    listings_page = services.own_listings(producer, counts, status, page_arg())
    return render_template("producer/dashboard.html", producer=producer, listings=listings_page,
                           statuses=list(ProductStatus), args={"status": status} if status else {})


@bp.route("/dang-ky-co-so", methods=["GET", "POST"])
def onboarding():
    if _own_producer_or_none() is not None:
        flash(_("Bạn đã có hồ sơ cơ sở sản xuất."), "info")
        return redirect(url_for(".dashboard"))
    form = ProducerForm(provinces=services.provinces())
    if not form.is_submitted():
        form.representative.data = current_user.display_name
        form.phone.data = getattr(current_user, "phone", None) or ""
    status = 200
    if form.validate_on_submit():
        try:
            producers.create_producer(current_user, form.to_data(), owner=current_user)
        except DomainError as err:
            db.session.rollback()
            _add_form_error(form, err)
            status = err.status_code
        else:
            db.session.commit()
            flash(_("Đã gửi hồ sơ. Cán bộ chương trình sẽ xác minh trước khi sản phẩm được hiển thị."), "success")
            return redirect(url_for(".dashboard"))
    elif form.is_submitted():
        status = 400
    return render_template("producer/onboarding.html", form=form, editing=False), status


@bp.route("/ho-so", methods=["GET", "POST"])
def edit_profile():
    producer = _own_producer_or_none()
    if producer is None:
        return redirect(url_for(".onboarding"))
    form = ProducerForm(obj=producer, provinces=services.provinces())
    status = 200
    if form.validate_on_submit():
        try:
            producers.update_producer(current_user, producer, form.to_data())
        except DomainError as err:
            db.session.rollback()
            _add_form_error(form, err)
            status = err.status_code
        else:
            db.session.commit()
            flash(_("Đã lưu hồ sơ cơ sở."), "success")
            return redirect(url_for(".dashboard"))
    elif form.is_submitted():
        status = 400
    return render_template("producer/onboarding.html", form=form, editing=True, producer=producer), status


# ---------------------------------------------------------------- listings
@bp.route("/san-pham/moi", methods=["GET", "POST"])
def new_product():
    producer = _own_producer_or_none()
    if producer is None:
        flash(_("Hãy đăng ký cơ sở sản xuất trước khi đăng sản phẩm."), "info")
        return redirect(url_for(".onboarding"))
    form = ProductForm(groups=services.groups())
    status = 200
    if form.validate_on_submit():
        try:
            product = listings.save_listing(current_user, producer, form.to_data(), form.certificate_data())
        except DomainError as err:
            db.session.rollback()
            _add_form_error(form, err)
            status = err.status_code
        else:
            db.session.commit()
            flash(_("Đã lưu bản nháp. Hãy thêm ảnh rồi gửi duyệt."), "success")
            return redirect(url_for(".photos", product_id=product.id))
    elif form.is_submitted():
        status = 400
    return render_template("producer/product_form.html", form=form, product=None), status


@bp.route("/san-pham/<id:product_id>/sua", methods=["GET", "POST"])
def edit_product(product_id: int):
    product = services.owned_product(current_user, product_id)
    form = ProductForm.for_product(product, groups=services.groups())
    status = 200
    if product.status != ProductStatus.ARCHIVED and form.validate_on_submit():
        try:
            listings.save_listing(current_user, product.producer, form.to_data(), form.certificate_data(), product)
        except DomainError as err:
            db.session.rollback()
            _add_form_error(form, err)
            status = err.status_code
        else:
            db.session.commit()
            flash(_("Đã lưu sản phẩm."), "success")
            return redirect(url_for(".dashboard"))
    elif form.is_submitted():
        # An archived listing cannot be edited: say so instead of silently ignoring the post.
        if product.status == ProductStatus.ARCHIVED:
            form.form_errors.append(_("Sản phẩm đã lưu trữ; hãy khôi phục trước khi sửa."))
            status = 409
        else:
            status = 400
    return render_template("producer/product_form.html", form=form, product=product), status


def _transition(product_id: int, action, done_message: str):
    product = services.owned_product(current_user, product_id)
    action(current_user, product)  # a Conflict (wrong state) becomes a 409 page
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for(".dashboard"))


@bp.post("/san-pham/<id:product_id>/gui-duyet")
def submit_product(product_id: int):
    return _transition(product_id, listings.submit_for_review,
                       _("Đã gửi sản phẩm để cán bộ duyệt."))


@bp.post("/san-pham/<id:product_id>/luu-tru")
def archive_product(product_id: int):
    return _transition(product_id, listings.archive_product,
                       _("Đã lưu trữ sản phẩm; sản phẩm không còn hiển thị với người mua."))


@bp.post("/san-pham/<id:product_id>/khoi-phuc")
def restore_product(product_id: int):
    return _transition(product_id, listings.restore_product,
                       _("Đã khôi phục sản phẩm thành bản nháp."))


# ---------------------------------------------------------------- photos
@bp.route("/san-pham/<id:product_id>/anh", methods=["GET", "POST"])
def photos(product_id: int):
    product = services.owned_product(current_user, product_id)
    form = PhotoForm()
    status = save_photos(form, product)
    if form.is_submitted() and status == 200:
        return redirect(url_for(".photos", product_id=product.id))
    return render_template("producer/photos.html", form=form, product=product,
                           max_photos=current_app.config["MAX_PHOTOS_PER_PRODUCT"]), status


@bp.post("/san-pham/<id:product_id>/anh/<id:image_id>/xoa")
def delete_photo(product_id: int, image_id: int):
    product = services.owned_product(current_user, product_id)
    remove_photo(product, image_id)
    return redirect(url_for(".photos", product_id=product.id))


# ---------------------------------------------------------------- lots and traceability stamps
@bp.route("/san-pham/<id:product_id>/lo", methods=["GET", "POST"])
def product_batches(product_id: int):
    product = services.owned_product(current_user, product_id)
    form = BatchForm()
    status = 200
    if form.validate_on_submit():
        try:
            batch = batches.add_batch(current_user, product, form.to_data())
        except DomainError as err:
            db.session.rollback()
            field = getattr(form, str(err.context.get("parameter", "")), None)
            (field.errors.append if field is not None else form.form_errors.append)(err.message)
            status = err.status_code
        else:
            db.session.commit()
            flash(_("Đã lưu lô %(code)s. In tem truy xuất cho từng gói hàng.", code=batch.lot_code), "success")
            return redirect(url_for(".product_batches", product_id=product.id))
    elif form.is_submitted():
        status = 400
    return render_template("producer/batches.html", product=product, form=form, items=batches.batches_of(product),
                           per_sheet=batches.STAMPS_PER_SHEET), status


def _stamp_sheet(product_id: int, batch_id: int, for_pdf: bool) -> str:
    product = services.owned_product(current_user, product_id)
    batch = batches.batch_of(product, batch_id)
    trace_url = url_for("catalog.trace", slug=product.slug, lot=batch.lot_code, _external=True)
    if for_pdf:  # the PDF carries its images; the page asks the server for one QR, shown 32 times
        qr_src = "data:image/svg+xml;base64," + base64.b64encode(batches.qr_svg(trace_url)).decode()
        css_href = "css/stamps.css"
    else:
        qr_src = url_for("catalog.trace_qr", slug=product.slug, lot=batch.lot_code)
        css_href = url_for("static", filename="css/stamps.css")
    sheets = -(-batch.quantity // batches.STAMPS_PER_SHEET)
    return render_template("producer/stamps.html", product=product, batch=batch, trace_url=trace_url, qr_src=qr_src,
                           css_href=css_href, for_pdf=for_pdf, stamps=range(batches.STAMPS_PER_SHEET), sheets=sheets,
                           font=pdf.DOCUMENT_FONT)


@bp.get("/san-pham/<id:product_id>/lo/<id:batch_id>/tem")
def stamp_sheet(product_id: int, batch_id: int):
    """A sheet of QR stamps to print on A4 (the browser's print dialog); CSS @page sets the paper."""
    return _stamp_sheet(product_id, batch_id, for_pdf=False)


@bp.get("/san-pham/<id:product_id>/lo/<id:batch_id>/tem.pdf")
def stamp_sheet_pdf(product_id: int, batch_id: int):
    response = Response(pdf.html_to_pdf(_stamp_sheet(product_id, batch_id, for_pdf=True),
                                        current_app.static_folder or "static"), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="tem-{product_id}-{batch_id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
