"""Request-for-quote pages (yêu cầu báo giá): the organisation buyer asks from a product page, reads the answer and
accepts it into an order; the producer, or the hub that sells for the household, answers; staff see the
organisation accounts. Thin views over `wholesale`; the seller's pages are one set of routes registered twice, for
the producer's own area and for the hub area (as returns are)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts import addresses, organisations
from ..accounts.models import Role
from ..accounts.permissions import STAFF_ROLES, guard_blueprint, guard_blueprint_for
from ..catalog import hubs
from ..catalog.models import Producer
from ..db_tx import transaction
from ..errors import DomainError
from ..extensions import db
from ..validators import show_on_form
from . import cart as carts
from . import fees, services, subsidy, wholesale
from .forms import CheckoutForm, QuoteAnswerForm, QuoteAskForm, QuoteDeclineForm
from .models import PaymentMethod, QuoteStatus
from .views import _redirect_to_card_payment

bp = Blueprint("quotes", __name__, url_prefix="/bao-gia")


def _buyer_only() -> None:
    if current_user.role != Role.BUYER:
        abort(403)


# ---------------------------------------------------------------- the organisation buyer
@bp.route("/moi/<id:product_id>", methods=["GET", "POST"])
@login_required
def ask(product_id: int):
    _buyer_only()
    product = carts.sellable_product(product_id)
    if not organisations.is_organisation(current_user):
        if request.method == "POST":
            abort(403)
        # Not yet an organisation: the page says how to become one, and comes back here afterwards.
        return render_template("orders/quote_ask.html", p=product, form=None,
                               register_url=url_for("accounts.organisation", next=request.path))
    form = QuoteAskForm()
    form.province_id.choices = addresses.province_choices()
    if request.method == "GET":
        saved = addresses.preferred(current_user)
        form.province_id.data = saved.province_id if saved is not None else None
        form.quantity.data = str(product.case_min_quantity or 100)
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                quote = wholesale.ask(current_user, product.id, wholesale.QuoteAsk(
                    form.quantity.data or "", form.province_id.data, form.wanted_date.data, form.note.data or ""))
        except DomainError as err:
            status = show_on_form(form, err)
        else:
            flash(_("Đã gửi yêu cầu báo giá đến %(producer)s. Bạn được báo khi người bán trả lời.",
                    producer=product.producer.name), "success")
            return redirect(url_for(".detail", quote_id=quote.id))
    elif form.is_submitted():
        status = 400
    return render_template("orders/quote_ask.html", p=product, form=form), status


@bp.get("/")
@login_required
def mine():
    _buyer_only()
    quotes = list(db.session.scalars(wholesale.buyer_quotes(current_user).limit(200)))
    return render_template("orders/quotes_list.html", quotes=quotes, area="buyer",
                           detail_endpoint="quotes.detail")


@bp.get("/<id:quote_id>")
@login_required
def detail(quote_id: int):
    _buyer_only()
    quote = wholesale.for_buyer(current_user, quote_id)
    return render_template("orders/quote_detail.html", q=quote, area="buyer", state=wholesale.state_on(quote))


def _order_form(quote) -> CheckoutForm:
    form = CheckoutForm()
    form.province_id.choices = addresses.province_choices()
    methods = services.allowed_methods(current_app.config)
    form.payment_method.choices = [(m, services.method_label(m)) for m in methods]
    if request.method == "GET":
        form.payment_method.data = PaymentMethod.COD
        saved = addresses.preferred(current_user)
        if saved is not None:
            form.contact_name.data, form.phone.data = saved.contact_name, "0" + saved.phone[3:]
            form.address_line.data, form.commune.data = saved.address_line, saved.commune
        else:
            form.contact_name.data = current_user.display_name
            if current_user.phone:
                form.phone.data = "0" + current_user.phone[3:]
        form.province_id.data = quote.province_id
    return form


@bp.route("/<id:quote_id>/dat-hang", methods=["GET", "POST"])
@login_required
def order(quote_id: int):
    """Accepting a quote is checking it out: the address and payment of the normal checkout, its price fixed."""
    _buyer_only()
    quote = wholesale.for_buyer(current_user, quote_id)
    if wholesale.state_on(quote) != QuoteStatus.QUOTED:
        flash(_("Báo giá này không còn đặt hàng được (đã dùng, bị từ chối hoặc đã hết hạn)."), "error")
        return redirect(url_for(".detail", quote_id=quote.id)), 303
    form = _order_form(quote)
    province_id = form.province_id.data
    destination = fees.place_of(province_id, form.commune.data or "") if isinstance(province_id, int) else None
    status = 200
    if request.method == "POST" and request.form.get("action") == "quote":
        pass  # "Tính phí giao hàng": the fee to the address typed so far; nothing is placed or checked yet
    elif form.validate_on_submit():
        data = services.CheckoutData(
            contact_name=form.contact_name.data, phone=form.phone.data, address_line=form.address_line.data,
            commune=form.commune.data, province_id=form.province_id.data, payment_method=form.payment_method.data,
            note=form.note.data or "", expected_total_vnd=form.shown_total(), expected_subsidy_vnd=form.shown_subsidy())
        try:
            with transaction():
                placed = wholesale.accept(current_user, quote, data)
                addresses.remember_used(current_user, addresses.AddressData(
                    contact_name=data.contact_name, phone=data.phone, address_line=data.address_line,
                    commune=data.commune, province_id=data.province_id))
        except services.OutOfStock:
            flash(_("Người bán không còn đủ %(n)s %(unit)s cho báo giá này. Báo giá vẫn giữ nguyên; hãy liên hệ "
                    "người bán hoặc thử lại sau.", n=quote.quantity, unit=quote.product.unit), "error")
            status = 409
        except (subsidy.SubsidyRanOut, services.TotalChanged) as exc:
            flash(exc.message, "error")  # nothing kept: the page shows the new total to confirm again
            status = 409
        except DomainError as err:
            status = show_on_form(form, err)
        else:
            if placed.payment_method == PaymentMethod.CARD:
                return _redirect_to_card_payment(placed)  # the checkout's own hand-over to Stripe
            flash(_("Đặt hàng thành công! Mã đơn của bạn là %(code)s.", code=placed.code), "success")
            return redirect(url_for("orders.order_detail", code=placed.code))
    elif form.is_submitted():
        status = 400
    # What this page shows is what its POST confirms, priced to the address on the form.
    price = wholesale.priced(quote, destination)
    form.shown_total_vnd.data, form.shown_subsidy_vnd.data = str(price.total_vnd), str(price.subsidy_vnd)
    return render_template("orders/quote_order.html", q=quote, form=form, price=price,
                           by_table=not fees.fee_table().is_empty,
                           communes=addresses.communes_of(province_id) if isinstance(province_id, int) else []), status


# ---------------------------------------------------------------- seller: the producer, or the hub for it
def _seller_blueprint(name: str, prefix: str, as_role: str) -> Blueprint:
    seller = Blueprint(name, __name__, url_prefix=prefix)
    if as_role == "producer":
        guard_blueprint(seller, Role.PRODUCER)
        find = wholesale.for_producer
    else:
        guard_blueprint_for(seller, hubs.is_hub_member)  # as the hub area itself
        find = wholesale.for_hub

    def producer_ids() -> list[int]:
        if as_role == "producer":
            return list(db.session.scalars(select(Producer.id).where(Producer.owner_id == current_user.id)))
        return [p.id for p in hubs.households_of(current_user)]

    def show(quote, answer_form=None, decline_form=None, status=200):
        return render_template("orders/quote_detail.html", q=quote, area=as_role, bp=name,
                               state=wholesale.state_on(quote), organisation=wholesale.organisation_for(quote),
                               answer_form=answer_form or QuoteAnswerForm(formdata=None),
                               decline_form=decline_form or QuoteDeclineForm(formdata=None)), status

    @seller.get("/")
    def index():
        quotes = list(db.session.scalars(wholesale.seller_quotes(producer_ids()).limit(200)))
        return render_template("orders/quotes_list.html", quotes=quotes, area=as_role,
                               buyer_names=wholesale.organisation_names(quotes),
                               detail_endpoint=f"{name}.detail")

    @seller.get("/<id:quote_id>")
    def detail(quote_id: int):
        return show(find(current_user, quote_id))

    @seller.post("/<id:quote_id>/bao-gia")
    def answer(quote_id: int):
        quote = find(current_user, quote_id)
        form = QuoteAnswerForm()
        if not form.validate_on_submit():
            return show(quote, answer_form=form, status=400)
        try:
            with transaction():
                wholesale.answer(quote, current_user, as_role, wholesale.QuoteAnswer(
                    form.unit_price_vnd.data, form.delivery_date.data, form.valid_until.data))
        except DomainError as err:
            db.session.rollback()
            return show(find(current_user, quote_id), answer_form=form, status=show_on_form(form, err))
        flash(_("Đã gửi báo giá cho người mua."), "success")
        return redirect(url_for(".detail", quote_id=quote_id))

    @seller.post("/<id:quote_id>/tu-choi")
    def decline(quote_id: int):
        quote = find(current_user, quote_id)
        form = QuoteDeclineForm()
        if not form.validate_on_submit():
            return show(quote, decline_form=form, status=400)
        try:
            with transaction():
                wholesale.decline(quote, current_user, as_role, form.reason.data or "")
        except DomainError as err:
            db.session.rollback()
            return show(find(current_user, quote_id), decline_form=form, status=show_on_form(form, err))
        flash(_("Đã từ chối yêu cầu báo giá; người mua được báo."), "success")
        return redirect(url_for(".detail", quote_id=quote_id))

    return seller


producer_bp = _seller_blueprint("producer_quotes", "/gian-hang/bao-gia", "producer")
hub_bp = _seller_blueprint("hub_quotes", "/trung-tam/bao-gia", "hub")


# ---------------------------------------------------------------- staff: the organisation accounts
staff_bp = Blueprint("staff_organisations", __name__, url_prefix="/quan-tri/to-chuc-mua")
guard_blueprint(staff_bp, *STAFF_ROLES)


@staff_bp.get("/")
def staff_index():
    query = (request.args.get("q") or "").strip()[:100]
    rows = list(db.session.scalars(organisations.staff_list(query).limit(500)))
    return render_template("orders/organisations_staff.html", organisations=rows, query=query)


def register(app) -> None:
    for blueprint in (bp, producer_bp, hub_bp, staff_bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals.update(quote_status_label=wholesale.status_label, quote_state=wholesale.state_on)
