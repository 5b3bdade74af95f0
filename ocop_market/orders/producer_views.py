"""The producer's orders (đơn hàng của gian hàng): only their own part of each order, and their balance."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import confirming, slots
from ..accounts.models import Role
from ..accounts.permissions import guard_blueprint
from ..catalog import services as catalog
from ..db_tx import transaction
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..payments import ledger
from ..validators import show_on_form
from . import fulfilment, receipts, rules, services, vat
from .forms import NoteForm, VatIssuedForm
from .models import OrderStatus

bp = Blueprint("producer_orders", __name__, url_prefix="/gian-hang/don-hang")
guard_blueprint(bp, Role.PRODUCER)

#: URL words for the steps a producer takes
ACTIONS = {"xac-nhan": OrderStatus.CONFIRMED, "giao-hang": OrderStatus.SHIPPED, "da-giao": OrderStatus.DELIVERED,
           "huy": OrderStatus.CANCELLED}
ACTION_OF: dict[str, str] = {v: k for k, v in ACTIONS.items()}


#: how many new orders the dashboard lists before "see all"
DASHBOARD_NEW_ORDERS = 5


def new_orders_box(_slot: str, producer=None) -> str | None:
    """The producer's dashboard opens with the orders waiting for them (issue 14): a count and the newest few."""
    if producer is None:
        return None
    waiting = services.count_waiting([producer])
    items = list(db.session.scalars(services.producer_orders(producer, OrderStatus.PLACED)
                                    .limit(DASHBOARD_NEW_ORDERS))) if waiting else []
    return render_template("orders/_dashboard_new.html", waiting=waiting, items=items)


@bp.record_once
def _setup(state):
    slots.register("catalog.producer.dashboard.first", new_orders_box)


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


def part_steps(po) -> list[tuple[str, str]]:
    """(URL word, target state) of the buttons on a part's page, for its producer or the household's hub.

    Declining is not among them: it is a link to its confirm page (`decline_or_ask`)."""
    return [(ACTION_OF[to], to) for to in rules.next_steps(po.status, "producer")
            if to in ACTION_OF and to != OrderStatus.CANCELLED]


def can_decline(po) -> bool:
    return rules.can_move(po.status, OrderStatus.CANCELLED, "producer")


def move_and_show(po, to: str, note: str, as_role: str, detail_endpoint: str):
    fulfilment.move_part(po, to, current_user, as_role, note, fulfilment.card_gateway(current_app.config))
    flash(_("Đơn %(code)s: %(state)s.", code=po.order.code, state=services.status_label(to)), "success")
    return redirect(url_for(detail_endpoint, po_id=po.id))


def decline_or_ask(po, as_role: str, detail_endpoint: str):
    """Declining (or cancelling) asks first, for the household and for its hub alike (issue 14): only the
    confirm page's POST, with its note, moves the part; anything else shows the confirm page."""
    form = NoteForm()
    if confirming.is_confirmed() and form.validate_on_submit():
        return move_and_show(po, OrderStatus.CANCELLED, form.note.data or "", as_role, detail_endpoint)
    form.note.label.text = _("Lý do (người mua đọc được, không bắt buộc)")
    if not can_decline(po):
        raise Conflict(_("Đơn này không còn hủy được (đang ở bước “%(s)s”).", s=services.status_label(po.status)))
    order = po.order
    placed = po.status == OrderStatus.PLACED
    return confirming.page(confirming.Question(
        title=_("Từ chối đơn %(code)s?", code=order.code) if placed else _("Hủy đơn %(code)s?", code=order.code),
        question=_("Người mua %(name)s sẽ được báo rằng đơn bị hủy; hàng được trả lại vào kho.",
                   name=order.contact_name),
        button=_("Có, từ chối đơn") if placed else _("Có, hủy đơn"),
        back_url=url_for(detail_endpoint, po_id=po.id),
        facts=[(_("Đơn hàng"), order.code),
               (_("Sản phẩm"), "\n".join(f"{line.product_name} × {line.quantity}" for line in po.lines)),
               (_("Cộng"), po.total_vnd)],
    ), fields=[form.note], status=400 if form.errors else 200)


@bp.get("/<id:po_id>")
def detail(po_id: int):
    producer = _producer()
    po = services.producer_order_of(producer, po_id)
    return render_template("orders/producer_detail.html", producer=producer, po=po, steps=part_steps(po),
                           form=NoteForm(), can_decline=can_decline(po))


@bp.get("/<id:po_id>/bien-nhan")
def receipt(po_id: int):
    return receipts.receipt_response(services.producer_order_of(_producer(), po_id))


@bp.route("/<id:po_id>/hoa-don-gtgt", methods=["GET", "POST"])
def vat_invoice(po_id: int):
    """The buyer's VAT invoice request on this part, and the number of the invoice once the producer issued it."""
    po = services.producer_order_of(_producer(), po_id)
    if po.vat_invoice is None:
        raise NotFound(_("Người mua chưa yêu cầu hóa đơn GTGT cho phần đơn này."))
    form = VatIssuedForm()
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                vat.mark_issued(current_user, po, form.invoice_number.data or "")
        except DomainError as err:
            status = show_on_form(form, err)
        else:
            flash(_("Đã ghi nhận hóa đơn GTGT số %(n)s; người mua được báo.", n=po.vat_invoice.invoice_number), "success")
            return redirect(url_for(".detail", po_id=po.id))
    elif form.is_submitted():
        status = 400
    return render_template("orders/vat_issue.html", po=po, vat=po.vat_invoice, form=form), status


@bp.route("/<id:po_id>/huy", methods=["GET", "POST"])
def decline(po_id: int):
    return decline_or_ask(services.producer_order_of(_producer(), po_id), "producer", ".detail")


@bp.post("/<id:po_id>/<action>")
def move(po_id: int, action: str):
    producer = _producer()
    to = ACTIONS.get(action)
    if to is None:
        abort(404)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return move_and_show(services.producer_order_of(producer, po_id), to, form.note.data or "", "producer",
                         ".detail")


@bp.get("/so-du")
def balance():
    producer = _producer()
    return render_template("orders/producer_ledger.html", producer=producer, balance=ledger.balance(producer.id),
                           entries=ledger.entries(producer.id))
