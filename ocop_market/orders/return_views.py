"""Return pages (trả hàng): the buyer asks from the order page; the producer, the hub that sells for the household,
and staff answer. Thin views over `returns`; the seller's pages are one set of routes registered twice, for the
producer's own area and for the hub area."""
from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import confirming
from ..accounts.models import Role
from ..accounts.permissions import STAFF_ROLES, guard_blueprint, guard_blueprint_for
from ..catalog import hubs, images
from ..catalog.models import Producer
from ..db_tx import transaction
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..money import format_vnd
from . import fulfilment, refunds, returns, services
from .forms import ReturnAnswerForm, ReturnForm
from .models import PaymentMethod, ProducerOrder, ReturnPhoto, ReturnReason, ReturnRequest, ReturnStatus

bp = Blueprint("returns", __name__)


def _send_card_refund(ret_order_id: int, method: str) -> None:
    """After the commit: a card refund goes to Stripe at once (the sweep retries one that fails)."""
    if method == PaymentMethod.CARD:
        refunds.send_card_refunds(fulfilment.card_gateway(current_app.config), ret_order_id)


# ---------------------------------------------------------------- buyer
def _quantities(po: ProducerOrder) -> dict[int, int]:
    """The `so-luong-<line id>` fields as whole numbers; anything else is the buyer's typing error."""
    out: dict[int, int] = {}
    for line in po.lines:
        raw = (request.form.get(f"so-luong-{line.id}") or "0").strip()
        if not raw.isdigit() or len(raw) > 4:
            raise InvalidInput(_("Số lượng trả của “%(name)s” phải là số nguyên từ 0 đến %(n)s.",
                                 name=line.product_name, n=line.quantity))
        out[line.id] = int(raw)
    return out


@bp.route("/don-hang/<code>/tra-hang/<id:po_id>", methods=["GET", "POST"])
@login_required
def ask(code: str, po_id: int):
    order = services.buyer_order(current_user, code)
    po = next((p for p in order.producer_orders if p.id == po_id), None)
    if po is None:
        abort(404)
    existing = returns.of_part(po.id)
    if existing is not None:
        return redirect(url_for("orders.order_detail", code=order.code, _anchor=f"tra-hang-{existing.id}"))
    if not returns.can_ask(po):
        flash(_("Phần đơn này không còn yêu cầu trả hàng được (chỉ trong %(n)s ngày sau khi giao).",
                n=returns.RETURN_DAYS), "error")
        return redirect(url_for("orders.order_detail", code=order.code)), 303
    form = ReturnForm()
    form.reason.choices = [(r.value, returns.reason_label(r)) for r in ReturnReason]
    status, error = 200, None
    entered = {line.id: request.form.get(f"so-luong-{line.id}", str(line.quantity)) for line in po.lines}
    if form.validate_on_submit():
        config = current_app.config
        stored: list = []
        try:
            ask_data = returns.ReturnAsk(quantities=_quantities(po), reason=form.reason.data,
                                         description=form.description.data or "", send_back=bool(form.send_back.data),
                                         photos=[f.read() for f in form.files()])
            with transaction():
                _ret, stored = returns.request_return(current_user, po, ask_data, config)
        except InvalidInput as err:
            status, error = 400, err.message
        except Exception:
            for s in stored:  # the commit failed: no photo outlives its row
                images.delete_files(config["UPLOAD_DIR"], s.stored_name, s.original_format)
            raise
        else:
            flash(_("Đã gửi yêu cầu trả hàng. Người bán sẽ trả lời; bạn được báo qua tin nhắn."), "success")
            return redirect(url_for("orders.order_detail", code=order.code))
    elif request.method == "POST":
        status = 400
    return render_template("orders/return_form.html", order=order, po=po, form=form, entered=entered, error=error,
                           deadline=returns.return_deadline(po), days=returns.RETURN_DAYS), status


def _may_see(ret: ReturnRequest) -> bool:
    user = current_user
    if user.is_staff or ret.buyer_id == user.id:
        return True
    producer = db.session.get(Producer, ret.producer_order.producer_id)
    if producer is not None and producer.owner_id == user.id:
        return True
    try:
        hubs.acting_hub(user, ret.producer_order.producer_id)
    except DomainError:
        return False
    return True


@bp.get("/tra-hang/<id:return_id>/anh/<id:photo_id>")
@login_required
def photo(return_id: int, photo_id: int):
    """A return's photo, only for the parties to it (buyer, seller, its hub, staff); 404 for anyone else."""
    image = db.session.scalar(select(ReturnPhoto).where(ReturnPhoto.id == photo_id,
                                                        ReturnPhoto.return_id == return_id))
    if image is None or not _may_see(db.session.get_one(ReturnRequest, return_id)):
        abort(404)
    size = 960 if request.args.get("lon") else 320
    path = images.thumb_path(current_app.config["UPLOAD_DIR"], image.stored_name, size)
    if not os.path.exists(path):
        abort(404)
    response = send_file(path, mimetype="image/webp", max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- seller: the producer, or the hub for it
def _seller_blueprint(name: str, prefix: str, as_role: str) -> Blueprint:
    seller = Blueprint(name, __name__, url_prefix=prefix)
    if as_role == "producer":
        guard_blueprint(seller, Role.PRODUCER)
        find = returns.for_producer
    else:
        guard_blueprint_for(seller, hubs.is_hub_member)  # as the hub area itself
        find = returns.for_hub

    def producer_ids() -> list[int]:
        if as_role == "producer":
            return list(db.session.scalars(select(Producer.id).where(Producer.owner_id == current_user.id)))
        return [p.id for p in hubs.households_of(current_user)]

    @seller.get("/")
    def index():
        # Those waiting for them first, in SQL: a Python sort after the LIMIT would lose older waiting ones.
        rows = list(db.session.scalars(
            select(ReturnRequest).join(ProducerOrder, ProducerOrder.id == ReturnRequest.producer_order_id)
            .where(ProducerOrder.producer_id.in_(producer_ids()))
            .order_by(ReturnRequest.status != ReturnStatus.REQUESTED, ReturnRequest.created_at.desc(),
                      ReturnRequest.id.desc()).limit(200)))
        return render_template("orders/returns_list.html", rows=rows, area=as_role,
                               detail_endpoint=f"{name}.detail")

    @seller.get("/<id:return_id>")
    def detail(return_id: int):
        ret = find(current_user, return_id)
        return render_template("orders/return_detail.html", ret=ret, area=as_role, form=ReturnAnswerForm(),
                               refund=returns.refund_of(ret), bp=name)

    @seller.route("/<id:return_id>/chap-nhan", methods=["GET", "POST"])
    def accept(return_id: int):
        """Accepting sends money back: it asks first (the confirm page's POST acts)."""
        ret = find(current_user, return_id)
        form = ReturnAnswerForm()
        if confirming.is_confirmed() and form.validate_on_submit():
            order_id, method = ret.order_id, ret.order.payment_method
            with transaction():
                returns.answer(ret, current_user, True, form.note.data or "", as_role)
            _send_card_refund(order_id, method)
            flash(_("Đã chấp nhận trả hàng; người mua được hoàn %(amount)s.",
                    amount=format_vnd(ret.refund_vnd)), "success")
            return redirect(url_for(".detail", return_id=ret.id))
        if ret.status != ReturnStatus.REQUESTED:
            return redirect(url_for(".detail", return_id=ret.id))
        return confirming.page(confirming.Question(
            title=_("Chấp nhận trả hàng đơn %(code)s?", code=ret.order.code),
            question=_("Người mua được hoàn tiền theo cách đã trả; số tiền được trừ vào số tiền Chợ OCOP nợ cơ sở."),
            button=_("Có, chấp nhận và hoàn tiền"),
            back_url=url_for(".detail", return_id=ret.id),
            facts=[(_("Đơn hàng"), ret.order.code), (_("Lý do"), returns.reason_label(ret.reason)),
                   (_("Sản phẩm"), "\n".join(f"{rl.order_line.product_name} × {rl.quantity}" for rl in ret.lines)),
                   (_("Số tiền hoàn"), ret.refund_vnd)],
        ), fields=[form.note], status=400 if form.errors else 200)

    @seller.post("/<id:return_id>/khong-dong-y")
    def dispute(return_id: int):
        ret = find(current_user, return_id)
        form = ReturnAnswerForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            with transaction():
                returns.answer(ret, current_user, False, form.note.data or "", as_role)
        except InvalidInput as err:
            form.note.errors = [err.message]
            return render_template("orders/return_detail.html", ret=ret, area=as_role, form=form,
                                   refund=returns.refund_of(ret), bp=name), 400
        flash(_("Đã gửi ý kiến không đồng ý; cán bộ chương trình sẽ quyết định."), "success")
        return redirect(url_for(".detail", return_id=ret.id))

    @seller.post("/<id:return_id>/da-nhan-hang")
    def goods_back(return_id: int):
        ret = find(current_user, return_id)
        if not ReturnAnswerForm().validate_on_submit():
            abort(400)
        with transaction():
            returns.receive_goods(ret, current_user, as_role)
        flash(_("Đã ghi nhận hàng trả về; số hàng được cộng lại vào kho."), "success")
        return redirect(url_for(".detail", return_id=ret.id))

    return seller


producer_bp = _seller_blueprint("producer_returns", "/gian-hang/tra-hang", "producer")
hub_bp = _seller_blueprint("hub_returns", "/trung-tam/tra-hang", "hub")


# ---------------------------------------------------------------- staff
staff_bp = Blueprint("staff_returns", __name__, url_prefix="/quan-tri/tra-hang")
guard_blueprint(staff_bp, *STAFF_ROLES)

#: URL words for a staff decision: for whom
SIDES = {"nguoi-mua": True, "nguoi-ban": False}


@staff_bp.get("/")
def staff_index():
    return render_template("orders/returns_list.html", rows=returns.staff_queue(), area="staff",
                           detail_endpoint="staff_returns.detail")


@staff_bp.get("/<id:return_id>")
def detail(return_id: int):
    ret = returns.for_staff(current_user, return_id)
    return render_template("orders/return_detail.html", ret=ret, area="staff", form=ReturnAnswerForm(),
                           refund=returns.refund_of(ret), bp="staff_returns")


@staff_bp.route("/<id:return_id>/quyet-dinh/<side>", methods=["GET", "POST"])
def decide(return_id: int, side: str):
    if side not in SIDES:
        abort(404)
    ret = returns.for_staff(current_user, return_id)
    for_buyer = SIDES[side]
    form = ReturnAnswerForm()
    form.note.label.text = _("Lý do quyết định (cả hai bên đọc được)")
    status = 200
    if confirming.is_confirmed() and form.validate_on_submit():
        order_id, method = ret.order_id, ret.order.payment_method
        try:
            with transaction():
                returns.decide(ret, current_user, for_buyer, form.note.data or "")
        except InvalidInput as err:
            form.note.errors = [err.message]
            status = 400
        else:
            if for_buyer:
                _send_card_refund(order_id, method)
            flash(_("Đã ghi quyết định."), "success")
            return redirect(url_for(".detail", return_id=ret.id))
    elif request.method == "POST":
        status = 400
    if ret.status != ReturnStatus.DISPUTED:
        return redirect(url_for(".detail", return_id=ret.id))
    return confirming.page(confirming.Question(
        title=_("Quyết định cho người mua?") if for_buyer else _("Quyết định cho người bán?"),
        question=_("Người mua được hoàn tiền; số tiền được trừ vào công nợ của cơ sở.") if for_buyer
        else _("Yêu cầu trả hàng bị từ chối; không có khoản hoàn tiền nào."),
        button=_("Có, hoàn tiền cho người mua") if for_buyer else _("Có, từ chối yêu cầu"),
        back_url=url_for(".detail", return_id=ret.id),
        facts=[(_("Đơn hàng"), ret.order.code), (_("Lý do người mua"), returns.reason_label(ret.reason)),
               (_("Ý kiến người bán"), ret.producer_note or "—"), (_("Số tiền hoàn"), ret.refund_vnd)],
    ), fields=[form.note], status=status)


def register(app) -> None:
    for blueprint in (bp, producer_bp, hub_bp, staff_bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals.update(return_status_label=returns.status_label, return_reason_label=returns.reason_label,
                                 returns_of_order=returns.of_order, return_open=returns.can_ask)
