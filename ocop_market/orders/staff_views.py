"""Staff view of every order: filters, payment state, event log, transfers received, refunds, payouts."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import confirming
from ..accounts.permissions import STAFF_ROLES, guard_blueprint
from ..catalog.models import Producer
from ..db_tx import transaction
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..paging import paginate
from ..payments import ledger, records
from ..payments.models import Payment, PaymentKind
from . import fulfilment, receipts, rules, services
from .forms import NoteForm, PayoutForm
from .models import OrderStatus, PaymentMethod, PaymentStatus

bp = Blueprint("staff_orders", __name__, url_prefix="/quan-tri/don-hang")
guard_blueprint(bp, *STAFF_ROLES)

PER_PAGE = 50


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in {str(v) for v in allowed}:
        abort(400)
    return value


@bp.get("/")
def index():
    status = _choice("status", OrderStatus)
    method = _choice("method", PaymentMethod)
    pay = _choice("payment", PaymentStatus)
    code = (request.args.get("code") or "").strip()[:20] or None
    result = paginate(services.staff_orders(status, method, pay, code), PER_PAGE)
    orders = list(result.items)
    args = {k: v for k, v in {"status": status, "method": method, "payment": pay, "code": code}.items() if v}
    return render_template("orders/staff_list.html", orders=orders, result=result, args=args,
                           excess=records.excess_refunds([o.id for o in orders]),
                           status=status, method=method, pay=pay, code=code or "",
                           statuses=list(OrderStatus), methods=list(PaymentMethod), pays=list(PaymentStatus))


@bp.get("/<code>")
def detail(code: str):
    order = services.order_by_code(code)
    payment_rows = records.of_order(order.id)
    steps = {po.id: rules.next_steps(po.status, "staff") for po in order.producer_orders}
    return render_template("orders/staff_detail.html", order=order, payments=payment_rows, steps=steps,
                           excess=records.excess_refunds([order.id]).get(order.id, 0),
                           form=NoteForm(), PaymentKind=PaymentKind)


@bp.get("/<code>/bien-nhan/<id:po_id>")
def receipt(code: str, po_id: int):
    return receipts.receipt_response(services.part_of(services.order_by_code(code), po_id))


@bp.post("/<code>/da-nhan-chuyen-khoan")
def transfer_received(code: str):
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    order = services.order_by_code(code)
    with transaction():
        fulfilment.mark_transfer_received(order, current_user, form.note.data or "")
    flash(_("Đã ghi nhận chuyển khoản cho đơn %(code)s.", code=order.code), "success")
    return redirect(url_for(".detail", code=code))


@bp.route("/<code>/phan/<id:po_id>/<to>", methods=["GET", "POST"])
def move(code: str, po_id: int, to: str):
    if to not in set(OrderStatus):
        abort(404)
    if request.method == "GET" and to != OrderStatus.CANCELLED:
        return redirect(url_for(".detail", code=code))
    form = NoteForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    order = services.order_by_code(code)
    po = next((p for p in order.producer_orders if p.id == po_id), None)
    if po is None:
        abort(404)
    if to == OrderStatus.CANCELLED and not confirming.is_confirmed():
        # Cancelling for the buyer or the producer asks first (issue 14), with the note carried to the page.
        if not rules.can_move(po.status, to, "staff"):
            raise Conflict(_("Không thể hủy phần đơn đang ở bước “%(s)s”.", s=services.status_label(po.status)))
        form.note.label.text = _("Lý do (ghi vào nhật ký đơn)")
        return confirming.page(confirming.Question(
            title=_("Hủy phần đơn của “%(name)s”?", name=po.producer.name),
            question=_("Phần đơn này sẽ bị hủy, hàng trả lại kho; người mua và người bán được báo. Nếu đơn đã "
                       "thanh toán, một khoản hoàn tiền được tạo."),
            button=_("Có, hủy phần đơn"),
            back_url=url_for(".detail", code=order.code),
            facts=[(_("Đơn hàng"), order.code), (_("Người mua"), order.contact_name), (_("Cộng"), po.total_vnd)],
        ), fields=[form.note])
    fulfilment.move_part(po, to, current_user, "staff", form.note.data or "",
                         fulfilment.card_gateway(current_app.config))
    flash(_("Đã chuyển sang “%(s)s”.", s=services.status_label(to)), "success")
    return redirect(url_for(".detail", code=code))


@bp.post("/hoan-tien/<id:refund_id>")
def refund_sent(refund_id: int):
    if not NoteForm().validate_on_submit():
        abort(400)
    refund = db.session.get(Payment, refund_id)
    if refund is None:
        abort(404)
    code = refund.order.code
    with transaction():
        fulfilment.mark_refund_sent(refund_id, current_user)
    flash(_("Đã ghi nhận hoàn tiền."), "success")
    return redirect(url_for(".detail", code=code))


@bp.get("/cong-no")
def ledger_index():
    return render_template("orders/staff_ledger.html", rows=ledger.balances())


@bp.route("/cong-no/<id:producer_id>", methods=["GET", "POST"])
def producer_ledger(producer_id: int):
    producer = db.session.get(Producer, producer_id)
    if producer is None:
        abort(404)
    form = PayoutForm()
    status = 200
    if form.validate_on_submit():
        balance = ledger.balance(producer.id)
        if form.amount_vnd > balance:  # said before the confirm page; record_payout checks again under a lock
            form.amount.errors = [_("Số tiền vượt quá số đang nợ hộ sản xuất.")]
            status = 400
        elif not confirming.is_confirmed():
            return _confirm_payout(producer, form, balance)
        else:
            try:
                with transaction():
                    ledger.record_payout(current_user, producer, form.amount_vnd, form.reference.data or "",
                                         form.note.data or "")
            except InvalidInput as exc:
                form.amount.errors = [exc.message]
                status = 400
            else:
                flash(_("Đã ghi nhận chi trả."), "success")
                return redirect(url_for(".producer_ledger", producer_id=producer.id))
    elif request.method == "POST":
        status = 400
    return render_template("orders/staff_producer_ledger.html", producer=producer, form=form,
                           balance=ledger.balance(producer.id), entries=ledger.entries(producer.id)), status


def _confirm_payout(producer: Producer, form: PayoutForm, balance: int):
    """Money leaves the account: the amount, its reference and what stays owed are shown once more first."""
    return confirming.page(confirming.Question(
        title=_("Ghi nhận chi trả cho “%(name)s”?", name=producer.name),
        question=_("Khoản chi trả được ghi vào sổ công nợ của cơ sở và không sửa hay xoá được."),
        button=_("Có, ghi nhận chi trả"),
        back_url=url_for(".producer_ledger", producer_id=producer.id),
        facts=[(_("Số tiền"), form.amount_vnd), (_("Mã giao dịch chuyển khoản"), form.reference.data or "—"),
               (_("Ghi chú"), form.note.data or "—"), (_("Đang nợ"), balance),
               (_("Còn nợ sau chi trả"), balance - form.amount_vnd)],
    ), carry={"amount": form.amount_vnd, "reference": form.reference.data or "", "note": form.note.data or ""})
