"""A buyer's address book (issue 14): several delivery addresses, one the default, the one checkout fills in.

Only flushes; the view that called commits. Every query filters by the owner, so one buyer never reads or changes
another's address (a foreign id is simply not found).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..places import Commune, Province, match_commune
from ..timeutil import utcnow
from .models import DeliveryAddress, User
from .services import normalise_phone

#: more than a family needs; a bound so the page and the checkout choice stay short
MAX_ADDRESSES = 20


@dataclass(frozen=True)
class AddressData:
    contact_name: str
    phone: str
    address_line: str
    commune: str
    province_id: int


def addresses_of(user: User) -> list[DeliveryAddress]:
    """The default first, then the most recently used, then the newest."""
    return list(db.session.scalars(
        select(DeliveryAddress).where(DeliveryAddress.user_id == user.id)
        .order_by(DeliveryAddress.is_default.desc(), DeliveryAddress.last_used_at.desc().nulls_last(),
                  DeliveryAddress.id.desc())))


def address_of(user: User, address_id: int) -> DeliveryAddress:
    address = db.session.scalar(select(DeliveryAddress).where(DeliveryAddress.id == address_id,
                                                              DeliveryAddress.user_id == user.id))
    if address is None:
        raise NotFound()
    return address


def preferred(user: User) -> DeliveryAddress | None:
    """What checkout fills in: the default, else the address used last."""
    found = addresses_of(user)
    return found[0] if found else None


def _clean(data: AddressData) -> dict:
    try:
        phone = normalise_phone(data.phone)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if db.session.get(Province, data.province_id) is None:
        raise InvalidInput(_("Vui lòng chọn tỉnh/thành phố."))
    commune_text = " ".join((data.commune or "").split())
    commune = match_commune(data.province_id, commune_text)
    return {"contact_name": data.contact_name.strip(), "phone": phone, "address_line": data.address_line.strip(),
            "commune": commune.name if commune else commune_text, "commune_code": commune.code if commune else None,
            "province_id": data.province_id}


def _make_default(user: User, address: DeliveryAddress) -> None:
    db.session.execute(update(DeliveryAddress).where(DeliveryAddress.user_id == user.id,
                                                     DeliveryAddress.id != address.id)
                       .values(is_default=False).execution_options(synchronize_session="fetch"))
    address.is_default = True


def save(user: User, data: AddressData, address: DeliveryAddress | None = None,
         make_default: bool = False) -> DeliveryAddress:
    """Add an address (the first one becomes the default) or change one of the user's own."""
    values = _clean(data)
    if address is None:
        count = len(addresses_of(user))
        if count >= MAX_ADDRESSES:
            raise InvalidInput(_("Sổ địa chỉ đã đủ %(n)s địa chỉ; hãy xoá bớt một địa chỉ cũ.", n=MAX_ADDRESSES))
        address = DeliveryAddress(user_id=user.id, **values)
        db.session.add(address)
        make_default = make_default or count == 0
    else:
        if address.user_id != user.id:
            raise NotFound()
        for key, value in values.items():
            setattr(address, key, value)
    db.session.flush()
    if make_default:
        _make_default(user, address)
        db.session.flush()
    return address


def set_default(user: User, address_id: int) -> DeliveryAddress:
    address = address_of(user, address_id)
    _make_default(user, address)
    db.session.flush()
    return address


def delete(user: User, address_id: int) -> None:
    """Remove one; when it was the default, the address used most recently becomes the default."""
    address = address_of(user, address_id)
    was_default = address.is_default
    db.session.delete(address)
    db.session.flush()
    if was_default:
        rest = addresses_of(user)
        if rest:
            _make_default(user, rest[0])
            db.session.flush()


def remember_used(user: User, data: AddressData) -> DeliveryAddress | None:
    """An order went to this address: mark the saved one that is the same as used now, or save it as new."""
    values = _clean(data)
    for address in addresses_of(user):
        if all(getattr(address, key) == value for key, value in values.items() if key != "commune_code"):
            address.last_used_at = utcnow()
            db.session.flush()
            return address
    if len(addresses_of(user)) >= MAX_ADDRESSES:  # a full book keeps what it has; the order is not refused for it
        return None
    address = save(user, data)
    address.last_used_at = utcnow()
    db.session.flush()
    return address


def province_choices() -> list[tuple[str, str]]:
    """Provinces for a select, blank first: nobody ships to the first province of the alphabet by not choosing."""
    return [("", _("— Chọn tỉnh/thành phố —"))] + [
        (str(p.id), p.name) for p in db.session.scalars(select(Province).order_by(Province.name))]


def communes_of(province_id: int) -> list[str]:
    """The official communes of a province by name, for the commune field's list of choices."""
    return list(db.session.scalars(select(Commune.name).where(Commune.province_id == province_id)
                                   .order_by(Commune.name)))
