"""Hubs that sell for households (điểm bán hộ, issue 12 §3): staff create a hub, add its members (existing
accounts) and link households to it; a member then acts for exactly the households linked to its hubs.

Who may act for a household is decided here, once (`acting_hub`): the order services and the hub area ask it,
and a household not linked to one of the member's hubs is refused with 403. Services only flush; every staff
change writes an audit row in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts import sessions
from ..accounts.models import User
from ..accounts.services import EMAIL_RE, find_by_login, normalise_phone
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..places import Province
from . import listings
from .certificates import CertificateData
from .models import Hub, HubHousehold, HubKind, HubMember, Producer, ProducerStatus, Product, ProductStatus
from .services import require_staff

KIND_LABELS = {
    HubKind.COOPERATIVE: _l("Hợp tác xã"),
    HubKind.COMMUNE_OFFICER: _l("Cán bộ xã"),
    HubKind.POST_OFFICE: _l("Điểm bưu điện"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))  # type: ignore[call-overload]


@dataclass
class HubData:
    name: str
    kind: str
    province_id: int
    commune: str = ""
    phone: str | None = None
    email: str | None = None


def _check_hub_data(data: HubData) -> HubData:
    name = (data.name or "").strip()
    if not name or len(name) > 160:
        raise InvalidInput(_("Vui lòng nhập tên điểm bán (tối đa 160 ký tự)."))
    if data.kind not in set(HubKind):
        raise InvalidInput(_("Loại điểm bán không hợp lệ."))
    if db.session.get(Province, data.province_id) is None:
        raise InvalidInput(_("Tỉnh/thành phố không hợp lệ."))
    phone = None
    if (data.phone or "").strip():
        try:
            phone = normalise_phone(data.phone or "")
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    email = (data.email or "").strip().lower() or None
    if email is not None and (len(email) > 254 or not EMAIL_RE.fullmatch(email)):
        raise InvalidInput(_("Địa chỉ email không hợp lệ."))
    return HubData(name, data.kind, data.province_id, (data.commune or "").strip()[:120], phone, email)


def create_hub(actor: User, data: HubData) -> Hub:
    require_staff(actor)
    data = _check_hub_data(data)
    if db.session.scalar(select(Hub.id).where(Hub.name == data.name)) is not None:
        raise Conflict(_("Đã có điểm bán cùng tên."))
    hub = Hub(name=data.name, kind=data.kind, province_id=data.province_id, commune=data.commune, phone=data.phone,
              email=data.email, active=True)
    db.session.add(hub)
    db.session.flush()
    audit.record(actor.id, "hub.create", "hub", hub.id, name=hub.name, kind=hub.kind)
    return hub


def set_active(actor: User, hub: Hub, active: bool) -> None:
    """A closed hub keeps its history; its members lose the hub area until it opens again."""
    require_staff(actor)
    hub.active = active
    db.session.flush()
    audit.record(actor.id, "hub.open" if active else "hub.close", "hub", hub.id)


def add_member(actor: User, hub: Hub, login: str) -> HubMember:
    """Add an existing account, named by its e-mail or phone, to the hub's members."""
    require_staff(actor)
    user = find_by_login(login)
    if user is None or not user.active:
        raise NotFound(_("Không có tài khoản nào với e-mail hoặc số điện thoại này."))
    if user.is_staff:
        raise InvalidInput(_("Tài khoản cán bộ không cần làm thành viên điểm bán."))
    if db.session.scalar(select(HubMember.id).where(HubMember.hub_id == hub.id, HubMember.user_id == user.id)):
        raise Conflict(_("Tài khoản này đã là thành viên của điểm bán."))
    member = HubMember(hub_id=hub.id, user_id=user.id)
    db.session.add(member)
    db.session.flush()
    audit.record(actor.id, "hub.member_add", "hub", hub.id, user_id=user.id, login=user.login_name)
    return member


def remove_member(actor: User, hub: Hub, user_id: int) -> None:
    require_staff(actor)
    member = db.session.scalar(select(HubMember).where(HubMember.hub_id == hub.id, HubMember.user_id == user_id))
    if member is None:
        raise NotFound(_("Không tìm thấy thành viên."))
    db.session.delete(member)
    db.session.flush()
    audit.record(actor.id, "hub.member_remove", "hub", hub.id, user_id=user_id)


def link_household(actor: User, hub: Hub, producer: Producer) -> HubHousehold:
    """The hub sells for this household from now on. A household belongs to at most one hub."""
    require_staff(actor)
    current = hub_of_producer(producer.id)
    if current is not None:
        if current.id == hub.id:
            raise Conflict(_("Hộ này đã thuộc điểm bán."))
        raise Conflict(_("Hộ này đã thuộc điểm bán “%(name)s”; hãy gỡ ở đó trước.", name=current.name))
    link = HubHousehold(hub_id=hub.id, producer_id=producer.id, linked_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(link)
            db.session.flush()
    except IntegrityError:  # linked by a concurrent request in between
        raise Conflict(_("Hộ này vừa được gắn với một điểm bán khác.")) from None
    audit.record(actor.id, "hub.link", "hub", hub.id, producer_id=producer.id, producer=producer.name)
    audit.record(actor.id, "hub.link", "producer", producer.id, hub_id=hub.id, hub=hub.name)
    return link


def unlink_household(actor: User, hub: Hub, producer_id: int) -> None:
    require_staff(actor)
    link = db.session.scalar(select(HubHousehold).where(HubHousehold.hub_id == hub.id,
                                                        HubHousehold.producer_id == producer_id))
    if link is None:
        raise NotFound(_("Hộ này không thuộc điểm bán."))
    db.session.delete(link)
    db.session.flush()
    audit.record(actor.id, "hub.unlink", "hub", hub.id, producer_id=producer_id)
    audit.record(actor.id, "hub.unlink", "producer", producer_id, hub_id=hub.id, hub=hub.name)


# ---------------------------------------------------------------- queries
def all_hubs() -> Select:
    return select(Hub).order_by(Hub.name).options(selectinload(Hub.members), selectinload(Hub.households),
                                                  selectinload(Hub.province))


def hub_or_404(hub_id: int) -> Hub:
    hub = db.session.get(Hub, hub_id)
    if hub is None:
        raise NotFound(_("Không tìm thấy điểm bán."))
    return hub


def hub_of_producer(producer_id: int) -> Hub | None:
    """The hub this household belongs to, if any (active or not)."""
    return db.session.scalar(select(Hub).join(HubHousehold).where(HubHousehold.producer_id == producer_id))


def active_hub_of_producer(producer_id: int) -> Hub | None:
    """The open hub that hears of this household's orders, if any."""
    hub = hub_of_producer(producer_id)
    return hub if hub is not None and hub.active else None


def hubs_of(user: User | None) -> list[Hub]:
    """The open hubs `user` is a member of: a non-empty list is what gives the hub area."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(Hub).join(HubMember).where(HubMember.user_id == user.id,
                                                                    Hub.active.is_(True)).order_by(Hub.id)))


#: Whether the signed-in person belongs to an open hub, read with the account (accounts.sessions.carry): every
#: page's header asks, for the link to the hub area.
HUB_MEMBER = "hub_member"


def hub_member_of(user_id):
    return (select(HubMember.id).join(Hub, Hub.id == HubMember.hub_id)
            .where(HubMember.user_id == user_id, Hub.active.is_(True)).exists())


def is_hub_member(user: User | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    known = sessions.carried(user, HUB_MEMBER)
    return bool(known) if known is not None else bool(hubs_of(user))


def households_of(user: User) -> list[Producer]:
    """Every household linked to one of the member's open hubs, by name."""
    hub_ids = [h.id for h in hubs_of(user)]
    if not hub_ids:
        return []
    return list(db.session.scalars(select(Producer).join(HubHousehold, HubHousehold.producer_id == Producer.id)
                                   .where(HubHousehold.hub_id.in_(hub_ids)).order_by(Producer.name)))


def acting_hub(user: User | None, producer_id: int) -> Hub:
    """The hub through which `user` may act for this household; NotAllowed (403) when none of the user's open
    hubs sells for it."""
    hub = active_hub_of_producer(producer_id)
    if user is None or hub is None or not db.session.scalar(
            select(HubMember.id).where(HubMember.hub_id == hub.id, HubMember.user_id == user.id)):
        raise NotAllowed(_("Điểm bán của bạn không bán hàng cho hộ này."))
    return hub


def household_for(user: User, producer_id: int) -> tuple[Hub, Producer]:
    """A linked household and the hub acting for it, or 403."""
    hub = acting_hub(user, producer_id)
    producer = db.session.get(Producer, producer_id)
    if producer is None:  # the link's foreign key makes this unreachable, but say so plainly
        raise NotFound(_("Không tìm thấy hộ sản xuất."))
    return hub, producer


def members_of(hub: Hub) -> list[User]:
    return [m.user for m in hub.members if m.user.active]


def linkable_households(hub: Hub) -> list[Producer]:
    """Producers of the hub's province that belong to no hub yet."""
    linked = select(HubHousehold.producer_id)
    return list(db.session.scalars(select(Producer).where(Producer.province_id == hub.province_id,
                                                          Producer.id.not_in(linked)).order_by(Producer.name)))


def sellable_products(user: User) -> list[Product]:
    """What a hub may sell to a buyer at its counter: approved listings in stock of its verified households."""
    ids = [p.id for p in households_of(user)]
    if not ids:
        return []
    return list(db.session.scalars(
        select(Product).join(Product.producer)
        .where(Product.producer_id.in_(ids), Product.status == ProductStatus.APPROVED, Product.stock > 0,
               Producer.status == ProducerStatus.VERIFIED)
        .order_by(Producer.name, Product.name).options(selectinload(Product.producer))))


def product_for(user: User, product_id: int) -> tuple[Hub, Product]:
    """A listing of a household the member's hub sells for: unknown is 404, another household's 403."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return acting_hub(user, product.producer_id), product


def submit_for_household(user: User, product_id: int) -> Product:
    """The hub sends a household's draft or refused listing to review, through the producer's own service;
    the audit names the hub."""
    hub, product = product_for(user, product_id)
    listings.submit_for_review(user, product)
    audit.record(user.id, "hub.product_submit", "product", product.id, hub_id=hub.id, producer_id=product.producer_id)
    return product


def save_for_household(user: User, product_id: int, data: listings.ProductData,
                       certificate: CertificateData | None) -> Product:
    """The hub edits a household's listing through the producer's own use case (`listings.save_listing`: a
    changed name or description of an approved listing goes back to review); the audit names the hub."""
    hub, product = product_for(user, product_id)
    listings.save_listing(user, product.producer, data, certificate, product)
    audit.record(user.id, "hub.product_update", "product", product.id, hub_id=hub.id, producer_id=product.producer_id)
    return product
