"""Buying by the case (issue 17): organisation buyers' line bound, and requests for quote (yêu cầu báo giá).

A quote is between one organisation buyer and the household selling one listing. States (`QuoteStatus`):
requested → quoted | declined (the producer, or a member of the hub linked to the household, answers once);
quoted → accepted (the buyer, once, on or before its validity date, into an order at the quoted unit price and
quantity with the quoted delivery date, through the normal checkout: address, payment, shipping fee) | expired.
A request unanswered for `ANSWER_DAYS` expires too. Every step is a conditional UPDATE on the state (two taps, or
two tabs, move it once); stock is reserved at acceptance by `services.place_order`'s conditional UPDATE. The other
side hears of each step through the outbox. Services flush; the view commits once."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import selectinload

from ..accounts import organisations
from ..accounts.models import Organisation, Role, User
from ..accounts.notices import tell_user
from ..catalog import hubs
from ..catalog.forms import MAX_PRICE_VND
from ..catalog.models import Producer
from ..catalog.notices import tell_hub, tell_producer
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..messaging.links import public_url
from ..money import format_vnd
from ..places import Province
from ..timeutil import LOCAL_TZ, local_today, utcnow
from . import cart, fees, rules, schedule, services, subsidy
from .models import MAX_CASE_QUANTITY, MAX_LINE_QUANTITY, Order, Quote, QuoteStatus

#: a request the producer has not answered after this many days expires
ANSWER_DAYS = 14
#: the longest a quoted price may be held for the buyer
VALID_DAYS = 30

STATUS_LABELS: dict[str, object] = {
    QuoteStatus.REQUESTED: _l("Chờ người bán báo giá"),
    QuoteStatus.QUOTED: _l("Đã báo giá"),
    QuoteStatus.DECLINED: _l("Người bán từ chối"),
    QuoteStatus.ACCEPTED: _l("Đã đặt hàng"),
    QuoteStatus.EXPIRED: _l("Hết hạn"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def line_limit(user) -> int:
    """The most of one product a buyer may put in a line: an organisation's case bound, else a person's 99."""
    return MAX_CASE_QUANTITY if organisations.is_organisation(user) else MAX_LINE_QUANTITY


def fill_vat_form(form, user) -> None:
    """The VAT invoice request pre-filled from the buyer's organisation, when it has one."""
    org = organisations.organisation_of(user)
    if org is not None:
        form.tax_code.data, form.company_name.data = org.tax_code, org.legal_name
        form.company_address.data = org.invoice_address


def state_on(quote: Quote, today: dt.date | None = None) -> str:
    """The quote's state today: one past its time reads as expired before the sweep has written it."""
    today = today or local_today()
    if quote.status == QuoteStatus.QUOTED and quote.valid_until is not None and quote.valid_until < today:
        return QuoteStatus.EXPIRED
    if quote.status == QuoteStatus.REQUESTED and _answer_deadline(quote) < today:
        return QuoteStatus.EXPIRED
    return quote.status


def _answer_deadline(quote: Quote) -> dt.date:
    return quote.created_at.astimezone(LOCAL_TZ).date() + dt.timedelta(days=ANSWER_DAYS)


# ---------------------------------------------------------------- the buyer asks
_WHOLE = re.compile(r"^\s*\+?([0-9]{1,6})\s*$")


@dataclass
class QuoteAsk:
    quantity: str
    province_id: int | None
    wanted_date: dt.date | None = None
    note: str = ""


def ask(buyer: User, product_id: int, data: QuoteAsk) -> Quote:
    """An organisation buyer's request for a quote on a sellable listing."""
    if not organisations.is_organisation(buyer):
        raise NotAllowed(_("Chỉ khách hàng tổ chức mới yêu cầu báo giá được. Hãy đăng ký thông tin tổ chức trước."))
    product = cart.sellable_product(product_id)
    least = product.case_min_quantity or 1
    m = _WHOLE.match(str(data.quantity or ""))
    quantity = int(m.group(1)) if m else 0
    if not least <= quantity <= MAX_CASE_QUANTITY:
        raise InvalidInput(_("Số lượng phải là số nguyên từ %(lo)s đến %(hi)s.", lo=least, hi=MAX_CASE_QUANTITY),
                           parameter="quantity")
    problem = schedule.delivery_date_problem(data.wanted_date, local_today())
    if problem:
        raise InvalidInput(problem, parameter="wanted_date")
    if data.province_id is None or db.session.get(Province, data.province_id) is None:
        raise InvalidInput(_("Vui lòng chọn tỉnh/thành phố nhận hàng."), parameter="province_id")
    note = (data.note or "").strip()
    if len(note) > 1000:
        raise InvalidInput(_("Tối đa 1000 ký tự."), parameter="note")
    quote = Quote(buyer_id=buyer.id, product_id=product.id, producer_id=product.producer_id, quantity=quantity,
                  wanted_date=data.wanted_date, province_id=data.province_id, note=note,
                  status=QuoteStatus.REQUESTED, created_at=utcnow())
    db.session.add(quote)
    db.session.flush()
    org = organisations.organisation_of(buyer)
    params = {"quote": quote.id, "product": product.name, "quantity": quantity, "unit": product.unit,
              "organisation": org.legal_name if org else buyer.display_name,
              "wanted": quote.wanted_date.strftime("%d/%m/%Y") if quote.wanted_date else "",
              "link": public_url("producer_quotes.detail", quote_id=quote.id) or ""}
    tell_producer(product.producer, event_key=f"quote:{quote.id}:requested", template="quote_requested",
                  params=params)
    hub = hubs.active_hub_of_producer(product.producer_id)
    if hub is not None:
        tell_hub(hub, event_key=f"quote:{quote.id}:requested:hub", template="quote_requested",
                 params={**params, "link": public_url("hub_quotes.detail", quote_id=quote.id) or ""})
    return quote


# ---------------------------------------------------------------- finding a quote for its reader
def _options():
    return (selectinload(Quote.product), selectinload(Quote.producer), selectinload(Quote.province))


def for_buyer(buyer: User, quote_id: int) -> Quote:
    """The buyer's own quote; another buyer's is not found."""
    quote = db.session.scalar(select(Quote).where(Quote.id == quote_id, Quote.buyer_id == buyer.id).options(*_options()))
    if quote is None:
        raise NotFound(_("Không tìm thấy yêu cầu báo giá."))
    return quote


def for_producer(user: User, quote_id: int) -> Quote:
    """A quote on one of the producer's own listings; another producer's is not found."""
    quote = db.session.scalar(select(Quote).join(Producer, Producer.id == Quote.producer_id)
                              .where(Quote.id == quote_id, Producer.owner_id == user.id).options(*_options()))
    if quote is None:
        raise NotFound(_("Không tìm thấy yêu cầu báo giá."))
    return quote


def for_hub(user: User, quote_id: int) -> Quote:
    """A quote of a household the member's hub sells for: unknown is 404, another household's 403."""
    quote = db.session.scalar(select(Quote).where(Quote.id == quote_id).options(*_options()))
    if quote is None:
        raise NotFound(_("Không tìm thấy yêu cầu báo giá."))
    hubs.acting_hub(user, quote.producer_id)
    return quote


def buyer_quotes(buyer: User) -> Select:
    return (select(Quote).where(Quote.buyer_id == buyer.id).order_by(Quote.created_at.desc(), Quote.id.desc())
            .options(*_options()))


def seller_quotes(producer_ids: list[int]) -> Select:
    """Those waiting for an answer first, then the newest."""
    return (select(Quote).where(Quote.producer_id.in_(producer_ids))
            .order_by(Quote.status != QuoteStatus.REQUESTED, Quote.created_at.desc(), Quote.id.desc())
            .options(*_options(), selectinload(Quote.buyer)))


def organisation_names(quotes: list[Quote]) -> dict[int, str]:
    """The buyers' organisation names for a seller's list, in one statement."""
    ids = {q.buyer_id for q in quotes}
    if not ids:
        return {}
    return dict(db.session.execute(select(Organisation.user_id, Organisation.legal_name)
                                   .where(Organisation.user_id.in_(ids))).tuples().all())


def organisation_for(quote: Quote):
    """The buyer's organisation as the seller sees it (name, tax code, contact)."""
    return organisations.organisation_of(quote.buyer)


# ---------------------------------------------------------------- the producer (or its hub) answers, once
@dataclass
class QuoteAnswer:
    unit_price_vnd: int | None
    delivery_date: dt.date | None
    valid_until: dt.date | None


def _acting(user: User, quote: Quote, as_role: str) -> int | None:
    """The hub the answer goes through (None for the producer itself); the caller found the quote for that role."""
    if as_role == "hub":
        return hubs.acting_hub(user, quote.producer_id).id
    if as_role != "producer" or quote.producer.owner_id != user.id:
        raise NotFound(_("Không tìm thấy yêu cầu báo giá."))
    return None


def _claim(quote: Quote, to: str, **values) -> None:
    """requested → `to`, once: of two answers at once only one moves it; an expired request moves not at all."""
    today = local_today()
    if state_on(quote, today) != QuoteStatus.REQUESTED:
        raise Conflict(_("Yêu cầu báo giá này đã được trả lời hoặc đã hết hạn."))
    changed = db.session.execute(
        update(Quote).where(Quote.id == quote.id, Quote.status == QuoteStatus.REQUESTED)
        .values(status=to, answered_at=utcnow(), **values).execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        raise Conflict(_("Yêu cầu báo giá này đã được trả lời hoặc đã hết hạn."))
    db.session.refresh(quote)


def check_answer(data: QuoteAnswer, quantity: int, today: dt.date) -> QuoteAnswer:
    price = data.unit_price_vnd
    if price is None or isinstance(price, bool) or not isinstance(price, int) or not 0 < price <= MAX_PRICE_VND:
        raise InvalidInput(_("Đơn giá phải là số nguyên đồng, lớn hơn 0."), parameter="unit_price_vnd")
    if price * quantity > services.MAX_ORDER_VND:
        raise InvalidInput(_("Tổng giá trị vượt quá %(amount)s; hãy báo giá cho số lượng nhỏ hơn.",
                             amount=format_vnd(services.MAX_ORDER_VND)), parameter="unit_price_vnd")
    if data.delivery_date is None:
        raise InvalidInput(_("Vui lòng chọn ngày giao hàng."), parameter="delivery_date")
    problem = schedule.delivery_date_problem(data.delivery_date, today)
    if problem:
        raise InvalidInput(problem, parameter="delivery_date")
    valid = data.valid_until
    if valid is None or valid < today or valid > today + dt.timedelta(days=VALID_DAYS):
        raise InvalidInput(_("Báo giá có hiệu lực từ hôm nay đến tối đa %(n)s ngày.", n=VALID_DAYS),
                           parameter="valid_until")
    if valid > data.delivery_date:
        raise InvalidInput(_("Hạn báo giá không được sau ngày giao hàng."), parameter="valid_until")
    return data


def answer(quote: Quote, user: User, as_role: str, data: QuoteAnswer) -> Quote:
    hub_id = _acting(user, quote, as_role)
    data = check_answer(data, quote.quantity, local_today())
    _claim(quote, QuoteStatus.QUOTED, unit_price_vnd=data.unit_price_vnd, delivery_date=data.delivery_date,
           valid_until=data.valid_until, answered_by_id=user.id, answered_hub_id=hub_id)
    _tell_buyer(quote, "quoted")
    return quote


def decline(quote: Quote, user: User, as_role: str, reason: str) -> Quote:
    hub_id = _acting(user, quote, as_role)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput(_("Vui lòng ghi lý do từ chối (tối đa 500 ký tự)."), parameter="reason")
    _claim(quote, QuoteStatus.DECLINED, decline_reason=reason, answered_by_id=user.id, answered_hub_id=hub_id)
    _tell_buyer(quote, "declined")
    return quote


def _tell_buyer(quote: Quote, step: str) -> None:
    params = {"quote": quote.id, "product": quote.product.name, "quantity": quote.quantity, "unit": quote.product.unit,
              "producer": quote.producer.name, "step": step, "reason": quote.decline_reason[:200],
              "price": format_vnd(quote.unit_price_vnd) if quote.unit_price_vnd else "",
              "total": format_vnd(quote.total_vnd) if quote.total_vnd else "",
              "delivery": quote.delivery_date.strftime("%d/%m/%Y") if quote.delivery_date else "",
              "valid": quote.valid_until.strftime("%d/%m/%Y") if quote.valid_until else "",
              "link": public_url("quotes.detail", quote_id=quote.id) or ""}
    tell_user(quote.buyer, event_key=f"quote:{quote.id}:{step}", template="quote_answered", params=params)


# ---------------------------------------------------------------- the buyer accepts, once, into an order
def priced(quote: Quote, destination: fees.Place | None, cfg=None) -> subsidy.Subsidised:
    """What ordering the quote to `destination` costs now: its price and quantity, the fee table's fee for the
    parcel's weight (or the flat fee) and any programme subsidy, as the checkout prices a cart. The order page
    shows it and sends it back as the total confirmed, so acceptance never charges more without saying so."""
    cfg = cfg if cfg is not None else current_app.config
    assert quote.unit_price_vnd is not None
    product = quote.product
    line = rules.PricedLine(product.id, product.producer_id, quote.unit_price_vnd, quote.quantity, product.weight_grams)
    fee = fees.quoter(fees.fee_table(), fees.origins_of([product.producer]), destination, int(cfg["SHIPPING_FEE_VND"]))
    return subsidy.apply(rules.totals([line], fee, cfg.get("SHIPPING_FREE_ABOVE_VND")), utcnow())


def accept(buyer: User, quote: Quote, data: services.CheckoutData) -> Order:
    """The quote becomes an order at its price, quantity and delivery date, through `services.place_order` (its
    address, payment and shipping rules, its stock UPDATE). Raises services.OutOfStock when the household no longer
    has the goods; the caller rolls back (the quote then stays quoted)."""
    if quote.buyer_id != buyer.id or buyer.role != Role.BUYER:
        raise NotFound(_("Không tìm thấy yêu cầu báo giá."))
    today = local_today()
    if state_on(quote, today) != QuoteStatus.QUOTED:
        raise Conflict(_("Báo giá này không còn đặt hàng được (đã dùng, bị từ chối hoặc đã hết hạn)."))
    assert quote.unit_price_vnd is not None  # a quoted quote has its answer (CHECK answer_complete)
    data = services.CheckoutData(data.contact_name, data.phone, data.address_line, data.commune, data.province_id,
                                 data.payment_method, data.note, expected_total_vnd=data.expected_total_vnd,
                                 expected_subsidy_vnd=data.expected_subsidy_vnd, delivery_date=quote.delivery_date)
    order = services.place_order(buyer, {quote.product_id: quote.quantity}, data, most=MAX_CASE_QUANTITY,
                                 quoted_prices={quote.product_id: quote.unit_price_vnd})
    # Used once, by its buyer, while valid: of two acceptances at once the second finds it accepted and rolls back
    # its order (and the stock that order took) with it.
    changed = db.session.execute(
        update(Quote).where(Quote.id == quote.id, Quote.buyer_id == buyer.id, Quote.status == QuoteStatus.QUOTED,
                            Quote.valid_until >= today)
        .values(status=QuoteStatus.ACCEPTED, accepted_at=utcnow(), order_id=order.id)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        raise Conflict(_("Báo giá này vừa được dùng để đặt hàng."))
    db.session.refresh(quote)
    return order


def expire_quotes(now: dt.datetime | None = None) -> int:
    """Write `expired` on quotes past their time (the pages read them so already): unaccepted past their validity
    date, or unanswered for ANSWER_DAYS. Safe to run at any time."""
    now = now or utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    result = db.session.execute(
        update(Quote).where(or_(
            (Quote.status == QuoteStatus.QUOTED) & (Quote.valid_until < today),
            (Quote.status == QuoteStatus.REQUESTED) & (Quote.created_at < now - dt.timedelta(days=ANSWER_DAYS + 1)),
        )).values(status=QuoteStatus.EXPIRED).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
