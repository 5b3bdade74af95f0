"""Staff view of every order: filters, payment state, event log, transfers received, refunds, payouts."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.permissions import STAFF_ROLES, guard_blueprint
from ..catalog.models import Producer
from ..db_tx import transaction
from ..errors import InvalidInput
from ..extensions import db
from ..paging import paginate
from ..payments import ledger, records
from ..payments.models import Payment, PaymentKind
from . import fulfilment, rules, services
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


@bp.post("/<code>/phan/<id:po_id>/<to>")
def move(code: str, po_id: int, to: str):
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    if to not in set(OrderStatus):
        abort(404)
    order = services.order_by_code(code)
    po = next((p for p in order.producer_orders if p.id == po_id), None)
    if po is None:
        abort(404)
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
