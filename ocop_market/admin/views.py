"""Staff area. Deny by default: the blueprint guard refuses everyone but staff and admin."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.permissions import STAFF_ROLES, guard_blueprint
from ..catalog import services
from ..catalog.models import ProducerStatus, ProductStatus
from ..errors import InvalidInput
from ..extensions import db
from . import queries
from .forms import ConfirmForm, ReasonForm

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")
guard_blueprint(bp, *STAFF_ROLES)

PER_PAGE = 50


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        abort(400)
    return int(raw)


def _status_arg(allowed) -> str | None:
    status = request.args.get("status") or None
    if status is not None and status not in set(allowed):
        abort(400)
    return status


@bp.get("/")
def index():
    return render_template(
        "admin/index.html",
        pending_producers=queries.count_producers(ProducerStatus.PENDING),
        pending_products=queries.count_products(ProductStatus.PENDING),
        expiring=len(queries.certificates_expiring()),
        days=queries.EXPIRY_WARNING_DAYS,
    )


# ---------------------------------------------------------------- producers
@bp.get("/co-so/cho-xac-minh")
def producer_queue():
    result = queries.paginate(queries.producers(ProducerStatus.PENDING), _page_arg(), PER_PAGE)
    return render_template("admin/producers.html", result=result, status=ProducerStatus.PENDING, queue=True,
                           endpoint="admin.producer_queue", args={})


@bp.get("/co-so")
def producer_list():
    status = _status_arg(ProducerStatus)
    result = queries.paginate(queries.producers(status), _page_arg(), PER_PAGE)
    return render_template("admin/producers.html", result=result, status=status, queue=False,
                           statuses=list(ProducerStatus), endpoint="admin.producer_list",
                           args={"status": status} if status else {})


def _producer_page(producer, reject_form=None, status=200):
    return render_template(
        "admin/producer_detail.html", producer=producer, confirm_form=ConfirmForm(),
        reject_form=reject_form or ReasonForm(), history=_history("producer", producer.id),
    ), status


def _history(entity_type: str, entity_id: int):
    entries = queries.audit_for(entity_type, entity_id)
    return entries, queries.users_by_id({e.actor_id for e in entries if e.actor_id})


@bp.get("/co-so/<int:producer_id>")
def producer_detail(producer_id: int):
    return _producer_page(queries.producer_or_404(producer_id))


@bp.post("/co-so/<int:producer_id>/xac-minh")
def producer_verify(producer_id: int):
    producer = queries.producer_or_404(producer_id)
    services.verify_producer(current_user, producer)
    db.session.commit()
    flash(_("Đã xác minh cơ sở “%(name)s”.", name=producer.name), "success")
    return redirect(url_for(".producer_detail", producer_id=producer.id))


@bp.post("/co-so/<int:producer_id>/tu-choi")
def producer_reject(producer_id: int):
    producer = queries.producer_or_404(producer_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _producer_page(producer, reject_form=form, status=400)
    try:
        services.reject_producer(current_user, producer, form.reason.data)
    except InvalidInput as exc:
        form.reason.errors.append(exc.message)
        return _producer_page(producer, reject_form=form, status=400)
    db.session.commit()
    flash(_("Đã từ chối hồ sơ “%(name)s”.", name=producer.name), "success")
    return redirect(url_for(".producer_detail", producer_id=producer.id))


# ---------------------------------------------------------------- listings
@bp.get("/san-pham/cho-duyet")
def product_queue():
    result = queries.paginate(queries.products(ProductStatus.PENDING), _page_arg(), PER_PAGE)
    return render_template("admin/products.html", result=result, status=ProductStatus.PENDING, queue=True,
                           endpoint="admin.product_queue", args={})


@bp.get("/san-pham")
def product_list():
    status = _status_arg(ProductStatus)
    result = queries.paginate(queries.products(status), _page_arg(), PER_PAGE)
    return render_template("admin/products.html", result=result, status=status, queue=False,
                           statuses=list(ProductStatus), endpoint="admin.product_list",
                           args={"status": status} if status else {})


def _product_page(product, reject_form=None, status=200):
    return render_template(
        "admin/product_detail.html", p=product, confirm_form=ConfirmForm(),
        reject_form=reject_form or ReasonForm(), history=_history("product", product.id),
    ), status


@bp.get("/san-pham/<int:product_id>")
def product_detail(product_id: int):
    return _product_page(queries.product_or_404(product_id))


@bp.post("/san-pham/<int:product_id>/gui-duyet")
def product_submit(product_id: int):
    """Staff entering a listing for a household put it in the queue themselves."""
    product = queries.product_or_404(product_id)
    services.submit_for_review(current_user, product)
    db.session.commit()
    flash(_("Đã chuyển “%(name)s” sang chờ duyệt.", name=product.name), "success")
    return redirect(url_for(".product_detail", product_id=product.id))


@bp.post("/san-pham/<int:product_id>/duyet")
def product_approve(product_id: int):
    product = queries.product_or_404(product_id)
    services.approve_product(current_user, product)
    db.session.commit()
    if product.is_public:
        flash(_("Đã duyệt “%(name)s”; sản phẩm đã hiển thị công khai.", name=product.name), "success")
    else:
        flash(_("Đã duyệt “%(name)s”; sản phẩm sẽ hiển thị khi cơ sở được xác minh.", name=product.name), "info")
    return redirect(url_for(".product_detail", product_id=product.id))


@bp.post("/san-pham/<int:product_id>/tu-choi")
def product_reject(product_id: int):
    product = queries.product_or_404(product_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _product_page(product, reject_form=form, status=400)
    try:
        services.reject_product(current_user, product, form.reason.data)
    except InvalidInput as exc:
        form.reason.errors.append(exc.message)
        return _product_page(product, reject_form=form, status=400)
    db.session.commit()
    flash(_("Đã từ chối “%(name)s”.", name=product.name), "success")
    return redirect(url_for(".product_detail", product_id=product.id))


# ---------------------------------------------------------------- certificates
@bp.get("/chung-nhan/sap-het-han")
def certificates():
    return render_template(
        "admin/certificates.html",
        expiring=queries.certificates_expiring(),
        expired=queries.certificates_expired_on_public_listings(),
        days=queries.EXPIRY_WARNING_DAYS,
    )


# ---------------------------------------------------------------- audit log
@bp.get("/nhat-ky")
def audit_log():
    action = request.args.get("action") or None
    if action is not None and len(action) > 64:
        abort(400)
    raw_actor = request.args.get("actor") or None
    if raw_actor is not None and (not raw_actor.isdigit() or len(raw_actor) > 12):
        abort(400)
    actor_id = int(raw_actor) if raw_actor else None
    result = queries.paginate(queries.audit_entries(action, actor_id), _page_arg(), PER_PAGE)
    users = queries.users_by_id({e.actor_id for e in result.items if e.actor_id})
    return render_template(
        "admin/audit.html", result=result, users=users, action=action, actor_id=actor_id,
        actions=queries.audit_actions(), actors=queries.audit_actors(),
        args={k: v for k, v in {"action": action, "actor": raw_actor}.items() if v},
    )
