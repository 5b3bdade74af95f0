"""Review pages (đánh giá): the buyer rates a delivered line from the order page; the product page lists the visible
reviews (a page slot of the catalog); the producer, or the hub that sells for the household, answers once; staff
hide and unhide. Thin views over `reviews`; the seller's pages are one set of routes registered twice."""
from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import slots
from ..accounts.models import Role
from ..accounts.permissions import STAFF_ROLES, guard_blueprint, guard_blueprint_for
from ..catalog import hubs, images
from ..catalog.models import Producer
from ..db_tx import transaction
from ..errors import Conflict, DomainError, InvalidInput
from ..extensions import db
from . import reviews, services
from .forms import ReviewAnswerForm, ReviewForm, ReviewHideForm
from .models import ProductReview, ReviewPhoto

bp = Blueprint("reviews", __name__)


# ---------------------------------------------------------------- buyer
@bp.route("/don-hang/<code>/danh-gia/<id:line_id>", methods=["GET", "POST"])
@login_required
def write(code: str, line_id: int):
    """Write the review of one line, or change it while its author still may."""
    order = services.buyer_order(current_user, code)
    line = next((ln for po in order.producer_orders for ln in po.lines if ln.id == line_id), None)
    if line is None:
        abort(404)
    existing = reviews.of_line(line.id)
    back = url_for("orders.order_detail", code=order.code)
    if existing is None and not reviews.can_review(line.producer_order):
        flash(_("Sản phẩm này không còn đánh giá được (chỉ trong %(n)s ngày sau khi nhận hàng).",
                n=reviews.REVIEW_DAYS), "error")
        return redirect(back), 303
    if existing is not None and not reviews.can_edit(existing):
        flash(_("Chỉ sửa được đánh giá trong %(n)s ngày sau khi viết.", n=reviews.EDIT_DAYS), "error")
        return redirect(back), 303
    form = ReviewForm()
    if request.method == "GET" and existing is not None:
        form.stars.data, form.body.data = str(existing.stars), existing.body
    status, error = 200, None
    if form.validate_on_submit():
        config = current_app.config
        stored: list = []
        removed: list[tuple[str, str]] = []
        try:
            with transaction():
                if existing is None:
                    _review, stored = reviews.write_review(current_user, line, reviews.ReviewInput(
                        stars=form.stars.data, body=form.body.data or "",
                        photos=[f.read() for f in form.files()]), config)
                else:
                    edited = reviews.edit_review(
                        current_user, existing, form.stars.data, form.body.data or "",
                        remove_photo_ids=_photo_ids(request.form.getlist("bo_anh")),
                        new_photos=[f.read() for f in form.files()], config=config)
                    stored, removed = edited.added, edited.removed
        except (InvalidInput, Conflict) as err:
            status, error = err.status_code, err.message
        except Exception:
            for s in stored:  # the commit failed: no photo outlives its row
                images.delete_files(config["UPLOAD_DIR"], s.stored_name, s.original_format)
            raise
        else:
            for name, fmt in removed:  # committed: the photos taken off go from the disk too
                images.delete_files(config["UPLOAD_DIR"], name, fmt)
            flash(_("Đã lưu đánh giá. Cảm ơn bạn!"), "success")
            return redirect(back)
    elif request.method == "POST":
        status = 400
    return render_template("orders/review_form.html", order=order, line=line, form=form, review=existing,
                           error=error, days=reviews.REVIEW_DAYS, edit_days=reviews.EDIT_DAYS), status


def _photo_ids(raw: list[str]) -> frozenset[int]:
    """The review photos ticked "remove" (anything not a whole number is ignored: it names no photo)."""
    return frozenset(int(v) for v in raw if v.isascii() and v.isdigit() and len(v) < 10)


def _may_see_hidden(review: ProductReview) -> bool:
    user = current_user
    if not user.is_authenticated:
        return False
    if user.is_staff or review.buyer_id == user.id:
        return True
    producer = db.session.get(Producer, review.producer_id)
    if producer is not None and producer.owner_id == user.id:
        return True
    try:
        hubs.acting_hub(user, review.producer_id)
    except DomainError:
        return False
    return True


@bp.get("/danh-gia/<id:review_id>/anh/<id:photo_id>")
def photo(review_id: int, photo_id: int):
    """A review's photo: public while the review is visible; once hidden, only for its author, seller and staff."""
    image = db.session.scalar(select(ReviewPhoto).where(ReviewPhoto.id == photo_id,
                                                        ReviewPhoto.review_id == review_id))
    if image is None:
        abort(404)
    review = db.session.get_one(ProductReview, review_id)
    hidden = review.is_hidden
    if hidden and not _may_see_hidden(review):
        abort(404)
    size = 960 if request.args.get("lon") else 320
    path = images.thumb_path(current_app.config["UPLOAD_DIR"], image.stored_name, size)
    if not os.path.exists(path):
        abort(404)
    response = send_file(path, mimetype="image/webp", max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600" if hidden else "public, max-age=3600"
    return response


def product_reviews_box(_slot: str, product) -> str:
    """The product page's reviews (the page is cached for visitors: a review's commit bumps the generation).
    The visible count is the product's own column, so a product without one sends no statement for the box."""
    items = reviews.visible_for_product(product.id) if product.rating_count else []
    return render_template("orders/_product_reviews.html", p=product, items=items)


# ---------------------------------------------------------------- seller: the producer, or the hub for it
def _seller_blueprint(name: str, prefix: str, as_role: str) -> Blueprint:
    seller = Blueprint(name, __name__, url_prefix=prefix)
    if as_role == "producer":
        guard_blueprint(seller, Role.PRODUCER)
    else:
        guard_blueprint_for(seller, hubs.is_hub_member)

    def producer_ids() -> list[int]:
        if as_role == "producer":
            return list(db.session.scalars(select(Producer.id).where(Producer.owner_id == current_user.id)))
        return [p.id for p in hubs.households_of(current_user)]

    @seller.get("/")
    def index():
        return render_template("orders/reviews_list.html", rows=reviews.seller_queue(producer_ids()), area=as_role,
                               detail_endpoint=f"{name}.detail")

    @seller.route("/<id:review_id>", methods=["GET", "POST"])
    def detail(review_id: int):
        review = reviews.for_seller(current_user, review_id, as_role)
        form = ReviewAnswerForm()
        status, error = 200, None
        if request.method == "POST":
            if form.validate_on_submit():
                try:
                    with transaction():
                        reviews.answer(review, current_user, form.answer.data or "", as_role,
                                       form.answer_en.data or "")
                except (InvalidInput, Conflict) as err:
                    form.answer.errors = [err.message]
                    status, error = err.status_code, err.message
                else:
                    flash(_("Đã gửi câu trả lời."), "success")
                    return redirect(url_for(".detail", review_id=review.id))
            else:
                status = 400
        return render_template("orders/review_detail.html", review=review, area=as_role, form=form,
                               bp=name, error=error), status

    return seller


producer_bp = _seller_blueprint("producer_reviews", "/gian-hang/danh-gia", "producer")
hub_bp = _seller_blueprint("hub_reviews", "/trung-tam/danh-gia", "hub")


# ---------------------------------------------------------------- staff
staff_bp = Blueprint("staff_reviews", __name__, url_prefix="/quan-tri/danh-gia")
guard_blueprint(staff_bp, *STAFF_ROLES)

#: the queue's filter words in the URL
FILTERS = {"": None, "an": True, "hien": False}


@staff_bp.get("/")
def staff_index():
    shown = request.args.get("loc", "")
    if shown not in FILTERS:
        abort(400)
    return render_template("orders/reviews_list.html", rows=reviews.staff_queue(FILTERS[shown]), area="staff",
                           detail_endpoint="staff_reviews.detail", shown=shown)


@staff_bp.get("/<id:review_id>")
def detail(review_id: int):
    review = reviews.for_staff(current_user, review_id)
    return render_template("orders/review_detail.html", review=review, area="staff", form=ReviewHideForm(),
                           bp="staff_reviews")


@staff_bp.post("/<id:review_id>/an")
def hide(review_id: int):
    review = reviews.for_staff(current_user, review_id)
    form = ReviewHideForm()
    if form.validate_on_submit():
        try:
            with transaction():
                reviews.hide(review, current_user, form.reason.data or "")
        except (InvalidInput, Conflict) as err:
            form.reason.errors = [err.message]
            return render_template("orders/review_detail.html", review=review, area="staff", form=form,
                                   bp="staff_reviews"), err.status_code
        flash(_("Đã ẩn đánh giá."), "success")
        return redirect(url_for(".detail", review_id=review.id))
    return render_template("orders/review_detail.html", review=review, area="staff", form=form,
                           bp="staff_reviews"), 400


@staff_bp.post("/<id:review_id>/hien")
def unhide(review_id: int):
    review = reviews.for_staff(current_user, review_id)  # CSRFProtect has checked the token: no other field
    try:
        with transaction():
            reviews.unhide(review, current_user)
    except Conflict as err:
        flash(err.message, "error")
        return redirect(url_for(".detail", review_id=review.id)), 303
    flash(_("Đã hiện lại đánh giá."), "success")
    return redirect(url_for(".detail", review_id=review.id))


def register(app) -> None:
    for blueprint in (bp, producer_bp, hub_bp, staff_bp):
        app.register_blueprint(blueprint)
    slots.register("catalog.product.reviews", product_reviews_box)
    app.jinja_env.globals.update(reviews_of_order=reviews.of_order, review_open=reviews.can_review,
                                 review_editable=reviews.can_edit)
