"""Organisation buyers (khách hàng tổ chức): a buyer account that buys for a company, school, agency or cooperative.

Saving the details turns the account into an organisation's (or edits them); the account stays a buyer's. What it
changes elsewhere: a line may hold more than a person's 99 (orders/wholesale.py), the account may ask producers for
quotes, and the VAT invoice request is filled from it. Nobody verifies the details: the tax code's shape is checked
here, and the seller checks the code with the tax office before invoicing; staff see the list
(`/quan-tri/to-chuc-mua`). Services flush; the view commits."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from ..errors import InvalidInput, NotAllowed
from ..extensions import db
from ..validators import normalise_tax_code, tax_code_message
from . import sessions
from .models import Organisation, OrganisationKind, Role, User
from .services import normalise_phone

#: the signed-in account's organisation id, read with the account (one statement per page, as the cart badge)
ORGANISATION = "organisation_id"

KIND_LABELS: dict[str, object] = {
    OrganisationKind.COMPANY: _l("Doanh nghiệp, công ty"),
    OrganisationKind.SCHOOL: _l("Trường học, bếp ăn tập thể"),
    OrganisationKind.AGENCY: _l("Cơ quan, đơn vị nhà nước"),
    OrganisationKind.COOPERATIVE_BUYER: _l("Hợp tác xã, cửa hàng mua về bán lại"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def organisation_of_subquery(user_id_column):
    return select(Organisation.id).where(Organisation.user_id == user_id_column).scalar_subquery()


def register_carried() -> None:
    sessions.carry(ORGANISATION, organisation_of_subquery)


@dataclass
class OrganisationData:
    kind: str
    legal_name: str
    tax_code: str
    invoice_address: str
    contact_name: str
    contact_phone: str = ""


def check(data: OrganisationData) -> OrganisationData:
    """The details as stored, or InvalidInput naming the field (`parameter`) in the user's language."""
    if data.kind not in set(OrganisationKind):
        raise InvalidInput(_("Vui lòng chọn loại tổ chức."), parameter="kind")
    name = (data.legal_name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(_("Vui lòng nhập tên đơn vị (tối đa 200 ký tự)."), parameter="legal_name")
    try:
        tax_code = normalise_tax_code(data.tax_code)
    except ValueError:
        raise InvalidInput(tax_code_message(), parameter="tax_code") from None
    address = (data.invoice_address or "").strip()
    if not address or len(address) > 300:
        raise InvalidInput(_("Vui lòng nhập địa chỉ xuất hóa đơn (tối đa 300 ký tự)."), parameter="invoice_address")
    contact = (data.contact_name or "").strip()
    if not contact or len(contact) > 120:
        raise InvalidInput(_("Vui lòng nhập họ tên người liên hệ."), parameter="contact_name")
    phone = (data.contact_phone or "").strip()
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValueError as exc:
            raise InvalidInput(str(exc), parameter="contact_phone") from None
    return OrganisationData(data.kind, name, tax_code, address, contact, phone)


def organisation_of(user) -> Organisation | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Organisation).where(Organisation.user_id == user.id))


def is_organisation(user) -> bool:
    """Whether the account buys for an organisation; from the loader's statement when it carried the fact."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role != Role.BUYER:
        return False
    facts = getattr(user, "__dict__", {}).get(sessions.CARRIED, {})
    if ORGANISATION in facts:
        return facts[ORGANISATION] is not None
    return db.session.scalar(select(Organisation.id).where(Organisation.user_id == user.id)) is not None


def save(user: User, data: OrganisationData) -> Organisation:
    """Turn the buyer's account into an organisation's, or change its details. Only a buyer's own account."""
    if user.role != Role.BUYER:
        raise NotAllowed(_("Chỉ tài khoản người mua mới đăng ký được là tổ chức."))
    data = check(data)
    org = organisation_of(user)
    fields = {"kind": data.kind, "legal_name": data.legal_name, "tax_code": data.tax_code,
              "invoice_address": data.invoice_address, "contact_name": data.contact_name,
              "contact_phone": data.contact_phone or None}
    if org is None:
        org = Organisation(user_id=user.id, **fields)
        try:
            with db.session.begin_nested():  # two tabs saving at once: the unique key keeps one
                db.session.add(org)
        except IntegrityError:
            org = db.session.scalars(select(Organisation).where(Organisation.user_id == user.id)).one()
    for key, value in fields.items():
        setattr(org, key, value)
    db.session.flush()
    sessions.forget(user, ORGANISATION)
    return org


def staff_list(query: str = "") -> Select:
    """Organisation accounts for staff, newest first; `query` matches the name or the tax code."""
    stmt = select(Organisation).join(User, User.id == Organisation.user_id).options(contains_eager(Organisation.user)).order_by(
        Organisation.created_at.desc(), Organisation.id.desc())
    q = (query or "").strip()
    if q:
        stmt = stmt.where(Organisation.legal_name.ilike(f"%{q[:100]}%") | Organisation.tax_code.startswith(q[:14]))
    return stmt
