"""The cart (giỏ hàng): in the session for guests, in the database for signed-in buyers, merged at login."""
from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Literal, overload

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from ..accounts import sessions
from ..catalog import tiers
from ..catalog.models import Producer, ProducerStatus, Product, ProductStatus
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..timeutil import utcnow
from . import fees, rules, subsidy
from .models import MAX_LINE_QUANTITY, Cart, CartLine

MAX_CART_LINES = 50
SESSION_KEY = "cart"
#: The signed-in buyer's number of cart lines, read with the account (accounts.sessions.carry): the header's badge.
CART_LINES = "cart_lines"


def cart_lines_of(user_id):
    return (select(func.count(CartLine.id)).join(Cart, Cart.id == CartLine.cart_id)
            .where(Cart.user_id == user_id).scalar_subquery())


class SessionCart:
    """{product_id: quantity} kept in the signed session cookie; nothing secret, nothing trusted."""

    def __init__(self, session: MutableMapping):
        self.session = session

    def items(self) -> dict[int, int]:
        raw = self.session.get(SESSION_KEY)
        if not isinstance(raw, dict):
            return {}
        out: dict[int, int] = {}
        for k, v in raw.items():
            if str(k).isdigit() and isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_LINE_QUANTITY:
                out[int(k)] = v
        return out

    def _save(self, items: dict[int, int]) -> None:
        if items:
            self.session[SESSION_KEY] = {str(k): v for k, v in items.items()}
        else:
            self.session.pop(SESSION_KEY, None)

    def set(self, product_id: int, quantity: int) -> None:
        items = self.items()
        items[product_id] = quantity
        self._save(items)

    def remove(self, product_id: int) -> None:
        items = self.items()
        items.pop(product_id, None)
        self._save(items)

    def clear(self) -> None:
        self._save({})


@dataclass(frozen=True)
class TypedLines:
    """Quantities typed on a page that is not a cart (the hub's assisted order), priced by `view` like one."""

    chosen: dict[int, int]

    def items(self) -> dict[int, int]:
        return dict(self.chosen)


class DbCart:
    def __init__(self, user):
        self.user = user

    @overload
    def _cart(self, create: Literal[True]) -> Cart: ...
    @overload
    def _cart(self, create: bool = False) -> Cart | None: ...
    def _cart(self, create: bool = False) -> Cart | None:
        cart = db.session.scalar(select(Cart).where(Cart.user_id == self.user.id))
        if cart is None and create:
            try:
                with db.session.begin_nested():
                    cart = Cart(user_id=self.user.id)
                    db.session.add(cart)
            except IntegrityError:  # a second tap of the same buyer created it meanwhile: use that one
                cart = db.session.scalars(select(Cart).where(Cart.user_id == self.user.id)).one()
        return cart

    def items(self) -> dict[int, int]:
        # The lines' two columns in one statement (not the cart row, then its lines).
        rows = db.session.execute(
            select(CartLine.product_id, CartLine.quantity).join(Cart, Cart.id == CartLine.cart_id)
            .where(Cart.user_id == self.user.id).order_by(CartLine.id)).tuples()
        return {product_id: quantity for product_id, quantity in rows}

    def _changed(self) -> None:
        sessions.forget(self.user, CART_LINES)

    def set(self, product_id: int, quantity: int) -> None:
        cart = self._cart(create=True)
        line = next((ln for ln in cart.lines if ln.product_id == product_id), None)
        if line is None:
            try:
                with db.session.begin_nested():
                    db.session.add(CartLine(cart_id=cart.id, product_id=product_id, quantity=quantity))
            except IntegrityError:  # a second tap added the line meanwhile: this tap sets its quantity
                db.session.execute(sql_update(CartLine).where(CartLine.cart_id == cart.id,
                                                              CartLine.product_id == product_id)
                                   .values(quantity=quantity))
            db.session.expire(cart, ["lines"])
        else:
            line.quantity = quantity
        db.session.flush()
        self._changed()

    def remove(self, product_id: int) -> None:
        cart = self._cart()
        if cart is None:
            return
        for line in list(cart.lines):
            if line.product_id == product_id:
                cart.lines.remove(line)
        db.session.flush()
        self._changed()

    def clear(self) -> None:
        cart = self._cart()
        if cart is not None:
            cart.lines.clear()
            db.session.flush()
        self._changed()


def cart_for(user, session: MutableMapping):
    if user is not None and getattr(user, "is_authenticated", False):
        return DbCart(user)
    return SessionCart(session)


def _sellable(product_ids) -> dict[int, Product]:
    if not product_ids:
        return {}
    rows = db.session.scalars(
        select(Product)
        .join(Product.producer)
        .where(Product.id.in_(list(product_ids)), Product.status == ProductStatus.APPROVED,
               Producer.status == ProducerStatus.VERIFIED)
        # The producer from the join (its registry assessments are never shown with a cart line).
        .options(contains_eager(Product.producer).lazyload(Producer.assessments), selectinload(Product.images))
    )
    return {p.id: p for p in rows}


def sellable_product(product_id: int) -> Product:
    product = _sellable([product_id]).get(product_id)
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return product


def quantity_message(limit: int, person_bound: bool = False) -> str:
    if limit < 1:
        return _("Sản phẩm đã hết hàng.")
    message = _("Số lượng phải là số nguyên từ 1 đến %(n)s.", n=limit)
    if person_bound:  # the refusal came from a person's 99, not the stock: say how a case order is made
        message += " " + _("Mua từ %(n)s trở lên cho cơ quan, trường học, doanh nghiệp: hãy đăng ký tài khoản tổ chức "
                           "hoặc yêu cầu báo giá.", n=MAX_LINE_QUANTITY + 1)
    return message


def add(store, product_id: int, raw_quantity, most: int = MAX_LINE_QUANTITY) -> int:
    """Add to a line; the line's new quantity must stay within 1..min(stock, most): a person's 99, an organisation's
    case bound (`wholesale.line_limit`)."""
    product = sellable_product(product_id)
    items = store.items()
    existing = items.get(product_id, 0)
    limit = min(product.stock, most)
    try:
        quantity = rules.parse_quantity(raw_quantity, max(limit - existing, 0), most)
    except rules.QuantityError:
        if existing and existing >= limit:
            raise InvalidInput(_("Giỏ hàng đã có %(n)s — tối đa cho sản phẩm này.", n=existing)) from None
        raise InvalidInput(quantity_message(limit - existing if existing else limit,
                                            most == MAX_LINE_QUANTITY and product.stock > most)) from None
    if product_id not in items and len(items) >= MAX_CART_LINES:
        raise InvalidInput(_("Giỏ hàng đã đầy."))
    store.set(product_id, existing + quantity)
    return existing + quantity


def update(store, product_id: int, raw_quantity, most: int = MAX_LINE_QUANTITY) -> int:
    product = sellable_product(product_id)
    limit = min(product.stock, most)
    try:
        quantity = rules.parse_quantity(raw_quantity, limit, most)
    except rules.QuantityError:
        raise InvalidInput(quantity_message(limit, most == MAX_LINE_QUANTITY and product.stock > most)) from None
    store.set(product_id, quantity)
    return quantity


def remove(store, product_id: int) -> None:
    store.remove(product_id)


@dataclass
class CartLineView:
    product: Product
    quantity: int
    problem: str = ""

    @property
    def unit_price_vnd(self) -> int:
        """The listing's price for this many: a tier when the quantity reaches one (`catalog.tiers`)."""
        return tiers.unit_price(self.product.price_vnd, self.product.price_tiers, self.quantity)

    @property
    def total_vnd(self) -> int:
        return self.unit_price_vnd * self.quantity


@dataclass
class CartView:
    lines: list[CartLineView]
    totals: rules.Totals
    unavailable: list[int]
    #: the totals with the programmes' shipping subsidies: what the buyer is shown and will be charged
    subsidised: subsidy.Subsidised | None = None
    #: where shipping was priced to (None: not chosen yet, so the widest zone: the most it can cost)
    destination: fees.Place | None = None
    #: the fee table priced the parcels (False: the flat fee of a shop without a table)
    by_table: bool = False

    @property
    def priced(self) -> subsidy.Subsidised:
        return self.subsidised if self.subsidised is not None else subsidy.Subsidised(self.totals)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_problems(self) -> bool:
        return any(ln.problem for ln in self.lines) or bool(self.unavailable)

    def by_producer(self) -> list[tuple[Producer, list[CartLineView], rules.Shipment]]:
        groups: dict[int, list[CartLineView]] = {}
        for ln in self.lines:
            groups.setdefault(ln.product.producer_id, []).append(ln)
        shipments = {s.producer_id: s for s in self.totals.shipments}
        return [(lines[0].product.producer, lines, shipments[pid]) for pid, lines in sorted(groups.items())]


def view(store, fee_vnd: int, free_above_vnd: int | None, destination: fees.Place | None = None) -> CartView:
    """The cart priced from the database right now; lines that can no longer be sold are flagged. Shipping: the fee
    table's price of each household's parcel to `destination` (`fees.quoter`), or `fee_vnd` without a table."""
    items = store.items()
    products = _sellable(items.keys())
    lines, unavailable = [], []
    for pid, qty in items.items():
        product = products.get(pid)
        if product is None:
            unavailable.append(pid)
            continue
        problem = ""
        if product.stock < qty:
            problem = _("Chỉ còn %(n)s.", n=product.stock) if product.stock else _("Sản phẩm đã hết hàng.")
        lines.append(CartLineView(product, qty, problem))
    lines.sort(key=lambda ln: (ln.product.producer_id, ln.product.id))
    priced = [rules.PricedLine(ln.product.id, ln.product.producer_id, ln.unit_price_vnd, ln.quantity,
                               ln.product.weight_grams) for ln in lines]
    table = fees.fee_table()
    fee = fees.quoter(table, fees.origins_of({ln.product.producer for ln in lines}), destination, fee_vnd)
    totals = rules.totals(priced, fee, free_above_vnd)
    return CartView(lines, totals, unavailable, subsidy.apply(totals, utcnow()), destination, not table.is_empty)


def view_for(store, cfg, destination: fees.Place | None = None) -> CartView:
    """`view` with the shop's flat fee and free-shipping threshold from the app's settings (the cart, checkout and
    the hub's assisted order price alike)."""
    return view(store, int(cfg["SHIPPING_FEE_VND"]), cfg.get("SHIPPING_FREE_ABOVE_VND"), destination)


def merge_session_cart(user, session: MutableMapping) -> None:
    """At login the guest's lines join the buyer's saved cart; quantities are capped, never refused."""
    guest = SessionCart(session)
    items = guest.items()
    if not items or user is None:
        guest.clear()
        return
    store = DbCart(user)
    saved = store.items()
    products = _sellable(items.keys())
    for pid, qty in items.items():
        product = products.get(pid)
        if product is None:
            continue
        merged = min(saved.get(pid, 0) + qty, product.stock, MAX_LINE_QUANTITY)
        if merged >= 1 and (pid in saved or len(saved) < MAX_CART_LINES):
            store.set(pid, merged)
            saved[pid] = merged
    guest.clear()
