"""The hub area's pages: thin views over `catalog.hubs` and the order services (as_role "hub")."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import slots
from ..accounts import sessions
from ..accounts.permissions import guard_blueprint_for
from ..catalog import hubs
from ..catalog import services as catalog
from ..catalog.forms import ProductForm
from ..catalog.models import ProductStatus
from ..db_tx import transaction
from ..errors import DomainError
from ..orders import cart as carts
from ..orders import fees, receipts, rules
from ..orders import services as orders
from ..orders.forms import ConfirmForm, NoteForm
from ..orders.models import OrderStatus
from ..orders.producer_views import ACTIONS, can_decline, decline_or_ask, move_and_show, part_steps
from ..paging import paginate
from .forms import AssistedOrderForm

bp = Blueprint("hub", __name__, url_prefix="/trung-tam")

PER_PAGE = 30


# Deny by default: only a member of an open hub has the area (any role; staff have their own).
guard_blueprint_for(bp, hubs.is_hub_member)


def nav_link(name: str, **context) -> str | None:
    """The header's link to the hub area, for its members only."""
    if not current_user.is_authenticated or not hubs.is_hub_member(current_user):
        return None
    return render_template("hubs/_nav_link.html")


def register(app) -> None:
    app.register_blueprint(bp)
    slots.register("base.nav.account", nav_link)
    # The header's link needs membership on every page: read with the account, in the loader's statement.
    sessions.carry(hubs.HUB_MEMBER, hubs.hub_member_of)


@bp.get("/")
def index():
    households = hubs.households_of(current_user)
    status = request.args.get("status") or None
    if status is not None and status not in set(OrderStatus):
        abort(400)
    result = paginate(orders.hub_orders(households, status), PER_PAGE)
    return render_template("hubs/orders.html", hubs=hubs.hubs_of(current_user), result=result, status=status,
                           statuses=list(OrderStatus), waiting=orders.count_waiting(households),
                           args={"status": status} if status else {})


@bp.get("/don-hang/<id:po_id>")
def order_detail(po_id: int):
    po = orders.hub_order(current_user, po_id)
    return render_template("hubs/order_detail.html", po=po, hub=hubs.acting_hub(current_user, po.producer_id),
                           steps=part_steps(po), form=NoteForm(), can_decline=can_decline(po))


@bp.route("/don-hang/<id:po_id>/huy", methods=["GET", "POST"])
def order_decline(po_id: int):
    # Declining for a household asks first, as it does for the household itself (issue 14).
    return decline_or_ask(orders.hub_order(current_user, po_id), "hub", ".order_detail")


@bp.get("/don-hang/<id:po_id>/bien-nhan")
def order_receipt(po_id: int):
    """A linked household's receipt (the hub hands it over with the parcel); another household's is 403."""
    return receipts.receipt_response(orders.hub_order(current_user, po_id))


@bp.post("/don-hang/<id:po_id>/<action>")
def order_move(po_id: int, action: str):
    to = ACTIONS.get(action)
    if to is None or to == OrderStatus.CANCELLED:  # /huy is `order_decline`'s
        abort(404)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return move_and_show(orders.hub_order(current_user, po_id), to, form.note.data or "", "hub", ".order_detail")


@bp.get("/ho")
def households():
    return render_template("hubs/households.html", households=hubs.households_of(current_user), form=ConfirmForm())


@bp.get("/ho/<id:producer_id>")
def household(producer_id: int):
    hub, producer = hubs.household_for(current_user, producer_id)
    return render_template("hubs/household.html", hub=hub, producer=producer, form=ConfirmForm())


@bp.post("/san-pham/<id:product_id>/gui-duyet")
def submit_listing(product_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction():
        product = hubs.submit_for_household(current_user, product_id)
    flash(_("Đã gửi “%(name)s” cho cán bộ duyệt.", name=product.name), "success")
    return redirect(url_for(".household", producer_id=product.producer_id))


@bp.route("/san-pham/<id:product_id>/sua", methods=["GET", "POST"])
def edit_listing(product_id: int):
    hub, product = hubs.product_for(current_user, product_id)
    form = ProductForm.for_product(product, groups=catalog.groups())
    status = 200
    if product.status == ProductStatus.ARCHIVED:
        if form.is_submitted():
            form.form_errors.append(_("Sản phẩm đã lưu trữ; hãy khôi phục trước khi sửa."))
            status = 409
    elif form.validate_on_submit():
        try:
            with transaction():
                hubs.save_for_household(current_user, product.id, form.to_data(), form.certificate_data())
        except DomainError as err:
            form.form_errors.append(err.message)
            status = err.status_code
        else:
            flash(_("Đã lưu sản phẩm."), "success")
            return redirect(url_for(".household", producer_id=product.producer_id))
    elif form.is_submitted():
        status = 400
    return render_template("hubs/product_form.html", form=form, product=product, hub=hub), status


def _quantities(products) -> tuple[dict[int, int], list[str]]:
    items: dict[int, int] = {}
    errors: list[str] = []
    for product in products:
        raw = (request.form.get(f"qty-{product.id}") or "").strip()
        if raw in ("", "0"):
            continue
        try:
            items[product.id] = rules.parse_quantity(raw, product.stock)
        except rules.QuantityError:
            errors.append(_("“%(name)s”: số lượng phải là số nguyên từ 1 đến %(n)s.", name=product.name,
                            n=min(product.stock, 99)))
    if not items and not errors:
        errors.append(_("Vui lòng nhập số lượng cho ít nhất một sản phẩm."))
    return items, errors


@bp.route("/don-moi", methods=["GET", "POST"])
def assisted_order():
    products = hubs.sellable_products(current_user)
    form = AssistedOrderForm(provinces=catalog.provinces())
    if request.method == "GET" and products:
        form.province_id.data = products[0].producer.province_id
    status = 200
    errors: list[str] = []
    priced = None
    if request.method == "POST" and request.form.get("action") == "quote":
        # "Tính phí giao hàng": what the buyer will pay, to read out on the phone before the order is made; the
        # same pricing as the cart (fee table, tiers, the programme's subsidy). Nothing is placed or checked yet.
        items, errors = _quantities(products)
        if errors:
            status = 400
        else:
            priced = carts.view_for(carts.TypedLines(items), current_app.config,
                                    fees.place_of(form.province_id.data, form.commune.data or ""))
    elif form.validate_on_submit():
        items, errors = _quantities(products)
        if not errors:
            data = orders.CheckoutData(contact_name=form.contact_name.data or "", phone=form.phone.data or "",
                                       address_line=form.address_line.data or "", commune=form.commune.data or "",
                                       province_id=form.province_id.data or 0, payment_method="cod",
                                       note=form.note.data or "")
            try:
                with transaction():
                    order = orders.place_assisted_order(current_user, items, data)
                    first = order.producer_orders[0].id
                    code = order.code
            except DomainError as err:
                errors.append(err.message)
                status = err.status_code
            else:
                flash(_("Đã tạo đơn %(code)s cho người mua (thanh toán khi nhận hàng).", code=code), "success")
                return redirect(url_for(".order_detail", po_id=first))
        else:
            status = 400
    elif form.is_submitted():
        status = 400
    return render_template("hubs/assisted_order.html", form=form, products=products, errors=errors, priced=priced,
                           quantities=request.form if request.method == "POST" else {}), status
