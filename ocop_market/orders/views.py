"""Buyer pages: cart, checkout, confirmation, order history and detail. Also the `orders` CLI group."""
from __future__ import annotations

import click
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, user_logged_in

from .. import confirming
from ..accounts import addresses, sessions
from ..db_tx import transaction
from ..errors import Conflict, DomainError, InvalidInput, NotFound
from ..extensions import db
from ..payments import banks, vietqr
from ..payments.stripe_gateway import GatewayError
from ..routing import parse_id
from ..signals import stripe_checkout_event
from ..validators import show_on_form
from . import cart as carts
from . import fees, fulfilment, receipts, rules, services, subsidy, vat, wholesale
from .forms import CheckoutForm, ConfirmForm, QuantityForm, ShipToForm, VatInvoiceForm
from .models import OrderStatus, PaymentMethod, PaymentStatus
from .settings import apply_defaults, bank_transfer_enabled, card_enabled

bp = Blueprint("orders", __name__, cli_group="orders")


@bp.record_once
def _setup(state):
    app = state.app
    apply_defaults(app)
    # The header's cart badge comes with the signed-in account, in the loader's statement.
    sessions.carry(carts.CART_LINES, carts.cart_lines_of)
    # Globals (not a context processor) so imported macros see them too.
    app.jinja_env.globals.update(
        order_status_label=services.status_label,
        order_action_label=services.action_label,
        payment_method_label=services.method_label,
        payment_status_label=services.payment_status_label,
        payment_state_label=services.payment_state_label,
        shipping_zone_label=fees.zone_label,
        weight_label=fees.weight_label,
        # the product page's "phí giao dự kiến" (catalog, below orders, calls it only when it is registered)
        shipping_estimate=fees.estimate,
    )

    # Orders fulfils what the Stripe webhook (payments, the layer below) received and checked.
    stripe_checkout_event.connect(fulfilment.apply_stripe_event, sender=app, weak=False)

    @user_logged_in.connect_via(app)
    def _merge_cart(sender, user, **extra):
        # Runs inside login_user(), after the login view's own commit: the guest's cart joins the saved one,
        # in a transaction of its own (rolling back only the merge, never the login).
        try:
            with transaction():
                carts.merge_session_cart(user, session)
        except Exception:  # a cart problem must never block a login
            current_app.logger.exception("cart merge failed")


@bp.app_context_processor
def _order_helpers():
    def cart_count() -> int:
        if current_user.is_authenticated:
            if current_user.role != "buyer":
                return 0
            counted = sessions.carried(current_user, carts.CART_LINES)
            return int(counted) if counted is not None else len(carts.DbCart(current_user).items())
        return len(carts.SessionCart(session).items())

    return {"cart_count": cart_count}


def _store():
    return carts.cart_for(current_user, session)


#: the session's "where to?" from the cart: {"province_id": int, "commune": str}
SHIP_TO = "ship_to"


def _ship_to() -> fees.Place | None:
    """Where the cart prices shipping to: the province the buyer chose in the cart, else the buyer's usual address.
    Only looked up while there is a fee table (a flat fee goes anywhere)."""
    if fees.fee_table().is_empty:
        return None
    raw = session.get(SHIP_TO)
    if isinstance(raw, dict) and isinstance(raw.get("province_id"), int):
        return fees.place_of(raw["province_id"], str(raw.get("commune") or "")[:120])
    if current_user.is_authenticated and current_user.role == "buyer":
        saved = addresses.preferred(current_user)
        if saved is not None:
            return fees.place_of(saved.province_id, saved.commune)
    return None


def _cart_view(destination: fees.Place | None = None, chosen: bool = False):
    """The cart priced now; shipping to `destination` when `chosen` (checkout's address), else to `_ship_to()`."""
    return carts.view_for(_store(), current_app.config, destination if chosen else _ship_to())


def _ship_to_form() -> ShipToForm:
    form = ShipToForm(formdata=None) if request.method == "GET" else ShipToForm()
    form.tinh.choices = addresses.province_choices()
    raw = session.get(SHIP_TO)
    if request.method == "GET" and isinstance(raw, dict):
        form.tinh.data, form.xa.data = raw.get("province_id"), raw.get("commune") or ""
    return form


def _render_cart(cart_view, status: int = 200, **extra):
    return render_template("orders/cart.html", cart=cart_view, form=extra.pop("form", QuantityForm()),
                           confirm=ConfirmForm(),
                           ship_to=extra.pop("ship_to", None) or (None if fees.fee_table().is_empty else _ship_to_form()),
                           free_above=current_app.config.get("SHIPPING_FREE_ABOVE_VND"), **extra), status


def gateway():
    """Stripe, or None while card payments are off."""
    return fulfilment.card_gateway(current_app.config)


# ---------------------------------------------------------------- cart
@bp.get("/gio-hang")
def cart():
    return _render_cart(_cart_view())


@bp.post("/gio-hang/phi-giao")
def ship_to():
    """The buyer names the province (and commune) to ship to; the cart shows each household's fee to there."""
    form = _ship_to_form()
    if not form.validate_on_submit():
        return _render_cart(_cart_view(), 400, ship_to=form)
    session[SHIP_TO] = {"province_id": form.tinh.data, "commune": (form.xa.data or "").strip()}
    return redirect(url_for(".cart"))


@bp.post("/gio-hang/them/<id:product_id>")
def add_to_cart(product_id: int):
    form = QuantityForm()
    if form.validate_on_submit():
        try:
            with transaction():
                carts.add(_store(), product_id, form.quantity.data, wholesale.line_limit(current_user))
        except InvalidInput as exc:
            form.quantity.errors = [exc.message]
        else:
            flash(_("Đã thêm vào giỏ hàng."), "success")
            return redirect(url_for(".cart"))
    product = carts.sellable_product(product_id)
    page_url = url_for("catalog.product_detail", slug=product.slug, _external=True)
    return render_template("catalog/product.html", p=product, page_url=page_url, cart_form=form), 400


@bp.post("/gio-hang/cap-nhat/<id:product_id>")
def update_line(product_id: int):
    form = QuantityForm()
    status = 400
    if form.validate_on_submit():
        try:
            with transaction():
                carts.update(_store(), product_id, form.quantity.data, wholesale.line_limit(current_user))
        except InvalidInput as exc:
            form.quantity.errors = [exc.message]
        else:
            flash(_("Đã cập nhật giỏ hàng."), "success")
            return redirect(url_for(".cart"))
    return _render_cart(_cart_view(), status, form=QuantityForm(formdata=None), error_product=product_id,
                        error_form=form)


@bp.post("/gio-hang/xoa/<id:product_id>")
def remove_line(product_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction():
        carts.remove(_store(), product_id)
    flash(_("Đã bỏ sản phẩm khỏi giỏ."), "info")
    return redirect(url_for(".cart"))


# ---------------------------------------------------------------- checkout
def _checkout_form(saved=None) -> CheckoutForm:
    """The form, on a GET filled from `saved` (an address of the book) or else the account's name and phone."""
    form = CheckoutForm()
    form.province_id.choices = addresses.province_choices()
    methods = services.allowed_methods(current_app.config)
    form.payment_method.choices = [(m, services.method_label(m)) for m in methods]
    if request.method == "GET":
        form.payment_method.data = PaymentMethod.COD
        if saved is not None:
            form.contact_name.data, form.phone.data = saved.contact_name, "0" + saved.phone[3:]
            form.address_line.data, form.commune.data = saved.address_line, saved.commune
            form.province_id.data = saved.province_id
        elif current_user.is_authenticated:
            form.contact_name.data = form.contact_name.data or current_user.display_name
            if current_user.phone:
                form.phone.data = "0" + current_user.phone[3:]
    return form


def _saved_address():
    """The address book's choice for this checkout: ?dia_chi=<id> (one of the buyer's own), else the preferred one."""
    chosen = parse_id(request.args.get("dia_chi"))
    if chosen is not None:
        try:
            return addresses.address_of(current_user, chosen)
        except NotFound:
            return None
    return addresses.preferred(current_user)


@bp.route("/thanh-toan", methods=["GET", "POST"])
@login_required
def checkout():
    if current_user.role != "buyer":
        flash(_("Chỉ tài khoản người mua mới đặt hàng được."), "error")
        return redirect(url_for(".cart"))
    saved = _saved_address() if request.method == "GET" else None
    form = _checkout_form(saved)
    if request.method == "GET" and saved is None:  # the province chosen in the cart, when no address is saved
        raw = session.get(SHIP_TO)
        if isinstance(raw, dict):
            form.province_id.data, form.commune.data = raw.get("province_id"), raw.get("commune") or None
    # Shipping is priced to the address on the form: what this page shows is what its POST confirms.
    province_id = form.province_id.data
    destination = fees.place_of(province_id, form.commune.data or "") if isinstance(province_id, int) else None
    cart_view = _cart_view(destination, chosen=True)  # once: no province yet is the widest zone, as shown
    if cart_view.is_empty:
        flash(_("Giỏ hàng của bạn đang trống."), "info")
        return redirect(url_for(".cart"))
    status = 200
    if request.method == "POST" and request.form.get("action") == "quote":
        pass  # "Tính phí giao hàng": the fees to the address typed so far; nothing is placed or checked yet
    elif request.method == "POST" and not form.validate_on_submit():
        status = 400
    elif request.method == "POST":
        data = services.CheckoutData(
            contact_name=form.contact_name.data, phone=form.phone.data, address_line=form.address_line.data,
            commune=form.commune.data, province_id=form.province_id.data, payment_method=form.payment_method.data,
            note=form.note.data or "", expected_total_vnd=form.shown_total(),
            expected_subsidy_vnd=form.shown_subsidy(), delivery_date=form.delivery_date.data,
        )
        store = _store()
        try:
            with transaction():
                order = services.place_order(current_user, store.items(), data,
                                             most=wholesale.line_limit(current_user))
                addresses.remember_used(current_user, addresses.AddressData(
                    contact_name=data.contact_name, phone=data.phone, address_line=data.address_line,
                    commune=data.commune, province_id=data.province_id))
                store.clear()
        except services.OutOfStock as exc:
            flash(exc.message + " " + _("Vui lòng xem lại giỏ hàng."), "error")
            cart_view, status = _cart_view(destination, chosen=True), 409
        except (subsidy.SubsidyRanOut, services.TotalChanged) as exc:
            # Nothing was kept; the page shows the new total (a subsidy's remainder, or none) to confirm again.
            flash(exc.message, "error")
            cart_view, status = _cart_view(destination, chosen=True), 409
        except DomainError as exc:
            flash(exc.message, "error")
            status = exc.status_code
        else:
            if order.payment_method == PaymentMethod.CARD:
                return _redirect_to_card_payment(order)
            flash(_("Đặt hàng thành công! Mã đơn của bạn là %(code)s.", code=order.code), "success")
            return redirect(url_for(".order_detail", code=order.code))
    # What this page shows is what its POST confirms (never charged more without being told).
    form.shown_total_vnd.data = str(cart_view.priced.total_vnd)
    form.shown_subsidy_vnd.data = str(cart_view.priced.subsidy_vnd)
    return render_template("orders/checkout.html", form=form, cart=cart_view, saved=saved,
                           book=addresses.addresses_of(current_user),
                           communes=addresses.communes_of(province_id) if isinstance(province_id, int) else []), status


def _redirect_to_card_payment(order):
    try:
        url = fulfilment.start_card_checkout(
            order.id, gateway(),
            # Absolute endpoints: an order from an accepted quote is handed over from the quotes' blueprint too.
            success_url=url_for("orders.payment_result", code=order.code, _external=True),
            cancel_url=url_for("orders.order_detail", code=order.code, _external=True),
        )
    except GatewayError:
        flash(_("Chưa kết nối được cổng thanh toán thẻ. Đơn vẫn được giữ; vui lòng thử lại sau ít phút."), "error")
        return redirect(url_for("orders.order_detail", code=order.code))
    return redirect(url, code=303)


# ---------------------------------------------------------------- the buyer's orders
@bp.get("/don-hang")
@login_required
def history():
    orders = list(db.session.scalars(services.buyer_orders(current_user).limit(200)))
    return render_template("orders/history.html", orders=orders)


@bp.get("/don-hang/<code>")
@login_required
def order_detail(code: str):
    order = services.buyer_order(current_user, code)
    show_qr = (order.payment_method == PaymentMethod.BANK_TRANSFER and order.payment_status == PaymentStatus.UNPAID
               and order.status == OrderStatus.AWAITING_PAYMENT and bank_transfer_enabled(current_app.config))
    return render_template(
        "orders/detail.html", order=order, confirm=ConfirmForm(), show_qr=show_qr,
        cancellable=rules.CANCELLABLE, progress=rules.PROGRESS, card_enabled=card_enabled(current_app.config),
        transfer_message=vietqr.transfer_message(order.code), cfg=current_app.config,
        bank=banks.bank_by_bin(current_app.config.get("VIETQR_BANK_BIN")),
    )


@bp.get("/don-hang/<code>/bien-nhan/<id:po_id>")
@login_required
def order_receipt(code: str, po_id: int):
    """The receipt of one producer's part of the buyer's own order; another buyer's order is not found."""
    return receipts.receipt_response(services.part_of(services.buyer_order(current_user, code), po_id))


@bp.route("/don-hang/<code>/hoa-don-gtgt/<id:po_id>", methods=["GET", "POST"])
@login_required
def vat_invoice_request(code: str, po_id: int):
    """The buyer asks the seller of one part for a VAT invoice: tax code, company, address."""
    order = services.buyer_order(current_user, code)
    po = services.part_of(order, po_id)
    if po.vat_invoice is not None:
        return redirect(url_for(".order_detail", code=order.code))
    form = VatInvoiceForm()
    if request.method == "GET":  # an organisation buyer's own details fill it (accounts/organisations.py)
        wholesale.fill_vat_form(form, current_user)
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                vat.request_invoice(current_user, po, vat.VatInvoiceData(
                    form.tax_code.data or "", form.company_name.data or "", form.company_address.data or "",
                    form.email.data or ""))
        except DomainError as err:
            status = show_on_form(form, err)
        else:
            flash(_("Đã gửi yêu cầu hóa đơn GTGT đến %(producer)s.", producer=po.producer.name), "success")
            return redirect(url_for(".order_detail", code=order.code))
    elif form.is_submitted():
        status = 400
    return render_template("orders/vat_request.html", order=order, po=po, form=form), status


def _transfer_order(code: str):
    order = services.buyer_order(current_user, code)
    if order.payment_method != PaymentMethod.BANK_TRANSFER or not bank_transfer_enabled(current_app.config):
        abort(404)
    return order


@bp.get("/don-hang/<code>/vietqr.svg")
@login_required
def order_vietqr(code: str):
    order = _transfer_order(code)
    resp = make_response(vietqr.svg(vietqr.for_order(order, current_app.config)))
    resp.headers["Content-Type"] = "image/svg+xml"
    resp.headers["Cache-Control"] = "private, max-age=300"
    return resp


@bp.get("/don-hang/<code>/vietqr.png")
@login_required
def order_vietqr_png(code: str):
    """"Lưu ảnh QR": the code as a PNG download, to pick from the gallery in a banking app on the same phone."""
    order = _transfer_order(code)
    resp = make_response(vietqr.png(vietqr.for_order(order, current_app.config)))
    resp.headers["Content-Type"] = "image/png"
    resp.headers["Content-Disposition"] = f'attachment; filename="VietQR-{order.code}.png"'
    resp.headers["Cache-Control"] = "private, max-age=300"
    return resp


@bp.route("/don-hang/<code>/huy/<id:po_id>", methods=["GET", "POST"])
@login_required
def cancel_part(code: str, po_id: int):
    """Cancelling asks first: the order page links here, and only the confirm page's POST cancels."""
    if confirming.is_confirmed():
        return _buyer_move(code, po_id, OrderStatus.CANCELLED, _("Đã hủy phần đơn."))
    order = services.buyer_order(current_user, code)
    po = next((p for p in order.producer_orders if p.id == po_id), None)
    if po is None:
        abort(404)
    if not rules.can_move(po.status, OrderStatus.CANCELLED, "buyer"):
        raise Conflict(_("Phần đơn này không còn hủy được (đang ở bước “%(s)s”).", s=services.status_label(po.status)))
    paid = order.payment_status == PaymentStatus.PAID and order.payment_method != PaymentMethod.COD
    return confirming.page(confirming.Question(
        title=_("Hủy phần đơn này?"),
        question=_("Phần đơn của “%(producer)s” sẽ bị hủy và không được giao.", producer=po.producer.name),
        button=_("Có, hủy phần đơn"),
        back_url=url_for(".order_detail", code=order.code),
        facts=[(_("Đơn hàng"), order.code), (_("Người bán"), po.producer.name),
               (_("Sản phẩm"), "\n".join(f"{line.product_name} × {line.quantity}" for line in po.lines)),
               (_("Cộng"), po.total_vnd)],
        warning=_("Việc này không hoàn tác được. Tiền bạn đã trả cho phần này sẽ được hoàn lại.") if paid else None,
    ))


@bp.post("/don-hang/<code>/da-nhan/<id:po_id>")
@login_required
def confirm_received(code: str, po_id: int):
    return _buyer_move(code, po_id, OrderStatus.COMPLETED, _("Cảm ơn bạn đã xác nhận nhận hàng."))


def _buyer_move(code: str, po_id: int, to: str, message: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    order = services.buyer_order(current_user, code)
    po = next((p for p in order.producer_orders if p.id == po_id), None)
    if po is None:
        abort(404)
    fulfilment.move_part(po, to, current_user, "buyer", _("Người mua thao tác"), gateway())
    flash(message, "success")
    return redirect(url_for(".order_detail", code=code))


@bp.post("/don-hang/<code>/thanh-toan-the")
@login_required
def pay_by_card(code: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    order = services.buyer_order(current_user, code)
    if not card_enabled(current_app.config):
        raise Conflict(_("Thanh toán thẻ chưa được bật."))
    return _redirect_to_card_payment(order)


@bp.get("/don-hang/<code>/ket-qua-thanh-toan")
@login_required
def payment_result(code: str):
    # Never fulfils anything: the webhook does. This page only reports what the database says.
    order = services.buyer_order(current_user, code)
    if order.payment_status == PaymentStatus.PAID:
        flash(_("Đã nhận thanh toán cho đơn %(code)s.", code=order.code), "success")
    else:
        flash(_("Đang chờ Stripe xác nhận thanh toán. Trang đơn hàng sẽ cập nhật trong giây lát."), "info")
    return redirect(url_for(".order_detail", code=code))


# ---------------------------------------------------------------- CLI
@bp.cli.command("expire")
def expire_command():
    """Cancel unpaid card orders past their deadline (stock back) and retry queued refunds. Safe in cron."""
    counts = fulfilment.expire_unpaid(gateway())
    click.echo(f"expired {counts['expired']}, fulfilled late {counts['fulfilled']}, refunds sent {counts['refunds']}")
