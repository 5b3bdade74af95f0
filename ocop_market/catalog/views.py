"""Public catalog pages: home, list, product, producer, photos, QR code."""
from __future__ import annotations

import io
import os

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.sql.elements import UnaryExpression

from ..accounts import services as account_services
from ..extensions import db
from ..paging import paginate_capped
from ..response_cache import cached_for_visitors
from ..security import safe_next
from . import batches, images, labels, services, tiers
from .models import RATING_COUNT_BITS, Product, ProductImage

bp = Blueprint("catalog", __name__)

SORTS: dict[str, UnaryExpression] = {
    "newest": Product.created_at.desc(),
    "price_asc": Product.price_vnd.asc(),
    "price_desc": Product.price_vnd.desc(),
    #: "Bán chạy": the most units delivered first (ties: the newest listing)
    "best_selling": Product.sold_count.desc(),
    #: "Đánh giá cao": catalog.models.rating_key in SQL (average to two decimals, then count; none last)
    "top_rated": case((Product.rating_count > 0,
                       ((Product.rating_sum * 100) // Product.rating_count) * (1 << RATING_COUNT_BITS)
                       + case((Product.rating_count > (1 << RATING_COUNT_BITS) - 1, (1 << RATING_COUNT_BITS) - 1),
                              else_=Product.rating_count)), else_=0).desc(),
}


@bp.record_once
def _label_helpers(state) -> None:
    state.app.jinja_env.globals.update(
        producer_kind_label=lambda c: labels.label(labels.PRODUCER_KIND, c),
        household_category_label=lambda c: labels.label(labels.HOUSEHOLD_CATEGORY, c),
        producer_status_label=lambda c: labels.label(labels.PRODUCER_STATUS, c),
        product_status_label=lambda c: labels.label(labels.PRODUCT_STATUS, c),
        cert_level_label=lambda c: labels.label(labels.CERT_LEVEL, c),
        price_tiers_of=tiers.tiers_of,
    )


@bp.app_context_processor
def _nav():
    return {"nav_groups": services.groups}  # read once per request (services.groups)


@bp.get("/")
@cached_for_visitors
def home():
    newest = db.session.scalars(services.public_products().order_by(Product.created_at.desc()).limit(8)).all()
    return render_template("catalog/home.html", newest=newest, groups=services.groups())


@bp.get("/san-pham")
@cached_for_visitors
def product_list():
    sort = request.args.get("sort", "newest")
    if sort not in SORTS:
        abort(400)
    group_code = request.args.get("group") or None
    group = None
    q = services.public_products()
    if group_code:
        group = services.group_by_code(group_code)
        if group is None:
            abort(404)
        q = q.where(Product.group_id == group.id)
    # The total up to a cap ("hơn 1.000 sản phẩm"), counted in the page's own statement.
    result = paginate_capped(q.order_by(SORTS[sort], Product.id.desc()), current_app.config["PRODUCTS_PER_PAGE"])
    page = result.page
    if page > max(1, result.pages):
        abort(404)
    return render_template(
        "catalog/list.html", items=result.items, total=result.total, total_is_exact=result.total_is_exact,
        page=page, pages=result.pages, group=group, sort=sort,
        args={k: v for k, v in {"group": group_code, "sort": sort if sort != "newest" else None}.items() if v},
    )


@bp.get("/san-pham/<slug>")
@cached_for_visitors
def product_detail(slug: str):
    product = services.get_public_product(slug)
    return render_template("catalog/product.html", p=product, page_url=url_for(".product_detail", slug=slug, _external=True))


@bp.get("/san-pham/<slug>/qr.svg")
def product_qr(slug: str):
    product = services.get_public_product(slug)
    qr = segno.make(url_for(".product_detail", slug=product.slug, _external=True), error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="svg", scale=4, border=2, dark="#0f3d28")
    resp = make_response(buf.getvalue())
    resp.headers["Content-Type"] = "image/svg+xml"
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


@bp.get("/truy-xuat/<slug>/<lot>")
def trace(slug: str, lot: str):
    """What a traceability stamp's QR opens: the lot, its product, producer and certificate (valid or not today).
    Not in the response cache: a lot page is rare and each scan should read the certificate's state afresh."""
    batch = batches.traced_batch(slug, lot)
    return render_template("catalog/trace.html", batch=batch, p=batch.product)


@bp.get("/truy-xuat/<slug>/<lot>/qr.svg")
def trace_qr(slug: str, lot: str):
    batch = batches.traced_batch(slug, lot)
    resp = make_response(batches.qr_svg(url_for(".trace", slug=slug, lot=batch.lot_code, _external=True)))
    resp.headers["Content-Type"] = "image/svg+xml"
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


@bp.get("/co-so/<slug>")
@cached_for_visitors
def producer_page(slug: str):
    producer = services.get_public_producer(slug)
    items = db.session.scalars(
        services.public_products().where(Product.producer_id == producer.id).order_by(Product.created_at.desc())
    ).all()
    return render_template("catalog/producer.html", producer=producer, items=items)


@bp.get("/anh/<size>/<name>")
def media(size: str, name: str):
    """Photos by random name. Thumbnails are WebP; 'original' returns the re-encoded original."""
    if not name.isalnum() or len(name) > 64:
        abort(404)
    upload_dir = current_app.config["UPLOAD_DIR"]
    if size in ("320", "960"):
        path = images.thumb_path(upload_dir, name, int(size))
        if not os.path.exists(path):
            image = db.session.scalar(select(ProductImage).where(ProductImage.stored_name == name))
            if image is None:
                abort(404)
            try:
                images.rebuild_thumbnails(upload_dir, name, image.original_format)
            except FileNotFoundError:
                abort(404)  # the original is gone (a deleted photo whose row survived)
        return send_file(path, mimetype="image/webp", max_age=31536000)
    if size == "original":
        image = db.session.scalar(select(ProductImage).where(ProductImage.stored_name == name))
        if image is None:
            abort(404)
        path = images.original_path(upload_dir, name, image.original_format)
        if not os.path.exists(path):
            abort(404)
        return send_file(path, max_age=31536000)
    abort(404)


@bp.get("/ngon-ngu/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    if current_user.is_authenticated and current_user.locale != code:
        # Whoever reads the site in a language gets their messages in it too (changeable on their notifications page).
        account_services.set_message_locale(current_user._get_current_object(), code)
        db.session.commit()
    resp = redirect(safe_next(request.args.get("next"), url_for(".home")))
    resp.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                    secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return resp
