"""The producer's orders (đơn hàng của gian hàng): only their own part of each order, and their balance."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import confirming
from ..accounts.models import Role
from ..accounts.permissions import guard_blueprint
from ..catalog import services as catalog
from ..errors import Conflict
from ..extensions import db
from ..payments import ledger
from . import fulfilment, rules, services
from .forms import NoteForm
from .models import OrderStatus

bp = Blueprint("producer_orders", __name__, url_prefix="/gian-hang/don-hang")
guard_blueprint(bp, Role.PRODUCER)

#: URL words for the steps a producer takes
ACTIONS = {"xac-nhan": OrderStatus.CONFIRMED, "giao-hang": OrderStatus.SHIPPED, "da-giao": OrderStatus.DELIVERED,
           "huy": OrderStatus.CANCELLED}
ACTION_OF: dict[str, str] = {v: k for k, v in ACTIONS.items()}


def _producer():
    producer = catalog.producer_of(current_user)
    if producer is None:
        abort(redirect(url_for("producer.onboarding")))
    return producer


@bp.get("/")
def index():
    producer = _producer()
    status = request.args.get("status") or None
    if status is not None and status not in set(OrderStatus):
        abort(400)
    items = list(db.session.scalars(services.producer_orders(producer, status).limit(200)))
    return render_template("orders/producer_list.html", producer=producer, items=items, status=status,
                           statuses=list(OrderStatus), balance=ledger.balance(producer.id))


@bp.get("/<id:po_id>")
def detail(po_id: int):
    producer = _producer()
    po = services.producer_order_of(producer, po_id)
    allowed = rules.next_steps(po.status, "producer")
    # Declining is not one of the buttons: it is a link to its confirm page (`decline`, which also owns /huy).
    steps = [(ACTION_OF[to], to) for to in allowed if to in ACTION_OF and to != OrderStatus.CANCELLED]
    return render_template("orders/producer_detail.html", producer=producer, po=po, steps=steps, form=NoteForm(),
                           can_decline=OrderStatus.CANCELLED in allowed)


@bp.route("/<id:po_id>/huy", methods=["GET", "POST"])
def decline(po_id: int):
    """Declining (or cancelling) asks first; only the confirm page's POST, with its note, moves the order."""
    producer = _producer()
    po = services.producer_order_of(producer, po_id)
    form = NoteForm()
    if confirming.is_confirmed() and form.validate_on_submit():
        return _move(po, OrderStatus.CANCELLED, form.note.data or "")
    form.note.label.text = _("Lý do (người mua đọc được, không bắt buộc)")
    if not rules.can_move(po.status, OrderStatus.CANCELLED, "producer"):
        raise Conflict(_("Đơn này không còn hủy được (đang ở bước “%(s)s”).", s=services.status_label(po.status)))
    order = po.order
    title = _("Từ chối đơn %(code)s?", code=order.code) if po.status == OrderStatus.PLACED \
        else _("Hủy đơn %(code)s?", code=order.code)
    return confirming.page(confirming.Question(
        title=title,
        question=_("Người mua %(name)s sẽ được báo rằng đơn bị hủy; hàng được trả lại vào kho.",
                   name=order.contact_name),
        button=_("Có, từ chối đơn") if po.status == OrderStatus.PLACED else _("Có, hủy đơn"),
        back_url=url_for(".detail", po_id=po.id),
        facts=[(_("Đơn hàng"), order.code),
               (_("Sản phẩm"), "\n".join(f"{line.product_name} × {line.quantity}" for line in po.lines)),
               (_("Cộng"), po.total_vnd)],
    ), fields=[form.note], status=400 if form.errors else 200)


@bp.post("/<id:po_id>/<action>")
def move(po_id: int, action: str):
    producer = _producer()
    to = ACTIONS.get(action)
    if to is None:
        abort(404)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return _move(services.producer_order_of(producer, po_id), to, form.note.data or "")


def _move(po, to: str, note: str):
    fulfilment.move_part(po, to, current_user, "producer", note, fulfilment.card_gateway(current_app.config))
    flash(_("Đơn %(code)s: %(state)s.", code=po.order.code, state=services.status_label(to)), "success")
    return redirect(url_for(".detail", po_id=po.id))


@bp.get("/so-du")
def balance():
    producer = _producer()
    return render_template("orders/producer_ledger.html", producer=producer, balance=ledger.balance(producer.id),
                           entries=ledger.entries(producer.id))
