"""The one-tap page behind the link in a producer's new-order message: confirm or decline without logging in."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import confirming
from ..errors import Conflict, DomainError, Expired
from ..extensions import db
from . import fulfilment, links, services
from .forms import NoteForm
from .models import OrderStatus, ProducerOrder

bp = Blueprint("order_links", __name__)

ACTIONS = {"xac-nhan": OrderStatus.CONFIRMED, "tu-choi": OrderStatus.CANCELLED}


def _part(token: str) -> ProducerOrder:
    try:
        part_id = links.part_of(token)
        po = db.session.get(ProducerOrder, part_id) if part_id < 2**31 else None
        if po is None:
            abort(404)
        links.check_token(token, po.producer_id)
    except links.BadLink:
        abort(404)
    except links.ExpiredLink:
        raise Expired(_("Liên kết này đã hết hạn (72 giờ). Hãy mở đơn trong mục Đơn hàng của gian hàng, "
                        "hoặc nhắn OK hay HUY kèm mã đơn.")) from None
    return po


@bp.get("/d/<token>")
def show(token: str):
    po = _part(token)
    return render_template("orders/one_tap.html", po=po, order=po.order, token=token, form=NoteForm(),
                           waiting=po.status == OrderStatus.PLACED, status_label=services.status_label)


@bp.post("/d/<token>/<action>")
def act(token: str, action: str):
    to = ACTIONS.get(action)
    if to is None:
        abort(404)
    po = _part(token)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    if to == OrderStatus.CANCELLED and po.status == OrderStatus.PLACED and not confirming.is_confirmed():
        # Declining from the message's link asks first too (issue 14): one tap on the phone must not undo a sale.
        form.note.label.text = _("Lý do từ chối (người mua sẽ thấy)")
        return confirming.page(confirming.Question(
            title=_("Từ chối đơn %(code)s?", code=po.order.code),
            question=_("Người mua %(name)s sẽ được báo rằng đơn bị hủy; hàng được trả lại vào kho.",
                       name=po.order.contact_name),
            button=_("Có, từ chối đơn"),
            back_url=url_for(".show", token=token),
            facts=[(_("Đơn hàng"), po.order.code),
                   (_("Sản phẩm"), "\n".join(f"{line.product_name} × {line.quantity}" for line in po.lines)),
                   (_("Cộng"), po.total_vnd)],
        ), fields=[form.note])
    owner = po.producer.owner
    note = form.note.data or (_("Xác nhận qua liên kết trong tin nhắn") if to == OrderStatus.CONFIRMED
                              else _("Từ chối qua liên kết trong tin nhắn"))
    try:
        if po.status != OrderStatus.PLACED:  # the link answers the new order; later steps are the shop's
            raise Conflict(_("Đơn này đã được xử lý (“%(state)s”).", state=services.status_label(po.status)))
        fulfilment.move_part(po, to, owner, "household", note, fulfilment.card_gateway(current_app.config))
    except DomainError as exc:
        flash(exc.message, "error")
        return render_template("orders/one_tap.html", po=po, order=po.order, token=token, form=form,
                               waiting=po.status == OrderStatus.PLACED, status_label=services.status_label), exc.status_code
    flash(_("Đơn %(code)s: %(state)s.", code=po.order.code, state=services.status_label(to)), "success")
    return redirect(url_for(".show", token=token))
