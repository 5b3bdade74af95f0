"""Catalog queries every page and domain reads: what is public, groups and provinces, whose listing this is.
The use cases that change the catalog live in producers.py, listings.py, certificates.py and photos.py; each
flushes, and the request or CLI command commits once.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from .. import reference_cache
from ..accounts.models import User
from ..errors import NotAllowed, NotFound
from ..extensions import db
from ..places import Province
from ..routing import is_id
from ..text import slugify
from .models import (
    Producer,
    ProducerStatus,
    Product,
    ProductGroup,
    ProductStatus,
)


# ---------------------------------------------------------------- queries
def public_products() -> Select:
    """Listings a buyer may see: approved, from a verified producer."""
    return (
        select(Product)
        .join(Product.producer)
        .where(Product.status == ProductStatus.APPROVED, Producer.status == ProducerStatus.VERIFIED)
        .options(
            selectinload(Product.images),
            selectinload(Product.certificates),
            # The producer comes with the rows from the join above, and its province with it (a producer always
            # has one): a card's maker and place in the page's one product statement (issue 15, query discipline).
            contains_eager(Product.producer).joinedload(Producer.province, innerjoin=True),
            # A public page never shows a household's poverty category (the privacy promise of the transparency
            # page), so the registry's assessments are not loaded with every card: one statement per page saved.
            contains_eager(Product.producer).lazyload(Producer.assessments),
        )
    )


def get_public_product(slug: str) -> Product:
    product = db.session.scalar(public_products().where(Product.slug == slug))
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return product


def get_public_producer(slug: str) -> Producer:
    producer = db.session.scalar(
        select(Producer).where(Producer.slug == slug, Producer.status == ProducerStatus.VERIFIED)
        .options(lazyload(Producer.assessments))
    )
    if producer is None:
        raise NotFound(_("Không tìm thấy cơ sở sản xuất."))
    return producer


@dataclass(frozen=True, slots=True)
class Group:
    """A top-level OCOP group as pages use it (menu, filters, forms): a copy kept per process, not a session's row."""

    id: int
    code: str
    name_vi: str
    name_en: str
    position: int

    def name(self, locale: str = "vi") -> str:
        return self.name_en if locale == "en" else self.name_vi


def groups() -> list[Group]:
    """The top-level groups, in menu order. Every page's menu asks, so each process keeps them until the
    catalogue generation moves (reference_cache): no statement per page."""
    return reference_cache.cached("catalog.groups", lambda: [
        Group(g.id, g.code, g.name_vi, g.name_en, g.position) for g in db.session.scalars(
            select(ProductGroup).where(ProductGroup.parent_id.is_(None)).order_by(ProductGroup.position))])


def group_by_code(code: str) -> Group | ProductGroup | None:
    top = next((group for group in groups() if group.code == code), None)
    return top or db.session.scalar(select(ProductGroup).where(ProductGroup.code == code))


def provinces() -> list[Province]:
    return list(db.session.scalars(select(Province).order_by(Province.name)))


def producer_of(user: User) -> Producer | None:
    return db.session.scalar(select(Producer).where(Producer.owner_id == user.id).order_by(Producer.id))


def dashboard_producer_of(user: User) -> tuple[Producer, dict[str, int]] | None:
    """`producer_of` with what the dashboard shows beside it: its province, and how many listings it has in each
    state (the tabs), in the same statement: one correlated count per state, each over the producer's own rows."""
    states = list(ProductStatus)
    row = db.session.execute(
        select(Producer, *(
            select(func.count()).where(Product.producer_id == Producer.id, Product.status == state)
            .correlate(Producer).scalar_subquery() for state in states))
        .where(Producer.owner_id == user.id).order_by(Producer.id).limit(1)
        .options(joinedload(Producer.province))).first()
    if row is None:
        return None
    return row[0], {str(state): n for state, n in zip(states, row[1:], strict=True) if n}


#: Listings per page of the producer's dashboard: a cooperative selling for a whole commune has a hundred, and the
#: page once showed them all (72 rows, 75 KB, 76 ms of CPU at the load test's first producer; issue 15).
LISTINGS_PER_PAGE = 20


@dataclass(frozen=True)
class ListingPage:
    """One page of a producer's own listings, newest first, with how many it has in each state (the tabs)."""

    items: list[Product]
    counts: dict[str, int]
    status: str | None
    page: int
    per_page: int

    @property
    def total(self) -> int:
        return self.counts.get(self.status, 0) if self.status else sum(self.counts.values())

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)


def own_listings(producer: Producer, counts: dict[str, int], status: str | None, page: int,
                 per_page: int = LISTINGS_PER_PAGE) -> ListingPage:
    """A page of the producer's listings in `status` (every state when None) with their photos and certificates:
    three statements whatever the number of listings, none when the page is past the end."""
    stmt = select(Product).where(Product.producer_id == producer.id)
    if status is not None:
        stmt = stmt.where(Product.status == status)
    page_of = ListingPage([], counts, status, page, per_page)
    if (page - 1) * per_page >= page_of.total:
        return page_of
    items = list(db.session.scalars(
        stmt.order_by(Product.id.desc()).limit(per_page).offset((page - 1) * per_page)
        .options(selectinload(Product.images), selectinload(Product.certificates))))
    return ListingPage(items, counts, status, page, per_page)


def owned_product(user: User, product_id: int) -> Product:
    """A listing of the user's own producer; someone else's is 'not found', never 'forbidden'."""
    # An id beyond the 32-bit column is no listing; sent to the database it would overflow the driver instead.
    product = db.session.scalar(
        select(Product).join(Product.producer).where(Product.id == product_id, Producer.owner_id == user.id)
    ) if is_id(product_id) else None
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return product


# ---------------------------------------------------------------- producers
def unique_slug(model, base: str) -> str:
    base = slugify(base)
    existing = set(db.session.scalars(select(model.slug).where(model.slug.like(f"{base}%"))))
    if base not in existing:
        return base
    n = 2
    while f"{base}-{n}" in existing:
        n += 1
    return f"{base}-{n}"


def require_staff(actor: User) -> None:
    if actor is None or not actor.is_staff:
        raise NotAllowed(_("Chỉ cán bộ chương trình được thực hiện thao tác này."))


def require_reviewer(actor: User, producer: Producer) -> None:
    """Staff review any producer and listing; a commune officer only those of their own commune."""
    if actor is None or not actor.may_review(producer.commune_id):
        raise NotAllowed(_("Hồ sơ này thuộc xã khác: tài khoản cán bộ xã chỉ xem và thay đổi được hồ sơ của xã mình."))


def count_sold(lines) -> None:
    """A part of an order was delivered: its units count as sold ("Đã bán") on their listings. An atomic UPDATE
    per line (two deliveries at once both count); flush only."""
    for line in lines:
        db.session.execute(update(Product).where(Product.id == line.product_id)
                           .values(sold_count=Product.sold_count + line.quantity)
                           .execution_options(synchronize_session=False))
