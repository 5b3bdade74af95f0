"""Staff area. Deny by default: the blueprint guard refuses everyone but staff and admin, and lets a commune
officer (cán bộ xã) into the views marked `@open_to_communes` only: the producers, the listings awaiting review
and their decisions, each filtered to the officer's commune (`queries.*(…, viewer)`)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, confirming
from ..accounts import services as account_services
from ..accounts.models import Role
from ..accounts.permissions import STAFF_ROLES, guard_blueprint, may_open, open_to_communes
from ..accounts.services import users_by_id
from ..catalog import certificates as ocop_certificates
from ..catalog import hubs, listings, producers, services
from ..catalog.forms import PhotoForm, ProducerForm
from ..catalog.models import ProducerStatus, ProductStatus
from ..catalog.photo_upload import remove_photo, save_photos
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..paging import paginate
from ..places import Province
from ..programs import communes
from ..programs import listings as programs
from ..routing import parse_id
from . import audit_labels, queries
from .forms import CommuneOfficerForm, ConfirmForm, ReasonForm, SignalForm, StaffProductForm

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")
guard_blueprint(bp, *STAFF_ROLES)

PER_PAGE = 50


@bp.record_once
def _plug_in(state) -> None:
    # The staff menu and pages show a commune officer only the links their account may open.
    state.app.jinja_env.globals["staff_may_open"] = may_open
    # The audit log in words (issue 14): actions, what they were about, and their details.
    state.app.jinja_env.globals.update(audit_action_label=audit_labels.action_label,
                                       audit_entity_label=audit_labels.entity_label,
                                       audit_details=audit_labels.details)


def _status_arg(allowed) -> str | None:
    status = request.args.get("status") or None
    if status is not None and status not in set(allowed):
        abort(400)
    return status


@bp.get("/")
@open_to_communes
def index():
    return render_template(
        "admin/index.html",
        commune=current_user.commune_ref if current_user.is_commune_officer else None,
        pending_producers=queries.count_producers(ProducerStatus.PENDING, current_user),
        pending_products=queries.count_products(ProductStatus.PENDING, current_user),
        expiring=len(ocop_certificates.certificates_expiring()),
        days=ocop_certificates.EXPIRY_WARNING_DAYS,
    )


# ---------------------------------------------------------------- producers
@bp.get("/co-so/cho-xac-minh")
@open_to_communes
def producer_queue():
    result = paginate(queries.producers(ProducerStatus.PENDING, current_user), PER_PAGE)
    return render_template("admin/producers.html", result=result, status=ProducerStatus.PENDING, queue=True,
                           endpoint="admin.producer_queue", args={})


@bp.get("/co-so")
@open_to_communes
def producer_list():
    status = _status_arg(ProducerStatus)
    result = paginate(queries.producers(status, current_user), PER_PAGE)
    return render_template("admin/producers.html", result=result, status=status, queue=False,
                           statuses=list(ProducerStatus), endpoint="admin.producer_list",
                           args={"status": status} if status else {})


def _producer_page(producer, reject_form=None, status=200):
    return render_template(
        "admin/producer_detail.html", producer=producer, confirm_form=ConfirmForm(), hub=hubs.hub_of_producer(producer.id),
        reject_form=reject_form or ReasonForm(), history=_history("producer", producer.id),
    ), status


def _history(entity_type: str, entity_id: int):
    entries = audit.entries_for(entity_type, entity_id)
    return entries, users_by_id({e.actor_id for e in entries if e.actor_id})


@bp.get("/co-so/<id:producer_id>")
@open_to_communes
def producer_detail(producer_id: int):
    return _producer_page(queries.producer_or_404(producer_id, current_user))


@bp.post("/co-so/<id:producer_id>/xac-minh")
@open_to_communes
def producer_verify(producer_id: int):
    producer = queries.producer_or_404(producer_id, current_user)
    producers.verify_producer(current_user, producer)
    db.session.commit()
    flash(_("Đã xác minh cơ sở “%(name)s”.", name=producer.name), "success")
    return redirect(url_for(".producer_detail", producer_id=producer.id))


def _reject(record, reject, page, done_message: str, detail_endpoint: str, id_arg: str,
            question: confirming.Question):
    """Refuse a producer or a listing with a reason, after the confirm page (which shows the reason to check).

    The detail page's form posts here without `confirmed`: a reason given leads to the confirm page, a missing one
    re-renders the detail page with 400. A GET is the confirm page with an empty reason to fill in.
    """
    form = ReasonForm()
    if request.method == "GET":
        return confirming.page(question, fields=[form.reason])
    if form.validate_on_submit():
        if not confirming.is_confirmed():
            return confirming.page(question, fields=[form.reason])
        try:
            reject(current_user, record, form.reason.data)
        except InvalidInput as exc:
            form.reason.errors.append(exc.message)
        else:
            db.session.commit()
            flash(done_message, "success")
            return redirect(url_for(detail_endpoint, **{id_arg: record.id}))
    if confirming.is_confirmed():
        return confirming.page(question, fields=[form.reason], status=400)
    return page(record, reject_form=form, status=400)


@bp.route("/co-so/<id:producer_id>/tu-choi", methods=["GET", "POST"])
@open_to_communes
def producer_reject(producer_id: int):
    producer = queries.producer_or_404(producer_id, current_user)
    verified = producer.status == ProducerStatus.VERIFIED
    question = confirming.Question(
        title=(_("Thu hồi xác minh “%(name)s”?", name=producer.name) if verified
               else _("Từ chối hồ sơ “%(name)s”?", name=producer.name)),
        question=_("Cơ sở sẽ đọc được lý do dưới đây. Các sản phẩm của cơ sở không hiển thị công khai cho tới khi "
                   "hồ sơ được xác minh lại."),
        button=_("Có, thu hồi xác minh") if verified else _("Có, từ chối hồ sơ"),
        back_url=url_for(".producer_detail", producer_id=producer.id),
        facts=[(_("Cơ sở"), producer.name)],
    )
    return _reject(producer, producers.reject_producer, _producer_page,
                   _("Đã từ chối hồ sơ “%(name)s”.", name=producer.name), ".producer_detail", "producer_id",
                   question)


# ---------------------------------------------------------------- listings
@bp.get("/san-pham/cho-duyet")
@open_to_communes
def product_queue():
    result = paginate(queries.products(ProductStatus.PENDING, current_user), PER_PAGE)
    return render_template("admin/products.html", result=result, status=ProductStatus.PENDING, queue=True,
                           endpoint="admin.product_queue", args={})


@bp.get("/san-pham")
def product_list():
    status = _status_arg(ProductStatus)
    result = paginate(queries.products(status, current_user), PER_PAGE)
    return render_template("admin/products.html", result=result, status=status, queue=False,
                           statuses=list(ProductStatus), endpoint="admin.product_list",
                           args={"status": status} if status else {})


def _product_page(product, reject_form=None, status=200):
    return render_template(
        "admin/product_detail.html", p=product, confirm_form=ConfirmForm(),
        reject_form=reject_form or ReasonForm(), history=_history("product", product.id),
    ), status


@bp.get("/san-pham/<id:product_id>")
@open_to_communes
def product_detail(product_id: int):
    return _product_page(queries.product_or_404(product_id, current_user))


@bp.post("/san-pham/<id:product_id>/gui-duyet")
def product_submit(product_id: int):
    """Staff entering a listing for a household put it in the queue themselves."""
    product = queries.product_or_404(product_id, current_user)
    listings.submit_for_review(current_user, product)
    db.session.commit()
    flash(_("Đã chuyển “%(name)s” sang chờ duyệt.", name=product.name), "success")
    return redirect(url_for(".product_detail", product_id=product.id))


@bp.post("/san-pham/<id:product_id>/duyet")
@open_to_communes
def product_approve(product_id: int):
    product = queries.product_or_404(product_id, current_user)
    listings.approve_product(current_user, product)
    db.session.commit()
    if product.is_public:
        flash(_("Đã duyệt “%(name)s”; sản phẩm đã hiển thị công khai.", name=product.name), "success")
    else:
        flash(_("Đã duyệt “%(name)s”; sản phẩm sẽ hiển thị khi cơ sở được xác minh.", name=product.name), "info")
    return redirect(url_for(".product_detail", product_id=product.id))


@bp.route("/san-pham/<id:product_id>/tu-choi", methods=["GET", "POST"])
@open_to_communes
def product_reject(product_id: int):
    product = queries.product_or_404(product_id, current_user)
    question = confirming.Question(
        title=_("Từ chối sản phẩm “%(name)s”?", name=product.name),
        question=_("Hộ sản xuất sẽ đọc được lý do dưới đây; sản phẩm không hiển thị cho tới khi được sửa, gửi lại "
                   "và duyệt."),
        button=_("Có, từ chối sản phẩm"),
        back_url=url_for(".product_detail", product_id=product.id),
        facts=[(_("Sản phẩm"), product.name), (_("Cơ sở"), product.producer.name)],
    )
    return _reject(product, listings.reject_product, _product_page,
                   _("Đã từ chối “%(name)s”.", name=product.name), ".product_detail", "product_id", question)


# ---------------------------------------------------------------- certificates
@bp.get("/chung-nhan/sap-het-han")
def certificates():
    return render_template(
        "admin/certificates.html",
        expiring=ocop_certificates.certificates_expiring(),
        expired=ocop_certificates.certificates_expired_on_public_listings(),
        days=ocop_certificates.EXPIRY_WARNING_DAYS,
    )


# ---------------------------------------------------------------- audit log
@bp.get("/nhat-ky")
def audit_log():
    action = request.args.get("action") or None
    if action is not None and len(action) > 64:
        abort(400)
    raw_actor = request.args.get("actor") or None
    actor_id = parse_id(raw_actor) if raw_actor is not None else None
    if raw_actor is not None and actor_id is None:
        abort(400)
    result = paginate(queries.audit_entries(action, actor_id), PER_PAGE)
    users = users_by_id({e.actor_id for e in result.items if e.actor_id})
    return render_template(
        "admin/audit.html", result=result, users=users, action=action, actor_id=actor_id,
        actions=queries.audit_actions(), actors=queries.audit_actors(),
        args={k: v for k, v in {"action": action, "actor": raw_actor}.items() if v},
    )


# ---------------------------------------------------------------- on a household's behalf
# Many households have no smartphone: staff type the record, its listings, photos and certificate for
# them. The records carry created_by (shown as "Nhập bởi …") and every step writes an audit row.
def _form_error(form, err: DomainError) -> int:
    db.session.rollback()
    form.form_errors.append(err.message)
    return err.status_code


def _duplicate_producer(form, exclude_id: int | None = None) -> str | None:
    data = form.to_data()
    if queries.producer_with_place(data.name, data.commune, data.province_id, exclude_id=exclude_id):
        return _("Đã có cơ sở cùng tên ở xã/phường này; hãy mở hồ sơ đó thay vì tạo mới.")
    return None


@bp.route("/co-so/moi", methods=["GET", "POST"])
def producer_new():
    form = ProducerForm(provinces=services.provinces())
    status = 200
    if form.validate_on_submit():
        duplicate = _duplicate_producer(form)
        if duplicate:
            form.form_errors.append(duplicate)
            status = 409
        else:
            try:
                producer = producers.create_producer(current_user, form.to_data(), owner=None)
                db.session.commit()
            except DomainError as err:
                status = _form_error(form, err)
            except IntegrityError:  # entered at the same moment by someone else
                db.session.rollback()
                form.form_errors.append(_("Đã có cơ sở cùng tên ở xã/phường này."))
                status = 409
            else:
                flash(_("Đã tạo hồ sơ “%(name)s”. Hãy thêm sản phẩm, rồi xác minh cơ sở.", name=producer.name),
                      "success")
                return redirect(url_for(".producer_detail", producer_id=producer.id))
    elif form.is_submitted():
        status = 400
    return render_template("admin/producer_form.html", form=form, producer=None), status


@bp.route("/co-so/<id:producer_id>/sua", methods=["GET", "POST"])
@open_to_communes
def producer_edit(producer_id: int):
    producer = queries.producer_or_404(producer_id, current_user)
    form = ProducerForm(obj=producer, provinces=services.provinces())
    status = 200
    if form.validate_on_submit():
        duplicate = _duplicate_producer(form, exclude_id=producer.id)
        if duplicate:
            form.form_errors.append(duplicate)
            status = 409
        else:
            try:
                producers.update_producer(current_user, producer, form.to_data())
                db.session.commit()
            except DomainError as err:
                status = _form_error(form, err)
            else:
                flash(_("Đã lưu hồ sơ cơ sở."), "success")
                return redirect(url_for(".producer_detail", producer_id=producer.id))
    elif form.is_submitted():
        status = 400
    return render_template("admin/producer_form.html", form=form, producer=producer), status


@bp.route("/co-so/<id:producer_id>/san-pham/moi", methods=["GET", "POST"])
def product_new(producer_id: int):
    producer = queries.producer_or_404(producer_id, current_user)
    form = StaffProductForm(groups=services.groups(), projects=programs.project_choices(current_user))
    status = 200
    if form.validate_on_submit():
        try:
            product = programs.save_listing(current_user, producer, form.to_data(), form.certificate_data(),
                                            form.project_choice())
            db.session.commit()
        except DomainError as err:
            status = _form_error(form, err)
        else:
            flash(_("Đã lưu bản nháp “%(name)s”. Hãy thêm ảnh, chuyển sang chờ duyệt rồi duyệt.", name=product.name),
                  "success")
            return redirect(url_for(".product_photos", product_id=product.id))
    elif form.is_submitted():
        status = 400
    return render_template("admin/product_form.html", form=form, producer=producer, product=None), status


@bp.route("/san-pham/<id:product_id>/sua", methods=["GET", "POST"])
def product_edit(product_id: int):
    product = queries.product_or_404(product_id, current_user)
    form = StaffProductForm.for_product(
        product, groups=services.groups(), projects=programs.project_choices(current_user, product.support_project_id),
        support_project=product.support_project_id or "")
    status = 200
    if form.validate_on_submit():
        try:
            programs.save_listing(current_user, product.producer, form.to_data(), form.certificate_data(),
                                  form.project_choice(), product)
            db.session.commit()
        except DomainError as err:
            status = _form_error(form, err)
        else:
            flash(_("Đã lưu sản phẩm."), "success")
            return redirect(url_for(".product_detail", product_id=product.id))
    elif form.is_submitted():
        status = 400
    return render_template("admin/product_form.html", form=form, producer=product.producer, product=product), status


@bp.route("/san-pham/<id:product_id>/anh", methods=["GET", "POST"])
def product_photos(product_id: int):
    product = queries.product_or_404(product_id, current_user)
    form = PhotoForm()
    status = save_photos(form, product)
    if form.is_submitted() and status == 200:
        return redirect(url_for(".product_photos", product_id=product.id))
    return render_template("admin/photos.html", form=form, p=product,
                           max_photos=current_app.config["MAX_PHOTOS_PER_PRODUCT"]), status


@bp.post("/san-pham/<id:product_id>/anh/<id:image_id>/xoa")
def product_photo_delete(product_id: int, image_id: int):
    product = queries.product_or_404(product_id, current_user)
    remove_photo(product, image_id)
    return redirect(url_for(".product_photos", product_id=product.id))


# ---------------------------------------------------------------- communes: officers and the signal flag
def _staff_province() -> Province | None:
    """The province whose communes a page lists: staff their own; admin the one in ?province=CODE (default Cao
    Bằng's, the demo's, else the first by name)."""
    if current_user.role != Role.ADMIN:
        return db.session.get(Province, current_user.province_id) if current_user.province_id else None
    code = request.args.get("province") or "CB"
    if len(code) > 16:
        abort(400)
    province = db.session.scalar(select(Province).where(Province.code == code))
    if province is None and request.args.get("province"):
        abort(404)
    return province or db.session.scalar(select(Province).order_by(Province.name))


def _officers_page(form, province, status=200):
    provinces = list(db.session.scalars(select(Province).order_by(Province.name))) \
        if current_user.role == Role.ADMIN else []
    return render_template("admin/commune_officers.html", form=form, province=province, provinces=provinces,
                           officers=account_services.commune_officers(current_user)), status


@bp.route("/can-bo-xa", methods=["GET", "POST"])
def commune_officers():
    province = _staff_province()
    choices = [(c.id, f"{c.name} ({c.code})") for c in communes.communes_of(province.id)] if province else []
    form = CommuneOfficerForm(communes=choices)
    if not form.validate_on_submit():
        return _officers_page(form, province, 400 if form.is_submitted() else 200)
    commune = communes.commune_or_404(form.commune_id.data)
    try:
        officer = account_services.create_commune_officer(current_user, form.display_name.data, form.login.data,
                                                         form.password.data, commune)
        db.session.commit()
    except DomainError as err:
        return _officers_page(form, province, _form_error(form, err))
    flash(_("Đã tạo tài khoản cán bộ xã %(login)s cho %(commune)s.", login=officer.login_name, commune=commune.name),
          "success")
    return redirect(url_for(".commune_officers", province=province.code if province else None))


@bp.get("/xa")
def communes_page():
    province = _staff_province()
    return render_template("admin/communes.html", province=province,
                           communes=communes.communes_of(province.id) if province else [],
                           provinces=list(db.session.scalars(select(Province).order_by(Province.name)))
                           if current_user.role == Role.ADMIN else [], form=SignalForm(formdata=None))


@bp.post("/xa/<id:commune_id>/song")
def commune_signal(commune_id: int):
    commune = communes.commune_or_404(commune_id)
    form = SignalForm()
    if not form.validate_on_submit():
        abort(400)
    communes.set_no_signal(current_user, commune, form.no_signal.data == "1")
    db.session.commit()
    flash(_("Đã ghi: %(commune)s không có sóng di động, phát thanh.", commune=commune.name)
          if commune.no_signal else _("Đã ghi: %(commune)s có sóng.", commune=commune.name), "success")
    return redirect(url_for(".communes_page", province=commune.province.code) + f"#xa-{commune.code}")
